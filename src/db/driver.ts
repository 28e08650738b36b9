import type { Database, Sql } from './types.js';

/** A transaction's Sql that can also run a script of several statements (migrations need it). */
export interface ScriptSql extends Sql {
  /** Runs `script` with the simple query protocol, so it may hold many statements and no parameters. */
  exec(script: string): Promise<void>;
}

/** A Database whose transactions accept scripts; both drivers implement it, callers see only Database. */
export interface Driver extends Database {
  transaction<T>(work: (sql: ScriptSql) => Promise<T>): Promise<T>;
}
