import type { Config } from '../../../src/config.js';
import { createJobWorker, type JobWorker } from '../../../src/jobs/index.js';
import type { Logger } from '../../../src/logger.js';
import { createServices, type Clock, type Services } from '../../../src/services/index.js';
import { FakeDatabase, fakeRepositories } from './database.js';
import { FakeEngine, fakeDecodeImage } from './engine.js';
import { captureLogger } from './logger.js';

export function testConfig(overrides: Partial<Config> = {}, limits: Partial<Config['limits']> = {}): Config {
  return {
    host: '127.0.0.1',
    port: 0,
    databaseUrl: undefined,
    dataDir: '/tmp/facematch-test-data',
    modelsDir: '/tmp/facematch-test-models',
    logLevel: 'silent',
    adminKey: undefined,
    limits: {
      maxImageBytes: 1024 * 1024,
      maxImagePixels: 4_000_000,
      minImageSide: 32,
      maxAspectRatio: 20,
      maxRequestBytes: 64 * 1024,
      defaultTopK: 5,
      maxTopK: 20,
      maxPageSize: 500,
      maxQueryDepth: 10,
      maxImageFields: 10,
      ...limits,
    },
    databasePoolSize: 1,
    engine: { workers: 2, backend: 'cpu', minFaceScore: 0.5 },
    jobs: { inProcessWorker: true, leaseMs: 60_000, pollMs: 1_000, maxAttempts: 3 },
    ...overrides,
  };
}

export interface TestWorld {
  db: FakeDatabase;
  engine: FakeEngine;
  config: Config;
  logger: Logger;
  records: Array<Record<string, unknown>>;
  services: Services;
  worker: JobWorker;
  /** Runs every queued job to its end. */
  whenIdle(): Promise<void>;
}

/** Real services over fake dependencies. */
export function createTestWorld(options: { config?: Config; clock?: Clock } = {}): TestWorld {
  const db = new FakeDatabase();
  const engine = new FakeEngine();
  const config = options.config ?? testConfig();
  const { logger, records } = captureLogger();
  const services = createServices({
    db, engine, config, logger, repositories: fakeRepositories, decodeImage: fakeDecodeImage, clock: options.clock,
  });
  const worker = createJobWorker({ db, repositories: fakeRepositories, engine, images: services.images, config, logger, clock: options.clock });
  return { db, engine, config, logger, records, services, worker, whenIdle: async () => void (await worker.drain()) };
}
