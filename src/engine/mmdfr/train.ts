import type { TrainProgress, TrainRequest, TrainResult } from '../types.js';
import type { Tf } from '../runtime/tensorflow.js';
import { saveArtifact, type ModelMetadata } from './artifact.js';
import { trainAutoencoderLayer } from './autoencoder.js';
import { compress, unfoldBranches, unfoldedWidth } from './autoencoder-start.js';
import { trainBranch, type DenseWeights } from './branch.js';
import { areaUnderCurve, calibrate, calibrationPairs, pairScores, type Calibration } from './calibration.js';
import { resolveConfig, type MmdfrConfig } from './config.js';
import { MODALITIES } from '../face/modalities.js';
import { MODALITY_COUNT, MODALITY_DIMS, VIEWS, assertActivationLayout } from './layout.js';
import { buildNetwork, embedActivations, normalise, normalisedTrunkOutput } from './network.js';
import { createRandom, shuffle } from './random.js';
import { principalDirections } from './principal.js';
import { readStartWeights } from './start-weights.js';
import { fineTuneEncoders } from './fine-tune.js';
import { MIN_STRANGERS, readStrangers } from './strangers.js';

/** Source of a model's threshold at one FAR; null where there is none. */
type ThresholdSource = 'this model' | 'start model' | null;

/**
 * Picks the thresholds of a refined model: at each FAR the higher of its own and its start
 * model's, or the start model's where it has none. A few enrolled people calibrate a threshold
 * from a handful of impostor pairs, or from faces the model was fitted to, which sets it too low.
 * The start model's came from many held-out people, and a refinement stays close to it.
 */
export function stricterThresholds(own: Thresholds, inherited: Thresholds): { thresholds: Thresholds; from: Record<keyof Thresholds, ThresholdSource> } {
  const pick = (a: number | null, b: number | null): [number | null, ThresholdSource] => {
    if (a === null) {
      return b === null ? [null, null] : [b, 'start model'];
    }
    return b === null || a >= b ? [a, 'this model'] : [b, 'start model'];
  };

  const [far1, far1From] = pick(own.far1, inherited.far1);
  const [far01, far01From] = pick(own.far01, inherited.far01);
  return { thresholds: { far1, far01 }, from: { far1: far1From, far01: far01From } };
}

type Thresholds = Calibration['thresholds'];

/** Learning rate of a model started from another, relative to the configured one. */
const REFINE_LEARNING_RATE_SCALE = 0.1;

/** Share of the job's progress each phase takes; they add up to 1. */
const PHASE_SHARE = { branches: 0.25, autoencoder: 0.45, fineTune: 0.2, calibration: 0.1 };

/**
 * Trains an MM-DFR model from labelled cached activations and saves it to request.outputDir.
 *
 * Identities are split: a held-out fraction (validationFraction) only calibrates thresholds
 * and measures accuracy, the rest train the branches and the auto-encoder. Mirrored views
 * count as extra training samples of the same identity.
 */
export async function trainModel(
  tf: Tf,
  backend: string,
  request: TrainRequest,
  onProgress: (progress: TrainProgress) => void,
): Promise<TrainResult> {
  const started = Date.now();
  const config = resolveConfig(request.options as Partial<MmdfrConfig>);
  const random = createRandom(config.seed);
  request.samples.forEach((sample) => assertActivationLayout(sample.activations));

  const { training, heldOut } = splitIdentities(request.samples, config.validationFraction, random);
  const classes = [...new Set(training.map((s) => s.label))];
  if (classes.length < 2) {
    throw new Error(`training needs faces of at least 2 people, got ${classes.length}`);
  }
  const classIndex = new Map(classes.map((label, i) => [label, i]));
  const start = request.startFrom ? await readStartWeights(tf, request.startFrom, similarityWeight) : null;

  // Adam moves every weight by about the learning rate per step whatever the gradient's size, so
  // on a few faces a refinement at the full rate drifts far from its start in a handful of steps.
  const stepConfig = start ? { ...config, learningRate: config.learningRate * REFINE_LEARNING_RATE_SCALE } : config;

  // Branches: one identity-supervised 512-unit layer per modality, on both views of every face.
  const labels = Int32Array.from(training.flatMap((s) => Array(VIEWS).fill(classIndex.get(s.label))));
  const branches: DenseWeights[] = [];
  for (let m = 0; m < MODALITY_COUNT; m++) {
    const dim = MODALITY_DIMS[m];
    const inputs = new Float32Array(labels.length * dim);
    training.forEach((sample, i) => {
      for (let view = 0; view < VIEWS; view++) {
        inputs.set(normalisedTrunkOutput(sample.activations, m, view), (i * VIEWS + view) * dim);
      }
    });

    branches.push(await trainBranch(tf, inputs, labels, classes.length, dim, stepConfig, random, (report) => {
      const fraction = PHASE_SHARE.branches * ((m + report.epoch / report.epochs) / MODALITY_COUNT);
      onProgress({ phase: `branch ${config.modalities[m].name}`, fraction, epoch: report.epoch, loss: report.loss });
    }, { centre: CENTRED_TRUNKS.has(MODALITIES[m].trunk), start: start?.branches[m] }));
  }

  // Branches enter the fusion scaled by the square root of their similarity weight; the holistic
  // dlib branch at 1. A model started from another keeps its weights, which its encoders expect.
  const weights = start
    ? { faceres: start.fusion.faceresWeight, patch: start.fusion.patchWeight }
    : chooseFusionWeights(heldOut, { faceres: config.faceresWeight, patch: config.patchWeight });
  config.faceresWeight = weights.faceres;
  config.patchWeight = weights.patch;
  const weighted = branches.map((branch, m) => scaleDense(branch, Math.sqrt(similarityWeight(m, weights))));
  const branchCodes = branchFeatures(tf, weighted, training);
  let codes = branchCodes;

  // Stacked auto-encoder, trained greedily one layer at a time on the previous layer's codes. The
  // starts keep the whole-face branches (dlib holistic, then faceres) through the second layer
  // and the dlib holistic one through the third; the other information is projected alongside.
  const [units1, units2, units3] = config.autoencoderUnits;
  const widths = branches.map(unfoldedWidth);
  const informative = widths.reduce((sum, width) => sum + width, 0);
  // Where the rest does not fit, it is projected onto its principal directions in the codes.
  const compressCodes = (codes: Float32Array, inputDim: number, units: number, keep: number, informativeDim: number): Float32Array => {
    const projected = informativeDim - keep > units - keep
      ? principalDirections(tf, codes, inputDim, keep, informativeDim, units - keep, random)
      : undefined;
    return compress(inputDim, units, keep, informativeDim, random, projected);
  };
  const starts = [
    () => unfoldBranches(branches, units1, random),
    (codes: Float32Array) => compressCodes(codes, units1, units2, widths[0] + widths[1], informative),
    (codes: Float32Array) => compressCodes(codes, units2, units3, widths[0], Math.min(informative, units2)),
  ];
  const encoders: DenseWeights[] = [];
  let inputDim = branches.length * config.branchUnits;
  for (let layer = 0; layer < 3; layer++) {
    const units = config.autoencoderUnits[layer];
    const startKernel = start ? start.encoders[layer].kernel : starts[layer](codes);
    const trained = await trainAutoencoderLayer(tf, codes, inputDim, startKernel, units, stepConfig, random, (report) => {
      const fraction = PHASE_SHARE.branches + PHASE_SHARE.autoencoder * ((layer + report.epoch / report.epochs) / 3);
      onProgress({ phase: `autoencoder layer ${layer + 1}`, fraction, epoch: report.epoch, loss: report.loss });
    }, start?.encoders[layer].bias);
    encoders.push(trained.encoder);
    codes = trained.codes;
    inputDim = units;
  }

  // End-to-end fine-tuning of the stack, kept only when it raises the held-out ROC AUC: with
  // no held-out identities there is nothing to judge it by, so it is skipped.
  let fineTuned = false;
  if (config.fineTuneEpochs > 0 && heldOut.length >= 2) {
    const tuned = await fineTuneEncoders(tf, branchCodes, labels, classes.length, encoders, config, random, (report) => {
      const fraction = PHASE_SHARE.branches + PHASE_SHARE.autoencoder + PHASE_SHARE.fineTune * (report.epoch / report.epochs);
      onProgress({ phase: 'fine-tuning', fraction, epoch: report.epoch, loss: report.loss });
    });
    const heldOutAuc = async (candidate: DenseWeights[]): Promise<number> => {
      const network = buildNetwork(tf, config, weighted, candidate);
      const vectors = await embedActivations(tf, network, heldOut.map((s) => s.activations));
      network.dispose();
      const { genuine, impostor } = pairScores(vectors, heldOut.map((s) => s.label));
      return areaUnderCurve(genuine, impostor) ?? 0;
    };
    if ((await heldOutAuc(tuned)) > (await heldOutAuc(encoders))) {
      encoders.splice(0, encoders.length, ...tuned);
      fineTuned = true;
    }
  }

  // Calibration on held-out identities when there are enough, otherwise on the training faces.
  // With a stranger set, each stranger paired with each calibration face is an impostor pair.
  onProgress({ phase: 'calibration', fraction: 1 - PHASE_SHARE.calibration });
  const network = buildNetwork(tf, config, weighted, encoders);
  const calibrationSet = heldOut.length >= 2 ? heldOut : training;
  const calibrationLabels = calibrationSet.map((s) => s.label);
  const strangers = request.strangersFrom ? await readStrangers(request.strangersFrom) : null;
  const usedStrangers = strangers !== null && strangers.length >= MIN_STRANGERS ? strangers : [];
  const ownImpostors = calibrationSet === heldOut || usedStrangers.length === 0;

  const fusedPairs = calibrationPairs(
    await embedActivations(tf, network, calibrationSet.map((s) => s.activations)),
    calibrationLabels,
    await embedActivations(tf, network, usedStrangers),
    ownImpostors,
  );
  const fused = calibrate(fusedPairs.genuine, fusedPairs.impostor);
  const { thresholds, from: thresholdsFrom } = stricterThresholds(fused.thresholds, start?.thresholds ?? { far1: null, far01: null });
  const rawPairs = calibrationPairs(calibrationSet.map((s) => rawDescriptor(s.activations)), calibrationLabels, usedStrangers.map(rawDescriptor), ownImpostors);
  const raw = calibrate(rawPairs.genuine, rawPairs.impostor);

  const metrics = {
    calibratedOn: calibrationSet === heldOut ? 'held-out identities' : 'training identities (too few held out)',
    strangers: usedStrangers.length,
    ownThresholds: fused.thresholds,
    thresholdsFrom,
    fineTuned,
    ...fused.metrics,
    rawDescriptor: { accuracy: raw.metrics.accuracy, auc: raw.metrics.auc },
  };
  const metadata: ModelMetadata = {
    config,
    metrics,
    thresholds,
    training: {
      identities: classes.length,
      faces: training.length,
      heldOutIdentities: new Set(heldOut.map((s) => s.label)).size,
      seconds: (Date.now() - started) / 1000,
      backend,
      ...(request.startFrom ? { startedFrom: request.startFrom } : {}),
    },
    createdAt: new Date().toISOString(),
  };

  await saveArtifact(tf, network, metadata, request.outputDir);
  network.dispose();
  onProgress({ phase: 'saved', fraction: 1 });

  return { config: config as unknown as Record<string, unknown>, metrics, thresholds };
}

/**
 * Trunks whose outputs are centred (the training mean subtracted) before the cosine. On 1000 LFW
 * DevTest pairs, centring raised faceres's pooled features (non-negative after ReLU, so they share
 * a large common part) from 94.8 % to 96.5 % and lowered dlib's descriptor from 97.9 % to 97.5 %.
 */
const CENTRED_TRUNKS = new Set<string>(['faceres']);

/** Impostor pairs a held-out set needs before identities are held out at all (1 / FAR 1 %). */
const MIN_IMPOSTOR_PAIRS_TO_HOLD_OUT = 100;

/** Similarity weights tried on held-out identities, and the genuine pairs needed to trust the choice. */
const FACERES_WEIGHT_GRID = [0, 0.25, 0.5, 0.75, 1, 1.5];
const PATCH_WEIGHT_GRID = [0, 0.05, 0.1, 0.2, 0.35, 0.5];
const MIN_GENUINE_PAIRS_FOR_CHOICE = 30;

/** ROC AUC gain on held-out identities that other weights need to replace the defaults. */
const MIN_AUC_GAIN = 0.001;

interface FusionWeights {
  faceres: number;
  patch: number;
}

/** Similarity weight of branch m: 1 for the dlib holistic face, else the faceres or the patch weight. */
function similarityWeight(m: number, weights: FusionWeights): number {
  if (m === 0) {
    return 1;
  }
  return MODALITIES[m].trunk === 'faceres' ? weights.faceres : weights.patch;
}

/**
 * Chooses the faceres and patch weights with the best area under the ROC curve on held-out
 * identities, by fusing the trunks' cosine similarities (dlib holistic + weight x each other
 * modality). Falls back to `fallback` when the held-out set has too few genuine pairs.
 * NOTE: with the dlib trunk, patch similarities added to the holistic one lowered LFW
 * verification accuracy at every weight above 0.1 on 297 DevTest pairs, so small weights win.
 */
function chooseFusionWeights(heldOut: Array<{ label: string; activations: Float32Array }>, fallback: FusionWeights): FusionWeights {
  const features = heldOut.map((s) => Array.from({ length: MODALITY_COUNT }, (_, m) => viewAverage(s.activations, m)));
  const labels = heldOut.map((s) => s.label);
  const perModality = Array.from({ length: MODALITY_COUNT }, (_, m) => pairScores(features.map((f) => f[m]), labels));
  if (perModality[0].genuine.length < MIN_GENUINE_PAIRS_FOR_CHOICE) {
    return fallback;
  }

  const aucOf = (weights: FusionWeights): number => {
    const fuse = (kind: 'genuine' | 'impostor') =>
      perModality[0][kind].map((_, i) => perModality.reduce((sum, scores, m) => sum + similarityWeight(m, weights) * scores[kind][i], 0));
    return areaUnderCurve(fuse('genuine'), fuse('impostor')) ?? -1;
  };

  // A held-out set of a few dozen people often separates nearly perfectly at any weights, so the
  // default stays unless another choice is clearly better.
  let best = { weights: fallback, auc: aucOf(fallback) + MIN_AUC_GAIN };
  for (const faceres of FACERES_WEIGHT_GRID) {
    for (const patch of PATCH_WEIGHT_GRID) {
      const weights = { faceres, patch };
      const auc = aucOf(weights);
      if (auc > best.auc) {
        best = { weights, auc };
      }
    }
  }
  return best.weights;
}

/** Unit-length average of one modality's aligned and mirrored trunk outputs. */
function viewAverage(activations: Float32Array, modality: number): Float32Array {
  const dim = MODALITY_DIMS[modality];
  const sum = new Float32Array(dim);
  for (let view = 0; view < VIEWS; view++) {
    const part = normalisedTrunkOutput(activations, modality, view);
    for (let k = 0; k < dim; k++) sum[k] += part[k];
  }
  return normalise(sum);
}

/**
 * Holds out about `fraction` of the identities that have two or more faces, for calibration.
 * Identities with one face always train: they cannot form a genuine pair.
 */
function splitIdentities<T extends { label: string }>(samples: T[], fraction: number, random: () => number): { training: T[]; heldOut: T[] } {
  const counts = new Map<string, number>();
  samples.forEach((s) => counts.set(s.label, (counts.get(s.label) ?? 0) + 1));

  const candidates = shuffle([...counts.keys()].filter((label) => counts.get(label)! >= 2).sort(), random);
  const heldOutCount = Math.floor(candidates.length * fraction);
  let heldOutLabels = new Set(heldOutCount >= 2 ? candidates.slice(0, heldOutCount) : []);

  // A held-out set too small to calibrate the 1 % FAR threshold would only cost training data:
  // then every identity trains and calibration falls back to the training faces.
  const heldOutFaces = [...heldOutLabels].reduce((sum, label) => sum + counts.get(label)!, 0);
  const heldOutGenuine = [...heldOutLabels].reduce((sum, label) => sum + (counts.get(label)! * (counts.get(label)! - 1)) / 2, 0);
  const heldOutImpostor = (heldOutFaces * (heldOutFaces - 1)) / 2 - heldOutGenuine;
  if (heldOutImpostor < MIN_IMPOSTOR_PAIRS_TO_HOLD_OUT) {
    heldOutLabels = new Set();
  }

  return {
    training: samples.filter((s) => !heldOutLabels.has(s.label)),
    heldOut: samples.filter((s) => heldOutLabels.has(s.label)),
  };
}

/** Returns the pretrained descriptor alone: the holistic trunk output averaged over both views, unit length. */
export function rawDescriptor(activations: Float32Array): Float32Array {
  return viewAverage(activations, 0);
}

/** Returns one modality's trunk output averaged over both views, unit length: a pretrained trunk alone. */
export function rawTrunkOutput(activations: Float32Array, modality: number): Float32Array {
  return viewAverage(activations, modality);
}

function scaleDense(weights: DenseWeights, factor: number): DenseWeights {
  return { ...weights, kernel: weights.kernel.map((v) => v * factor), bias: weights.bias.map((v) => v * factor) };
}

/** Concatenated branch features of both views of every sample: [samples x views, branches x units]. */
function branchFeatures(tf: Tf, branches: DenseWeights[], samples: Array<{ activations: Float32Array }>): Float32Array {
  return tf.tidy(() => {
    const parts = branches.map((branch, m) => {
      const dim = MODALITY_DIMS[m];
      const inputs = new Float32Array(samples.length * VIEWS * dim);
      samples.forEach((sample, i) => {
        for (let view = 0; view < VIEWS; view++) {
          inputs.set(normalisedTrunkOutput(sample.activations, m, view), (i * VIEWS + view) * dim);
        }
      });
      const x = tf.tensor2d(inputs, [samples.length * VIEWS, dim]);
      return tf.add(tf.matMul(x, tf.tensor2d(branch.kernel, [branch.inputDim, branch.units])), tf.tensor1d(branch.bias));
    });
    return tf.concat(parts, 1).dataSync() as Float32Array;
  });
}
