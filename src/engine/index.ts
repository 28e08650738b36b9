import type { EngineConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { WorkerPool } from './runtime/pool.js';
import type { Engine, FaceObservation, ModelArtifactRef, RgbImage, TrainProgress, TrainRequest, TrainResult } from './types.js';

export type * from './types.js';
import { ACTIVATION_LENGTH } from './mmdfr/layout.js';

export { ACTIVATION_LENGTH };
export { VECTOR_DIM } from './mmdfr/config.js';

/** Activations embedded per worker task, so a large re-embedding shares the workers with requests. */
const EMBED_CHUNK = 256;

/** Starts the engine: picks the TensorFlow.js backend and loads the face models in a pool of worker threads. */
export async function createEngine(config: EngineConfig, logger: Logger): Promise<Engine> {
  const pool = await WorkerPool.start(config.workers, { backend: config.backend, minFaceScore: config.minFaceScore }, logger);
  return new PooledEngine(pool);
}

class PooledEngine implements Engine {
  constructor(private readonly pool: WorkerPool) {}

  readonly activationLength = ACTIVATION_LENGTH;

  get backend(): string {
    return this.pool.backend;
  }

  detectFaces(image: RgbImage): Promise<FaceObservation[]> {
    return this.pool.run({ kind: 'detect', image });
  }

  async embed(model: ModelArtifactRef, activations: Float32Array[]): Promise<Float32Array[]> {
    const chunks: Promise<Float32Array[]>[] = [];
    for (let start = 0; start < activations.length; start += EMBED_CHUNK) {
      chunks.push(this.pool.run({ kind: 'embed', modelPath: model.path, activations: activations.slice(start, start + EMBED_CHUNK) }));
    }
    return (await Promise.all(chunks)).flat();
  }

  train(request: TrainRequest, onProgress: (progress: TrainProgress) => void, signal?: AbortSignal): Promise<TrainResult> {
    return this.pool.run({ kind: 'train', request }, onProgress, signal);
  }

  get workers(): number {
    return this.pool.size;
  }

  async tensorCount(): Promise<number> {
    const reports = await this.pool.runOnEach({ kind: 'memory' });
    return reports.reduce((sum, report) => sum + report.numTensors, 0);
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
