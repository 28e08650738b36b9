import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { HOLISTIC_CNN, PATCH_CNN, buildConvBranch, trainConvBranch, type ConvBranchShape } from '../../src/engine/mmdfr/conv-branch.js';
import { loadTensorflow, type Tf } from '../../src/engine/runtime/tensorflow.js';

/**
 * The convolution training path on the cpu backend, the one pure-JS backend with convolution
 * filter gradients, on a tiny configuration: two "identities" drawn as a bright upper or lower
 * half of a 16x16 grey image with noise.
 */
const TINY: ConvBranchShape = { input: [16, 16, 1], blocks: [[4], [8]], featureUnits: 16, dropout: 0.1 };

function halves(count: number, random: () => number): { images: Float32Array; labels: Int32Array } {
  const images = new Float32Array(count * 16 * 16);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    labels[i] = i % 2;
    for (let row = 0; row < 16; row++) {
      for (let col = 0; col < 16; col++) {
        const bright = labels[i] === 0 ? row < 8 : row >= 8;
        images[(i * 16 + row) * 16 + col] = (bright ? 0.8 : 0.2) + (random() - 0.5) * 0.2;
      }
    }
  }
  return { images, labels };
}

describe('convolution branch on the cpu backend', () => {
  let tf: Tf;

  before(async () => {
    ({ tf } = await loadTensorflow('cpu'));
  });

  it('builds the holistic and patch shapes', () => {
    for (const [shape, convolutions] of [[HOLISTIC_CNN, 12], [PATCH_CNN, 10]] as const) {
      const model = buildConvBranch(tf, shape, 100);
      const kinds = model.layers.map((layer) => layer.getClassName());

      assert.equal(kinds.filter((kind) => kind === 'Conv2D').length, convolutions);
      assert.equal(kinds.filter((kind) => kind === 'MaxPooling2D').length, 4);
      assert.deepEqual(model.getLayer('feature').outputShape, [null, 512]);
      assert.deepEqual(model.outputs[0].shape, [null, 100]);
      model.dispose();
    }
  });

  it('trains a tiny configuration', async () => {
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const { images, labels } = halves(32, random);
    const model = buildConvBranch(tf, TINY, 2);
    const tensorsBefore = tf.memory().numTensors;

    const losses = await trainConvBranch(tf, model, images, labels, 2, { epochs: 30, batchSize: 8, learningRate: 0.01 });

    assert.equal(losses.length, 30);
    assert.ok(losses[29] < losses[0] * 0.5, `loss ${losses[0]} -> ${losses[29]}`);
    const predictions = tf.tidy(() => (model.predict(tf.tensor4d(images, [32, 16, 16, 1])) as import('@tensorflow/tfjs').Tensor).argMax(1).dataSync());
    const correct = predictions.filter((label, i) => label === labels[i]).length;
    assert.ok(correct >= 30, `${correct} of 32 training images classified right`);
    // Optimiser state stays with the model; the data tensors are released.
    assert.ok(tf.memory().numTensors - tensorsBefore < 40, `tensors grew by ${tf.memory().numTensors - tensorsBefore}`);
    model.dispose();
  });
});
