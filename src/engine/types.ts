import type { Box, Point } from '../domain.js';

/** 8-bit RGB pixels, interleaved (length = width * height * 3), already EXIF-oriented. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** One detected face with the trunk activations that every model version embeds from. */
export interface FaceObservation {
  box: Box;
  /** 68 landmarks, pixels of the input image. */
  landmarks: Point[];
  /** Detector confidence, 0..1. */
  score: number;
  /** Trunk activations of every modality (original and mirrored), flattened; see ACTIVATION_LENGTH. */
  activations: Float32Array;
}

/** A trained model on disk: the folder with model.json, weights and metadata.json. */
export interface ModelArtifactRef {
  /** Absolute path of the model folder. */
  path: string;
}

export interface TrainSample {
  /** Identity label (the user id). */
  label: string;
  activations: Float32Array;
}

export interface TrainOptions {
  /** Epochs for each branch's identity classifier. */
  branchEpochs?: number;
  /** Epochs for each auto-encoder layer. */
  autoencoderEpochs?: number;
  /** Fraction of identities held out to calibrate thresholds and measure accuracy, 0..0.5. */
  validationFraction?: number;
  /** Random seed, so a retrain on the same data gives the same model. */
  seed?: number;
  /**
   * Start from the shipped base model's weights (the default) rather than from scratch; read by
   * the train job, which passes the base model as TrainRequest.startFrom.
   */
  fromBaseModel?: boolean;
}

/** Inclusive range of each numeric training option; the engine rejects a value outside it. */
export const TRAIN_OPTION_RANGES = {
  branchEpochs: { min: 1, max: 500 },
  autoencoderEpochs: { min: 1, max: 200 },
  validationFraction: { min: 0, max: 0.5 },
} as const;

export interface TrainRequest {
  /** Folder to write the artifact into; created if missing. */
  outputDir: string;
  samples: TrainSample[];
  options: TrainOptions;
  /**
   * Folder of a trained model whose branch and auto-encoder weights start, and anchor, the new
   * one, so a few enrolled people refine it instead of replacing what it learned.
   */
  startFrom?: string;
  /**
   * Folder of a stranger set (strangers.json and strangers.bin): faces of people never enrolled,
   * whose pairs with the calibration faces calibrate the thresholds. Skipped when it has none.
   */
  strangersFrom?: string;
}

export interface TrainProgress {
  phase: string;
  /** Fraction of the whole training done, 0..1. */
  fraction: number;
  epoch?: number;
  loss?: number;
}

export interface TrainResult {
  config: Record<string, unknown>;
  metrics: Record<string, unknown>;
  thresholds: { far1: number | null; far01: number | null };
}

/**
 * The face engine: detection, alignment, modality trunks, MM-DFR branches and fusion.
 * It has no GraphQL or SQL dependency and returns plain arrays, never tensors.
 */
export interface Engine {
  /** The TensorFlow.js backend the engine runs on: tensorflow-gpu, tensorflow, wasm or cpu. */
  readonly backend: string;
  /** Worker threads running the models. */
  readonly workers: number;
  /** Floats of trunk activations per face (FaceObservation.activations). Faces stored with another length are detected again. */
  readonly activationLength: number;
  /**
   * Live TensorFlow.js tensors summed over the workers that are not training, because a training
   * worker is skipped rather than waited for. Constant between requests unless tensors leak.
   */
  tensorCount(): Promise<number>;
  /** Finds every face at or above the configured score, largest first. */
  detectFaces(image: RgbImage): Promise<FaceObservation[]>;
  /** Maps cached activations to 512-d L2-normalised face vectors with a trained model. */
  embed(model: ModelArtifactRef, activations: Float32Array[]): Promise<Float32Array[]>;
  /**
   * Trains a model from labelled activations and writes its artifact to request.outputDir.
   * Aborting `signal` stops the training at its next epoch and rejects with an error named AbortError.
   */
  train(request: TrainRequest, onProgress: (progress: TrainProgress) => void, signal?: AbortSignal): Promise<TrainResult>;
  close(): Promise<void>;
}
