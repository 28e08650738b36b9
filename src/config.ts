import os from 'node:os';
import path from 'node:path';

import { API_KEY_PATTERN } from './auth/api-key-format.js';

/** Typed, validated service configuration, read from the environment once at start. */
export interface Config {
  /** Interface the HTTP server binds to. */
  host: string;
  port: number;
  /** Postgres server URL; when unset the service uses embedded PGlite in `dataDir`. */
  databaseUrl: string | undefined;
  /** PGlite data folder (embedded database only). */
  dataDir: string;
  /** Folder holding trained model artifacts, one sub-folder per model version. */
  modelsDir: string;
  logLevel: string;
  /** Maximum connections of the pg pool (Postgres server only). */
  databasePoolSize: number;
  /** Admin API key from FACEMATCH_ADMIN_KEY, stored hashed at start; a secret, never logged. */
  adminKey: string | undefined;
  limits: Limits;
  engine: EngineConfig;
  jobs: JobsConfig;
}

export interface JobsConfig {
  /** Whether `serve` runs a worker in the API process. */
  inProcessWorker: boolean;
  /** How long a worker's claim on a job lasts without renewal, in milliseconds; renewed every third of it. */
  leaseMs: number;
  /** How often an idle worker looks for a job, in milliseconds. */
  pollMs: number;
  /** Claims of one job before a lost worker makes it FAILED. */
  maxAttempts: number;
}

export interface Limits {
  /** Maximum decoded size of one image, in bytes (after base64 decoding). */
  maxImageBytes: number;
  /** Maximum width x height of one image, checked from the header before a full decode. */
  maxImagePixels: number;
  /** Minimum width and height of one image, in pixels. */
  minImageSide: number;
  /** Maximum ratio of an image's longer side to its shorter one. */
  maxAspectRatio: number;
  /** Maximum HTTP request body, in bytes. */
  maxRequestBytes: number;
  /** Matches per face when a search gives no topK. */
  defaultTopK: number;
  maxTopK: number;
  /** Largest `limit` of a paged listing (users, trainingJobs). */
  maxPageSize: number;
  /** Deepest GraphQL field nesting allowed, the root field counting as 1. */
  maxQueryDepth: number;
  /** Image fields (faceVector, similarFaces, verifyFaces, addImage) allowed in one operation. */
  maxImageFields: number;
}

export interface EngineConfig {
  /** Worker threads that each own a TensorFlow.js backend and the face models. */
  workers: number;
  /** Preferred backend: auto, tensorflow-gpu, tensorflow, wasm or cpu. */
  backend: string;
  /** Detections below this score (0..1) are ignored. */
  minFaceScore: number;
}

const BACKENDS = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

/** Raised when an environment variable has a value the service cannot use. */
export class ConfigError extends Error {
  constructor(variable: string, value: string, expected: string) {
    super(`Invalid ${variable}=${JSON.stringify(value)}: expected ${expected}.`);
    this.name = 'ConfigError';
  }
}

function readInteger(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') {
    return fallback;
  }

  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(name, raw, `an integer from ${min} to ${max}`);
  }
  return value;
}

function readNumber(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') {
    return fallback;
  }

  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new ConfigError(name, raw, `a number from ${min} to ${max}`);
  }
  return value;
}

function readSwitch(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') {
    return fallback;
  }
  if (raw === 'on' || raw === 'off') {
    return raw === 'on';
  }
  throw new ConfigError(name, raw, 'on or off');
}

/** Absolute data folder, or PGlite's `memory://` for a database that lives only in this process. */
function resolveDataDir(value: string): string {
  return value.startsWith('memory://') ? value : path.resolve(value);
}

/** Reads and validates the configuration; throws ConfigError naming the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const backend = env.FACEMATCH_TF_BACKEND || 'auto';
  if (!BACKENDS.includes(backend)) {
    throw new ConfigError('FACEMATCH_TF_BACKEND', backend, `one of ${BACKENDS.join(', ')}`);
  }

  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL', '(hidden)', 'a postgres:// or postgresql:// URL');
  }

  const adminKey = env.FACEMATCH_ADMIN_KEY || undefined;
  if (adminKey !== undefined && !API_KEY_PATTERN.test(adminKey)) {
    // The value is a secret, so the message never shows it.
    throw new ConfigError('FACEMATCH_ADMIN_KEY', '(hidden)', 'a key of the form fm_<12 hex digits>_<43 base64url characters>, as `npx tsx src/cli.ts generate-key` prints');
  }

  // 1000 is the maximum of pgvector's hnsw.ef_search, which a search of k rows needs to be at least k.
  const maxTopK = readInteger(env, 'FACEMATCH_MAX_TOP_K', 100, 1, 1000);
  const config: Config = {
    host: env.FACEMATCH_HOST || '127.0.0.1',
    port: readInteger(env, 'FACEMATCH_PORT', 4000, 0, 65_535),
    databaseUrl,
    dataDir: resolveDataDir(env.FACEMATCH_DATA_DIR || 'data'),
    modelsDir: path.resolve(env.FACEMATCH_MODELS_DIR || 'models'),
    logLevel: env.FACEMATCH_LOG_LEVEL || 'info',
    databasePoolSize: readInteger(env, 'FACEMATCH_DB_POOL_SIZE', 10, 1, 100),
    adminKey,
    limits: {
      maxImageBytes: readInteger(env, 'FACEMATCH_MAX_IMAGE_BYTES', 10 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
      maxImagePixels: readInteger(env, 'FACEMATCH_MAX_IMAGE_PIXELS', 40_000_000, 1024, 1_000_000_000),
      minImageSide: readInteger(env, 'FACEMATCH_MIN_IMAGE_SIDE', 32, 1, 10_000),
      maxAspectRatio: readNumber(env, 'FACEMATCH_MAX_ASPECT_RATIO', 20, 1, 1000),
      maxRequestBytes: readInteger(env, 'FACEMATCH_MAX_REQUEST_BYTES', 20 * 1024 * 1024, 1024, 50 * 1024 * 1024),
      defaultTopK: readInteger(env, 'FACEMATCH_DEFAULT_TOP_K', Math.min(5, maxTopK), 1, maxTopK),
      maxTopK,
      maxPageSize: readInteger(env, 'FACEMATCH_MAX_PAGE_SIZE', 500, 1, 100_000),
      maxQueryDepth: readInteger(env, 'FACEMATCH_MAX_QUERY_DEPTH', 10, 2, 100),
      maxImageFields: readInteger(env, 'FACEMATCH_MAX_IMAGE_FIELDS', 10, 1, 1000),
    },
    engine: {
      workers: readInteger(env, 'FACEMATCH_ENGINE_WORKERS', Math.max(1, Math.min(4, os.availableParallelism())), 1, 64),
      backend,
      minFaceScore: readNumber(env, 'FACEMATCH_MIN_FACE_SCORE', 0.5, 0, 1),
    },
    jobs: {
      inProcessWorker: readSwitch(env, 'FACEMATCH_WORKER', true),
      leaseMs: readInteger(env, 'FACEMATCH_JOB_LEASE_MS', 30_000, 300, 3_600_000),
      pollMs: readInteger(env, 'FACEMATCH_JOB_POLL_MS', 1_000, 10, 60_000),
      maxAttempts: readInteger(env, 'FACEMATCH_JOB_MAX_ATTEMPTS', 3, 1, 100),
    },
  };
  return Object.freeze(config);
}
