import type { Engine } from '../engine/types.js';
import type { ImagesService } from '../services/images.service.js';
import type { JobContext } from './handler.js';
import { throwIfStopped } from './stop-reasons.js';

/**
 * Recomputes, from the stored photos, the activations of stored faces whose length is not this
 * engine's: an engine with other trunks wrote them, and no model of this engine can read them.
 * Returns the number of faces recomputed. Each face is saved on its own, so a stopped job keeps
 * what it finished and a retry does only the rest. Progress runs from `from` to `to`.
 */
export async function refreshStaleActivations(context: JobContext, engine: Engine, images: ImagesService, from: number, to: number): Promise<number> {
  const { repos, progress, signal, log } = context;
  const stale = await repos.faces.listStale(engine.activationLength);
  if (stale.length === 0) {
    return 0;
  }

  log.info({ faces: stale.length, activationLength: engine.activationLength }, 'recomputing activations of faces stored by another engine version');
  progress.report({ fraction: from, phase: 'refreshing activations', itemsDone: 0, itemsTotal: stale.length });

  for (let i = 0; i < stale.length; i++) {
    throwIfStopped(signal);
    const activations = await images.recomputeActivations(stale[i]);
    await repos.faces.updateActivations(stale[i].faceId, activations);
    progress.report({ fraction: from + (to - from) * ((i + 1) / stale.length), phase: 'refreshing activations', itemsDone: i + 1, itemsTotal: stale.length });
  }

  log.info({ faces: stale.length }, 'activations recomputed');
  return stale.length;
}
