import type { EngineConfig } from '../config.js';
import { createEngine } from '../engine/index.js';
import { loadArtifact } from '../engine/mmdfr/artifact.js';
import { embedActivations } from '../engine/mmdfr/network.js';
import { rawDescriptor } from '../engine/mmdfr/train.js';
import { loadTensorflow } from '../engine/runtime/tensorflow.js';
import type { Logger } from '../logger.js';
import { ActivationCache } from './activation-cache.js';
import { evenSubset, readPairs } from './lfw-dataset.js';
import { embedKeys, scorePairs } from './pair-scores.js';
import { verify, type VerificationResult } from './verification.js';

export interface ModelVerificationOptions {
  lfwDir: string;
  /** A trained model folder, such as the shipped models/base/v2. */
  modelDir: string;
  /** Folder of the activation cache; a new folder makes every activation fresh. */
  cacheDir: string;
  /** DevTest pairs measured, spread evenly over the file. */
  testPairs: number;
  /** DevTrain pairs that choose each representation's threshold. */
  trainPairs: number;
  engine: EngineConfig;
  logger: Logger;
}

export interface ModelVerification {
  testPairs: number;
  /** The pretrained dlib descriptor alone. */
  raw: VerificationResult;
  /** The model's fused 512-d vector. */
  fused: VerificationResult;
}

/**
 * LFW View 1 verification of an already trained model on a subset of the pairs: thresholds
 * from DevTrain pairs, accuracy on DevTest pairs, for the raw pretrained descriptor and the
 * model's fused vector on the same faces. Pairs with an undetected face count as errors.
 */
export async function verifyModelOnLfw(options: ModelVerificationOptions): Promise<ModelVerification> {
  const testPairs = evenSubset(await readPairs(options.lfwDir, 'pairsDevTest.txt'), options.testPairs);
  const trainPairs = evenSubset(await readPairs(options.lfwDir, 'pairsDevTrain.txt'), options.trainPairs);
  const keys = [...new Set([...testPairs, ...trainPairs].flatMap((p) => [p.first, p.second]))];

  const cache = await ActivationCache.open(options.cacheDir);
  const engine = await createEngine(options.engine, options.logger);
  try {
    await cache.fill(engine, options.lfwDir, keys, { concurrency: engine.workers, logger: options.logger });
  } finally {
    await engine.close();
  }

  const { tf } = await loadTensorflow(options.engine.backend);
  const { network } = await loadArtifact(tf, options.modelDir);
  try {
    const measure = async (embed: (list: Float32Array[]) => Promise<Float32Array[]>): Promise<VerificationResult> => {
      const vectors = await embedKeys(cache, keys, embed);
      return verify(scorePairs(trainPairs, vectors), scorePairs(testPairs, vectors));
    };
    return {
      testPairs: testPairs.length,
      raw: await measure(async (list) => list.map(rawDescriptor)),
      fused: await measure((list) => embedActivations(tf, network, list)),
    };
  } finally {
    network.dispose();
  }
}
