import type { Database, Sql } from '../types.js';

/**
 * Runs `work` in a transaction: a new one when `sql` is a Database, or the caller's own when
 * `sql` is already the Sql of a transaction. Used by statements that need SET LOCAL or a
 * transaction-scoped advisory lock. A plain Sql outside any transaction gets neither: Postgres
 * ignores SET LOCAL there (with a warning) and releases the lock when its statement ends.
 */
export function inTransaction<T>(sql: Sql, work: (tx: Sql) => Promise<T>): Promise<T> {
  return isDatabase(sql) ? sql.transaction(work) : work(sql);
}

function isDatabase(sql: Sql): sql is Database {
  return typeof (sql as Partial<Database>).transaction === 'function';
}
