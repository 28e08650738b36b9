import type { Logger } from '../logger.js';
import type { Driver } from './driver.js';
import { findMigrationsDir } from './migrations-dir.js';
import { runMigrations } from './migrations.js';
import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';
import { createApiKeysRepository } from './repositories/api-keys.repository.js';
import { createFaceVectorsRepository } from './repositories/face-vectors.repository.js';
import { createFacesRepository } from './repositories/faces.repository.js';
import { createImagesRepository } from './repositories/images.repository.js';
import { createImportImagesRepository } from './repositories/import-images.repository.js';
import { createJobsRepository } from './repositories/jobs.repository.js';
import { createModelsRepository } from './repositories/models.repository.js';
import { createUsersRepository } from './repositories/users.repository.js';
import { createWorkersRepository } from './repositories/workers.repository.js';
import type { Database, Repositories, Sql } from './types.js';

export type * from './types.js';

export interface OpenDatabaseOptions {
  /** Postgres server URL. Without it, the embedded PGlite in `dataDir` is used. */
  databaseUrl?: string;
  /** PGlite data folder, created when missing, or `memory://` for an in-memory database. Unused with `databaseUrl`. */
  dataDir: string;
  logger: Logger;
  /** Maximum connections of the pg pool (default 10). Unused without `databaseUrl`. */
  poolSize?: number;
  /** Folder of NNN_name.sql migrations (default: the repository's `migrations` folder). */
  migrationsDir?: string;
}

const DEFAULT_POOL_SIZE = 10;

/**
 * Opens the database and applies pending migrations: a pg pool when `databaseUrl` is set,
 * otherwise the embedded PGlite with pgvector. Closes it again when a migration fails.
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  const { databaseUrl, dataDir, logger } = options;
  const migrationsDir = options.migrationsDir ?? (await findMigrationsDir());

  if (databaseUrl === undefined) {
    const db = await openPglite(dataDir);
    await migrateOrClose(db, migrationsDir, logger);
    logger.info({ dataDir }, 'Opened the embedded PGlite database.');
    return db;
  }

  const db = openPostgres(databaseUrl, options.poolSize ?? DEFAULT_POOL_SIZE, logger);
  await migrateOrClose(db, migrationsDir, logger);
  await db.registerVectorType();
  logger.info('Connected to the Postgres server.');
  return db;
}

async function migrateOrClose(db: Driver, migrationsDir: string, logger: Logger): Promise<void> {
  try {
    await runMigrations(db, migrationsDir, logger);
  } catch (error) {
    await db.close();
    throw error;
  }
}

/**
 * Builds the repositories over `sql`: a Database, or the Sql that Database.transaction passes to
 * its callback. Inside a PGlite transaction, use only the callback's Sql: a query on the
 * Database itself waits for the transaction to end, which never happens.
 */
export function repositories(sql: Sql): Repositories {
  return {
    users: createUsersRepository(sql),
    images: createImagesRepository(sql),
    faces: createFacesRepository(sql),
    models: createModelsRepository(sql),
    vectors: createFaceVectorsRepository(sql),
    jobs: createJobsRepository(sql),
    workers: createWorkersRepository(sql),
    importImages: createImportImagesRepository(sql),
    apiKeys: createApiKeysRepository(sql),
  };
}
