import type { ModelRecord } from '../domain.js';
import type { Engine } from '../engine/types.js';
import { ErrorCode, FacematchError } from '../errors.js';
import type { JobContext } from './handler.js';
import { throwIfStopped } from './stop-reasons.js';

/** Faces embedded per engine call. */
export const EMBED_BATCH_SIZE = 64;

/** Passes over newly enrolled faces before giving up on activation. */
const MAX_ACTIVATION_ROUNDS = 5;

/**
 * Embeds every stored face that has no vector from `model` yet, then activates the model in one
 * transaction that first checks that no face lacks a vector. Faces enrolled meanwhile are embedded
 * in a further pass. Until the switch, searches keep using the previously active model, and they
 * filter by model id, so no answer mixes vectors of two models. Progress runs from `from` to `to`.
 */
export async function embedAndActivate(context: JobContext, engine: Engine, model: ModelRecord, artifactDir: string, from: number, to: number): Promise<number> {
  const { repos, progress, signal, log } = context;
  let embedded = 0;

  for (let round = 0; round < MAX_ACTIVATION_ROUNDS; round++) {
    const faces = await repos.faces.listWithoutVector(model.id);
    progress.report({ fraction: from, phase: 'embedding', itemsDone: 0, itemsTotal: faces.length });

    for (let start = 0; start < faces.length; start += EMBED_BATCH_SIZE) {
      throwIfStopped(signal);
      const batch = faces.slice(start, start + EMBED_BATCH_SIZE);
      const vectors = await engine.embed({ path: artifactDir }, batch.map((face) => face.activations)).catch((error: unknown) => {
        throw new FacematchError(ErrorCode.TRAINING_FAILED, `Embedding the stored faces with model ${model.name} v${model.version} failed: ${(error as Error).message}`);
      });
      for (let i = 0; i < batch.length; i++) {
        await repos.vectors.upsert(batch[i].faceId, model.id, vectors[i]);
      }

      const done = start + batch.length;
      embedded += batch.length;
      progress.report({ fraction: from + (to - from) * (done / faces.length), phase: 'embedding', itemsDone: done, itemsTotal: faces.length });
    }

    throwIfStopped(signal);
    const missing = await repos.models.activateIfComplete(model.id);
    if (missing === 0) {
      log.info({ modelId: model.id, model: model.name, version: model.version, embedded }, 'model activated');
      return embedded;
    }
    log.info({ modelId: model.id, missing }, 'faces were enrolled while embedding; embedding them before the switch');
  }

  throw new FacematchError(
    ErrorCode.TRAINING_FAILED,
    `Faces kept arriving faster than model ${model.name} v${model.version} could embed them, so it was not activated. Run activateModel again when enrolment is quieter.`,
  );
}
