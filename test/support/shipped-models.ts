import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's models folder, with the shipped base model and stranger set. */
const SHIPPED_MODELS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'models');

/**
 * Copies shipped folders of the repository's models folder into `modelsDir`, so a server on a
 * temporary models folder starts as a fresh clone does. `base` is the model that searches use
 * before any training and that trainModel starts from. `strangers` is the set that trained
 * models calibrate against.
 */
export async function copyShippedModels(modelsDir: string, folders: string[] = ['base', 'strangers']): Promise<void> {
  for (const folder of folders) {
    await fs.cp(path.join(SHIPPED_MODELS_DIR, folder), path.join(modelsDir, folder), { recursive: true });
  }
}
