import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { createLogger } from '../../src/logger.js';
import { verifyModelOnLfw } from '../../src/eval/model-verification.js';
import { LFW_DIR, skipWithoutLfw } from '../support/faces.js';

/**
 * LFW View 1 on a subset: the shipped base model, trained on DevTrain people only, against the
 * pretrained descriptor it builds on. 300 DevTest pairs (150 same, 150 different, spread over
 * the file) are measured at thresholds chosen on 200 DevTrain pairs.
 */
const SHIPPED_MODEL = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'models', 'base', 'v2');
const TEST_PAIRS = 300;
const TRAIN_PAIRS = 200;

/** Floor for the fused vector's accuracy on these pairs. */
const FUSED_ACCURACY_FLOOR = 0.97;

const cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'facematch-lfw-accuracy-'));
after(() => fs.rm(cacheDir, { recursive: true, force: true }));

test('fused vector accuracy on LFW DevTest', { skip: skipWithoutLfw }, async () => {
  const result = await verifyModelOnLfw({
    lfwDir: LFW_DIR,
    modelDir: SHIPPED_MODEL,
    cacheDir,
    testPairs: TEST_PAIRS,
    trainPairs: TRAIN_PAIRS,
    engine: { workers: 2, backend: 'auto', minFaceScore: 0.5 },
    logger: createLogger('warn'),
  });

  const percent = (value: number): string => `${(value * 100).toFixed(2)} %`;
  const summary = `fused ${percent(result.fused.accuracy)}, raw descriptor ${percent(result.raw.accuracy)}, ${result.fused.missing} pairs without a face`;
  assert.equal(result.testPairs, TEST_PAIRS);
  assert.ok(result.fused.accuracy >= FUSED_ACCURACY_FLOOR, summary);
  assert.ok(result.fused.accuracy >= result.raw.accuracy, summary);
});
