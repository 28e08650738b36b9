import type { Box, Point } from '../../domain.js';
import type { RgbImage } from '../types.js';
import type { FaceApi, Tf } from '../runtime/tensorflow.js';

export interface Detection {
  box: Box;
  landmarks: Point[];
  score: number;
}

/**
 * Border added around the photo, as a fraction of its shorter side, for a second detection
 * pass when the first finds nothing. The SSD MobileNet v1 detector misses many faces that
 * fill the whole frame, and a black border gives them the context it was trained with.
 */
const RETRY_BORDER_FRACTION = 0.2;

/**
 * Detects every face with SSD MobileNet v1 and fits 68 landmarks to each (face-api 1.7 weights).
 * Returns faces sorted by box area, largest first, in pixels of `image`.
 */
export async function detectFaces(tf: Tf, faceapi: FaceApi, image: RgbImage, minScore: number): Promise<Detection[]> {
  const first = await detectOnce(tf, faceapi, image, 0, minScore);
  if (first.length > 0) {
    return first;
  }

  const border = Math.round(Math.min(image.width, image.height) * RETRY_BORDER_FRACTION);
  return detectOnce(tf, faceapi, image, border, minScore);
}

async function detectOnce(tf: Tf, faceapi: FaceApi, image: RgbImage, border: number, minScore: number): Promise<Detection[]> {
  const input = tf.tidy(() => {
    const pixels = tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
    return border > 0 ? tf.pad(pixels, [[border, border], [border, border], [0, 0]]) : pixels;
  });

  try {
    const options = new faceapi.SsdMobilenetv1Options({ minConfidence: minScore, maxResults: 100 });
    const results = await faceapi.detectAllFaces(input, options).withFaceLandmarks();

    const detections: Detection[] = results.map((result: FaceApiResult) => {
      const { x, y, width, height } = result.detection.box;
      const clippedX = Math.max(0, x - border);
      const clippedY = Math.max(0, y - border);
      return {
        box: {
          x: clippedX,
          y: clippedY,
          width: Math.min(image.width, x - border + width) - clippedX,
          height: Math.min(image.height, y - border + height) - clippedY,
        },
        landmarks: result.landmarks.positions.map((p): Point => [p.x - border, p.y - border]),
        score: result.detection.score,
      };
    });

    return detections
      .filter((d) => d.box.width > 0 && d.box.height > 0)
      .sort((p, q) => q.box.width * q.box.height - p.box.width * p.box.height);
  } finally {
    input.dispose();
  }
}

interface FaceApiResult {
  detection: { score: number; box: { x: number; y: number; width: number; height: number } };
  landmarks: { positions: Array<{ x: number; y: number }> };
}
