import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { principalDirections } from '../../src/engine/mmdfr/principal.js';
import { createRandom, gaussian, orthonormalRows } from '../../src/engine/mmdfr/random.js';
import { loadTensorflow, type Tf } from '../../src/engine/runtime/tensorflow.js';

/**
 * Codes [400, 12] whose columns 2..9 vary mostly along two known directions (standard
 * deviations 5 and 3) plus small noise (0.1); columns 0, 1, 10 and 11 hold large unrelated values.
 */
function codesWithKnownDirections(random: () => number): { codes: Float32Array; directions: Float32Array } {
  const directions = orthonormalRows(2, 8, random);
  const codes = new Float32Array(400 * 12);
  for (let i = 0; i < 400; i++) {
    const a = 5 * gaussian(random);
    const b = 3 * gaussian(random);
    for (let k = 0; k < 8; k++) {
      codes[i * 12 + 2 + k] = 7 + a * directions[k] + b * directions[8 + k] + 0.1 * gaussian(random);
    }
    for (const column of [0, 1, 10, 11]) {
      codes[i * 12 + column] = 50 * gaussian(random);
    }
  }
  return { codes, directions };
}

const dot = (p: Float32Array, q: Float32Array): number => p.reduce((sum, v, k) => sum + v * q[k], 0);

describe('principalDirections', () => {
  let tf: Tf;
  before(async () => {
    ({ tf } = await loadTensorflow('cpu'));
  });

  it('finds the two directions the chosen columns vary along, in order of variance', () => {
    const random = createRandom(3);
    const { codes, directions } = codesWithKnownDirections(random);

    const found = principalDirections(tf, codes, 12, 2, 10, 2, random);

    assert.equal(found.length, 16);
    assert.ok(Math.abs(dot(found.subarray(0, 8), directions.subarray(0, 8))) > 0.99, 'first direction');
    assert.ok(Math.abs(dot(found.subarray(8, 16), directions.subarray(8, 16))) > 0.99, 'second direction');
    assert.ok(Math.abs(dot(found.subarray(0, 8), found.subarray(8, 16))) < 1e-5, 'orthogonal rows');
  });
});
