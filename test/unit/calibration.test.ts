import assert from 'node:assert/strict';
import { test } from 'node:test';
import { areaUnderCurve, bestBalancedAccuracy, calibrate, pairScores } from '../../src/engine/mmdfr/calibration.js';

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
