import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeFloat16, encodeFloat16, fromFloat16Bits, toFloat16Bits } from '../../src/engine/mmdfr/float16.js';

test('float16 known bit patterns', () => {
  // Bit patterns from the IEEE 754 binary16 definition.
  const cases: Array<[number, number]> = [[0, 0x0000], [1, 0x3c00], [-2, 0xc000], [0.5, 0x3800], [65504, 0x7bff], [2 ** -24, 0x0001], [2 ** -14, 0x0400]];
  for (const [value, bits] of cases) {
    assert.equal(toFloat16Bits(value), bits, `bits of ${value}`);
    assert.equal(fromFloat16Bits(bits), value, `value of 0x${bits.toString(16)}`);
  }
  assert.equal(toFloat16Bits(1e6), 0x7c00, 'overflow becomes infinity');
  assert.ok(Number.isNaN(fromFloat16Bits(toFloat16Bits(NaN))));
});

test('float16 rounds to nearest even', () => {
  // Between 1 and 1 + 2^-10, the halfway point 1 + 2^-11 rounds to the even 1. Just above it rounds up.
  assert.equal(fromFloat16Bits(toFloat16Bits(1 + 2 ** -11)), 1);
  assert.equal(fromFloat16Bits(toFloat16Bits(1 + 2 ** -11 + 2 ** -20)), 1 + 2 ** -10);
  assert.equal(fromFloat16Bits(toFloat16Bits(1 + 3 * 2 ** -11)), 1 + 2 ** -9);

  // Relative error at most 2^-11 over the range trunk activations use.
  const values = Float32Array.from({ length: 1000 }, (_, i) => (i - 500) * 0.0371 + 0.001);
  const decoded = decodeFloat16(encodeFloat16(values));
  values.forEach((v, i) => assert.ok(Math.abs(decoded[i] - v) <= Math.abs(v) * 2 ** -11 + 1e-7, `${v} -> ${decoded[i]}`));
});
