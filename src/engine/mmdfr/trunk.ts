import type { GraphModel } from '@tensorflow/tfjs';
import type { Point } from '../../domain.js';
import type { RgbImage } from '../types.js';
import type { FaceApi, Tf } from '../runtime/tensorflow.js';
import { FACERES_INPUT_SIZE, faceresFeatures } from '../runtime/faceres.js';
import { CHIP_SIZE, fitSimilarity, sampleRegion } from '../face/alignment.js';
import { MODALITIES, modalityCenter } from '../face/modalities.js';
import { ACTIVATION_LENGTH, VIEWS, trunkOutput } from './layout.js';

/** The loaded pretrained trunks: face-api's nets hold dlib's; faceres is a graph model. */
export interface Trunks {
  faceapi: FaceApi;
  faceres: GraphModel;
}

/**
 * Runs the frozen pretrained trunks over every modality of one face.
 *
 * dlib: face-api's ResNet-34-like recognition network (dlib weights, 128-d output, 150x150 input).
 * faceres: HSE's face network as shipped with Human (1024-d pooled features, 224x224 input).
 * Each modality's region is resampled from the original image to its trunk's input size, once
 * as aligned and once mirrored, and each trunk gets all of its crops as one batch.
 * Returns the activations in the layout of layout.ts.
 */
export async function computeActivations(tf: Tf, trunks: Trunks, image: RgbImage, landmarks: Point[]): Promise<Float32Array> {
  const transform = fitSimilarity(landmarks);
  const activations = new Float32Array(ACTIVATION_LENGTH);

  // Crops per trunk, remembering which modality and view each one fills.
  const dlib: Array<{ modality: number; view: number; crop: Float32Array }> = [];
  const faceres: Array<{ modality: number; view: number; crop: Float32Array }> = [];
  MODALITIES.forEach((modality, m) => {
    const center = modalityCenter(modality, landmarks, transform);
    const size = modality.trunk === 'dlib' ? CHIP_SIZE : FACERES_INPUT_SIZE;
    for (let view = 0; view < VIEWS; view++) {
      (modality.trunk === 'dlib' ? dlib : faceres).push({ modality: m, view, crop: sampleRegion(image, transform, center, modality.side, size, view === 1) });
    }
  });

  const dlibValues = await dlibFeatures(tf, trunks.faceapi, dlib.map((c) => c.crop));
  dlib.forEach(({ modality, view }, i) => trunkOutput(activations, modality, view).set(dlibValues.subarray(i * 128, (i + 1) * 128)));

  const faceresValues = await faceresFeatures(tf, trunks.faceres, concat(faceres.map((c) => c.crop)), faceres.length);
  faceres.forEach(({ modality, view }, i) => trunkOutput(activations, modality, view).set(faceresValues.subarray(i * 1024, (i + 1) * 1024)));

  return activations;
}

/** dlib descriptors of 150x150 crops: [n x 128], row-major. */
async function dlibFeatures(tf: Tf, faceapi: FaceApi, crops: Float32Array[]): Promise<Float32Array> {
  // [n, 150, 150, 3] -> n tensors, since face-api's forward() takes a list of images, not a 4-D batch.
  const inputs = tf.tidy(() => tf.unstack(tf.tensor4d(concat(crops), [crops.length, CHIP_SIZE, CHIP_SIZE, 3])));
  try {
    const output = await faceapi.nets.faceRecognitionNet.forward(inputs);
    const values = (await output.data()) as Float32Array;
    output.dispose();
    if (values.length !== crops.length * 128) {
      throw new Error(`the dlib trunk returned ${values.length} values, expected ${crops.length * 128}`);
    }
    return values;
  } finally {
    tf.dispose(inputs);
  }
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((sum, p) => sum + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
