import type { Point } from '../../domain.js';
import type { RgbImage } from '../types.js';
import type { FaceApi, Tf } from '../runtime/tensorflow.js';
import { CHIP_SIZE, fitSimilarity, sampleRegion } from '../face/alignment.js';
import { MODALITIES, modalityCenter } from '../face/modalities.js';
import { ACTIVATION_LENGTH, VIEWS } from './layout.js';

/**
 * Runs the frozen pretrained trunk over every modality of one face.
 *
 * The trunk is face-api's ResNet-34-like recognition network (dlib weights, 128-d output,
 * 150x150 input). Each modality's region is resampled from the original image to 150x150,
 * once as aligned and once mirrored, and all 2 x 7 crops go through the trunk as one batch.
 * Returns the activations in the layout of layout.ts.
 */
export async function computeActivations(tf: Tf, faceapi: FaceApi, image: RgbImage, landmarks: Point[]): Promise<Float32Array> {
  const transform = fitSimilarity(landmarks);

  const crops: Float32Array[] = [];
  for (const modality of MODALITIES) {
    const center = modalityCenter(modality, landmarks, transform);
    for (let view = 0; view < VIEWS; view++) {
      crops.push(sampleRegion(image, transform, center, modality.side, CHIP_SIZE, view === 1));
    }
  }

  const batch = new Float32Array(crops.length * CHIP_SIZE * CHIP_SIZE * 3);
  crops.forEach((crop, i) => batch.set(crop, i * crop.length));

  // [14, 150, 150, 3] -> 14 tensors, since face-api's forward() takes a list of images, not a 4-D batch.
  const inputs = tf.tidy(() => tf.unstack(tf.tensor4d(batch, [crops.length, CHIP_SIZE, CHIP_SIZE, 3])));
  try {
    const output = await faceapi.nets.faceRecognitionNet.forward(inputs);
    const values = (await output.data()) as Float32Array;
    output.dispose();

    if (values.length !== ACTIVATION_LENGTH) {
      throw new Error(`trunk returned ${values.length} values, expected ${ACTIVATION_LENGTH}`);
    }
    return new Float32Array(values);
  } finally {
    tf.dispose(inputs);
  }
}
