import type { EngineConfig } from '../config.js';
import type { Logger } from '../logger.js';
import type { Engine } from './types.js';

export type * from './types.js';

/** Starts the engine: picks the TensorFlow.js backend and loads the face models in a pool of worker threads. */
export async function createEngine(config: EngineConfig, logger: Logger): Promise<Engine> {
  // TODO: being written now; the signature is final.
  void config;
  void logger;
  throw new Error('engine not implemented yet');
}
