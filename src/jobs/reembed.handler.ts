import path from 'node:path';

import type { Engine } from '../engine/types.js';
import { ErrorCode, FacematchError } from '../errors.js';
import { embedAndActivate } from './embed-and-activate.js';
import type { ImagesService } from '../services/images.service.js';
import type { JobHandler } from './handler.js';
import { refreshStaleActivations } from './refresh-activations.js';

/** Share of a reembed job's progress for recomputing activations stored by another engine version, when there are any. */
const REFRESH_SHARE = 0.2;

/**
 * Embeds every stored face with the READY model payload.modelId, then makes it the active model.
 * A cancel leaves the model READY and inactive; its vectors so far stay, so a later activateModel
 * only embeds the rest.
 */
export function createReembedHandler(engine: Engine, modelsDir: string, images: ImagesService): JobHandler {
  return async (context) => {
    const modelId = String(context.job.payload.modelId ?? '');
    const model = await context.repos.models.get(modelId);
    if (model === null) {
      throw new FacematchError(ErrorCode.NOT_FOUND, `Model ${modelId} was deleted before it could be activated; nothing changed.`, { modelId });
    }
    if (model.status !== 'READY' || model.artifactPath === null) {
      throw new FacematchError(ErrorCode.MODEL_NOT_READY, `Model ${model.name} v${model.version} is ${model.status}; only a READY model can be activated.`, { modelId });
    }

    const embedFrom = (await refreshStaleActivations(context, engine, images, 0, REFRESH_SHARE)) > 0 ? REFRESH_SHARE : 0;
    const embedded = await embedAndActivate(context, engine, model, path.resolve(modelsDir, model.artifactPath), embedFrom, 1);
    context.progress.report({ fraction: 1, phase: 'done' });
    return { modelId: model.id, version: model.version, embedded };
  };
}
