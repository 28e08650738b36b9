import assert from 'node:assert/strict';
import { test } from 'node:test';
import { areaUnderCurve, bestBalancedAccuracy, calibrate, calibrationPairs, pairScores } from '../../src/engine/mmdfr/calibration.js';
import { stricterThresholds } from '../../src/engine/mmdfr/train.js';

test('calibrate places FAR thresholds', () => {
  // 1000 impostor scores 0.000, 0.001, ..., 0.999 and genuine scores above most of them.
  const impostor = Array.from({ length: 1000 }, (_, i) => i / 1000);
  const genuine = [0.995, 0.985, 0.5];
  const { thresholds, metrics } = calibrate(genuine, impostor);

  // At FAR 1 % at most 10 impostors may pass: the threshold sits just above 0.989.
  assert.ok(thresholds.far1! > 0.989, `far1 ${thresholds.far1}`);
  assert.ok(thresholds.far1! < 0.9891, `far1 ${thresholds.far1}`);
  assert.ok(impostor.filter((s) => s >= thresholds.far1!).length <= 10);
  assert.ok(thresholds.far01! > 0.998, `far01 ${thresholds.far01}`);
  assert.ok(thresholds.far01! < 0.9981, `far01 ${thresholds.far01}`);
  assert.equal(metrics.tarAtFar1, 1 / 3);
  assert.equal(metrics.genuinePairs, 3);
  assert.equal(metrics.impostorPairs, 1000);
});

test('calibrate leaves thresholds null on few pairs', () => {
  const { thresholds } = calibrate([0.9], Array.from({ length: 50 }, () => 0.1));

  assert.equal(thresholds.far1, null);
  assert.equal(thresholds.far01, null);
});

test('accuracy and AUC on separable scores', () => {
  assert.equal(bestBalancedAccuracy([0.8, 0.9], [0.1, 0.2]), 1);
  assert.equal(areaUnderCurve([0.8, 0.9], [0.1, 0.2]), 1);
  assert.equal(areaUnderCurve([0.5], [0.5]), 0.5);
  assert.equal(bestBalancedAccuracy([0.1], [0.9]), 0.5);
});

test('pairScores splits genuine and impostor pairs', () => {
  const unit = (x: number, y: number) => Float32Array.from([x, y]);
  const { genuine, impostor } = pairScores([unit(1, 0), unit(1, 0), unit(0, 1)], ['a', 'a', 'b']);

  assert.deepEqual(genuine, [1]);
  assert.deepEqual(impostor, [0, 0]);
});

test('calibrationPairs pairs every stranger with every face', () => {
  // Unit vectors in 2-d: two faces of person a, one of b, and two strangers.
  const at = (degrees: number) => Float32Array.of(Math.cos((degrees * Math.PI) / 180), Math.sin((degrees * Math.PI) / 180));
  const faces = [at(0), at(10), at(90)];
  const labels = ['a', 'a', 'b'];
  const strangers = [at(45), at(180)];

  const withOwn = calibrationPairs(faces, labels, strangers, true);
  assert.deepEqual(withOwn.genuine.map((s) => s.toFixed(4)), [Math.cos(Math.PI / 18).toFixed(4)]);
  // Own impostor pairs (a0-b, a1-b), then stranger 45 degrees and stranger 180 degrees against each face.
  const expected = [90, 80, 45, 35, 45, 180, 170, 90].map((d) => Math.cos((d * Math.PI) / 180).toFixed(4));
  assert.deepEqual(withOwn.impostor.map((s) => s.toFixed(4)), expected);

  const strangersOnly = calibrationPairs(faces, labels, strangers, false);
  assert.deepEqual(strangersOnly.impostor.map((s) => s.toFixed(4)), expected.slice(2));
  assert.equal(strangersOnly.genuine.length, 1);
});

test('stricterThresholds keeps the higher threshold and names its source', () => {
  const refined = stricterThresholds({ far1: 0.46, far01: 0.49 }, { far1: 0.36, far01: 0.52 });
  assert.deepEqual(refined.thresholds, { far1: 0.46, far01: 0.52 });
  assert.deepEqual(refined.from, { far1: 'this model', far01: 'start model' });

  const missingOwn = stricterThresholds({ far1: 0.4, far01: null }, { far1: 0.36, far01: 0.52 });
  assert.deepEqual(missingOwn.thresholds, { far1: 0.4, far01: 0.52 });
  assert.deepEqual(missingOwn.from, { far1: 'this model', far01: 'start model' });

  const fromScratch = stricterThresholds({ far1: 0.46, far01: null }, { far1: null, far01: null });
  assert.deepEqual(fromScratch.thresholds, { far1: 0.46, far01: null });
  assert.deepEqual(fromScratch.from, { far1: 'this model', far01: null });
});
