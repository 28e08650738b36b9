import { readFile } from 'node:fs/promises';
import path from 'node:path';

import type { Job, ModelRecord } from '../domain.js';
import { TRAIN_OPTION_RANGES, type TrainOptions } from '../engine/types.js';
import { ErrorCode, FacematchError } from '../errors.js';
import type { ServiceDeps } from './deps.js';
import type { JobsService } from './jobs.service.js';
import { SHIPPED_MODEL } from './shipped-model.js';

export { SHIPPED_MODEL };

export const MODEL_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

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

  // The engine's own ranges, so a job the engine would reject is never queued.
  const { branchEpochs, autoencoderEpochs, validationFraction } = TRAIN_OPTION_RANGES;
  checkInteger(cleaned, 'branchEpochs', branchEpochs.min, branchEpochs.max);
  checkInteger(cleaned, 'autoencoderEpochs', autoencoderEpochs.min, autoencoderEpochs.max);
  checkInteger(cleaned, 'seed', 0, 2 ** 31 - 1);
  const fraction = cleaned.validationFraction;
  if (fraction !== undefined && (!Number.isFinite(fraction) || fraction < validationFraction.min || fraction > validationFraction.max)) {
    throw new FacematchError(
      ErrorCode.BAD_USER_INPUT,
      `options.validationFraction must be a number from ${validationFraction.min} to ${validationFraction.max}; got ${fraction}.`,
    );
  }
  return cleaned;
}

/**
 * Model training: trainModel queues a durable train job and returns at once; a worker (in this
 * process or another) trains, embeds every stored face with the new version and activates it.
 */
export function createTrainingService(deps: ServiceDeps, jobs: JobsService) {
  const { db, repositories, config, logger } = deps;
  const repos = repositories(db);

  return {
    /** Validates, records a QUEUED train job and returns it at once. */
    async trainModel(name: string, options?: TrainOptionsRequest | null): Promise<Job> {
      if (!MODEL_NAME_PATTERN.test(name)) {
        throw new FacematchError(
          ErrorCode.BAD_USER_INPUT,
          `Invalid model name "${name}": use 1 to 64 letters, digits, "_", "." or "-", starting with a letter or digit.`,
          { name },
        );
      }
      const cleaned = cleanTrainOptions(options);
      return jobs.enqueue({ kind: 'train', modelName: name, payload: cleaned as Record<string, unknown> });
    },

    /**
     * Registers the shipped model (models/base/v2) when it has never been registered and no model is
     * active. With no stored faces it is activated at once; otherwise a reembed job embeds them and
     * then activates it. Call once at start. Returns the registered model, or null when nothing changed.
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
      if ((await repos.models.activateIfComplete(model.id)) === 0) {
        logger.info({ modelId: model.id, model: model.name, version: model.version }, 'activated the shipped model');
        return { ...model, active: true };
      }

      const job = await jobs.enqueue({ kind: 'reembed', payload: { modelId: model.id }, modelId: model.id });
      logger.info({ modelId: model.id, jobId: job.id }, 'registered the shipped model; a reembed job activates it once the stored faces have its vectors');
      return model;
    },
  };
}
