import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Point } from '../../src/domain.js';
import { CHIP_SIZE, TEMPLATE, fitSimilarity, sampleRegion, toChip } from '../../src/engine/face/alignment.js';

/** 68 landmarks whose points 17..67 are the template seen through image = s R(angle) chip + offset. */
function landmarksFromTemplate(scale: number, angle: number, offset: Point): Point[] {
  const cos = Math.cos(angle) * scale;
  const sin = Math.sin(angle) * scale;
  const jaw: Point[] = Array.from({ length: 17 }, () => [0, 0]);
  const inner = TEMPLATE.map(([x, y]): Point => [cos * x - sin * y + offset[0], sin * x + cos * y + offset[1]]);
  return [...jaw, ...inner];
}

test('fitSimilarity recovers a known transform', () => {
  const landmarks = landmarksFromTemplate(2.5, 0.3, [40, -12]);
  const transform = fitSimilarity(landmarks);

  for (let i = 17; i < 68; i++) {
    const [x, y] = toChip(transform, landmarks[i]);
    assert.ok(Math.abs(x - TEMPLATE[i - 17][0]) < 1e-6, `x of landmark ${i}`);
    assert.ok(Math.abs(y - TEMPLATE[i - 17][1]) < 1e-6, `y of landmark ${i}`);
  }
  // Scale 2.5 from chip to image means 0.4 from image to chip.
  assert.ok(Math.abs(Math.hypot(transform.a, transform.b) - 0.4) < 1e-9);
});

test('fitSimilarity rejects wrong landmark counts', () => {
  assert.throws(() => fitSimilarity([[0, 0]]), /expected 68 landmarks, got 1/);
});

test('sampleRegion mirrors and resamples', () => {
  // A 4x2 image, left half red and right half blue, seen through the identity transform.
  const width = 4;
  const height = 2;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      data.set(x < 2 ? [255, 0, 0] : [0, 0, 255], (y * width + x) * 3);
    }
  }
  const identity = { a: 1, b: 0, tx: 0, ty: 0 };

  const crop = sampleRegion({ data, width, height }, identity, [2, 1], 2, 2, false);
  const mirrored = sampleRegion({ data, width, height }, identity, [2, 1], 2, 2, true);

  // Pixel (0, 0) of the crop samples image (1, 0), red; its mirror samples (2, 0), blue.
  assert.deepEqual(Array.from(crop.subarray(0, 3)), [255, 0, 0]);
  assert.deepEqual(Array.from(mirrored.subarray(0, 3)), [0, 0, 255]);
  assert.equal(crop.length, 2 * 2 * 3);
});

test('sampleRegion pads outside with black', () => {
  const data = new Uint8Array(3).fill(200);
  const crop = sampleRegion({ data, width: 1, height: 1 }, { a: 1, b: 0, tx: 0, ty: 0 }, [50, 50], 4, 2, false);

  assert.deepEqual(Array.from(crop), new Array(12).fill(0));
  assert.equal(CHIP_SIZE, 150);
});
