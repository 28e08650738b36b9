import type { Tf } from '../runtime/tensorflow.js';
import type { DenseWeights } from './branch.js';
import type { MmdfrConfig } from './config.js';
import { minimise, type EpochReport } from './optimise.js';

/**
 * Greedy pre-training of one auto-encoder layer: encoder h = x E + b (linear) and decoder
 * x' = h D + c, trained to reconstruct its input codes `inputs` [n, inputDim].
 *
 * The encoder starts at `startKernel` (and `startBias`, else zero), and a penalty on its distance from there keeps the
 * layer close to a map that preserves the cosine geometry of its input. The decoder starts
 * at the transpose. Linear units are kept on purpose: with a few thousand training faces a
 * nonlinearity here fitted the training identities and lost accuracy on new people.
 * Returns the encoder and the codes it produces for the next layer.
 */
export async function trainAutoencoderLayer(
  tf: Tf,
  inputs: Float32Array,
  inputDim: number,
  startKernel: Float32Array,
  units: number,
  config: MmdfrConfig,
  random: () => number,
  onEpoch: (report: EpochReport) => void,
  startBias?: Float32Array,
): Promise<{ encoder: DenseWeights; codes: Float32Array }> {
  const n = inputs.length / inputDim;
  const x = tf.tensor2d(inputs, [n, inputDim]);
  const kernel0 = tf.tensor2d(startKernel, [inputDim, units]);
  const encoderKernel = tf.variable(kernel0.clone());
  const encoderBias = tf.variable(startBias ? tf.tensor1d(startBias) : tf.zeros([units]));
  const decoderKernel = tf.variable(tf.transpose(kernel0));
  const decoderBias = tf.variable(tf.zeros([inputDim]));

  // Reconstruction error relative to the input's energy: sum |x' - x|^2 / sum |x|^2 over all rows.
  // A layer that starts as an exact map of an informative subspace is already converged, and
  // skipping its epochs saves most of the training time on wasm, where a 3584x2048 layer costs
  // seconds per batch.
  const relativeError = async (): Promise<number> => {
    const ratio = tf.tidy(() => {
      const code = tf.add(tf.matMul(x, encoderKernel), encoderBias);
      const reconstruction = tf.add(tf.matMul(code, decoderKernel), decoderBias);
      return tf.div(tf.sum(tf.square(tf.sub(reconstruction, x))), tf.add(tf.sum(tf.square(x)), 1e-12));
    });
    const value = (await ratio.data())[0];
    ratio.dispose();
    return value;
  };

  try {
    await minimise(tf, {
      variables: [encoderKernel, encoderBias, decoderKernel, decoderBias],
      sampleCount: n,
      epochs: config.autoencoderEpochs,
      batchSize: config.autoencoderBatchSize,
      learningRate: config.learningRate,
      random,
      onEpoch,
      converged: async () => (await relativeError()) < config.autoencoderTolerance,
      loss: (batch) => {
        const input = tf.gather(x, batch);
        const code = tf.add(tf.matMul(input, encoderKernel), encoderBias);
        const reconstruction = tf.add(tf.matMul(code, decoderKernel), decoderBias);
        // Squared error summed over features and averaged over the batch, so it is on the same
        // scale as the anchor penalty whatever the layer width.
        const error = tf.mean(tf.sum(tf.square(tf.sub(reconstruction, input)), 1));
        const anchor = tf.mul(tf.sum(tf.square(tf.sub(encoderKernel, kernel0))), config.anchorPenalty);
        return tf.add(error, anchor) as import('@tensorflow/tfjs').Scalar;
      },
    });

    const codes = tf.tidy(() => tf.add(tf.matMul(x, encoderKernel), encoderBias));
    const result = {
      encoder: {
        kernel: new Float32Array(await encoderKernel.data()),
        bias: new Float32Array(await encoderBias.data()),
        inputDim,
        units,
      },
      codes: new Float32Array(await codes.data()),
    };
    codes.dispose();
    return result;
  } finally {
    tf.dispose([x, kernel0, encoderKernel, encoderBias, decoderKernel, decoderBias]);
  }
}
