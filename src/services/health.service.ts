import type { ServiceDeps } from './deps.js';

export interface Health {
  /** "ok" when the database answered, "degraded" otherwise. */
  status: 'ok' | 'degraded';
  database: { kind: 'pglite' | 'postgres'; ok: boolean };
  engine: { backend: string; workers: number };
}

export type HealthService = ReturnType<typeof createHealthService>;

/** Liveness of the database and the engine's runtime, for /health and the health query. */
export function createHealthService({ db, repositories, engine, config, logger }: ServiceDeps) {
  const repos = repositories(db);

  return {
    engineInfo(): { backend: string; workers: number } {
      return { backend: engine.backend, workers: config.engine.workers };
    },

    async check(): Promise<Health> {
      // A cheap indexed read proves the database answers; SQL stays in the repositories.
      let ok = true;
      try {
        await repos.models.getActive();
      } catch (error) {
        logger.warn({ err: error }, 'health check: the database did not answer');
        ok = false;
      }

      return {
        status: ok ? 'ok' : 'degraded',
        database: { kind: db.kind, ok },
        engine: { backend: engine.backend, workers: config.engine.workers },
      };
    },
  };
}
