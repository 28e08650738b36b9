import type { DenseWeights } from './branch.js';
import { orthonormalRows } from './random.js';

/**
 * Starting kernels for the stacked auto-encoder, chosen so that the untrained stack keeps the
 * branches' cosine geometry. Each branch is linear in its trunk output, so its features have
 * rank at most min(trunk dimension, branch units): 128 for a dlib region, 512 for faceres.
 */

/** Width of a branch's block in the first layer's output: the rank its features can have. */
export function unfoldedWidth(branch: DenseWeights): number {
  return Math.min(branch.inputDim, branch.units);
}

/**
 * First layer: maps each narrow branch (trunk output smaller than its units) back onto its
 * trunk coordinates (the transpose of the branch kernel, which has near-orthonormal rows) and
 * carries each wide branch's features through unchanged, so the first sum(unfoldedWidth)
 * outputs carry the centred, weighted branch information in branch order and the rest start
 * near zero. Kernel shape [branches x branchUnits, units].
 */
export function unfoldBranches(branches: DenseWeights[], units: number, random: () => number): Float32Array {
  const inputDim = branches.reduce((sum, b) => sum + b.units, 0);
  const kernel = smallNoise(inputDim * units, random);

  let row = 0;
  let column = 0;
  for (const branch of branches) {
    const width = unfoldedWidth(branch);
    if (column + width > units) {
      throw new Error(`the first auto-encoder layer needs at least ${column + width} units`);
    }

    if (branch.inputDim <= branch.units) {
      // kernel[row + j, column + i] = branch.kernel[i, j]
      for (let i = 0; i < branch.inputDim; i++) {
        for (let j = 0; j < branch.units; j++) {
          kernel[(row + j) * units + column + i] = branch.kernel[i * branch.units + j];
        }
      }
    } else {
      for (let j = 0; j < branch.units; j++) {
        kernel[(row + j) * units + column + j] = 1;
      }
    }
    row += branch.units;
    column += width;
  }
  return kernel;
}

/**
 * Keeps the first `keep` coordinates and maps the next `informative - keep` onto the remaining
 * outputs: unchanged when they fit, else with `projection` ([units - keep, informative - keep],
 * orthonormal rows, such as the codes' principal directions) or a random orthonormal one.
 * Kernel shape [inputDim, units].
 */
export function compress(inputDim: number, units: number, keep: number, informative: number, random: () => number, projection?: Float32Array): Float32Array {
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
  projection ??= orthonormalRows(targets, sources, random);
  for (let t = 0; t < targets; t++) {
    for (let s = 0; s < sources; s++) {
      kernel[(keep + s) * units + keep + t] = projection![t * sources + s];
    }
  }
  return kernel;
}

/** Near-zero start for unused weights: exactly zero would leave them without gradient forever. */
function smallNoise(length: number, random: () => number): Float32Array {
  return Float32Array.from({ length }, () => (random() - 0.5) * 2e-3);
}
