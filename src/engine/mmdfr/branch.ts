import type { Tf } from '../runtime/tensorflow.js';
import type { MmdfrConfig } from './config.js';
import { minimise, type EpochReport } from './optimise.js';
import { principalDirections } from './principal.js';
import { orthonormalRows } from './random.js';

/** A trained branch feature layer: y = x kernel + bias, kernel [inputDim, units] row-major. */
export interface DenseWeights {
  kernel: Float32Array;
  bias: Float32Array;
  inputDim: number;
  units: number;
}

/**
 * A [inputDim, units] kernel that keeps the inputs' cosine geometry as far as `units` allow:
 * orthonormal rows when the inputs fit (a rotation into a wider space), else the transpose of
 * the inputs' leading principal directions (a projection that keeps the most variance).
 */
function geometricStart(tf: Tf, inputs: Float32Array, inputDim: number, units: number, random: () => number): Float32Array {
  if (inputDim <= units) {
    return orthonormalRows(inputDim, units, random);
  }

  const directions = principalDirections(tf, inputs, inputDim, 0, inputDim, units, random);
  const kernel = new Float32Array(inputDim * units);
  for (let u = 0; u < units; u++) {
    for (let i = 0; i < inputDim; i++) {
      kernel[i * units + u] = directions[u * inputDim + i];
    }
  }
  return kernel;
}

/**
 * Trains one modality's 512-unit feature layer above the frozen trunk with identity supervision.
 *
 * `inputs` are L2-normalised trunk outputs [n, inputDim] and `labels` class indices 0..classCount-1.
 * The kernel starts as a geometry-keeping map (geometricStart) and the bias at zero, or with
 * `centre` at minus the mapped mean, so the untrained layer is the trunk's own cosine geometry
 * (after centring); or both start at `start`, a layer trained before. A cosine softmax (features and class
 * weights normalised, logits scaled by `softmaxScale`) supervises identities, and a penalty on
 * the distance from the starting kernel keeps a few thousand photos from erasing what the trunk knew.
 */
export async function trainBranch(
  tf: Tf,
  inputs: Float32Array,
  labels: Int32Array,
  classCount: number,
  inputDim: number,
  config: MmdfrConfig,
  random: () => number,
  onEpoch: (report: EpochReport) => void,
  options: { centre: boolean; start?: DenseWeights | null },
): Promise<DenseWeights> {
  const { centre } = options;
  const start = options.start ?? null;
  const n = labels.length;
  const units = config.branchUnits;
  const startKernel = start?.kernel ?? geometricStart(tf, inputs, inputDim, units, random);

  const x = tf.tensor2d(inputs, [n, inputDim]);
  const y = tf.tensor1d(labels, 'int32');
  const kernel0 = tf.tensor2d(startKernel, [inputDim, units]);
  const kernel = tf.variable(kernel0.clone());
  let startBias: import('@tensorflow/tfjs').Tensor;
  if (start) {
    startBias = tf.tensor1d(start.bias);
  } else if (centre) {
    startBias = tf.tidy(() => tf.neg(tf.matMul(tf.mean(x, 0, true), kernel0)).reshape([units]));
  } else {
    startBias = tf.zeros([units]);
  }
  const bias = tf.variable(startBias);
  startBias.dispose();

  // Class weights start at each identity's normalised mean feature, so training begins near a good optimum.
  // The sums are built with a one-hot matrix product because wasm has no UnsortedSegmentSum kernel.
  const centres = tf.variable(tf.tidy(() => {
    const features = tf.add(tf.matMul(x, kernel0), bias);
    const sums = tf.matMul(tf.oneHot(y, classCount), features, true, false);
    return tf.div(sums, tf.add(tf.norm(sums, 'euclidean', 1, true), 1e-8));
  }));

  try {
    await minimise(tf, {
      variables: [kernel, bias, centres],
      sampleCount: n,
      epochs: config.branchEpochs,
      batchSize: config.batchSize,
      learningRate: config.learningRate,
      random,
      onEpoch,
      loss: (batch) => {
        const features = tf.add(tf.matMul(tf.gather(x, batch), kernel), bias);
        const normalised = tf.div(features, tf.add(tf.norm(features, 'euclidean', 1, true), 1e-8));
        const weights = tf.div(centres, tf.add(tf.norm(centres, 'euclidean', 1, true), 1e-8));
        const logits = tf.mul(tf.matMul(normalised, weights, false, true), config.softmaxScale);
        const onehot = tf.oneHot(tf.gather(y, batch), classCount);
        const crossEntropy = tf.losses.softmaxCrossEntropy(onehot, logits);
        const anchor = tf.mul(tf.sum(tf.square(tf.sub(kernel, kernel0))), config.anchorPenalty);
        return tf.add(crossEntropy, anchor) as import('@tensorflow/tfjs').Scalar;
      },
    });

    return {
      kernel: new Float32Array(await kernel.data()),
      bias: new Float32Array(await bias.data()),
      inputDim,
      units,
    };
  } finally {
    tf.dispose([x, y, kernel0, kernel, bias, centres]);
  }
}
