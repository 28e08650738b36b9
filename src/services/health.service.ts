import type { ServiceDeps } from './deps.js';

export interface EngineInfo {
  backend: string;
  workers: number;
  /** Live TensorFlow.js tensors over the workers not training; growth between idle moments means a leak. */
  tensors: number;
}

export interface Health {
  /** "ok" when the database and the engine responded, "degraded" otherwise. */
  status: 'ok' | 'degraded';
  database: { kind: 'pglite' | 'postgres'; ok: boolean };
  engine: { backend: string; workers: number; ok: boolean };
}

export type HealthService = ReturnType<typeof createHealthService>;

/** Liveness of the database and the engine, for GET /health and the health query. */
export function createHealthService({ db, repositories, engine, logger }: ServiceDeps) {
  const repos = repositories(db);

  return {
    async engineInfo(): Promise<EngineInfo> {
      return { backend: engine.backend, workers: engine.workers, tensors: await engine.tensorCount() };
    },

    async check(): Promise<Health> {
      // A cheap indexed read proves the database responds. SQL stays in the repositories.
      let databaseOk = true;
      try {
        await repos.models.getActive();
      } catch (error) {
        logger.warn({ err: error }, 'health check failed: the database did not respond');
        databaseOk = false;
      }

      // Counting tensors is a round trip to every worker not training, so it proves they respond.
      let engineOk = true;
      try {
        await engine.tensorCount();
      } catch (error) {
        logger.warn({ err: error }, 'health check failed: the engine workers did not respond');
        engineOk = false;
      }

      return {
        status: databaseOk && engineOk ? 'ok' : 'degraded',
        database: { kind: db.kind, ok: databaseOk },
        engine: { backend: engine.backend, workers: engine.workers, ok: engineOk },
      };
    },
  };
}
