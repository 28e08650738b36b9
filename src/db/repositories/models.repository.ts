import type { ModelRecord, ModelStatus, Thresholds } from '../../domain.js';
import { ErrorCode, FacematchError } from '../../errors.js';
import { AdvisoryLock } from '../advisory-locks.js';
import type { ModelsRepository, Sql } from '../types.js';
import { inTransaction } from './transaction.js';
import { isUuid } from './uuid.js';

interface ModelRow {
  id: string;
  name: string;
  version: number;
  status: ModelStatus;
  active: boolean;
  config: Record<string, unknown>;
  metrics: Record<string, unknown>;
  thresholds: Partial<Thresholds>;
  artifact_path: string | null;
  created_at: Date;
}

const COLUMNS = 'id, name, version, status, active, config, metrics, thresholds, artifact_path, created_at';

export function createModelsRepository(sql: Sql): ModelsRepository {
  async function update(id: string, assignments: string, params: unknown[]): Promise<ModelRecord> {
    const { rows } = isUuid(id)
      ? await sql.query<ModelRow>(`UPDATE models SET ${assignments} WHERE id = $1 RETURNING ${COLUMNS}`, [id, ...params])
      : { rows: [] };
    if (rows.length === 0) {
      throw modelNotFound(id);
    }
    return toModel(rows[0]);
  }

  return {
    createVersion(name, config) {
      return inTransaction(sql, async (tx) => {
        // The upsert locks the name's row, so concurrent calls take consecutive numbers.
        const { rows: numbered } = await tx.query<{ last_version: number }>(
          `INSERT INTO model_names (name, last_version) VALUES ($1, 1)
           ON CONFLICT (name) DO UPDATE SET last_version = model_names.last_version + 1
           RETURNING last_version`,
          [name],
        );
        const { rows } = await tx.query<ModelRow>(
          `INSERT INTO models (name, version, status, config) VALUES ($1, $2, 'TRAINING', $3)
           RETURNING ${COLUMNS}`,
          [name, numbered[0].last_version, JSON.stringify(config)],
        );
        return toModel(rows[0]);
      });
    },

    /** Throws NOT_FOUND when the model does not exist. */
    markReady(id, result) {
      return update(id, `status = 'READY', config = $2, metrics = $3, thresholds = $4, artifact_path = $5`, [
        JSON.stringify(result.config),
        JSON.stringify(result.metrics),
        JSON.stringify(result.thresholds),
        result.artifactPath,
      ]);
    },

    /** Also deactivates the model. Throws NOT_FOUND when the model does not exist. */
    async markFailed(id) {
      await update(id, `status = 'FAILED', active = false`, []);
    },

    /**
     * Throws NOT_FOUND, and changes nothing, when the model does not exist. Does not check the
     * status: the caller decides whether a model that is not READY may serve.
     */
    activate(id) {
      return inTransaction(sql, async (tx) => {
        // Serialises calls to activate: a concurrent call waits here, then clears the row this call sets.
        await tx.query('SELECT pg_advisory_xact_lock($1)', [AdvisoryLock.modelActivation]);

        const { rows } = isUuid(id) ? await tx.query('SELECT id FROM models WHERE id = $1 FOR UPDATE', [id]) : { rows: [] };
        if (rows.length === 0) {
          throw modelNotFound(id);
        }

        // Two statements in this order: the unique index on active rows is checked row by row,
        // so setting the new flag first would briefly make two rows active and fail.
        await tx.query('UPDATE models SET active = false WHERE active AND id <> $1', [id]);
        await tx.query('UPDATE models SET active = true WHERE id = $1', [id]);
      });
    },

    async getActive() {
      const { rows } = await sql.query<ModelRow>(`SELECT ${COLUMNS} FROM models WHERE active`);
      return rows.length === 0 ? null : toModel(rows[0]);
    },

    async getByName(name, version) {
      const { rows } =
        version === undefined
          ? await sql.query<ModelRow>(
              `SELECT ${COLUMNS} FROM models WHERE name = $1 AND status = 'READY' ORDER BY version DESC LIMIT 1`,
              [name],
            )
          : await sql.query<ModelRow>(`SELECT ${COLUMNS} FROM models WHERE name = $1 AND version = $2`, [name, version]);
      return rows.length === 0 ? null : toModel(rows[0]);
    },

    async get(id) {
      if (!isUuid(id)) {
        return null;
      }
      const { rows } = await sql.query<ModelRow>(`SELECT ${COLUMNS} FROM models WHERE id = $1`, [id]);
      return rows.length === 0 ? null : toModel(rows[0]);
    },

    /** Newest first. */
    async list() {
      const { rows } = await sql.query<ModelRow>(`SELECT ${COLUMNS} FROM models ORDER BY created_at DESC, id`);
      return rows.map(toModel);
    },

    /** Throws NOT_FOUND when the model does not exist. */
    async setStatus(id, status) {
      await update(id, 'status = $2', [status]);
    },

    /** Throws NOT_FOUND, and changes nothing, when the model does not exist. */
    activateIfComplete(id) {
      return inTransaction(sql, async (tx) => {
        // The same lock as activate, so two switches never interleave.
        await tx.query('SELECT pg_advisory_xact_lock($1)', [AdvisoryLock.modelActivation]);

        const { rows } = isUuid(id) ? await tx.query('SELECT id FROM models WHERE id = $1 FOR UPDATE', [id]) : { rows: [] };
        if (rows.length === 0) {
          throw modelNotFound(id);
        }

        // NOTE: under READ COMMITTED a face committed after this count but before the commit of
        // this transaction gets its vector from the previous model only.
        const missing = await tx.query<{ count: number }>(
          `SELECT count(*)::int AS count FROM faces f
           WHERE NOT EXISTS (SELECT 1 FROM face_vectors v WHERE v.face_id = f.id AND v.model_id = $1)`,
          [id],
        );
        if (missing.rows[0].count > 0) {
          return missing.rows[0].count;
        }

        await tx.query('UPDATE models SET active = false WHERE active AND id <> $1', [id]);
        await tx.query('UPDATE models SET active = true WHERE id = $1', [id]);
        return 0;
      });
    },

    async delete(id) {
      if (!isUuid(id)) {
        return false;
      }
      const { affectedRows } = await sql.query('DELETE FROM models WHERE id = $1', [id]);
      return affectedRows > 0;
    },
  };
}

function modelNotFound(id: string): FacematchError {
  return new FacematchError(ErrorCode.NOT_FOUND, `Model ${id} not found.`, { modelId: id });
}

function toModel(row: ModelRow): ModelRecord {
  return {
    id: row.id,
    name: row.name,
    version: row.version,
    status: row.status,
    active: row.active,
    config: row.config,
    metrics: row.metrics,
    thresholds: { far1: row.thresholds.far1 ?? null, far01: row.thresholds.far01 ?? null },
    artifactPath: row.artifact_path,
    createdAt: row.created_at,
  };
}
