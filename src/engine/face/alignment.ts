import type { Point } from '../../domain.js';

/** Side of an aligned face chip in pixels, the input size of the shipped recognition trunk. */
export const CHIP_SIZE = 150;

// The mean face shape that dlib's get_face_chip_details aligns to, for landmarks 17..67 of the
// iBUG 300-W scheme (brows, nose, eyes, mouth), in a unit square. The jaw line is left out
// because it moves with pose. The recognition trunk was trained on chips made this way.

const MEAN_SHAPE_X = [
  0.000213256, 0.0752622, 0.18113, 0.29077, 0.393397, 0.586856, 0.689483, 0.799124, 0.904991, 0.98004,
  0.490127, 0.490127, 0.490127, 0.490127, 0.36688, 0.426036, 0.490127, 0.554217, 0.613373,
  0.121737, 0.187122, 0.265825, 0.334606, 0.260918, 0.182743, 0.645647, 0.714428, 0.793132, 0.858516, 0.79751, 0.719335,
  0.254149, 0.340985, 0.428858, 0.490127, 0.551395, 0.639268, 0.726104, 0.642159, 0.556721, 0.490127, 0.423532, 0.338094,
  0.290379, 0.428096, 0.490127, 0.552157, 0.689874, 0.553364, 0.490127, 0.42689,
];
const MEAN_SHAPE_Y = [
  0.106454, 0.038915, 0.0187482, 0.0344891, 0.0773906, 0.0773906, 0.0344891, 0.0187482, 0.038915, 0.106454,
  0.203352, 0.307009, 0.409805, 0.515625, 0.587326, 0.609345, 0.628106, 0.609345, 0.587326,
  0.216423, 0.178758, 0.179852, 0.231733, 0.245099, 0.244077, 0.231733, 0.179852, 0.178758, 0.216423, 0.244077, 0.245099,
  0.780233, 0.745405, 0.727388, 0.742578, 0.727388, 0.745405, 0.780233, 0.864805, 0.902192, 0.909281, 0.902192, 0.864805,
  0.784792, 0.778746, 0.785343, 0.778746, 0.784792, 0.824182, 0.831803, 0.824182,
];
const CHIP_PADDING = 0.25;
const FIRST_TEMPLATE_LANDMARK = 17;

/** Template points for landmarks 17..67, in chip pixels. */
export const TEMPLATE: Point[] = MEAN_SHAPE_X.map((x, i) => [
  ((x + CHIP_PADDING) / (1 + 2 * CHIP_PADDING)) * CHIP_SIZE,
  ((MEAN_SHAPE_Y[i] + CHIP_PADDING) / (1 + 2 * CHIP_PADDING)) * CHIP_SIZE,
]);

/**
 * Similarity transform (rotation, uniform scale, translation) from image pixels to chip pixels:
 * chip = [a -b; b a] * image + [tx; ty].
 */
export interface Similarity {
  a: number;
  b: number;
  tx: number;
  ty: number;
}

/** Fits image -> chip by least squares over landmarks 17..67 (Umeyama without reflection). */
export function fitSimilarity(landmarks: Point[]): Similarity {
  if (landmarks.length !== 68) {
    throw new Error(`expected 68 landmarks, got ${landmarks.length}`);
  }

  const source = landmarks.slice(FIRST_TEMPLATE_LANDMARK);
  const n = source.length;

  let sx = 0, sy = 0, dx = 0, dy = 0;
  for (let i = 0; i < n; i++) {
    sx += source[i][0];
    sy += source[i][1];
    dx += TEMPLATE[i][0];
    dy += TEMPLATE[i][1];
  }
  sx /= n; sy /= n; dx /= n; dy /= n;

  // Closed form for a 2-D similarity: minimise sum |[a -b; b a] p + t - q|^2 over centred points.
  let dot = 0, cross = 0, norm = 0;
  for (let i = 0; i < n; i++) {
    const px = source[i][0] - sx;
    const py = source[i][1] - sy;
    const qx = TEMPLATE[i][0] - dx;
    const qy = TEMPLATE[i][1] - dy;
    dot += px * qx + py * qy;
    cross += px * qy - py * qx;
    norm += px * px + py * py;
  }
  if (norm === 0) {
    throw new Error('degenerate landmarks: all points coincide');
  }

  const a = dot / norm;
  const b = cross / norm;
  return { a, b, tx: dx - (a * sx - b * sy), ty: dy - (b * sx + a * sy) };
}

/** Maps an image point into chip pixels. */
export function toChip(t: Similarity, [x, y]: Point): Point {
  return [t.a * x - t.b * y + t.tx, t.b * x + t.a * y + t.ty];
}

/**
 * Samples a square region of the chip frame into a size x size RGB crop, bilinear, straight
 * from the original image (so an upscaled patch is not blurred twice). `center` and `side`
 * are in chip pixels. Pixels outside the image are black, as zero padding would be.
 * Returns interleaved RGB as float32 0..255, shape [size, size, 3].
 */
export function sampleRegion(
  image: { data: Uint8Array; width: number; height: number },
  t: Similarity,
  center: Point,
  side: number,
  size: number,
  mirror: boolean,
): Float32Array {
  // Inverse of the similarity: image = (1 / (a^2 + b^2)) [a b; -b a] (chip - t).
  const det = t.a * t.a + t.b * t.b;
  const ia = t.a / det;
  const ib = t.b / det;
  const out = new Float32Array(size * size * 3);
  const step = side / size;
  const left = center[0] - side / 2;
  const top = center[1] - side / 2;
  const { data, width, height } = image;

  for (let row = 0; row < size; row++) {
    const cy = top + (row + 0.5) * step - t.ty;
    for (let col = 0; col < size; col++) {
      const sourceCol = mirror ? size - 1 - col : col;
      const cx = left + (sourceCol + 0.5) * step - t.tx;
      const x = ia * cx + ib * cy - 0.5;
      const y = -ib * cx + ia * cy - 0.5;

      const x0 = Math.floor(x);
      const y0 = Math.floor(y);
      const fx = x - x0;
      const fy = y - y0;
      const target = (row * size + col) * 3;

      for (let channel = 0; channel < 3; channel++) {
        const p00 = pixel(data, width, height, x0, y0, channel);
        const p10 = pixel(data, width, height, x0 + 1, y0, channel);
        const p01 = pixel(data, width, height, x0, y0 + 1, channel);
        const p11 = pixel(data, width, height, x0 + 1, y0 + 1, channel);
        out[target + channel] = (p00 * (1 - fx) + p10 * fx) * (1 - fy) + (p01 * (1 - fx) + p11 * fx) * fy;
      }
    }
  }
  return out;
}

function pixel(data: Uint8Array, width: number, height: number, x: number, y: number, channel: number): number {
  if (x < 0 || y < 0 || x >= width || y >= height) {
    return 0;
  }
  return data[(y * width + x) * 3 + channel];
}
