import type { DenseWeights } from './branch.js';
import { orthonormalRows } from './random.js';

/**
 * Starting kernels for the stacked auto-encoder, chosen so that the untrained stack keeps the
 * branches' cosine geometry. The concatenated branch features have rank at most
 * modalities x trunk dimension (7 x 128 = 896), because each branch is linear in its trunk output.
 */

/**
 * First layer: maps each branch's features back onto its trunk coordinates (the transpose of
 * the branch kernel, which has near-orthonormal rows), so outputs 0..895 carry the centred,
 * weighted trunk outputs and the rest start near zero. Kernel shape [branches x branchUnits, units].
 */
export function unfoldBranches(branches: DenseWeights[], units: number, random: () => number): Float32Array {
  const inputDim = branches.reduce((sum, b) => sum + b.units, 0);
  const kernel = smallNoise(inputDim * units, random);

  let row = 0;
  let column = 0;
  for (const branch of branches) {
    if (column + branch.inputDim > units) {
      throw new Error(`the first auto-encoder layer needs at least ${column + branch.inputDim} units`);
    }

    // kernel[row + j, column + i] = branch.kernel[i, j]
    for (let i = 0; i < branch.inputDim; i++) {
      for (let j = 0; j < branch.units; j++) {
        kernel[(row + j) * units + column + i] = branch.kernel[i * branch.units + j];
      }
    }
    row += branch.units;
    column += branch.inputDim;
  }
  return kernel;
}

/** Carries the first min(inputDim, units) coordinates through unchanged. Kernel shape [inputDim, units]. */
export function carryThrough(inputDim: number, units: number, random: () => number): Float32Array {
  const kernel = smallNoise(inputDim * units, random);
  for (let i = 0; i < Math.min(inputDim, units); i++) {
    kernel[i * units + i] = 1;
  }
  return kernel;
}

/**
 * Last layer: keeps the first `keep` coordinates (the holistic branch) and maps the next
 * `informative - keep` (the patch branches) onto the remaining outputs with an orthonormal
 * projection. Kernel shape [inputDim, units].
 */
export function compress(inputDim: number, units: number, keep: number, informative: number, random: () => number): Float32Array {
  const kernel = smallNoise(inputDim * units, random);
  for (let i = 0; i < keep; i++) {
    kernel[i * units + i] = 1;
  }

  const sources = Math.min(informative, inputDim) - keep;
  const targets = units - keep;
  if (sources <= targets) {
    for (let i = 0; i < sources; i++) {
      kernel[(keep + i) * units + keep + i] = 1;
    }
    return kernel;
  }

  // projection [targets, sources] with orthonormal rows; kernel[keep + s, keep + t] = projection[t, s]
  const projection = orthonormalRows(targets, sources, random);
  for (let t = 0; t < targets; t++) {
    for (let s = 0; s < sources; s++) {
      kernel[(keep + s) * units + keep + t] = projection[t * sources + s];
    }
  }
  return kernel;
}

/** Near-zero start for unused weights: exactly zero would leave them without gradient forever. */
function smallNoise(length: number, random: () => number): Float32Array {
  return Float32Array.from({ length }, () => (random() - 0.5) * 2e-3);
}
