import type { Box, Point } from '../../domain.js';
import { intersectionOverUnion } from '../../geometry.js';
import type { RgbImage } from '../types.js';
import type { FaceApi, Tf } from '../runtime/tensorflow.js';

export interface Detection {
  box: Box;
  landmarks: Point[];
  score: number;
}

/**
 * Borders added around the photo, as fractions of its shorter side, for further detection
 * passes while the passes so far found nothing. The SSD MobileNet v1 detector misses many faces
 * that fill the whole frame, and a black border gives them the context it was trained with.
 * Of the 26 LFW View 1 photos where the plain pass and a 0.2 border found no face, a 0.45 border
 * found 8 and a 0.7 border 24 at the default 0.5 score; synthetic landscapes, noise, a grey
 * image and 30 background crops from LFW scored 0.14 or less with any of these borders.
 */
const RETRY_BORDER_FRACTIONS = [0.2, 0.45, 0.7];

/**
 * Height, as a fraction of the photo's shorter side, below which the largest detected face
 * counts as small. Such a photo gets the bordered second pass too, because the detector
 * sometimes finds only background faces when the main face fills the frame.
 */
const SMALL_FACE_FRACTION = 0.2;

/** Boxes overlapping more than this (intersection over union) are the same face. */
const SAME_FACE_OVERLAP = 0.3;

/**
 * Detects every face with SSD MobileNet v1 and fits 68 landmarks to each (face-api 1.7 weights).
 * Returns faces sorted by box area, largest first, in pixels of `image`.
 */
export async function detectFaces(tf: Tf, faceapi: FaceApi, image: RgbImage, minScore: number): Promise<Detection[]> {
  const shorterSide = Math.min(image.width, image.height);
  const first = await detectOnce(tf, faceapi, image, 0, minScore);
  if (first.length > 0 && first[0].box.height >= shorterSide * SMALL_FACE_FRACTION) {
    return first;
  }

  // Nothing, or only small faces: a frame-filling face may have been missed, so look again with a
  // border, adding the faces that earlier passes did not find. While nothing at all is found,
  // wider borders follow; a photo with small faces gets one retry only, as wide photos cost most.
  let found = first;
  for (const fraction of RETRY_BORDER_FRACTIONS) {
    const retry = await detectOnce(tf, faceapi, image, Math.round(shorterSide * fraction), minScore);
    const added = retry.filter((face) => found.every((known) => intersectionOverUnion(known.box, face.box) < SAME_FACE_OVERLAP));
    found = [...found, ...added].sort((p, q) => q.box.width * q.box.height - p.box.width * p.box.height);
    if (found.length > 0) {
      break;
    }
  }
  return found;
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
