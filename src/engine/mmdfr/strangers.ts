import fs from 'node:fs/promises';
import path from 'node:path';
import { ACTIVATION_LENGTH } from './layout.js';
import { decodeFloat16, encodeFloat16 } from './float16.js';

/**
 * A reference set of strangers: trunk activations of one face each of people who are never
 * enrolled. Training pairs every stranger with the calibration faces, so a model's thresholds
 * are measured on people it never saw, even when it trained on every enrolled face. A model
 * fitted to a few dozen people scores their own impostor pairs far lower than a newcomer's.
 *
 * On disk, in one folder: strangers.json (the fields of StrangerSetInfo) and strangers.bin
 * (count rows of activationLength little-endian float16 values).
 */
export interface StrangerSetInfo {
  format: 'facematch-strangers';
  /** Floats per face. The set is unusable with another activation layout. */
  activationLength: number;
  count: number;
  /** Origin of the faces: dataset, list and selection. */
  source: string;
}

/**
 * Minimum strangers used; a smaller set is ignored. NOTE: 20 is an estimate of how few different
 * people still describe newcomers, not a measured floor. The shipped set has 300.
 */
export const MIN_STRANGERS = 20;

/** Reads the stranger set in `dir`, or returns null when the folder has none. */
export async function readStrangers(dir: string): Promise<Float32Array[] | null> {
  let info: StrangerSetInfo;
  try {
    info = JSON.parse(await fs.readFile(path.join(dir, 'strangers.json'), 'utf8')) as StrangerSetInfo;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return null;
    }
    throw error;
  }

  if (info.format !== 'facematch-strangers' || info.activationLength !== ACTIVATION_LENGTH) {
    throw new Error(
      `Invalid stranger set: ${dir}/strangers.json describes ${info.activationLength}-float activations, but this engine makes ${ACTIVATION_LENGTH}. Rebuild it with "npx tsx src/cli.ts build-strangers".`,
    );
  }
  const values = decodeFloat16(await fs.readFile(path.join(dir, 'strangers.bin')));
  if (values.length !== info.count * ACTIVATION_LENGTH) {
    throw new Error(`Invalid stranger set: ${dir}/strangers.bin contains ${values.length} values, but strangers.json expects ${info.count} faces of ${ACTIVATION_LENGTH}. Rebuild it with "npx tsx src/cli.ts build-strangers".`);
  }
  return Array.from({ length: info.count }, (_, i) => values.subarray(i * ACTIVATION_LENGTH, (i + 1) * ACTIVATION_LENGTH));
}

/** Writes `faces` (activations, one row per stranger) as a stranger set in `dir`. */
export async function writeStrangers(dir: string, faces: Float32Array[], source: string): Promise<void> {
  const values = new Float32Array(faces.length * ACTIVATION_LENGTH);
  faces.forEach((face, i) => values.set(face, i * ACTIVATION_LENGTH));

  const info: StrangerSetInfo = { format: 'facematch-strangers', activationLength: ACTIVATION_LENGTH, count: faces.length, source };
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, 'strangers.bin'), encodeFloat16(values));
  await fs.writeFile(path.join(dir, 'strangers.json'), `${JSON.stringify(info, null, 2)}\n`);
}
