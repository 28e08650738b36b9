import { readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Lock file inside the PGlite data folder; it contains the owner's process id. */
const LOCK_FILE = 'facematch.pid';

/** Error raised when another running process has locked the data folder. Its message gives the next step. */
export class DataDirInUseError extends Error {
  override readonly name = 'DataDirInUseError';
}

/**
 * Claims a PGlite data folder for this process. PGlite is single-user Postgres: two processes
 * on one folder each see only their own writes, and whichever closes last overwrites the other.
 * A lock whose process no longer runs is stale and taken over.
 * Returns a function that releases the lock.
 */
export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const file = path.join(dataDir, LOCK_FILE);

  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(file, String(process.pid), { flag: 'wx' });
      return async () => {
        if ((await readFile(file, 'utf8').catch(() => '')) === String(process.pid)) {
          await unlink(file).catch(() => undefined);
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw error;
      }
    }

    const owner = Number(await readFile(file, 'utf8').catch(() => 'NaN'));
    if (Number.isInteger(owner) && owner !== process.pid && isRunning(owner)) {
      throw new DataDirInUseError(
        `The data folder ${dataDir} is in use by process ${owner}. Stop that process, or set FACEMATCH_DATA_DIR to another folder.`,
      );
    }
    // The owner is gone (or it is this process after a crash-free restart): take the lock over.
    await unlink(file).catch(() => undefined);
  }
  throw new Error(`Could not lock the data folder ${dataDir}; remove ${file} if no facematch process uses it.`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
