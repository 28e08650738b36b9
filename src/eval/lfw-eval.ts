import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { EngineConfig } from '../config.js';
import { createEngine } from '../engine/index.js';
import { loadArtifact } from '../engine/mmdfr/artifact.js';
import { similarity } from '../engine/mmdfr/calibration.js';
import { embedActivations } from '../engine/mmdfr/network.js';
import { rawDescriptor, rawTrunkOutput } from '../engine/mmdfr/train.js';
import { loadTensorflow } from '../engine/runtime/tensorflow.js';
import type { Logger } from '../logger.js';
import { ActivationCache } from './activation-cache.js';
import { evenSubset, lfwImagePath, readPairs, readPeople, type LfwPair } from './lfw-dataset.js';
import { embedKeys, scorePairs, type Embedder } from './pair-scores.js';
import { verify, type VerificationResult } from './verification.js';

export interface LfwEvalOptions {
  lfwDir: string;
  /** Folder of the activation cache. */
  cacheDir: string;
  /** Folder the trained model is written to. */
  modelDir: string;
  /** DevTest pairs used, spread evenly over the file; 1000 is all of them. */
  testPairs: number;
  /** DevTrain pairs used to choose thresholds; 2200 is all of them. */
  trainPairs: number;
  /** DevTrain people with two or more photos used for training; 0 means all of them. */
  trainPeople: number;
  /** Photos per training person, at most. */
  imagesPerPerson: number;
  /** Probe photos per DevTest person for rank-1 identification, at most. */
  probesPerPerson: number;
  /** DevTest people with two or more photos in the rank-1 gallery; 0 means all of them. */
  rank1People: number;
  /** Training options passed to the engine. */
  trainOptions: Record<string, unknown>;
  engine: EngineConfig;
  logger: Logger;
}

/** One row of the ablation: a face representation measured on the same pairs. */
export interface AblationRow {
  name: string;
  dimensions: number;
  verification: VerificationResult;
  /** Closed-set identification: share of probes whose nearest gallery face is the right person. */
  rank1: number | null;
}

export interface LfwEvalResult {
  rows: AblationRow[];
  testPairs: number;
  trainPairs: number;
  trainingFaces: number;
  trainingPeople: number;
  rank1Probes: number;
  rank1Gallery: number;
  trainSeconds: number;
  backend: string;
}

/**
 * Runs the LFW View 1 protocol with an ablation. It trains an MM-DFR model on DevTrain people
 * only and chooses each representation's threshold on DevTrain pairs. It reports accuracy,
 * ROC AUC and TAR at FAR 1 % and 0.1 % on DevTest pairs, plus closed-set rank-1 on DevTest people.
 */
export async function evaluateLfw(options: LfwEvalOptions): Promise<LfwEvalResult> {
  const { lfwDir, logger } = options;
  const testPairs = evenSubset(await readPairs(lfwDir, 'pairsDevTest.txt'), options.testPairs);
  const trainPairs = evenSubset(await readPairs(lfwDir, 'pairsDevTrain.txt'), options.trainPairs);

  // Training people come from DevTrain only, so no DevTest identity is ever trained on.
  const devTrainPeople = (await readPeople(lfwDir, 'peopleDevTrain.txt')).filter((p) => p.images >= 2);
  const trainingPeople = options.trainPeople > 0 ? evenSubset(devTrainPeople, options.trainPeople) : devTrainPeople;
  const trainingImages = trainingPeople.flatMap((p) =>
    Array.from({ length: Math.min(p.images, options.imagesPerPerson) }, (_, i) => ({ label: p.name, key: lfwImagePath(p.name, i + 1) })));

  // Rank-1: the first photo of each DevTest person with two or more is the gallery, the rest probes.
  const allDevTestPeople = (await readPeople(lfwDir, 'peopleDevTest.txt')).filter((p) => p.images >= 2);
  const devTestPeople = options.rank1People > 0 ? evenSubset(allDevTestPeople, options.rank1People) : allDevTestPeople;
  const gallery = devTestPeople.map((p) => ({ label: p.name, key: lfwImagePath(p.name, 1) }));
  const probes = devTestPeople.flatMap((p) =>
    Array.from({ length: Math.min(p.images - 1, options.probesPerPerson) }, (_, i) => ({ label: p.name, key: lfwImagePath(p.name, i + 2) })));

  const cache = await ActivationCache.open(options.cacheDir);
  const engine = await createEngine(options.engine, logger);
  let trainSeconds = 0;
  try {
    const keys = [
      ...testPairs.flatMap((p) => [p.first, p.second]),
      ...trainPairs.flatMap((p) => [p.first, p.second]),
      ...trainingImages.map((t) => t.key),
      ...gallery.map((g) => g.key),
      ...probes.map((p) => p.key),
    ];
    logger.info({ images: new Set(keys).size }, 'computing trunk activations (cached ones are skipped)');
    await cache.fill(engine, lfwDir, keys, { concurrency: engine.workers, logger });

    const samples = trainingImages.flatMap((t) => {
      const activations = cache.get(t.key);
      return activations ? [{ label: t.label, activations: Float32Array.from(activations) }] : [];
    });
    logger.info({ faces: samples.length, people: trainingPeople.length }, 'training the MM-DFR model on DevTrain people');
    const started = Date.now();
    await fs.rm(options.modelDir, { recursive: true, force: true });
    let phase = '';
    await engine.train({ outputDir: options.modelDir, samples, options: options.trainOptions }, (progress) => {
      if (progress.phase !== phase) {
        phase = progress.phase;
        logger.info({ phase, fraction: Number(progress.fraction.toFixed(3)) }, 'training progress');
      }
    });
    trainSeconds = (Date.now() - started) / 1000;
  } finally {
    await engine.close();
  }

  // Ablation variants are read from the trained network in this thread.
  const { tf, backend } = await loadTensorflow(options.engine.backend);
  const { network, metadata } = await loadArtifact(tf, options.modelDir);
  const names = metadata.config.modalities.map((m) => m.name);
  const variants: Array<{ name: string; embed: Embedder }> = [
    { name: 'pretrained descriptor (dlib trunk, holistic, 128-d)', embed: async (list) => list.map(rawDescriptor) },
    { name: 'pretrained faceres features (wide face, 1024-d)', embed: async (list) => list.map((a) => rawTrunkOutput(a, 1)) },
    ...names.map((name, m) => ({ name: `branch ${m + 1}: ${name}`, embed: (list: Float32Array[]) => embedActivations(tf, network, list, `branch_${name}`) })),
    { name: 'concatenated branches, no auto-encoder', embed: (list: Float32Array[]) => embedActivations(tf, network, list, 'fusion_input') },
    { name: 'MM-DFR fused vector (512-d)', embed: (list: Float32Array[]) => embedActivations(tf, network, list) },
  ];

  const evaluatedKeys = [...new Set([
    ...testPairs.flatMap((p) => [p.first, p.second]),
    ...trainPairs.flatMap((p) => [p.first, p.second]),
    ...gallery.map((g) => g.key),
    ...probes.map((p) => p.key),
  ])];
  const rows: AblationRow[] = [];
  for (const variant of variants) {
    const vectors = await embedKeys(cache, evaluatedKeys, variant.embed);

    const verification = verify(scorePairs(trainPairs, vectors), scorePairs(testPairs, vectors));
    const dimensions = [...vectors.values()][0]?.length ?? 0;
    rows.push({ name: variant.name, dimensions, verification, rank1: rankOne(gallery, probes, vectors) });
    logger.info({ variant: variant.name, accuracy: verification.accuracy }, 'representation measured');
  }
  network.dispose();

  return {
    rows,
    testPairs: testPairs.length,
    trainPairs: trainPairs.length,
    trainingFaces: metadata.training.faces,
    trainingPeople: metadata.training.identities,
    rank1Probes: probes.filter((p) => cache.get(p.key)).length,
    rank1Gallery: gallery.filter((g) => cache.get(g.key)).length,
    trainSeconds,
    backend,
  };
}

/** Share of probes whose most similar gallery face has their label; probes without a face count as misses. */
function rankOne(gallery: Array<{ label: string; key: string }>, probes: Array<{ label: string; key: string }>, vectors: Map<string, Float32Array>): number | null {
  const galleryVectors = gallery.filter((g) => vectors.has(g.key));
  if (probes.length === 0 || galleryVectors.length === 0) {
    return null;
  }

  let correct = 0;
  for (const probe of probes) {
    const vector = vectors.get(probe.key);
    if (!vector) {
      continue;
    }
    let best = { label: '', score: -Infinity };
    for (const g of galleryVectors) {
      const score = similarity(vector, vectors.get(g.key)!);
      if (score > best.score) {
        best = { label: g.label, score };
      }
    }
    if (best.label === probe.label) {
      correct++;
    }
  }
  return correct / probes.length;
}

/** Default folders for the evaluation's cache and model, outside the repository's tracked files. */
export function defaultEvalDirs(dataDir: string): { cacheDir: string; modelDir: string } {
  const base = dataDir.startsWith('memory://') ? path.join(os.tmpdir(), 'facematch-eval') : path.join(dataDir, 'eval');
  return { cacheDir: path.join(base, 'lfw-activations'), modelDir: path.join(base, 'lfw-model') };
}
