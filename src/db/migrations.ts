import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

import type { Logger } from '../logger.js';
import { AdvisoryLock } from './advisory-locks.js';
import type { Driver } from './driver.js';
import { MIGRATION_FILE } from './migrations-dir.js';

export interface Migration {
  version: number;
  name: string;
  /** File name, such as `001_initial.sql`. */
  file: string;
  sql: string;
}

/** Reads the migrations of `folder` in version order. Throws when two files share a version. */
export async function readMigrations(folder: string): Promise<Migration[]> {
  const migrations: Migration[] = [];
  for (const file of (await readdir(folder)).sort()) {
    const match = MIGRATION_FILE.exec(file);
    if (match === null) {
      continue;
    }

    const version = Number(match[1]);
    const previous = migrations.at(-1);
    if (previous !== undefined && previous.version === version) {
      throw new Error(`Migrations ${previous.file} and ${file} have the same version ${version}; renumber one of them.`);
    }

    const sql = await readFile(path.join(folder, file), 'utf8');
    migrations.push({ version, name: match[2], file, sql });
  }
  return migrations;
}

/**
 * Applies the migrations of `folder` that `schema_migrations` does not list, in version order,
 * each in its own transaction together with its `schema_migrations` row. Every transaction first
 * takes an advisory lock, so two processes starting at once apply each migration once.
 * Returns the files applied. A failing migration is rolled back and raises an error naming its file.
 */
export async function runMigrations(db: Driver, folder: string, logger: Logger): Promise<string[]> {
  const migrations = await readMigrations(folder);

  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [AdvisoryLock.migrations]);
    await tx.exec(`
      CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
  });

  const applied: string[] = [];
  for (const migration of migrations) {
    const ran = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [AdvisoryLock.migrations]);

      // Checked under the lock: another process may have applied it while this one waited.
      const done = await tx.query('SELECT 1 FROM schema_migrations WHERE version = $1', [migration.version]);
      if (done.rows.length > 0) {
        return false;
      }

      try {
        await tx.exec(migration.sql);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new Error(`Migration ${migration.file} failed and was rolled back: ${reason}`, { cause: error });
      }
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
      return true;
    });

    if (ran) {
      logger.info({ migration: migration.file }, 'Applied database migration.');
      applied.push(migration.file);
    }
  }
  return applied;
}
