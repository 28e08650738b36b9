import type { Tf } from '../runtime/tensorflow.js';
import type { DenseWeights } from './branch.js';
import type { MmdfrConfig } from './config.js';
import { minimise, type EpochReport } from './optimise.js';

type Scalar = import('@tensorflow/tfjs').Scalar;
type Tensor = import('@tensorflow/tfjs').Tensor;

/**
 * End-to-end fine-tuning of the stacked auto-encoder after its greedy pre-training: the three
 * encoder layers are trained together so the fused 512-d vector itself separates identities.
 *
 * `codes` are the weighted branch features [n, inputDim] (both views of every training face) and
 * `labels` their class indices. The loss is the cosine softmax of branch training on the fused
 * vector, plus the anchor penalty on each kernel's distance from its pre-trained value, so a few
 * hundred identities refine the stack instead of overwriting it. Returns new encoder weights.
 */
export async function fineTuneEncoders(
  tf: Tf,
  codes: Float32Array,
  labels: Int32Array,
  classCount: number,
  encoders: DenseWeights[],
  config: MmdfrConfig,
  random: () => number,
  onEpoch: (report: EpochReport) => void,
): Promise<DenseWeights[]> {
  const n = labels.length;
  const inputDim = encoders[0].inputDim;
  const x = tf.tensor2d(codes, [n, inputDim]);
  const y = tf.tensor1d(labels, 'int32');
  const start = encoders.map((e) => tf.tensor2d(e.kernel, [e.inputDim, e.units]));
  const kernels = start.map((k) => tf.variable(k.clone()));
  const biases = encoders.map((e) => tf.variable(tf.tensor1d(e.bias)));

  const fuse = (input: Tensor): Tensor => kernels.reduce((h, kernel, layer) => tf.add(tf.matMul(h, kernel), biases[layer]), input);
  const unit = (t: Tensor): Tensor => tf.div(t, tf.add(tf.norm(t, 'euclidean', 1, true), 1e-8));

  // Class weights start at each identity's mean fused vector; a one-hot product sums them, as wasm lacks UnsortedSegmentSum.
  const centres = tf.variable(tf.tidy(() => unit(tf.matMul(tf.oneHot(y, classCount), unit(fuse(x)), true, false))));

  try {
    await minimise(tf, {
      variables: [...kernels, ...biases, centres],
      sampleCount: n,
      epochs: config.fineTuneEpochs,
      batchSize: config.autoencoderBatchSize,
      learningRate: config.learningRate / 10,
      random,
      onEpoch,
      loss: (batch) => {
        const logits = tf.mul(tf.matMul(unit(fuse(tf.gather(x, batch))), unit(centres), false, true), config.softmaxScale);
        const crossEntropy = tf.losses.softmaxCrossEntropy(tf.oneHot(tf.gather(y, batch), classCount), logits);
        const anchor = kernels.reduce((sum: Tensor, kernel, layer) => tf.add(sum, tf.sum(tf.square(tf.sub(kernel, start[layer])))), tf.scalar(0));
        return tf.add(crossEntropy, tf.mul(anchor, config.anchorPenalty)) as Scalar;
      },
    });

    return await Promise.all(encoders.map(async (encoder, layer) => ({
      ...encoder,
      kernel: new Float32Array(await kernels[layer].data()),
      bias: new Float32Array(await biases[layer].data()),
    })));
  } finally {
    tf.dispose([x, y, ...start, ...kernels, ...biases, centres]);
  }
}
