import type { JobStatus, TrainingJob } from '../../domain.js';
import { ErrorCode, FacematchError } from '../../errors.js';
import type { Page, Sql, TrainingJobsRepository } from '../types.js';
import { isForeignKeyViolation } from './sql-errors.js';
import { isUuid } from './uuid.js';

interface TrainingJobRow {
  id: string;
  model_name: string;
  status: JobStatus;
  progress: number;
  phase: string | null;
  options: Record<string, unknown>;
  error: string | null;
  model_id: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

const MODEL_FOREIGN_KEY = 'training_jobs_model_id_fkey';

const COLUMNS = 'id, model_name, status, progress, phase, options, error, model_id, created_at, started_at, finished_at';

export function createTrainingJobsRepository(sql: Sql): TrainingJobsRepository {
  /** Runs an UPDATE of one job. Throws NOT_FOUND when no row matched. */
  async function update(id: string, assignments: string, params: unknown[]): Promise<void> {
    const { affectedRows } = isUuid(id)
      ? await sql.query(`UPDATE training_jobs SET ${assignments} WHERE id = $1`, [id, ...params])
      : { affectedRows: 0 };
    if (affectedRows === 0) {
      throw new FacematchError(ErrorCode.NOT_FOUND, `Training job ${id} not found.`, { jobId: id });
    }
  }

  return {
    async create(modelName, options) {
      const { rows } = await sql.query<TrainingJobRow>(
        `INSERT INTO training_jobs (model_name, options) VALUES ($1, $2) RETURNING ${COLUMNS}`,
        [modelName, JSON.stringify(options)],
      );
      return toJob(rows[0]);
    },

    async get(id) {
      if (!isUuid(id)) {
        return null;
      }
      const { rows } = await sql.query<TrainingJobRow>(`SELECT ${COLUMNS} FROM training_jobs WHERE id = $1`, [id]);
      return rows.length === 0 ? null : toJob(rows[0]);
    },

    /** Newest first. The id breaks ties so that pages never overlap. */
    async list(page: Page) {
      const { rows } = await sql.query<TrainingJobRow>(
        `SELECT ${COLUMNS} FROM training_jobs ORDER BY created_at DESC, id LIMIT $1 OFFSET $2`,
        [page.limit, page.offset],
      );
      return rows.map(toJob);
    },

    /** Throws NOT_FOUND when the job does not exist. */
    async markRunning(id) {
      await update(id, `status = 'RUNNING', started_at = clock_timestamp()`, []);
    },

    /** Throws RangeError when progress is outside 0..1, NOT_FOUND when the job does not exist. */
    async updateProgress(id, progress, phase) {
      if (!(progress >= 0 && progress <= 1)) {
        throw new RangeError(`Job progress must be from 0 to 1, got ${progress}.`);
      }
      await update(id, 'progress = $2, phase = $3', [progress, phase]);
    },

    /**
     * Sets progress to 1 when the job succeeded and keeps it when it failed.
     * Throws NOT_FOUND when the job or result.modelId does not exist.
     */
    async markFinished(id, status, result) {
      try {
        await update(
          id,
          `status = $2, model_id = $3, error = $4, finished_at = clock_timestamp(),
           progress = CASE WHEN $2 = 'SUCCEEDED' THEN 1 ELSE progress END`,
          [status, result.modelId ?? null, result.error ?? null],
        );
      } catch (error) {
        if (isForeignKeyViolation(error, MODEL_FOREIGN_KEY)) {
          throw new FacematchError(ErrorCode.NOT_FOUND, `Model ${result.modelId} not found.`, { modelId: result.modelId });
        }
        throw error;
      }
    },
  };
}

function toJob(row: TrainingJobRow): TrainingJob {
  return {
    id: row.id,
    modelName: row.model_name,
    status: row.status,
    progress: row.progress,
    phase: row.phase,
    options: row.options,
    error: row.error,
    modelId: row.model_id,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}
