/** Records shared by the services, the repositories and the API. Ids are UUID strings. */

/** Axis-aligned face box in pixels of the EXIF-oriented image; (x, y) is the top-left corner. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Image point in pixels: [x, y]. */
export type Point = [number, number];

export interface User {
  id: string;
  name: string;
  externalId: string | null;
  createdAt: Date;
}

export interface StoredImage {
  id: string;
  userId: string;
  /** Hex sha256 of the original bytes. */
  sha256: string;
  /** Format sniffed from the bytes: jpeg, png, webp, gif, tiff, avif, heif. */
  format: string;
  /** Width and height after EXIF orientation, in pixels. */
  width: number;
  height: number;
  byteSize: number;
  createdAt: Date;
}

export interface StoredFace {
  id: string;
  imageId: string;
  box: Box;
  /** 68 points in the iBUG 300-W order, pixels of the oriented image. */
  landmarks: Point[];
  /** Detector confidence, 0..1. */
  score: number;
  createdAt: Date;
}

export type ModelStatus = 'TRAINING' | 'READY' | 'FAILED';

/** Cosine similarities at which a model accepts a pair, calibrated on held-out pairs. */
export interface Thresholds {
  /** Similarity at a false accept rate of 1 %. */
  far1: number | null;
  /** Similarity at a false accept rate of 0.1 %. */
  far01: number | null;
}

export interface ModelRecord {
  id: string;
  name: string;
  version: number;
  status: ModelStatus;
  active: boolean;
  config: Record<string, unknown>;
  metrics: Record<string, unknown>;
  thresholds: Thresholds;
  /** Artifact folder, relative to the models folder. */
  artifactPath: string | null;
  createdAt: Date;
}

export type JobStatus = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

/** train: train a model version. reembed: embed every stored face with a model, then activate it. import: enrol uploaded images. */
export type JobKind = 'train' | 'reembed' | 'import';

/** The training loss of one epoch. */
export interface LossPoint {
  /** Training step, such as "branch holistic" or "autoencoder layer 2". */
  phase: string;
  epoch: number;
  loss: number;
}

export interface Job {
  id: string;
  kind: JobKind;
  /** The model a train job trains; null for other kinds. */
  modelName: string | null;
  status: JobStatus;
  /** Fraction done, 0..1, of the current attempt. */
  progress: number;
  /** Current step, such as "loading", "branch holistic", "embedding" or "importing". */
  phase: string | null;
  /** Items of the current phase done and in total (faces embedded, images imported); null when the phase has none. */
  itemsDone: number | null;
  itemsTotal: number | null;
  /** Latest training epoch and its mean loss; null outside training. */
  epoch: number | null;
  loss: number | null;
  /** Loss of every training epoch so far, oldest first, the most recent LOSS_HISTORY_LIMIT only. */
  losses: LossPoint[];
  /** The job's input: training options for train, { modelId } for reembed, { userId, images } for import. */
  payload: Record<string, unknown>;
  /** What the job produced, such as each imported image's outcome; null until it has one. */
  result: Record<string, unknown> | null;
  error: string | null;
  modelId: string | null;
  attempts: number;
  maxAttempts: number;
  /** Id of the worker holding the job; null when no worker does. */
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
  cancelRequested: boolean;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/** A worker process that takes jobs. */
export interface WorkerRecord {
  id: string;
  host: string;
  pid: number;
  /** TensorFlow.js backend of the worker's engine. */
  backend: string;
  kinds: JobKind[];
  startedAt: Date;
  lastHeartbeatAt: Date;
}

/** One stored face near a query vector. */
export interface SimilarFace {
  faceId: string;
  imageId: string;
  userId: string;
  /** Cosine distance (1 - cosine similarity), 0..2. */
  distance: number;
}

/** What an API key may do: ADMIN manages everything, CLIENT only searches and reads health. */
export type ApiKeyRole = 'ADMIN' | 'CLIENT';

/** A stored API key, without its secret: only the SHA-256 of the key is stored. */
export interface ApiKey {
  id: string;
  name: string;
  role: ApiKeyRole;
  /** Public part of the key (12 hex digits), which finds the row and identifies the key in listings. */
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}
