import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { decodeFloat16, encodeFloat16, fromFloat16Bits, toFloat16Bits } from '../../src/engine/mmdfr/float16.js';
import { ACTIVATION_LENGTH } from '../../src/engine/mmdfr/layout.js';
import { readStrangers, writeStrangers } from '../../src/engine/mmdfr/strangers.js';

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

test('stranger set round trip and checks', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'facematch-strangers-'));
  try {
    assert.equal(await readStrangers(dir), null, 'a folder without a set');

    const faces = [0.25, -1.5, 3].map((scale) => Float32Array.from({ length: ACTIVATION_LENGTH }, (_, i) => scale * Math.sin(i)));
    await writeStrangers(dir, faces, 'test faces');
    const read = await readStrangers(dir);
    assert.equal(read?.length, 3);
    read!.forEach((face, f) => face.forEach((v, i) => assert.ok(Math.abs(v - faces[f][i]) <= 3 * 2 ** -11, `face ${f} value ${i}`)));

    const info = JSON.parse(await fs.readFile(path.join(dir, 'strangers.json'), 'utf8'));
    await fs.writeFile(path.join(dir, 'strangers.json'), JSON.stringify({ ...info, activationLength: 1792 }));
    await assert.rejects(readStrangers(dir), /describes 1792-float activations, but this engine makes 3840/);

    await fs.writeFile(path.join(dir, 'strangers.json'), JSON.stringify({ ...info, count: 4 }));
    await assert.rejects(readStrangers(dir), /strangers.json expects 4 faces/);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
