import { randomUUID } from 'node:crypto';
import os from 'node:os';

import type { Database, Repositories, Sql } from '../db/types.js';
import type { Job, JobKind } from '../domain.js';
import { FacematchError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Clock } from '../services/deps.js';
import type { JobHandlers } from './handler.js';
import { JobProgress } from './progress.js';
import { JobCancelledError, LeaseLostError, WorkerStoppingError } from './stop-reasons.js';

export const JOB_KINDS: JobKind[] = ['train', 'reembed', 'import'];

/** Workers silent for this many leases are removed from the workers table. */
const SILENT_WORKER_LEASES = 20;

export interface JobWorkerOptions {
  db: Database;
  repositories: (sql: Sql) => Repositories;
  handlers: JobHandlers;
  logger: Logger;
  /** TensorFlow.js backend of the engine the handlers use, as registered in the workers table. */
  backend: string;
  /** Lease of a claimed job in milliseconds; renewed every third of it. */
  leaseMs: number;
  /** Interval between two polls for a job while the queue is empty, in milliseconds. */
  pollMs: number;
  kinds?: JobKind[];
  clock?: Clock;
}

interface RunningJob {
  job: Job;
  controller: AbortController;
  done: Promise<void>;
}

/**
 * Takes jobs from the database queue one at a time and runs them. Several workers, in this process
 * or others, may share one queue: each claim is a single statement with FOR UPDATE SKIP LOCKED,
 * and a worker renews its lease while it runs a job. A job whose worker died is taken over by the
 * next worker that looks after the lease expired, until its attempts are used up.
 */
export class JobWorker {
  readonly id = `${os.hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  private readonly repos: Repositories;
  private readonly kinds: JobKind[];
  private readonly log: Logger;
  private running: RunningJob | null = null;
  private loop: Promise<void> | null = null;
  private stopped = false;
  private wake: (() => void) | null = null;
  private idleWaiters: Array<() => void> = [];
  private idle = false;
  /** Set by nudge; a look that started before it must not declare the queue empty. */
  private nudged = false;

  constructor(private readonly options: JobWorkerOptions) {
    this.repos = options.repositories(options.db);
    this.kinds = options.kinds ?? JOB_KINDS;
    this.log = options.logger.child({ component: 'job-worker', workerId: this.id });
  }

  /** Registers the worker and starts taking jobs. */
  async start(): Promise<void> {
    await this.registerHeartbeat();
    this.log.info({ backend: this.options.backend, kinds: this.kinds, leaseMs: this.options.leaseMs, host: os.hostname(), pid: process.pid }, 'job worker started');
    this.loop = this.run();
  }

  /** Looks for a job now instead of after the poll interval; call after queueing a job in this process. */
  nudge(): void {
    this.idle = false;
    this.nudged = true;
    this.wake?.();
  }

  /** Resolves once the worker found the queue empty with no job running. */
  whenIdle(): Promise<void> {
    if (this.idle && this.running === null) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Runs queued jobs one after another until none is left, without the poll loop; returns how many
   * ran. For tests and one-shot runs; do not mix with start() on the same worker.
   */
  async drain(): Promise<number> {
    let count = 0;
    while (!this.stopped) {
      const job = await this.repos.jobs.claim(this.id, this.kinds, this.options.leaseMs);
      if (job === null) {
        break;
      }
      await this.execute(job);
      count++;
    }
    return count;
  }

  /**
   * Stops taking jobs and waits up to `graceMs` for the running job. A job still running then is
   * put back in the queue, without counting the attempt, for the next worker to run from the start.
   */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopped = true;
    this.wake?.();

    const running = this.running;
    if (running !== null) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), graceMs);
      });
      const outcome = await Promise.race([running.done.then(() => 'done' as const), timeout]);
      clearTimeout(timer);

      if (outcome === 'timeout') {
        const released = await this.repos.jobs.release(running.job.id, this.id).catch((error: unknown) => {
          this.log.error({ err: error, jobId: running.job.id }, 'could not put a running job back in the queue');
          return false;
        });
        running.controller.abort(new WorkerStoppingError(running.job.id));
        this.log.warn({ jobId: running.job.id, kind: running.job.kind, graceMs, released }, 'job still running at stop; put back in the queue');
      }
    }

    await this.loop;
    await this.repos.workers.remove(this.id).catch((error: unknown) => this.log.error({ err: error }, 'could not unregister the worker'));
    this.log.info('job worker stopped');
  }

  private async registerHeartbeat(): Promise<void> {
    await this.repos.workers.heartbeat({ id: this.id, host: os.hostname(), pid: process.pid, backend: this.options.backend, kinds: this.kinds });
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let job: Job | null = null;
      this.nudged = false;
      try {
        await this.registerHeartbeat();
        await this.endExpiredJobs();
        job = await this.repos.jobs.claim(this.id, this.kinds, this.options.leaseMs);
      } catch (error) {
        this.log.error({ err: error }, 'could not look for a job; retrying after the poll interval');
      }

      if (job !== null && !this.stopped) {
        await this.execute(job);
        continue;
      }
      if (this.nudged) {
        continue;
      }

      this.idle = true;
      for (const resolve of this.idleWaiters.splice(0)) {
        resolve();
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.options.pollMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }

    for (const resolve of this.idleWaiters.splice(0)) {
      resolve();
    }
  }

  /** Ends jobs whose worker died and which may not run again, and drops silent workers. */
  private async endExpiredJobs(): Promise<void> {
    for (const job of await this.repos.jobs.endExpired()) {
      this.log.warn({ jobId: job.id, kind: job.kind, status: job.status, attempts: job.attempts, error: job.error }, 'ended a job whose worker stopped renewing its lease');
      if (job.kind === 'import') {
        await this.repos.importImages.deleteByJob(job.id);
      }

      // The version a dead train attempt created must not stay TRAINING, or deleteModel keeps rejecting it.
      const model = job.modelId === null || job.kind !== 'train' ? null : await this.repos.models.get(job.modelId);
      if (model !== null && model.status === 'TRAINING') {
        await this.repos.models.markFailed(model.id);
      }
    }
    await this.repos.workers.removeSilent(this.options.leaseMs * SILENT_WORKER_LEASES);
  }

  private async execute(job: Job): Promise<void> {
    const log = this.log.child({ jobId: job.id, kind: job.kind, attempt: job.attempts });
    const controller = new AbortController();
    const progress = new JobProgress(this.repos.jobs, job.id, this.id, controller, this.options.clock ?? Date.now, log);
    let finished!: () => void;
    this.running = { job, controller, done: new Promise((resolve) => (finished = resolve)) };

    if (job.attempts > 1) {
      log.warn({ maxAttempts: job.maxAttempts }, 'retrying a job whose previous worker stopped renewing its lease');
    }
    log.info({ modelName: job.modelName }, 'job started');

    // Renews the lease every third of it. The renewal also returns whether a cancel was requested.
    const heartbeat = setInterval(() => {
      this.repos.jobs.renewLease(job.id, this.id, this.options.leaseMs).then(
        (state) => progress.apply(state),
        (error: unknown) => log.warn({ err: error }, 'could not renew the job lease'),
      );
    }, Math.max(1, Math.floor(this.options.leaseMs / 3)));

    try {
      const result = await this.options.handlers[job.kind]({ job, workerId: this.id, repos: this.repos, progress, signal: controller.signal, log });
      await progress.flush();

      // A cancel that arrives after the handler finished is too late: its work (an activation, say) is done.
      if (await this.repos.jobs.finish(job.id, this.id, 'SUCCEEDED', { result })) {
        log.info({ result }, 'job succeeded');
      } else {
        log.warn('job finished after this worker lost its lease; the result was not recorded');
      }
    } catch (error) {
      await progress.flush();
      await this.recordFailure(job, error, controller.signal, log);
    } finally {
      clearInterval(heartbeat);
      this.running = null;
      finished();
    }
  }

  private async recordFailure(job: Job, error: unknown, signal: AbortSignal, log: Logger): Promise<void> {
    const reason = signal.aborted ? signal.reason : error;
    try {
      if (reason instanceof JobCancelledError) {
        await this.repos.jobs.finish(job.id, this.id, 'CANCELLED', {
          error: 'CANCELLED: cancelled by cancelJob while running; nothing it wrote was activated.',
        });
        log.info('job cancelled');
      } else if (reason instanceof LeaseLostError || reason instanceof WorkerStoppingError) {
        log.warn({ reason: reason.message }, 'job stopped without a result; it belongs to the queue or another worker now');
      } else if (reason instanceof FacematchError) {
        // An expected failure, such as too little data: the job's error gives the client the next step.
        await this.repos.jobs.finish(job.id, this.id, 'FAILED', { error: `${reason.code}: ${reason.message}` });
        log.warn({ code: reason.code, error: reason.message }, 'job failed');
      } else {
        // Clients see only that it failed; the details (a database failure, say) stay in the log.
        await this.repos.jobs.finish(job.id, this.id, 'FAILED', {
          error: `INTERNAL_SERVER_ERROR: the job failed unexpectedly; the worker log has the details under job id ${job.id}.`,
        });
        log.error({ err: reason }, 'job failed');
      }
    } catch (recordError) {
      log.error({ err: recordError, cause: reason }, 'could not record the end of a job');
    }
  }
}
