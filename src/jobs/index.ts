import type { Database, Repositories, Sql } from '../db/types.js';
import type { Engine } from '../engine/types.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { ImagesService } from '../services/images.service.js';
import type { Clock } from '../services/deps.js';
import type { JobHandlers } from './handler.js';
import { createImportHandler } from './import.handler.js';
import { createReembedHandler } from './reembed.handler.js';
import { createTrainHandler } from './train.handler.js';
import { JobWorker } from './worker.js';

export { JobWorker, JOB_KINDS } from './worker.js';

export interface WorkerDeps {
  db: Database;
  repositories: (sql: Sql) => Repositories;
  engine: Engine;
  images: ImagesService;
  config: Readonly<Config>;
  logger: Logger;
  clock?: Clock;
}

export function createJobHandlers(engine: Engine, modelsDir: string, images: ImagesService): JobHandlers {
  return {
    train: createTrainHandler(engine, modelsDir, images),
    reembed: createReembedHandler(engine, modelsDir, images),
    import: createImportHandler(images),
  };
}

/** Builds a worker for every job kind over the engine and database of `deps`; call start() on it. */
export function createJobWorker(deps: WorkerDeps): JobWorker {
  return new JobWorker({
    db: deps.db,
    repositories: deps.repositories,
    handlers: createJobHandlers(deps.engine, deps.config.modelsDir, deps.images),
    logger: deps.logger,
    backend: deps.engine.backend,
    leaseMs: deps.config.jobs.leaseMs,
    pollMs: deps.config.jobs.pollMs,
    clock: deps.clock,
  });
}
