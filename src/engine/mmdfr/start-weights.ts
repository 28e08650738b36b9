import type { Tf } from '../runtime/tensorflow.js';
import { loadArtifact } from './artifact.js';
import type { DenseWeights } from './branch.js';
import type { MmdfrConfig } from './config.js';

/** A trained model's layers, read back to start (and anchor) a new training run. */
export interface StartWeights {
  /** Branch layers without their fusion scale, in modality order; null where the scale was 0 and nothing can be recovered. */
  branches: Array<DenseWeights | null>;
  /** The three auto-encoder layers. */
  encoders: DenseWeights[];
  /** The fusion weights the encoders were trained under, kept so the encoders stay valid. */
  fusion: Pick<MmdfrConfig, 'faceresWeight' | 'patchWeight'>;
  /** The model's calibrated cosine thresholds. */
  thresholds: { far1: number | null; far01: number | null };
}

/**
 * Reads the branch and auto-encoder weights of the model in `dir`. A stored branch layer is
 * the trained layer times the square root of its similarity weight, so it is divided back.
 */
export async function readStartWeights(tf: Tf, dir: string, similarityWeight: (modality: number, weights: { faceres: number; patch: number }) => number): Promise<StartWeights> {
  const { network, metadata } = await loadArtifact(tf, dir);
  try {
    const { config } = metadata;
    const fusion = { faceres: config.faceresWeight, patch: config.patchWeight };

    const branches = await Promise.all(config.modalities.map(async (modality, m) => {
      const scale = Math.sqrt(similarityWeight(m, fusion));
      if (scale === 0) {
        return null;
      }
      const weights = await readDense(network.getLayer(`branch_${modality.name}`).getWeights());
      return { ...weights, kernel: weights.kernel.map((v) => v / scale), bias: weights.bias.map((v) => v / scale) };
    }));
    const encoders = await Promise.all([1, 2, 3].map((layer) => readDense(network.getLayer(`sae_encoder_${layer}`).getWeights())));

    return { branches, encoders, fusion: { faceresWeight: config.faceresWeight, patchWeight: config.patchWeight }, thresholds: metadata.thresholds };
  } finally {
    network.dispose();
  }
}

/** [kernel [inputDim, units], bias [units]] tensors of a Dense layer as plain arrays. */
async function readDense([kernel, bias]: import('@tensorflow/tfjs').Tensor[]): Promise<DenseWeights> {
  const [inputDim, units] = kernel.shape;
  return {
    kernel: new Float32Array(await kernel.data()),
    bias: new Float32Array(await bias.data()),
    inputDim,
    units,
  };
}
