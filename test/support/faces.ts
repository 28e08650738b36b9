import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Real face photographs for integration tests: LFW and ORL beside the checkout in
 * ../shared/faces, or wherever FACEMATCH_FACES_DIR points. Never committed.
 */
const REPOSITORY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FACES_DIR = path.resolve(process.env.FACEMATCH_FACES_DIR || path.join(REPOSITORY, '..', 'shared', 'faces'));
export const LFW_DIR = path.join(FACES_DIR, 'lfw');

/** Skip reason for node:test's `skip` option, or false when the LFW photos are present. */
export const skipWithoutLfw: string | false = fs.existsSync(path.join(LFW_DIR, 'images'))
  ? false
  : `LFW photos not found in ${LFW_DIR}: set FACEMATCH_FACES_DIR to a folder with lfw/images/<Name>/<Name>_NNNN.jpg`;

/** Path of LFW image `index` (1-based) of `name`. */
export function lfwImage(name: string, index: number): string {
  return path.join(LFW_DIR, 'images', name, `${name}_${String(index).padStart(4, '0')}.jpg`);
}

/** People of an LFW people list (peopleDevTrain.txt, peopleDevTest.txt) with at least `minImages` images, in file order. */
export function lfwPeople(list: string, minImages: number): Array<{ name: string; images: number }> {
  const lines = fs.readFileSync(path.join(LFW_DIR, list), 'utf8').trim().split('\n').slice(1);
  return lines
    .map((line) => line.trim().split(/\s+/))
    .map(([name, count]) => ({ name, images: Number(count) }))
    .filter((person) => person.images >= minImages);
}

/** Base64 of a photo file, as a client would send it. */
export function base64Of(file: string): string {
  return fs.readFileSync(file).toString('base64');
}
