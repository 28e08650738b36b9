import type { JobsRepository } from '../db/types.js';
import type { LossPoint } from '../domain.js';
import type { Logger } from '../logger.js';
import type { Clock } from '../services/deps.js';
import { JobCancelledError, LeaseLostError } from './stop-reasons.js';

/** Minimum time between two progress writes of one job within the same phase, in milliseconds. */
export const PROGRESS_WRITE_INTERVAL_MS = 500;

/** Most recent epochs kept in a job's loss history. */
export const LOSS_HISTORY_LIMIT = 500;

export interface ProgressStep {
  /** Fraction of the whole job done, 0..1. */
  fraction: number;
  phase: string;
  itemsDone?: number | null;
  itemsTotal?: number | null;
  epoch?: number;
  loss?: number;
}

/**
 * Writes a running job's progress, throttled to one write per 500 ms within a phase (a phase change
 * and the final 1 are always written). The stored fraction never decreases within an attempt.
 * Every write also reads the lease state: when cancelJob was called or another worker
 * took the job, `controller` is aborted with JobCancelledError or LeaseLostError.
 */
export class JobProgress {
  private lastWriteAt = Number.NEGATIVE_INFINITY;
  private lastPhase: string | null = null;
  private fraction = 0;
  private readonly losses: LossPoint[] = [];
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly jobs: JobsRepository,
    private readonly jobId: string,
    private readonly workerId: string,
    private readonly controller: AbortController,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  report(step: ProgressStep): void {
    if (this.controller.signal.aborted) {
      return;
    }

    this.fraction = Math.max(this.fraction, Math.min(1, Math.max(0, step.fraction)));
    const hasLoss = step.epoch !== undefined && step.loss !== undefined && Number.isFinite(step.loss);
    if (hasLoss) {
      this.losses.push({ phase: step.phase, epoch: step.epoch!, loss: step.loss! });
      if (this.losses.length > LOSS_HISTORY_LIMIT) {
        this.losses.shift();
      }
    }

    const now = this.clock();
    if (step.phase === this.lastPhase && now - this.lastWriteAt < PROGRESS_WRITE_INTERVAL_MS && this.fraction < 1) {
      return;
    }
    this.lastPhase = step.phase;
    this.lastWriteAt = now;

    const update = {
      progress: this.fraction,
      phase: step.phase,
      ...(step.itemsDone === undefined && step.itemsTotal === undefined ? {} : { itemsDone: step.itemsDone ?? null, itemsTotal: step.itemsTotal ?? null }),
      ...(hasLoss ? { epoch: step.epoch, loss: step.loss, losses: [...this.losses] } : {}),
    };
    this.chain = this.chain.then(async () => {
      try {
        this.apply(await this.jobs.updateProgress(this.jobId, this.workerId, update));
      } catch (error) {
        this.logger.warn({ err: error, jobId: this.jobId }, 'could not record job progress');
      }
    });
  }

  /** Aborts the job's controller when the lease state says it must stop. */
  apply(state: { held: boolean; cancelRequested: boolean }): void {
    if (this.controller.signal.aborted) {
      return;
    }
    if (!state.held) {
      this.controller.abort(new LeaseLostError(this.jobId, this.workerId));
    } else if (state.cancelRequested) {
      this.controller.abort(new JobCancelledError(this.jobId));
    }
  }

  /** Waits for the writes queued so far. */
  flush(): Promise<void> {
    return this.chain;
  }
}
