import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** A migration file name: a three-digit version, an underscore, a name, `.sql` (`001_initial.sql`). */
export const MIGRATION_FILE = /^(\d{3})_([a-z0-9_]+)\.sql$/;

/**
 * Finds the `migrations` folder of the repository by walking up from this module's folder:
 * it is two levels up from `src/db/` under tsx and three levels up from `dist/src/db/` after tsc.
 * Only a folder that contains at least one migration file counts.
 */
export async function findMigrationsDir(start: URL = new URL('.', import.meta.url)): Promise<string> {
  let folder = fileURLToPath(start);
  for (;;) {
    const candidate = path.join(folder, 'migrations');
    if (await containsMigrations(candidate)) {
      return candidate;
    }

    const parent = path.dirname(folder);
    if (parent === folder) {
      throw new Error(`No migrations folder with NNN_name.sql files found above ${fileURLToPath(start)}.`);
    }
    folder = parent;
  }
}

async function containsMigrations(folder: string): Promise<boolean> {
  try {
    const names = await readdir(folder);
    return names.some((name) => MIGRATION_FILE.test(name));
  } catch {
    return false;
  }
}
