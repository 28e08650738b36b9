import { access, rm } from 'node:fs/promises';
import path from 'node:path';

import type { FaceForTraining } from '../db/types.js';
import type { ModelRecord } from '../domain.js';
import type { Engine, TrainOptions } from '../engine/types.js';
import { ErrorCode, FacematchError } from '../errors.js';
import { SHIPPED_MODEL, SHIPPED_STRANGERS } from '../services/shipped-model.js';
import { versionFolder } from '../services/version-folder.js';
import type { ImagesService } from '../services/images.service.js';
import { embedAndActivate } from './embed-and-activate.js';
import type { JobContext, JobHandler } from './handler.js';
import { refreshStaleActivations } from './refresh-activations.js';
import { throwIfStopped } from './stop-reasons.js';

/**
 * Shares of a train job's progress, in order: recomputing activations stored by another engine
 * version (only when there are such faces), training, then embedding the stored faces.
 */
const REFRESH_SHARE = 0.1;
export const TRAIN_SHARE = 0.85;

export const MIN_TRAINING_USERS = 2;
export const MIN_FACES_PER_USER = 2;

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

/** The shipped base model's folder, or undefined when it was removed from the models folder. */
async function shippedModelDir(modelsDir: string): Promise<string | undefined> {
  const dir = path.join(modelsDir, SHIPPED_MODEL.name, SHIPPED_MODEL.version);
  try {
    await access(path.join(dir, 'model.json'));
    return dir;
  } catch {
    return undefined;
  }
}

/** Marks the model version an earlier attempt left in TRAINING as FAILED, and removes its files. */
async function retirePreviousAttempt(context: JobContext, modelsDir: string): Promise<void> {
  const { job, repos, log } = context;
  if (job.modelId === null) {
    return;
  }

  const previous = await repos.models.get(job.modelId);
  if (previous === null || previous.status !== 'TRAINING') {
    return;
  }
  await repos.models.markFailed(previous.id);
  await rm(path.join(modelsDir, versionFolder(previous)), { recursive: true, force: true });
  log.warn({ modelId: previous.id, version: previous.version }, 'marked the model version of an interrupted attempt FAILED');
}

/**
 * Trains the next version of job.modelName from every stored face, embeds every stored face with
 * it and activates it. A failure or cancel marks the new version FAILED, so it never becomes active.
 */
export function createTrainHandler(engine: Engine, modelsDir: string, images: ImagesService): JobHandler {
  return async (context) => {
    const { job, repos, progress, signal, workerId } = context;
    if (job.modelName === null) {
      throw new FacematchError(ErrorCode.BAD_USER_INPUT, `Train job ${job.id} names no model; submit it again with trainModel.`);
    }

    await retirePreviousAttempt(context, modelsDir);
    const trainFrom = (await refreshStaleActivations(context, engine, images, 0, REFRESH_SHARE)) > 0 ? REFRESH_SHARE : 0;
    progress.report({ fraction: trainFrom, phase: 'loading' });
    const faces = await repos.faces.listForTraining();
    const counts = checkTrainingData(faces);
    throwIfStopped(signal);

    const options = job.payload as TrainOptions;
    const startFrom = options.fromBaseModel === false ? undefined : await shippedModelDir(modelsDir);
    const strangersFrom = path.join(modelsDir, SHIPPED_STRANGERS);
    let model: ModelRecord = await repos.models.createVersion(job.modelName, { options, samples: faces.length, identities: counts.users });
    await repos.jobs.setModel(job.id, workerId, model.id);
    const outputDir = path.join(modelsDir, versionFolder(model));
    context.log.info({ modelId: model.id, version: model.version, faces: faces.length, users: counts.users }, 'training a model version');

    try {
      const result = await engine
        .train(
          { outputDir, samples: faces.map((face) => ({ label: face.userId, activations: face.activations })), options, startFrom, strangersFrom },
          (step) => progress.report({ fraction: trainFrom + (TRAIN_SHARE - trainFrom) * step.fraction, phase: step.phase, epoch: step.epoch, loss: step.loss }),
          signal,
        )
        .catch((error: unknown) => {
          throwIfStopped(signal);
          throw new FacematchError(ErrorCode.TRAINING_FAILED, `The engine failed to train the model: ${(error as Error).message}`);
        });
      throwIfStopped(signal);

      model = await repos.models.markReady(model.id, {
        config: result.config,
        metrics: result.metrics,
        thresholds: result.thresholds,
        artifactPath: path.relative(modelsDir, outputDir),
      });
      await embedAndActivate(context, engine, model, outputDir, TRAIN_SHARE, 1);
    } catch (error) {
      await repos.models.markFailed(model.id).catch((markError: unknown) => context.log.error({ err: markError, modelId: model.id }, 'could not mark the model FAILED'));
      throw error;
    }

    progress.report({ fraction: 1, phase: 'done' });
    return { modelId: model.id, version: model.version };
  };
}
