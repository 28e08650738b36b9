import type { Sql } from '../../src/db/types.js';

/** Row count of each table, keyed by table name. */
export type TableCounts = Record<string, number>;

/**
 * Counts the rows of every base table in the public schema. The tables are listed from
 * information_schema at call time, so tables that later migrations add are counted too.
 */
export async function countRows(sql: Sql): Promise<TableCounts> {
  const { rows: tables } = await sql.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables
     WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
     ORDER BY table_name`,
  );

  const counts: TableCounts = {};
  for (const { table_name: table } of tables) {
    // The name comes from the catalogue, not from input; quoting keeps any mixed-case name intact.
    const { rows } = await sql.query<{ count: number }>(`SELECT count(*)::int AS count FROM "${table.replaceAll('"', '""')}"`);
    counts[table] = rows[0].count;
  }
  return counts;
}

/** Per-table difference `after - before`, listing only the tables whose count changed. */
export function countChanges(before: TableCounts, after: TableCounts): TableCounts {
  const changes: TableCounts = {};
  for (const table of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const delta = (after[table] ?? 0) - (before[table] ?? 0);
    if (delta !== 0) {
      changes[table] = delta;
    }
  }
  return changes;
}
