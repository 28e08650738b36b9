import type { JobFilter, NewJob } from '../db/types.js';
import type { Job, JobKind, JobStatus, WorkerRecord } from '../domain.js';
import { ErrorCode, FacematchError } from '../errors.js';
import type { ServiceDeps } from './deps.js';
import { notFound, requireUuid } from './ids.js';
import { toPage } from './paging.js';

export type JobsService = ReturnType<typeof createJobsService>;

const KINDS: JobKind[] = ['train', 'reembed', 'import'];
const STATUSES: JobStatus[] = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'];

/** The durable job queue as the API sees it: queue, look up, list and cancel jobs; list workers. */
export function createJobsService(deps: ServiceDeps) {
  const { db, repositories, config, logger } = deps;
  const repos = repositories(db);

  return {
    /** Stores a QUEUED job and wakes the worker of this process, if it runs one. */
    async enqueue(job: Omit<NewJob, 'maxAttempts'>): Promise<Job> {
      const queued = await repos.jobs.create({ ...job, maxAttempts: config.jobs.maxAttempts });
      logger.info({ jobId: queued.id, kind: queued.kind, modelName: queued.modelName }, 'job queued');
      deps.onJobQueued?.();
      return queued;
    },

    async getJob(id: string): Promise<Job> {
      requireUuid('job', id);
      const job = await repos.jobs.get(id);
      if (job === null) {
        throw notFound('job', id);
      }
      return job;
    },

    async listJobs(filter: JobFilter = {}, page: { limit?: number | null; offset?: number | null } = {}): Promise<Job[]> {
      if (filter.kind != null && !KINDS.includes(filter.kind)) {
        throw new FacematchError(ErrorCode.BAD_USER_INPUT, `kind must be one of ${KINDS.join(', ')}; got ${filter.kind}.`);
      }
      if (filter.status != null && !STATUSES.includes(filter.status)) {
        throw new FacematchError(ErrorCode.BAD_USER_INPUT, `status must be one of ${STATUSES.join(', ')}; got ${filter.status}.`);
      }
      return repos.jobs.list(filter, toPage(page.limit, page.offset));
    },

    /**
     * Cancels a QUEUED job at once, or asks the worker of a RUNNING one to stop at its next progress
     * step; the job then ends CANCELLED. A finished job raises CONFLICT.
     */
    async cancelJob(id: string): Promise<Job> {
      requireUuid('job', id);
      const before = await repos.jobs.get(id);
      if (before === null) {
        throw notFound('job', id);
      }
      if (before.status !== 'QUEUED' && before.status !== 'RUNNING') {
        throw new FacematchError(
          ErrorCode.CONFLICT,
          `Job ${id} already ended with status ${before.status}; only QUEUED or RUNNING jobs can be cancelled. Submit a new job instead.`,
          { jobId: id, status: before.status },
        );
      }

      // The job may have ended since the lookup; then the update changes nothing and returns it as it is.
      const job = (await repos.jobs.cancel(id))!;
      if (job.status === 'CANCELLED' && job.kind === 'import') {
        await repos.importImages.deleteByJob(job.id);
      }
      logger.info({ jobId: id, kind: job.kind, status: job.status }, job.status === 'CANCELLED' ? 'queued job cancelled' : 'cancel requested for a running job');
      return job;
    },

    async listWorkers(): Promise<WorkerRecord[]> {
      return repos.workers.list();
    },
  };
}
