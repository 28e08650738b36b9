import fs from 'node:fs/promises';
import path from 'node:path';

/** One LFW View 1 pair: two image files and whether they show the same person. */
export interface LfwPair {
  first: string;
  second: string;
  same: boolean;
}

export interface LfwPerson {
  name: string;
  images: number;
}

/** Path of image `index` (1-based) of `name`, relative to the LFW folder. */
export function lfwImagePath(name: string, index: number): string {
  return path.join('images', name, `${name}_${String(index).padStart(4, '0')}.jpg`);
}

/**
 * Reads a View 1 pairs file (pairsDevTrain.txt, pairsDevTest.txt): a first line with the count
 * of matched pairs, then `name i j` lines (same person) and `name1 i name2 j` lines (different).
 */
export async function readPairs(lfwDir: string, file: string): Promise<LfwPair[]> {
  const lines = (await fs.readFile(path.join(lfwDir, file), 'utf8')).trim().split('\n').slice(1);

  return lines.map((line, number) => {
    const fields = line.trim().split(/\s+/);
    if (fields.length === 3) {
      return { first: lfwImagePath(fields[0], Number(fields[1])), second: lfwImagePath(fields[0], Number(fields[2])), same: true };
    }
    if (fields.length === 4) {
      return { first: lfwImagePath(fields[0], Number(fields[1])), second: lfwImagePath(fields[2], Number(fields[3])), same: false };
    }
    throw new Error(`${file} line ${number + 2}: expected 3 or 4 fields, got ${fields.length}`);
  });
}

/** Reads a people file (peopleDevTrain.txt, peopleDevTest.txt): a count line, then `name images` lines. */
export async function readPeople(lfwDir: string, file: string): Promise<LfwPerson[]> {
  const lines = (await fs.readFile(path.join(lfwDir, file), 'utf8')).trim().split('\n').slice(1);
  return lines.map((line) => {
    const [name, images] = line.trim().split(/\s+/);
    return { name, images: Number(images) };
  });
}

/**
 * Takes `count` pairs spread evenly over the list, so a subset keeps the file's balance of
 * matched (first half) and mismatched (second half) pairs.
 */
export function evenSubset<T>(items: T[], count: number): T[] {
  if (count >= items.length) {
    return items;
  }
  return Array.from({ length: count }, (_, i) => items[Math.floor((i * items.length) / count)]);
}
