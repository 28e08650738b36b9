import type { JobKind, WorkerRecord } from '../../domain.js';
import type { Sql, WorkersRepository } from '../types.js';

interface WorkerRow {
  id: string;
  host: string;
  pid: number;
  backend: string;
  kinds: JobKind[];
  started_at: Date;
  last_heartbeat_at: Date;
}

const COLUMNS = 'id, host, pid, backend, kinds, started_at, last_heartbeat_at';

export function createWorkersRepository(sql: Sql): WorkersRepository {
  return {
    async heartbeat(worker) {
      await sql.query(
        `INSERT INTO workers (id, host, pid, backend, kinds) VALUES ($1, $2, $3, $4, $5::text[])
         ON CONFLICT (id) DO UPDATE SET last_heartbeat_at = clock_timestamp()`,
        [worker.id, worker.host, worker.pid, worker.backend, worker.kinds],
      );
    },

    /** Most recent heartbeat first. */
    async list() {
      const { rows } = await sql.query<WorkerRow>(`SELECT ${COLUMNS} FROM workers ORDER BY last_heartbeat_at DESC, id`);
      return rows.map(toWorker);
    },

    async remove(id) {
      await sql.query('DELETE FROM workers WHERE id = $1', [id]);
    },

    async removeSilent(silentMs) {
      const { affectedRows } = await sql.query(
        `DELETE FROM workers WHERE last_heartbeat_at < clock_timestamp() - $1 * interval '1 millisecond'`,
        [silentMs],
      );
      return affectedRows;
    },
  };
}

function toWorker(row: WorkerRow): WorkerRecord {
  return {
    id: row.id,
    host: row.host,
    pid: row.pid,
    backend: row.backend,
    kinds: row.kinds,
    startedAt: row.started_at,
    lastHeartbeatAt: row.last_heartbeat_at,
  };
}
