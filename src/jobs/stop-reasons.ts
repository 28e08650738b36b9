/** Why a running job was stopped before it finished; the worker's AbortSignal carries one as its reason. */

/** cancelJob asked the job to stop. */
export class JobCancelledError extends Error {
  constructor(jobId: string) {
    super(`Job ${jobId} was cancelled.`);
    this.name = 'JobCancelledError';
  }
}

/** Another worker took the job over, because this worker's lease expired. */
export class LeaseLostError extends Error {
  constructor(jobId: string, workerId: string) {
    super(`Worker ${workerId} no longer holds the lease of job ${jobId}.`);
    this.name = 'LeaseLostError';
  }
}

/** The worker is shutting down and put the job back in the queue. */
export class WorkerStoppingError extends Error {
  constructor(jobId: string) {
    super(`The worker stopped before job ${jobId} finished; the job is queued again.`);
    this.name = 'WorkerStoppingError';
  }
}

/** Throws the signal's reason when it was aborted. */
export function throwIfStopped(signal: AbortSignal): void {
  if (signal.aborted) {
    throw signal.reason;
  }
}
