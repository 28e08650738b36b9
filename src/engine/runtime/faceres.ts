import fs from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GraphModel } from '@tensorflow/tfjs';
import type { Tf } from './tensorflow.js';

/** Input side of the faceres network, in pixels. */
export const FACERES_INPUT_SIZE = 224;

/** The graph node holding the 1024-d pooled features; its other outputs estimate age and gender. */
const FEATURE_NODE = 'global_pooling/Mean';

/**
 * Folder of the faceres trunk shipped with the project (models/trunks/faceres), found from this
 * file upwards, so it is the same from src/ under tsx and from dist/src/ after a build.
 */
export function faceresModelDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new Error('could not find the project folder (no package.json above the engine)');
    }
    dir = parent;
  }
  return path.join(dir, 'models', 'trunks', 'faceres');
}

/** Loads the faceres graph model (TF.js graph format) from its shipped files without any network access. */
export async function loadFaceres(tf: Tf, dir = faceresModelDir()): Promise<GraphModel> {
  const json = JSON.parse(await readFile(path.join(dir, 'faceres.json'), 'utf8'));
  const weights = await readFile(path.join(dir, 'faceres.bin'));
  return tf.loadGraphModel(tf.io.fromMemory({
    format: json.format,
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest.flatMap((group: { weights: unknown[] }) => group.weights),
    weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
  }));
}

/**
 * Runs faceres on a batch of crops, float32 RGB 0..255 in [n, 224, 224, 3] layout.
 * Returns [n x 1024] features, row-major.
 */
export async function faceresFeatures(tf: Tf, model: GraphModel, crops: Float32Array, count: number): Promise<Float32Array> {
  const input = tf.tensor4d(crops, [count, FACERES_INPUT_SIZE, FACERES_INPUT_SIZE, 3]);
  try {
    const output = model.execute(input, FEATURE_NODE) as import('@tensorflow/tfjs').Tensor;
    const values = (await output.data()) as Float32Array;
    output.dispose();
    return values;
  } finally {
    input.dispose();
  }
}
