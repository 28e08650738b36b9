import type { Job } from '../domain.js';
import { ErrorCode, FacematchError } from '../errors.js';
import { decodeBase64Image } from '../images/base64.js';
import type { ServiceDeps } from './deps.js';
import { notFound, requireUuid } from './ids.js';
import { requireBase64 } from './image-input.js';

/** Most images one importImages call may carry. */
export const MAX_IMPORT_IMAGES = 100;

export type ImportService = ReturnType<typeof createImportService>;

/** Bulk enrolment: importImages stores the images with an import job that a worker enrols. */
export function createImportService(deps: ServiceDeps) {
  const { db, repositories, config, logger } = deps;
  const repos = repositories(db);

  return {
    /**
     * Checks the user and each image's base64 and size, then stores the images and a QUEUED import
     * job in one transaction. Faces are detected by the worker; each image's outcome is in the job's result.
     */
    async importImages(userId: string, images: Array<{ base64?: string | null }>): Promise<Job> {
      requireUuid('user', userId);
      if (images.length < 1 || images.length > MAX_IMPORT_IMAGES) {
        throw new FacematchError(ErrorCode.BAD_USER_INPUT, `images must hold 1 to ${MAX_IMPORT_IMAGES} images; got ${images.length}. Split a larger import into several calls.`);
      }
      if ((await repos.users.get(userId)) === null) {
        throw notFound('user', userId);
      }

      const bytes = images.map((image, i) => {
        try {
          return decodeBase64Image(requireBase64(image.base64, `images[${i}]`), config.limits.maxImageBytes);
        } catch (error) {
          if (error instanceof FacematchError) {
            throw new FacematchError(error.code, `images[${i}]: ${error.message}`, { ...error.details, index: i });
          }
          throw error;
        }
      });

      const job = await db.transaction(async (tx) => {
        const txRepos = repositories(tx);
        const created = await txRepos.jobs.create({ kind: 'import', payload: { userId, images: bytes.length }, maxAttempts: config.jobs.maxAttempts });
        await txRepos.importImages.insert(created.id, userId, bytes);
        return created;
      });
      logger.info({ jobId: job.id, kind: job.kind, userId, images: bytes.length }, 'job queued');
      deps.onJobQueued?.();
      return job;
    },
  };
}
