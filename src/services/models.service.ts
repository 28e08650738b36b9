import { rm, rmdir } from 'node:fs/promises';
import path from 'node:path';

import type { Job, ModelRecord } from '../domain.js';
import type { ModelArtifactRef } from '../engine/types.js';
import { ErrorCode, FacematchError } from '../errors.js';
import type { ServiceDeps } from './deps.js';
import type { JobsService } from './jobs.service.js';
import { SHIPPED_MODEL } from './shipped-model.js';
import { versionFolder } from './version-folder.js';

export type ModelsService = ReturnType<typeof createModelsService>;

/** Trained model versions, their activation and deletion, and the choice of the model a query embeds with. */
export function createModelsService({ db, repositories, config, logger }: ServiceDeps, jobs: JobsService) {
  const repos = repositories(db);

  /** The given version of `name`; NOT_FOUND names what exists. */
  async function requireVersion(name: string, version: number): Promise<ModelRecord> {
    if (!Number.isInteger(version) || version < 1) {
      throw new FacematchError(ErrorCode.BAD_USER_INPUT, `version must be an integer of 1 or more; got ${version}.`, { version });
    }
    const model = await repos.models.getByName(name, version);
    if (model === null) {
      throw new FacematchError(ErrorCode.NOT_FOUND, `No model "${name}" version ${version}. The models query lists the existing ones.`, { name, version });
    }
    return model;
  }

  return {
    async listModels(): Promise<ModelRecord[]> {
      return repos.models.list();
    },

    /** The newest READY version of `name`, or the given version in any status; NOT_FOUND when there is none. */
    async getModel(name: string, version?: number | null): Promise<ModelRecord> {
      if (version !== undefined && version !== null && (!Number.isInteger(version) || version < 1)) {
        throw new FacematchError(ErrorCode.BAD_USER_INPUT, `version must be an integer of 1 or more; got ${version}.`);
      }

      const model = await repos.models.getByName(name, version ?? undefined);
      if (model === null) {
        const which = version == null ? `READY model named "${name}"` : `model "${name}" version ${version}`;
        throw new FacematchError(ErrorCode.NOT_FOUND, `No ${which}. The models query lists the existing ones.`, { name, version });
      }
      return model;
    },

    async getActiveModel(): Promise<ModelRecord | null> {
      return repos.models.getActive();
    },

    async getModelById(id: string): Promise<ModelRecord | null> {
      return repos.models.get(id);
    },

    /**
     * Resolves the model a query embeds with: the newest READY version of `name` when given,
     * else the active model. Throws MODEL_NOT_READY when there is none.
     */
    async resolveReadyModel(name?: string | null): Promise<ModelRecord> {
      if (name !== undefined && name !== null) {
        const model = await repos.models.getByName(name);
        if (model === null || model.status !== 'READY') {
          throw new FacematchError(
            ErrorCode.MODEL_NOT_READY,
            `Model "${name}" has no READY version. Run trainModel(name: "${name}") and wait for its job to succeed, or omit the model argument to use the active model.`,
            { model: name },
          );
        }
        return model;
      }

      const active = await repos.models.getActive();
      if (active === null || active.status !== 'READY') {
        throw new FacematchError(
          ErrorCode.MODEL_NOT_READY,
          'No model is active yet. Enrol at least 2 users with at least 2 images each, run trainModel and wait for its job to succeed.',
        );
      }
      return active;
    },

    /**
     * Queues a reembed job that embeds every stored face with the READY version `version` of `name`
     * and then makes it the active model. Searches keep using the current active model until then.
     */
    async activateModel(name: string, version: number): Promise<Job> {
      const model = await requireVersion(name, version);
      if (model.status !== 'READY') {
        throw new FacematchError(
          ErrorCode.MODEL_NOT_READY,
          `Model "${name}" version ${version} is ${model.status}, so it cannot be activated. Activate a READY version, or wait for its training job to succeed.`,
          { name, version, status: model.status },
        );
      }
      return jobs.enqueue({ kind: 'reembed', payload: { modelId: model.id }, modelId: model.id });
    },

    /**
     * Deletes a model version with its vectors and its artifact folder. CONFLICT for the active
     * model and for a version still training. The shipped model's folder is kept, because it is
     * part of the distribution.
     */
    async deleteModel(name: string, version: number): Promise<ModelRecord> {
      const model = await requireVersion(name, version);
      if (model.active) {
        throw new FacematchError(
          ErrorCode.CONFLICT,
          `Model "${name}" version ${version} is the active model, so it cannot be deleted. Activate another version with activateModel first.`,
          { name, version },
        );
      }
      if (model.status === 'TRAINING') {
        throw new FacematchError(
          ErrorCode.CONFLICT,
          `Model "${name}" version ${version} is still training. Cancel its job with cancelJob or wait for it to end, then delete it.`,
          { name, version },
        );
      }

      await repos.models.delete(model.id);
      const folder = path.resolve(config.modelsDir, model.artifactPath ?? versionFolder(model));
      const shipped = model.name === SHIPPED_MODEL.name && model.version === 1;
      if (!shipped && folder.startsWith(config.modelsDir + path.sep)) {
        await rm(folder, { recursive: true, force: true });

        // The model name's folder is removed with its last version. rmdir fails while other versions remain.
        const nameFolder = path.dirname(folder);
        if (nameFolder !== config.modelsDir) {
          await rmdir(nameFolder).catch(() => undefined);
        }
      }
      logger.info({ modelId: model.id, model: name, version, folder: shipped ? null : folder }, 'model deleted');
      return model;
    },

    /** Returns the engine's reference to a READY model's artifact folder. */
    artifactOf(model: ModelRecord): ModelArtifactRef {
      if (model.artifactPath === null) {
        throw new Error(`Model ${model.name} v${model.version} (${model.id}) is ${model.status} but has no artifact path.`);
      }
      return { path: path.resolve(config.modelsDir, model.artifactPath) };
    },
  };
}
