import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../logger.js';
import type { TrainProgress } from '../types.js';
import type { FromWorker, Task, TaskResults, WorkerSettings } from './protocol.js';

interface Pending {
  task: Task;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  onProgress?: (progress: TrainProgress) => void;
  /** The worker that must run this task; any idle worker when absent. */
  target?: Slot;
  /** The promise run() returned for this task, so abort() can find it. */
  result?: Promise<unknown>;
}

interface Slot {
  worker: Worker;
  busy: Pending | null;
  busyId: number;
}

// The worker runs from the same tree as this file: worker.ts under tsx, worker.js after tsc.
// On Node 20 a worker thread neither inherits tsx's loader nor accepts `--import tsx` in its
// execArgv, so a TypeScript worker starts from a small script that registers tsx first.
const SOURCE_EXTENSION = path.extname(fileURLToPath(import.meta.url));
const WORKER_URL = new URL(`./worker${SOURCE_EXTENSION}`, import.meta.url);

function newWorker(settings: WorkerSettings): Worker {
  if (SOURCE_EXTENSION !== '.ts') {
    return new Worker(WORKER_URL, { workerData: settings });
  }
  const bootstrap = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL.href)}); })`;
  return new Worker(bootstrap, { eval: true, workerData: settings });
}

/** Raised for a task whose worker thread failed to start or exited while running it. */
export class WorkerCrashedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkerCrashedError';
  }
}

/**
 * A fixed pool of worker threads, each with its own TensorFlow.js backend and face models.
 * Tasks wait in one FIFO queue and go to the first idle worker. A worker that exits is
 * replaced, and only the task it was running fails.
 */
export class WorkerPool {
  readonly backend: string;
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private closing = false;

  private constructor(
    private readonly settings: WorkerSettings,
    private readonly logger: Logger,
    backend: string,
  ) {
    this.backend = backend;
  }

  /** Starts `size` workers and waits until each has loaded its backend and models. */
  static async start(size: number, settings: WorkerSettings, logger: Logger): Promise<WorkerPool> {
    const first = await spawn(settings);
    const pool = new WorkerPool(settings, logger, first.backend);
    pool.attach(first.worker);

    const rest = await Promise.all(Array.from({ length: size - 1 }, () => spawn(settings)));
    rest.forEach(({ worker }) => pool.attach(worker));

    logger.info({ workers: size, backend: first.backend }, 'engine workers started');
    return pool;
  }

  get size(): number {
    return this.slots.length;
  }

  /**
   * Runs `task` on the first free worker. Aborting `signal` removes a task that has not started and
   * asks the worker to stop a running one; the promise then rejects with an AbortError.
   */
  run<K extends Task['kind']>(task: Extract<Task, { kind: K }>, onProgress?: (progress: TrainProgress) => void, signal?: AbortSignal): Promise<TaskResults[K]> {
    const result = this.enqueue<K>(task, onProgress);
    if (signal === undefined) {
      return result;
    }
    if (signal.aborted) {
      this.abort(result);
    } else {
      signal.addEventListener('abort', () => this.abort(result), { once: true });
    }
    return result;
  }

  /** Drops the queued task behind `result`, or sends a cancel message to the worker running it. */
  private abort(result: Promise<unknown>): void {
    const queued = this.queue.findIndex((pending) => pending.result === result);
    if (queued >= 0) {
      const [pending] = this.queue.splice(queued, 1);
      const error = new Error('the task was cancelled before it started');
      error.name = 'AbortError';
      pending.reject(error);
      return;
    }

    const slot = this.slots.find((candidate) => candidate.busy?.result === result);
    if (slot !== undefined) {
      slot.worker.postMessage({ cancel: slot.busyId });
    }
  }

  /**
   * Runs `task` once on every worker that is not training, for per-worker reports such as tensor
   * memory. A training task runs for minutes, so its worker is skipped rather than waited for.
   */
  runOnEach<K extends Task['kind']>(task: Extract<Task, { kind: K }>): Promise<TaskResults[K][]> {
    const available = this.slots.filter((slot) => slot.busy?.task.kind !== 'train');
    return Promise.all(available.map((slot) => this.enqueue<K>(task, undefined, slot)));
  }

  private enqueue<K extends Task['kind']>(task: Task, onProgress?: (progress: TrainProgress) => void, target?: Slot): Promise<TaskResults[K]> {
    if (this.closing) {
      return Promise.reject(new Error('the engine is shutting down'));
    }

    const pending = { task, onProgress, target } as Pending;
    const result = new Promise<TaskResults[K]>((resolve, reject) => {
      pending.resolve = resolve as (value: unknown) => void;
      pending.reject = reject;
    });
    pending.result = result;
    this.queue.push(pending);
    this.dispatch();
    return result;
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const pending of this.queue.splice(0)) {
      pending.reject(new Error('the engine shut down before this task started'));
    }
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
    this.slots.length = 0;
    this.logger.info('engine workers stopped');
  }

  private attach(worker: Worker): void {
    const slot: Slot = { worker, busy: null, busyId: 0 };
    this.slots.push(slot);

    worker.on('message', (message: FromWorker) => this.receive(slot, message));
    worker.on('error', (error) => this.logger.error({ err: error }, 'engine worker error'));
    worker.on('exit', (code) => this.replace(slot, code));
    this.dispatch();
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.busy !== null) {
        continue;
      }

      const index = this.queue.findIndex((pending) => pending.target === undefined || pending.target === slot);
      if (index >= 0) {
        const [pending] = this.queue.splice(index, 1);
        slot.busy = pending;
        slot.busyId = this.nextId++;
        slot.worker.postMessage({ id: slot.busyId, task: pending.task });
      }
    }
  }

  private receive(slot: Slot, message: FromWorker): void {
    if (message.type === 'progress' && message.id === slot.busyId) {
      slot.busy?.onProgress?.(message.progress);
      return;
    }
    if ((message.type !== 'done' && message.type !== 'failed') || message.id !== slot.busyId || slot.busy === null) {
      return;
    }

    const pending = slot.busy;
    slot.busy = null;
    if (message.type === 'done') {
      pending.resolve(message.result);
    } else {
      const error = new Error(message.message);
      error.name = message.name;
      pending.reject(error);
    }
    this.dispatch();
  }

  private replace(slot: Slot, code: number): void {
    const index = this.slots.indexOf(slot);
    if (index >= 0) {
      this.slots.splice(index, 1);
    }
    if (slot.busy) {
      slot.busy.reject(new WorkerCrashedError(`the engine worker exited with code ${code} while running a ${slot.busy.task.kind} task`));
    }
    for (const pending of this.queue.filter((p) => p.target === slot)) {
      this.queue.splice(this.queue.indexOf(pending), 1);
      pending.reject(new WorkerCrashedError(`the engine worker exited with code ${code} before running a ${pending.task.kind} task`));
    }
    if (this.closing) {
      return;
    }

    this.logger.error({ code }, 'engine worker exited; starting a replacement');
    spawn(this.settings).then(
      ({ worker }) => this.attach(worker),
      (error) => this.logger.error({ err: error }, 'engine worker replacement failed to start'),
    );
  }
}

function spawn(settings: WorkerSettings): Promise<{ worker: Worker; backend: string }> {
  return new Promise((resolve, reject) => {
    const worker = newWorker(settings);
    const onExit = (code: number) => reject(new WorkerCrashedError(`the engine worker exited with code ${code} while starting`));

    worker.once('exit', onExit);
    worker.once('message', (message: FromWorker) => {
      worker.off('exit', onExit);
      if (message.type === 'ready') {
        resolve({ worker, backend: message.backend });
      } else {
        void worker.terminate();
        reject(new WorkerCrashedError(message.type === 'startFailed' ? message.message : 'the engine worker sent no ready message'));
      }
    });
  });
}
