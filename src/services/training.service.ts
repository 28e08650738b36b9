import { readFile } from 'node:fs/promises';
import path from 'node:path';

import type { FaceForTraining } from '../db/types.js';
import type { ModelRecord, TrainingJob } from '../domain.js';
import type { TrainOptions } from '../engine/types.js';
import { ErrorCode, FacematchError } from '../errors.js';
import type { ServiceDeps } from './deps.js';
import { notFound, requireUuid } from './ids.js';
import { JobRunner } from './job-runner.js';
import { toPage } from './paging.js';
import { ProgressWriter } from './progress-writer.js';

export const MODEL_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Faces embedded per engine call when a new model re-embeds every stored face. */
export const EMBED_BATCH_SIZE = 64;

/** Share of the job's progress given to training; re-embedding takes the rest. */
export const TRAIN_SHARE = 0.85;

export const MIN_TRAINING_USERS = 2;
export const MIN_FACES_PER_USER = 2;

/** The model shipped in the models folder, used until the first trainModel succeeds. */
export const SHIPPED_MODEL = { name: 'base', version: 'v1' };

export const INTERRUPTED_MESSAGE = 'INTERRUPTED: the server stopped before the job finished; run trainModel again.';

export type TrainingService = ReturnType<typeof createTrainingService>;

/** Training options as a client sends them: any of them may be null or absent. */
export type TrainOptionsRequest = { [K in keyof TrainOptions]?: TrainOptions[K] | null };

function checkInteger(options: TrainOptions, key: 'branchEpochs' | 'autoencoderEpochs' | 'seed', min: number, max: number): void {
  const value = options[key];
  if (value !== undefined && (!Number.isInteger(value) || value < min || value > max)) {
    throw new FacematchError(ErrorCode.BAD_USER_INPUT, `options.${key} must be an integer from ${min} to ${max}; got ${value}.`);
  }
}

/** Validates the training options and drops absent ones, so the stored job options only list what was set. */
export function cleanTrainOptions(options: TrainOptionsRequest | null | undefined): TrainOptions {
  const cleaned: TrainOptions = {};
  for (const [key, value] of Object.entries(options ?? {})) {
    if (value !== null && value !== undefined) {
      (cleaned as Record<string, unknown>)[key] = value;
    }
  }

  checkInteger(cleaned, 'branchEpochs', 1, 1000);
  checkInteger(cleaned, 'autoencoderEpochs', 1, 1000);
  checkInteger(cleaned, 'seed', 0, 2 ** 31 - 1);
  const fraction = cleaned.validationFraction;
  if (fraction !== undefined && (!Number.isFinite(fraction) || fraction < 0 || fraction > 0.5)) {
    throw new FacematchError(ErrorCode.BAD_USER_INPUT, `options.validationFraction must be a number from 0 to 0.5; got ${fraction}.`);
  }
  return cleaned;
}

/** Checks there are enough people to learn from: at least 2 users with at least 2 faces each. */
function checkTrainingData(faces: FaceForTraining[]): { users: number; eligibleUsers: number } {
  const facesPerUser = new Map<string, number>();
  for (const face of faces) {
    facesPerUser.set(face.userId, (facesPerUser.get(face.userId) ?? 0) + 1);
  }
  const eligibleUsers = [...facesPerUser.values()].filter((count) => count >= MIN_FACES_PER_USER).length;

  if (eligibleUsers < MIN_TRAINING_USERS) {
    throw new FacematchError(
      ErrorCode.INSUFFICIENT_TRAINING_DATA,
      `Training needs at least ${MIN_TRAINING_USERS} users with at least ${MIN_FACES_PER_USER} face images each; ` +
        `found ${eligibleUsers} such user(s) among ${facesPerUser.size} user(s) with ${faces.length} face(s). ` +
        'Add images with addImage and run trainModel again.',
      { users: facesPerUser.size, eligibleUsers, faces: faces.length },
    );
  }
  return { users: facesPerUser.size, eligibleUsers };
}

/**
 * Model training: trainModel queues a job and returns at once; an in-process runner trains,
 * re-embeds every stored face with the new model and activates it.
 */
export function createTrainingService(deps: ServiceDeps) {
  const { db, repositories, engine, config, logger } = deps;
  const clock = deps.clock ?? Date.now;
  const repos = repositories(db);
  const runner = new JobRunner(logger.child({ component: 'job-runner' }));

  /**
   * Embeds every stored face that has no vector from `model` yet. Listing by missing vector
   * picks up faces enrolled while the model trained, and makes a second pass cheap.
   */
  async function embedMissing(model: ModelRecord, outputDir: string, progress: ProgressWriter | null): Promise<number> {
    const faces = await repos.faces.listWithoutVector(model.id);

    for (let start = 0; start < faces.length; start += EMBED_BATCH_SIZE) {
      const batch = faces.slice(start, start + EMBED_BATCH_SIZE);
      const vectors = await engine.embed({ path: outputDir }, batch.map((face) => face.activations)).catch((error: unknown) => {
        throw new FacematchError(ErrorCode.TRAINING_FAILED, `Re-embedding the stored faces with the new model failed: ${(error as Error).message}`);
      });
      for (let i = 0; i < batch.length; i++) {
        await repos.vectors.upsert(batch[i].faceId, model.id, vectors[i]);
      }
      progress?.report(TRAIN_SHARE + (1 - TRAIN_SHARE) * ((start + batch.length) / faces.length), 'embedding');
    }
    return faces.length;
  }

  /** Runs one training job. Every failure ends as a FAILED job (and a FAILED model once one exists) instead of a thrown error. */
  async function runJob(job: TrainingJob, options: TrainOptions): Promise<void> {
    const log = logger.child({ jobId: job.id, model: job.modelName });
    const progress = new ProgressWriter(repos.jobs, job.id, clock, log);
    let model: ModelRecord | null = null;

    try {
      await repos.jobs.markRunning(job.id);
      log.info('training job started');
      progress.report(0, 'loading');

      const faces = await repos.faces.listForTraining();
      const counts = checkTrainingData(faces);

      model = await repos.models.createVersion(job.modelName, { options, samples: faces.length, identities: counts.users });
      const outputDir = path.join(config.modelsDir, job.modelName, `v${model.version}`);

      const result = await engine
        .train(
          { outputDir, samples: faces.map((face) => ({ label: face.userId, activations: face.activations })), options },
          (step) => progress.report(TRAIN_SHARE * step.fraction, step.phase),
        )
        .catch((error: unknown) => {
          throw new FacematchError(ErrorCode.TRAINING_FAILED, `The engine failed to train the model: ${(error as Error).message}`);
        });

      model = await repos.models.markReady(model.id, {
        config: result.config,
        metrics: result.metrics,
        thresholds: result.thresholds,
        artifactPath: path.relative(config.modelsDir, outputDir),
      });

      progress.report(TRAIN_SHARE, 'embedding');
      await embedMissing(model, outputDir, progress);
      await repos.models.activate(model.id);

      // A face enrolled during the first pass got a vector from the previous model only.
      // NOTE: an enrolment that resolved the previous model before activation and commits after
      // this pass still lacks a vector from the new one until the next training.
      const caughtUp = await embedMissing(model, outputDir, null);
      if (caughtUp > 0) {
        log.info({ faces: caughtUp }, 'embedded faces enrolled while the model trained');
      }

      progress.report(1, 'done');
      await progress.flush();
      await repos.jobs.markFinished(job.id, 'SUCCEEDED', { modelId: model.id });
      log.info({ modelId: model.id, version: model.version }, 'training job succeeded; model activated');
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof FacematchError) {
        // An expected failure, such as too little data: the job's error gives the client the next step.
        log.warn({ code: error.code, error: message, modelId: model?.id }, 'training job failed');
      } else {
        log.error({ err: error, modelId: model?.id }, 'training job failed');
      }

      await progress.flush();
      if (model !== null) {
        await repos.models.markFailed(model.id).catch((markError: unknown) => log.error({ err: markError }, 'could not mark the model FAILED'));
      }
      // Clients see the code and our own message; other errors (a database failure, say) stay in the log.
      const clientMessage = error instanceof FacematchError
        ? `${error.code}: ${message}`
        : `INTERNAL_SERVER_ERROR: training failed unexpectedly; the server log has the details under job id ${job.id}.`;
      await repos.jobs.markFinished(job.id, 'FAILED', { error: clientMessage, modelId: model?.id });
    }
  }

  return {
    /** Validates, records a QUEUED job and returns it at once; the job runs in the background. */
    async trainModel(name: string, options?: TrainOptionsRequest | null): Promise<TrainingJob> {
      if (!MODEL_NAME_PATTERN.test(name)) {
        throw new FacematchError(
          ErrorCode.BAD_USER_INPUT,
          `Invalid model name "${name}": use 1 to 64 letters, digits, "_", "." or "-", starting with a letter or digit.`,
          { name },
        );
      }
      const cleaned = cleanTrainOptions(options);
      if (!runner.accepting) {
        throw new Error('Training is not accepted because the server is shutting down.');
      }

      const job = await repos.jobs.create(name, cleaned as Record<string, unknown>);
      runner.enqueue(job.id, () => runJob(job, cleaned));
      return job;
    },

    async getTrainingJob(id: string): Promise<TrainingJob> {
      requireUuid('training job', id);
      const job = await repos.jobs.get(id);
      if (job === null) {
        throw notFound('training job', id);
      }
      return job;
    },

    async listTrainingJobs(page: { limit?: number | null; offset?: number | null } = {}): Promise<TrainingJob[]> {
      return repos.jobs.list(toPage(page.limit, page.offset, config.limits.maxPageSize));
    },

    /**
     * Marks jobs a previous process left QUEUED or RUNNING as FAILED, and their TRAINING models too.
     * Call once at start, before any trainModel. Returns how many jobs it marked.
     */
    /**
     * Registers and activates the shipped model (models/base/v1) when no model is active and it
     * has never been registered, then embeds the stored faces with it in the background.
     * Call once at start. Returns the activated model, or null when nothing changed.
     */
    async activateShippedModel(): Promise<ModelRecord | null> {
      if ((await repos.models.getActive()) !== null || (await repos.models.list()).some((m) => m.name === SHIPPED_MODEL.name)) {
        return null;
      }

      const artifactPath = path.join(SHIPPED_MODEL.name, SHIPPED_MODEL.version);
      const outputDir = path.join(config.modelsDir, artifactPath);
      let metadata: { config: Record<string, unknown>; metrics: Record<string, unknown>; thresholds: ModelRecord['thresholds'] };
      try {
        metadata = JSON.parse(await readFile(path.join(outputDir, 'metadata.json'), 'utf8'));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
          return null;
        }
        throw error;
      }

      const created = await repos.models.createVersion(SHIPPED_MODEL.name, metadata.config);
      const model = await repos.models.markReady(created.id, { config: metadata.config, metrics: metadata.metrics, thresholds: metadata.thresholds, artifactPath });
      await repos.models.activate(model.id);
      logger.info({ modelId: model.id, model: model.name, version: model.version }, 'activated the shipped model');

      // Faces stored before the shipped model existed get its vectors without delaying the start.
      embedMissing(model, outputDir, null).then(
        (count) => count > 0 && logger.info({ modelId: model.id, faces: count }, 'embedded stored faces with the shipped model'),
        (error: unknown) => logger.error({ err: error, modelId: model.id }, 'embedding stored faces with the shipped model failed'),
      );
      return { ...model, active: true };
    },

    async failInterruptedJobs(): Promise<number> {
      const interrupted: TrainingJob[] = [];
      for (let offset = 0; ; offset += 500) {
        const page = await repos.jobs.list({ limit: 500, offset });
        interrupted.push(...page.filter((job) => job.status === 'QUEUED' || job.status === 'RUNNING'));
        if (page.length < 500) {
          break;
        }
      }

      for (const job of interrupted) {
        await repos.jobs.markFinished(job.id, 'FAILED', { error: INTERRUPTED_MESSAGE });
        logger.warn({ jobId: job.id, model: job.modelName, status: job.status }, 'marked an interrupted training job FAILED');
      }

      for (const model of await repos.models.list()) {
        if (model.status === 'TRAINING') {
          await repos.models.markFailed(model.id);
          logger.warn({ modelId: model.id, model: model.name, version: model.version }, 'marked an interrupted model version FAILED');
        }
      }
      return interrupted.length;
    },

    /** Resolves once no training job is running or queued. */
    whenIdle(): Promise<void> {
      return runner.whenIdle();
    },

    /** Stops taking jobs, marks queued ones FAILED and waits up to `graceMs` for the running one. */
    async stop(graceMs?: number): Promise<void> {
      const dropped = await runner.stop(graceMs);
      for (const id of dropped) {
        await repos.jobs.markFinished(id, 'FAILED', { error: INTERRUPTED_MESSAGE }).catch((error: unknown) => {
          logger.warn({ err: error, jobId: id }, 'could not mark a queued training job FAILED at shutdown');
        });
      }
    },
  };
}
