import type { TrainingJobsRepository } from '../db/types.js';
import type { Logger } from '../logger.js';
import type { Clock } from './deps.js';

/** Minimum time between two progress writes of one job within the same phase, in milliseconds. */
export const PROGRESS_WRITE_INTERVAL_MS = 500;

/**
 * Writes a job's progress to the database at most once every 500 ms, except that a phase change
 * is always written. Writes run one after another in call order; `flush` waits for them.
 * A failed write is logged and does not fail the job.
 */
export class ProgressWriter {
  private lastWriteAt = Number.NEGATIVE_INFINITY;
  private lastPhase: string | null = null;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly jobs: TrainingJobsRepository,
    private readonly jobId: string,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** Records `fraction` (0..1 of the whole job) in `phase`, unless throttled. */
  report(fraction: number, phase: string): void {
    const now = this.clock();
    if (phase === this.lastPhase && now - this.lastWriteAt < PROGRESS_WRITE_INTERVAL_MS) {
      return;
    }
    this.lastPhase = phase;
    this.lastWriteAt = now;

    const progress = Math.min(1, Math.max(0, fraction));
    this.chain = this.chain.then(() =>
      this.jobs.updateProgress(this.jobId, progress, phase).catch((error: unknown) => {
        this.logger.warn({ err: error, jobId: this.jobId }, 'could not record training progress');
      }),
    );
  }

  flush(): Promise<void> {
    return this.chain;
  }
}
