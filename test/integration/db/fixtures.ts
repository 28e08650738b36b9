import { createHash, randomBytes } from 'node:crypto';

import type { Database, NewFace, NewImage, Repositories, Sql } from '../../../src/db/index.js';
import type { StoredFace, StoredImage, User } from '../../../src/domain.js';

/** Every table of the schema, children first. */
export const TABLES = ['face_vectors', 'faces', 'import_images', 'images', 'jobs', 'workers', 'models', 'users'] as const;

export type TableCounts = Record<(typeof TABLES)[number], number>;

export async function countRows(sql: Sql): Promise<TableCounts> {
  const counts = {} as TableCounts;
  for (const table of TABLES) {
    const { rows } = await sql.query<{ count: number }>(`SELECT count(*)::int AS count FROM ${table}`);
    counts[table] = rows[0].count;
  }
  return counts;
}

/** Empties every table except schema_migrations, including the version numbers of model names. */
export async function clearTables(db: Database): Promise<void> {
  await db.query(`TRUNCATE ${[...TABLES, 'model_names'].join(', ')}`);
}

/** Builds an image of `size` random bytes with their real sha256. */
export function newImage(userId: string, size = 64): NewImage {
  const bytes = randomBytes(size);
  return {
    userId,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    format: 'jpeg',
    width: 640,
    height: 480,
    bytes,
  };
}

export function newFace(imageId: string, activations = new Float32Array([0.5, -1.25, 3.75, 1e-30])): NewFace {
  return {
    imageId,
    box: { x: 10.5, y: 20.25, width: 100, height: 120.75 },
    landmarks: [
      [11.5, 22.25],
      [50, 60.5],
    ],
    score: 0.9375,
    activations,
  };
}

export interface Enrolment {
  user: User;
  images: StoredImage[];
  faces: StoredFace[];
}

/** Stores a user with `imageCount` images of one face each. */
export async function enrol(repos: Repositories, name: string, imageCount: number): Promise<Enrolment> {
  const user = await repos.users.create({ name, externalId: null });
  const images: StoredImage[] = [];
  const faces: StoredFace[] = [];
  for (let i = 0; i < imageCount; i++) {
    const image = await repos.images.insert(newImage(user.id));
    images.push(image);
    faces.push(await repos.faces.insert(newFace(image.id)));
  }
  return { user, images, faces };
}
