import path from 'node:path';

import type { ModelRecord } from '../domain.js';
import type { ModelArtifactRef } from '../engine/types.js';
import { ErrorCode, FacematchError } from '../errors.js';
import type { ServiceDeps } from './deps.js';

export type ModelsService = ReturnType<typeof createModelsService>;

/** Trained model versions and the choice of the model a query embeds with. */
export function createModelsService({ db, repositories, config }: ServiceDeps) {
  const repos = repositories(db);

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

    /** Returns the engine's reference to a READY model's artifact folder. */
    artifactOf(model: ModelRecord): ModelArtifactRef {
      if (model.artifactPath === null) {
        throw new Error(`Model ${model.name} v${model.version} (${model.id}) is ${model.status} but has no artifact path.`);
      }
      return { path: path.resolve(config.modelsDir, model.artifactPath) };
    },
  };
}
