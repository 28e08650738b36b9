import type { LayersModel } from '@tensorflow/tfjs';
import type { Tf } from '../runtime/tensorflow.js';

/**
 * A VGG-style branch CNN as in MM-DFR: blocks of 3x3 convolutions (ReLU, same padding), a 2x2
 * max-pool after each block but the last, a global average pool, dropout and a feature layer,
 * trained through an identity softmax. Training it needs gradients of convolution filters,
 * which the tensorflow and tensorflow-gpu backends provide and cpu provides slowly; the wasm
 * backend has no Conv2DBackpropFilter kernel.
 */
export interface ConvBranchShape {
  /** Input height, width and channels (1 for grey, 3 for RGB). */
  input: [number, number, number];
  /** Output channels of each convolution, grouped by block. */
  blocks: number[][];
  featureUnits: number;
  dropout: number;
}

/** The holistic branch: a 165x120 grey face, 12 convolution layers, 4 max-pools, 512 features. */
export const HOLISTIC_CNN: ConvBranchShape = {
  input: [165, 120, 1],
  blocks: [[32, 64], [64, 64], [128, 128], [96, 192], [128, 256, 160, 320]],
  featureUnits: 512,
  dropout: 0.4,
};

/** A patch branch: a 100x100 grey patch, 10 convolution layers, 4 max-pools, 512 features. */
export const PATCH_CNN: ConvBranchShape = {
  input: [100, 100, 1],
  blocks: [[32, 64], [64, 64], [128, 128], [96, 192], [160, 320]],
  featureUnits: 512,
  dropout: 0.4,
};

// TODO: trainModel does not use these branches yet; it trains only the layers above the frozen
// trunk. A worker on tensorflow or tensorflow-gpu can train them from aligned crops once the
// training job passes crops (not only cached trunk activations) to the engine.

/** Backends that can train convolution layers. */
const CONV_TRAINING_BACKENDS = new Set(['tensorflow', 'cpu']);

/**
 * Builds the branch CNN with a softmax over `classCount` identities. The feature layer is named
 * `feature`, so a model for inference is `tf.model({ inputs, outputs: getLayer('feature').output })`.
 */
export function buildConvBranch(tf: Tf, shape: ConvBranchShape, classCount: number): LayersModel {
  const model = tf.sequential();
  shape.blocks.forEach((channels, block) => {
    channels.forEach((filters, index) => {
      model.add(tf.layers.conv2d({
        ...(block === 0 && index === 0 ? { inputShape: shape.input } : {}),
        filters,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        name: `conv${block + 1}_${index + 1}`,
      }));
    });
    if (block < shape.blocks.length - 1) {
      model.add(tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `pool${block + 1}` }));
    }
  });

  model.add(tf.layers.globalAveragePooling2d({ name: 'average' }));
  model.add(tf.layers.dropout({ rate: shape.dropout }));
  model.add(tf.layers.dense({ units: shape.featureUnits, activation: 'relu', name: 'feature' }));
  model.add(tf.layers.dense({ units: classCount, activation: 'softmax', name: 'identity' }));
  return model;
}

/**
 * Trains a branch CNN on face crops `images` [n, height, width, channels] with identity labels
 * 0..classCount-1. Returns the mean loss of each epoch. Raises on the wasm backend, which cannot
 * compute convolution filter gradients.
 */
export async function trainConvBranch(
  tf: Tf,
  model: LayersModel,
  images: Float32Array,
  labels: Int32Array,
  classCount: number,
  options: { epochs: number; batchSize: number; learningRate: number },
): Promise<number[]> {
  const backend = tf.getBackend();
  if (!CONV_TRAINING_BACKENDS.has(backend)) {
    throw new Error(`training convolution layers needs the tensorflow, tensorflow-gpu or cpu backend; this engine runs on ${backend}`);
  }

  const [height, width, channels] = model.inputs[0].shape.slice(1) as number[];
  const x = tf.tensor4d(images, [labels.length, height, width, channels]);
  const y = tf.oneHot(tf.tensor1d(labels, 'int32'), classCount);
  try {
    model.compile({ optimizer: tf.train.adam(options.learningRate), loss: 'categoricalCrossentropy' });
    const history = await model.fit(x, y, { epochs: options.epochs, batchSize: options.batchSize, shuffle: true, verbose: 0 });
    return history.history.loss as number[];
  } finally {
    tf.dispose([x, y]);
  }
}
