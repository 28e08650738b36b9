import type { Database, Sql } from './types.js';

/** A transaction's Sql that can also run a script of several statements (migrations need it). */
export interface ScriptSql extends Sql {
  /** Runs `script` with the simple query protocol, so it may hold many statements and no parameters. */
  exec(script: string): Promise<void>;
}

/** A Database whose transactions also run scripts. Both drivers implement it, and callers get it typed as Database. */
export interface Driver extends Database {
  transaction<T>(work: (sql: ScriptSql) => Promise<T>): Promise<T>;
}
