import type { Logger } from '../logger.js';

interface QueuedJob {
  id: string;
  work: () => Promise<void>;
}

/**
 * Runs background jobs in this process one at a time, in the order they were queued.
 * A job's `work` handles its own errors; anything it still throws is logged and the next job runs.
 */
export class JobRunner {
  private readonly queue: QueuedJob[] = [];
  private current: Promise<void> | null = null;
  private idleWaiters: Array<() => void> = [];
  private stopped = false;

  constructor(private readonly logger: Logger) {}

  /** Queues a job; throws when the runner is stopped. */
  enqueue(id: string, work: () => Promise<void>): void {
    if (this.stopped) {
      throw new Error('The job runner is stopped because the server is shutting down.');
    }
    this.queue.push({ id, work });
    if (this.current === null) {
      this.current = this.drain();
    }
  }

  /** False once stop() was called. */
  get accepting(): boolean {
    return !this.stopped;
  }

  get pending(): number {
    return this.queue.length + (this.current === null ? 0 : 1);
  }

  /** Resolves once no job is running or queued. */
  whenIdle(): Promise<void> {
    if (this.current === null) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Stops taking jobs and drops the queued ones (returning their ids), then waits up to `graceMs`
   * for the running job. A job still running after that is left to fail when the engine closes.
   */
  async stop(graceMs = 10_000): Promise<string[]> {
    this.stopped = true;
    const dropped = this.queue.splice(0).map((job) => job.id);

    if (this.current !== null) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), graceMs);
      });
      const outcome = await Promise.race([this.whenIdle().then(() => 'idle' as const), timeout]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        this.logger.warn({ graceMs }, 'a background job is still running after the grace period; stopping without it');
      }
    }
    return dropped;
  }

  private async drain(): Promise<void> {
    for (let job = this.queue.shift(); job !== undefined; job = this.queue.shift()) {
      try {
        await job.work();
      } catch (error) {
        this.logger.error({ err: error, jobId: job.id }, 'background job threw');
      }
    }

    this.current = null;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) {
      resolve();
    }
  }
}
