import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evenSubset } from '../../src/eval/lfw-dataset.js';
import { bestThreshold, rocCurve, tarAtFar, verify } from '../../src/eval/verification.js';

test('bestThreshold separates separable pairs', () => {
  const pairs = [
    { score: 0.9, same: true },
    { score: 0.7, same: true },
    { score: 0.4, same: false },
    { score: 0.1, same: false },
  ];
  const threshold = bestThreshold(pairs);

  assert.ok(threshold > 0.4, `threshold ${threshold}`);
  assert.ok(threshold < 0.7, `threshold ${threshold}`);
});

test('verify counts missing faces as errors', () => {
  const training = [{ score: 0.8, same: true }, { score: 0.2, same: false }];
  const test = [
    { score: 0.9, same: true },
    { score: 0.1, same: false },
    { score: null, same: true },
    { score: 0.6, same: false },
  ];
  const result = verify(training, test);

  // 0.5 threshold: the first two are right, the missing one and the 0.6 impostor wrong.
  assert.equal(result.accuracy, 0.5);
  assert.equal(result.missing, 1);
  assert.equal(result.auc, 1);
  assert.equal(result.tarAtFar1, null, 'two impostor pairs cannot measure FAR 1 %');
});

test('rocCurve and tarAtFar on 100 impostors', () => {
  const impostor = Array.from({ length: 100 }, (_, i) => i / 100);
  const genuine = [0.995, 0.985, 0.5];
  const roc = rocCurve(genuine, impostor);

  assert.deepEqual(roc[0], [0, 1 / 3]);
  assert.deepEqual(roc.at(-1), [1, 1]);
  // At FAR 1 % one impostor (0.99) passes, and the genuine pairs above 0.99: one of three.
  assert.equal(tarAtFar(roc, impostor.length, 0.01), 1 / 3);
  assert.equal(tarAtFar(roc, impostor.length, 0.001), null);
});

test('evenSubset keeps the balance of a pairs list', () => {
  const pairs = [...Array(500).fill('same'), ...Array(500).fill('different')];
  const subset = evenSubset(pairs, 300);

  assert.equal(subset.length, 300);
  assert.equal(subset.filter((p) => p === 'same').length, 150);
  assert.equal(evenSubset(pairs, 2000).length, 1000);
});
