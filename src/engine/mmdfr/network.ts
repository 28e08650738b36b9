import type { LayersModel } from '@tensorflow/tfjs';
import type { Tf } from '../runtime/tensorflow.js';
import type { DenseWeights } from './branch.js';
import type { MmdfrConfig } from './config.js';
import { MODALITY_COUNT, MODALITY_DIMS, VIEWS, assertActivationLayout, trunkOutput } from './layout.js';

/**
 * Builds the inference network as a standard TF.js layers model, so it saves in TF.js format:
 * 8 inputs (L2-normalised trunk outputs, one per modality: [batch, 128] for dlib regions,
 * [batch, 1024] for the faceres region) -> one Dense(512) branch each -> Concatenate
 * [batch, 4096] -> Dense(2048) -> Dense(1024) -> Dense(512).
 */
export function buildNetwork(tf: Tf, config: MmdfrConfig, branches: DenseWeights[], encoders: DenseWeights[]): LayersModel {
  const inputs = config.modalities.map((modality) => tf.input({ shape: [modality.inputDim], name: `trunk_${modality.name}` }));
  const features = inputs.map((input, m) =>
    tf.layers.dense({ units: config.branchUnits, name: `branch_${config.modalities[m].name}`, weights: denseWeights(tf, branches[m]) }).apply(input),
  );

  let output = tf.layers.concatenate({ name: 'fusion_input' }).apply(features as never);
  encoders.forEach((encoder, layer) => {
    output = tf.layers.dense({ units: encoder.units, name: `sae_encoder_${layer + 1}`, weights: denseWeights(tf, encoder) }).apply(output);
  });

  return tf.model({ inputs, outputs: output as never, name: 'mmdfr' });
}

function denseWeights(tf: Tf, weights: DenseWeights) {
  return [tf.tensor2d(weights.kernel, [weights.inputDim, weights.units]), tf.tensor1d(weights.bias)];
}

/** L2-normalised trunk output of one modality and view: the network's input. */
export function normalisedTrunkOutput(activations: Float32Array, modality: number, view: number): Float32Array {
  const source = trunkOutput(activations, modality, view);
  return normalise(Float32Array.from(source));
}

/** Scales `vector` to unit length in place; a zero vector stays zero. */
export function normalise(vector: Float32Array): Float32Array {
  let norm = 0;
  for (const value of vector) norm += value * value;
  norm = Math.sqrt(norm);
  if (norm > 0) {
    for (let i = 0; i < vector.length; i++) vector[i] /= norm;
  }
  return vector;
}

/**
 * Embeds faces: runs the network on the aligned and on the mirrored view of each face,
 * averages the two outputs (mirrored test-time augmentation) and L2-normalises.
 * Returns one 512-d unit vector per face, or the output of the layer named `layerName`.
 */
export async function embedActivations(tf: Tf, network: LayersModel, activationsList: Float32Array[], layerName?: string): Promise<Float32Array[]> {
  if (activationsList.length === 0) {
    return [];
  }
  activationsList.forEach(assertActivationLayout);

  // An inner layer's output (a branch, the concatenation) for ablations; the network shares its weights.
  const model = layerName === undefined ? network : tf.model({ inputs: network.inputs, outputs: network.getLayer(layerName).output as never });

  const n = activationsList.length;
  const sums: Float32Array[] = [];
  for (let view = 0; view < VIEWS; view++) {
    const inputs = Array.from({ length: MODALITY_COUNT }, (_, m) => {
      const dim = MODALITY_DIMS[m];
      const batch = new Float32Array(n * dim);
      activationsList.forEach((activations, i) => batch.set(normalisedTrunkOutput(activations, m, view), i * dim));
      return tf.tensor2d(batch, [n, dim]);
    });

    const output = model.predict(inputs) as import('@tensorflow/tfjs').Tensor;
    const values = (await output.data()) as Float32Array;
    tf.dispose([...inputs, output]);

    const dim = values.length / n;
    for (let i = 0; i < n; i++) {
      const vector = values.subarray(i * dim, (i + 1) * dim);
      if (view === 0) {
        sums.push(Float32Array.from(vector));
      } else {
        for (let k = 0; k < dim; k++) sums[i][k] += vector[k];
      }
    }
  }
  return sums.map(normalise);
}
