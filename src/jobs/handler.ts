import type { Repositories } from '../db/types.js';
import type { Job, JobKind } from '../domain.js';
import type { Logger } from '../logger.js';
import type { JobProgress } from './progress.js';

/** What a handler gets to run one claimed job. */
export interface JobContext {
  job: Job;
  workerId: string;
  repos: Repositories;
  progress: JobProgress;
  /** Aborted when the job must stop: cancelled, taken over by another worker, or the worker stopping. */
  signal: AbortSignal;
  log: Logger;
}

/**
 * Runs one job to its end. Resolves with the job's result, or throws: a FacematchError fails the
 * job with its code and message, the signal's reason ends it as cancelled or released.
 */
export type JobHandler = (context: JobContext) => Promise<Record<string, unknown> | null>;

export type JobHandlers = Record<JobKind, JobHandler>;
