import type { Tf } from '../runtime/tensorflow.js';
import { orthonormalRows, orthonormalise } from './random.js';

/** Rounds of subspace iteration; the leading directions settle within a few. */
const ITERATIONS = 10;

/**
 * The `count` leading principal directions of columns [from, to) of `codes` ([n, dim],
 * row-major), by subspace iteration on their covariance. Returns a [count, to - from] matrix
 * with orthonormal rows: as a projection it keeps as much of those columns' variance as
 * `count` dimensions can.
 */
export function principalDirections(tf: Tf, codes: Float32Array, dim: number, from: number, to: number, count: number, random: () => number): Float32Array {
  const width = to - from;
  const n = codes.length / dim;

  // [width, width] covariance of the centred columns.
  const covariance = tf.tidy(() => {
    const columns = tf.slice(tf.tensor2d(codes, [n, dim]), [0, from], [n, width]);
    const centred = tf.sub(columns, tf.mean(columns, 0, true));
    return tf.matMul(centred, centred, true, false);
  });

  try {
    let basis = orthonormalRows(count, width, random);
    for (let round = 0; round < ITERATIONS; round++) {
      const next = tf.tidy(() => tf.matMul(tf.tensor2d(basis, [count, width]), covariance).dataSync() as Float32Array);
      basis = orthonormalise(next, count, width, random);
    }
    return basis;
  } finally {
    covariance.dispose();
  }
}
