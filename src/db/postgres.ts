import pg from 'pg';
import { fromSql } from 'pgvector';

import type { Logger } from '../logger.js';
import type { Driver, ScriptSql } from './driver.js';

export interface PostgresDriver extends Driver {
  /**
   * Makes the pool parse `vector` columns into number arrays. Call it once after the migrations,
   * because the type exists only after CREATE EXTENSION and its oid differs between databases.
   */
  registerVectorType(): Promise<void>;
}

/** Opens a pg Pool of at most `poolSize` connections to `databaseUrl`. It connects on the first query. */
export function openPostgres(databaseUrl: string, poolSize: number, logger: Logger): PostgresDriver {
  // Type parsers for this pool only, so two databases in one process (tests) do not share oids.
  const types = new pg.TypeOverrides();
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize, types });

  // An idle client that loses its connection emits 'error' here. Without a listener the process would exit.
  pool.on('error', (error) => {
    logger.error({ err: error }, 'Idle Postgres connection failed; the pool replaces it.');
  });

  return {
    kind: 'postgres',

    async query<R>(text: string, params?: unknown[]) {
      const result = await pool.query(text, params);
      return { rows: result.rows as R[], affectedRows: result.rowCount ?? 0 };
    },

    async transaction<T>(work: (sql: ScriptSql) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work(clientSql(client));
        await client.query('COMMIT');
        client.release();
        return result;
      } catch (error) {
        await rollback(client, logger);
        throw error;
      }
    },

    async registerVectorType() {
      const { rows } = await pool.query<{ oid: number | null }>("SELECT to_regtype('vector')::oid AS oid");
      const oid = rows[0]?.oid;
      if (oid === null || oid === undefined) {
        throw new Error('The vector type is missing: the pgvector extension is not installed in this database.');
      }
      types.setTypeParser(oid, 'text', fromSql);
    },

    close: () => pool.end(),
  };
}

function clientSql(client: pg.PoolClient): ScriptSql {
  return {
    async query<R>(text: string, params?: unknown[]) {
      const result = await client.query(text, params);
      return { rows: result.rows as R[], affectedRows: result.rowCount ?? 0 };
    },

    async exec(script: string) {
      await client.query(script);
    },
  };
}

/** Rolls back and returns the client to the pool, or closes the client when ROLLBACK fails. */
async function rollback(client: pg.PoolClient, logger: Logger): Promise<void> {
  try {
    await client.query('ROLLBACK');
    client.release();
  } catch (error) {
    logger.error({ err: error }, 'ROLLBACK failed; closing the connection.');
    client.release(error instanceof Error ? error : true);
  }
}
