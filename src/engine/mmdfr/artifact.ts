import fs from 'node:fs/promises';
import path from 'node:path';
import type { LayersModel } from '@tensorflow/tfjs';
import type { Tf } from '../runtime/tensorflow.js';
import { DEFAULT_CONFIG, type MmdfrConfig } from './config.js';
import { encodeFloat16 } from './float16.js';

/** metadata.json beside model.json: what the model is, what it saw and how well it did. */
export interface ModelMetadata {
  config: MmdfrConfig;
  metrics: Record<string, unknown>;
  thresholds: { far1: number | null; far01: number | null };
  training: { identities: number; faces: number; heldOutIdentities: number; seconds: number; backend: string; startedFrom?: string };
  createdAt: string;
}

const MODEL_FILE = 'model.json';
const WEIGHTS_FILE = 'weights.bin';
const METADATA_FILE = 'metadata.json';

/**
 * Writes model.json + weights.bin (TF.js layers format) and metadata.json into `dir`.
 * With `float16`, weights are stored as IEEE half floats (TF.js float16 quantization), half the
 * size, for models committed to the repository; TF.js widens them to float32 when loading.
 */
export async function saveArtifact(tf: Tf, network: LayersModel, metadata: ModelMetadata, dir: string, options: { float16?: boolean } = {}): Promise<void> {
  await fs.mkdir(dir, { recursive: true });

  await network.save(tf.io.withSaveHandler(async (artifacts) => {
    let weightData = artifacts.weightData as ArrayBuffer;
    let weightSpecs = artifacts.weightSpecs ?? [];
    if (options.float16) {
      weightData = encodeFloat16(new Float32Array(weightData)).buffer as ArrayBuffer;
      weightSpecs = weightSpecs.map((spec) => ({ ...spec, quantization: { dtype: 'float16' as const } }));
    }
    const modelJson = {
      format: 'layers-model',
      generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
      convertedBy: null,
      modelTopology: artifacts.modelTopology,
      weightsManifest: [{ paths: [WEIGHTS_FILE], weights: weightSpecs }],
    };
    await fs.writeFile(path.join(dir, WEIGHTS_FILE), Buffer.from(weightData));
    await fs.writeFile(path.join(dir, MODEL_FILE), JSON.stringify(modelJson));
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));

  await fs.writeFile(path.join(dir, METADATA_FILE), JSON.stringify(metadata, null, 2) + '\n');
}

/** Loads a model folder written by saveArtifact. */
export async function loadArtifact(tf: Tf, dir: string): Promise<{ network: LayersModel; metadata: ModelMetadata }> {
  const modelJson = JSON.parse(await fs.readFile(path.join(dir, MODEL_FILE), 'utf8'));
  const weights = await fs.readFile(path.join(dir, WEIGHTS_FILE));
  const metadata = JSON.parse(await fs.readFile(path.join(dir, METADATA_FILE), 'utf8')) as ModelMetadata;

  if (metadata.config?.format !== 'facematch-mmdfr') {
    throw new Error(`${dir} is not a facematch MM-DFR model (metadata.json has no facematch-mmdfr config)`);
  }
  if (metadata.config.formatVersion !== DEFAULT_CONFIG.formatVersion) {
    throw new Error(
      `${dir} is an MM-DFR model of format ${metadata.config.formatVersion}, which reads other trunk activations than this ` +
        `engine computes (format ${DEFAULT_CONFIG.formatVersion}); train a new model with this version.`,
    );
  }

  const weightData = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength);
  const network = await tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: modelJson.modelTopology,
    weightSpecs: modelJson.weightsManifest[0].weights,
    weightData,
  }));
  return { network, metadata };
}
