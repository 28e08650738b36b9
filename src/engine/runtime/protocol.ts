import type { FaceObservation, RgbImage, TrainProgress, TrainRequest, TrainResult } from '../types.js';

/** Messages between the engine (main thread) and its worker threads. */

export interface WorkerSettings {
  backend: string;
  minFaceScore: number;
}

export type Task =
  | { kind: 'detect'; image: RgbImage }
  | { kind: 'embed'; modelPath: string; activations: Float32Array[] }
  | { kind: 'train'; request: TrainRequest };

export interface TaskResults {
  detect: FaceObservation[];
  embed: Float32Array[];
  train: TrainResult;
}

export type ToWorker = { id: number; task: Task };

export type FromWorker =
  | { type: 'ready'; backend: string }
  | { type: 'startFailed'; message: string }
  | { type: 'progress'; id: number; progress: TrainProgress }
  | { type: 'done'; id: number; result: unknown }
  | { type: 'failed'; id: number; message: string; name: string };
