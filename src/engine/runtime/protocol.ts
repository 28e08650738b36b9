import type { FaceObservation, RgbImage, TrainProgress, TrainRequest, TrainResult } from '../types.js';

/** Messages between the engine (main thread) and its worker threads. */

export interface WorkerSettings {
  backend: string;
  minFaceScore: number;
}

export type Task =
  | { kind: 'detect'; image: RgbImage }
  | { kind: 'embed'; modelPath: string; activations: Float32Array[] }
  | { kind: 'train'; request: TrainRequest }
  | { kind: 'memory' };

export interface TaskResults {
  detect: FaceObservation[];
  embed: Float32Array[];
  train: TrainResult;
  memory: TensorMemory;
}

/** TensorFlow.js memory of one worker: live tensors and their bytes. */
export interface TensorMemory {
  numTensors: number;
  numBytes: number;
}

export type ToWorker = { id: number; task: Task } | { cancel: number };

export type FromWorker =
  | { type: 'ready'; backend: string }
  | { type: 'startFailed'; message: string }
  | { type: 'progress'; id: number; progress: TrainProgress }
  | { type: 'done'; id: number; result: unknown }
  | { type: 'failed'; id: number; message: string; name: string };
