import { ErrorCode, FacematchError } from '../errors.js';
import type { ImagesService } from '../services/images.service.js';
import type { JobHandler } from './handler.js';
import { LeaseLostError, throwIfStopped, WorkerStoppingError } from './stop-reasons.js';

/** Outcome of one imported image, in request order. */
export type ImportOutcome =
  | { position: number; imageId: string; created: boolean }
  | { position: number; code: string; message: string };

/**
 * Enrols the images stored with an import job for payload.userId, one face per image. An image
 * that fails (no face, several faces, undecodable) is recorded in the result and the rest go on.
 * The stored images are deleted when the job ends, unless it goes back to the queue or to another worker.
 */
export function createImportHandler(images: ImagesService): JobHandler {
  return async (context) => {
    const { job, repos, progress, signal, log } = context;
    const userId = String(job.payload.userId ?? '');

    try {
      const stored = await repos.importImages.list(job.id);
      if (stored.length === 0 && (await repos.users.get(userId)) === null) {
        throw new FacematchError(ErrorCode.NOT_FOUND, `User ${userId} was deleted before the import ran, with the images to import; nothing was enrolled.`, { userId });
      }

      const outcomes: ImportOutcome[] = [];
      progress.report({ fraction: 0, phase: 'importing', itemsDone: 0, itemsTotal: stored.length });
      for (const { position, bytes } of stored) {
        throwIfStopped(signal);
        try {
          const added = await images.addImage(userId, bytes.toString('base64'));
          outcomes.push({ position, imageId: added.image.id, created: added.created });
        } catch (error) {
          if (!(error instanceof FacematchError) || (error.code === ErrorCode.NOT_FOUND && (await repos.users.get(userId)) === null)) {
            throw error;
          }
          log.info({ position, code: error.code }, 'an imported image was not enrolled');
          outcomes.push({ position, code: error.code, message: error.message });
        }
        progress.report({ fraction: outcomes.length / stored.length, phase: 'importing', itemsDone: outcomes.length, itemsTotal: stored.length });
      }

      const enrolled = outcomes.filter((outcome) => 'imageId' in outcome).length;
      return { enrolled, failed: outcomes.length - enrolled, images: outcomes };
    } finally {
      // A job put back in the queue or taken over by another worker still needs its images.
      const handedOver = signal.reason instanceof LeaseLostError || signal.reason instanceof WorkerStoppingError;
      if (!handedOver) {
        await repos.importImages.deleteByJob(job.id).catch((error: unknown) => log.error({ err: error }, 'could not delete the images of an import job'));
      }
    }
  };
}
