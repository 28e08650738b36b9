import type { Job, JobKind, JobStatus, LossPoint } from '../../domain.js';
import { ErrorCode, FacematchError } from '../../errors.js';
import type { JobsRepository, LeaseState, Sql } from '../types.js';
import { isForeignKeyViolation } from './sql-errors.js';
import { isUuid } from './uuid.js';

interface JobRow {
  id: string;
  kind: JobKind;
  model_name: string | null;
  status: JobStatus;
  progress: number;
  phase: string | null;
  items_done: number | null;
  items_total: number | null;
  epoch: number | null;
  loss: number | null;
  losses: LossPoint[];
  payload: Record<string, unknown>;
  result: Record<string, unknown> | null;
  error: string | null;
  model_id: string | null;
  attempts: number;
  max_attempts: number;
  lease_owner: string | null;
  lease_expires_at: Date | null;
  cancel_requested: boolean;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

const MODEL_FOREIGN_KEY = 'jobs_model_id_fkey';

const COLUMNS = `id, kind, model_name, status, progress, phase, items_done, items_total, epoch, loss, losses, payload, result,
  error, model_id, attempts, max_attempts, lease_owner, lease_expires_at, cancel_requested, created_at, started_at, finished_at`;

/** A lease of $n milliseconds from now. */
const leaseUntil = (parameter: string): string => `clock_timestamp() + ${parameter} * interval '1 millisecond'`;

/**
 * The claim: one statement, so it needs no explicit transaction. SKIP LOCKED lets two workers
 * claim at once without waiting on each other's row. Parameters: $1 owner, $2 kinds, $3 lease in ms.
 */
const CLAIM_SQL = `
UPDATE jobs SET
  status = 'RUNNING', lease_owner = $1, lease_expires_at = ${leaseUntil('$3')}, attempts = attempts + 1,
  started_at = clock_timestamp(), progress = 0, phase = NULL, items_done = NULL, items_total = NULL,
  epoch = NULL, loss = NULL, losses = '[]'
WHERE id = (
  SELECT id FROM jobs
  WHERE kind = ANY($2::text[])
    AND (status = 'QUEUED'
      OR (status = 'RUNNING' AND lease_expires_at < clock_timestamp() AND attempts < max_attempts AND NOT cancel_requested))
  ORDER BY created_at, id
  LIMIT 1
  FOR UPDATE SKIP LOCKED
)
RETURNING ${COLUMNS}`;

/** Ends expired jobs that may not run again. The message starts with the stable code clients branch on. */
const END_EXPIRED_SQL = `
UPDATE jobs SET
  status = CASE WHEN cancel_requested THEN 'CANCELLED' ELSE 'FAILED' END,
  error = CASE WHEN cancel_requested THEN 'CANCELLED: the job was cancelled and its worker stopped responding.'
    ELSE 'WORKER_LOST: worker ' || coalesce(lease_owner, '(unknown)') || ' stopped renewing its lease at '
      || to_char(lease_expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') || ' and all ' || max_attempts
      || ' attempts are used up; submit the job again.' END,
  lease_owner = NULL, lease_expires_at = NULL, finished_at = clock_timestamp()
WHERE id IN (
  SELECT id FROM jobs
  WHERE status = 'RUNNING' AND lease_expires_at < clock_timestamp() AND (attempts >= max_attempts OR cancel_requested)
  FOR UPDATE SKIP LOCKED
)
RETURNING ${COLUMNS}`;

export function createJobsRepository(sql: Sql): JobsRepository {
  /** Runs an UPDATE of a RUNNING job that `owner` holds and returns what the lease looks like afterwards. */
  async function updateHeld(id: string, owner: string, assignments: string, params: unknown[]): Promise<LeaseState> {
    if (!isUuid(id)) {
      return { held: false, cancelRequested: false };
    }
    const { rows } = await sql.query<{ cancel_requested: boolean }>(
      `UPDATE jobs SET ${assignments} WHERE id = $1 AND lease_owner = $2 AND status = 'RUNNING' RETURNING cancel_requested`,
      [id, owner, ...params],
    );
    return rows.length === 0 ? { held: false, cancelRequested: false } : { held: true, cancelRequested: rows[0].cancel_requested };
  }

  return {
    /** Throws NOT_FOUND when job.modelId does not exist. */
    async create(job) {
      try {
        const { rows } = await sql.query<JobRow>(
          `INSERT INTO jobs (kind, model_name, payload, model_id, max_attempts) VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
          [job.kind, job.modelName ?? null, JSON.stringify(job.payload), job.modelId ?? null, job.maxAttempts],
        );
        return toJob(rows[0]);
      } catch (error) {
        if (isForeignKeyViolation(error, MODEL_FOREIGN_KEY)) {
          throw new FacematchError(ErrorCode.NOT_FOUND, `Model ${job.modelId} not found.`, { modelId: job.modelId });
        }
        throw error;
      }
    },

    async get(id) {
      if (!isUuid(id)) {
        return null;
      }
      const { rows } = await sql.query<JobRow>(`SELECT ${COLUMNS} FROM jobs WHERE id = $1`, [id]);
      return rows.length === 0 ? null : toJob(rows[0]);
    },

    /** Newest first. The id breaks ties so that pages never overlap. */
    async list(filter, page) {
      const { rows } = await sql.query<JobRow>(
        `SELECT ${COLUMNS} FROM jobs
         WHERE ($1::text IS NULL OR kind = $1) AND ($2::text IS NULL OR status = $2)
         ORDER BY created_at DESC, id LIMIT $3 OFFSET $4`,
        [filter.kind ?? null, filter.status ?? null, page.limit, page.offset],
      );
      return rows.map(toJob);
    },

    async claim(owner, kinds, leaseMs) {
      const { rows } = await sql.query<JobRow>(CLAIM_SQL, [owner, kinds, leaseMs]);
      return rows.length === 0 ? null : toJob(rows[0]);
    },

    async endExpired() {
      const { rows } = await sql.query<JobRow>(END_EXPIRED_SQL);
      return rows.map(toJob);
    },

    renewLease(id, owner, leaseMs) {
      return updateHeld(id, owner, `lease_expires_at = ${leaseUntil('$3')}`, [leaseMs]);
    },

    /** Throws RangeError when progress is outside 0..1. */
    async updateProgress(id, owner, update) {
      if (!(update.progress >= 0 && update.progress <= 1)) {
        throw new RangeError(`Job progress must be from 0 to 1, got ${update.progress}.`);
      }
      // An undefined field keeps its stored value: each is written only when its flag ($n) is true.
      return updateHeld(
        id,
        owner,
        `progress = $3, phase = $4,
         items_done = CASE WHEN $5 THEN $6::int ELSE items_done END,
         items_total = CASE WHEN $5 THEN $7::int ELSE items_total END,
         epoch = CASE WHEN $8 THEN $9::int ELSE epoch END,
         loss = CASE WHEN $8 THEN $10::double precision ELSE loss END,
         losses = CASE WHEN $11 THEN $12::jsonb ELSE losses END`,
        [
          update.progress,
          update.phase,
          update.itemsDone !== undefined || update.itemsTotal !== undefined,
          update.itemsDone ?? null,
          update.itemsTotal ?? null,
          update.epoch !== undefined || update.loss !== undefined,
          update.epoch ?? null,
          update.loss ?? null,
          update.losses !== undefined,
          JSON.stringify(update.losses ?? []),
        ],
      );
    },

    async setModel(id, owner, modelId) {
      await updateHeld(id, owner, 'model_id = $3', [modelId]);
    },

    async finish(id, owner, status, outcome) {
      const state = await updateHeld(
        id,
        owner,
        `status = $3, error = $4, result = coalesce($5::jsonb, result), finished_at = clock_timestamp(),
         lease_owner = NULL, lease_expires_at = NULL,
         progress = CASE WHEN $3 = 'SUCCEEDED' THEN 1 ELSE progress END`,
        [status, outcome.error ?? null, outcome.result === undefined || outcome.result === null ? null : JSON.stringify(outcome.result)],
      );
      return state.held;
    },

    async release(id, owner) {
      const state = await updateHeld(id, owner, `status = 'QUEUED', attempts = attempts - 1, lease_owner = NULL, lease_expires_at = NULL`, []);
      return state.held;
    },

    async cancel(id) {
      if (!isUuid(id)) {
        return null;
      }
      const { rows } = await sql.query<JobRow>(
        `UPDATE jobs SET
           status = CASE WHEN status = 'QUEUED' THEN 'CANCELLED' ELSE status END,
           error = CASE WHEN status = 'QUEUED' THEN 'CANCELLED: cancelled by cancelJob before a worker took it.' ELSE error END,
           finished_at = CASE WHEN status = 'QUEUED' THEN clock_timestamp() ELSE finished_at END,
           cancel_requested = cancel_requested OR status IN ('QUEUED', 'RUNNING')
         WHERE id = $1
         RETURNING ${COLUMNS}`,
        [id],
      );
      return rows.length === 0 ? null : toJob(rows[0]);
    },
  };
}

function toJob(row: JobRow): Job {
  return {
    id: row.id,
    kind: row.kind,
    modelName: row.model_name,
    status: row.status,
    progress: row.progress,
    phase: row.phase,
    itemsDone: row.items_done,
    itemsTotal: row.items_total,
    epoch: row.epoch,
    loss: row.loss,
    losses: row.losses,
    payload: row.payload,
    result: row.result,
    error: row.error,
    modelId: row.model_id,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    leaseOwner: row.lease_owner,
    leaseExpiresAt: row.lease_expires_at,
    cancelRequested: row.cancel_requested,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}
