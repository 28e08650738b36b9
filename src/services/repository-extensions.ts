import type { User } from '../domain.js';
import type { ImagesRepository, UsersRepository } from '../db/types.js';

/*
 * Repository methods the services need but the contract in src/db/types.ts does not declare yet.
 * The services call them when the repository provides them and otherwise raise an internal error.
 * TODO: move these into src/db/types.ts once the database layer implements them.
 */

export interface UsersRepositoryExtensions {
  /** Sets a user's name; returns null when the user does not exist. */
  rename?(id: string, name: string): Promise<User | null>;
}

export interface ImagesRepositoryExtensions {
  /** Deletes one image with its faces and vectors; returns false when it does not exist. */
  delete?(id: string): Promise<boolean>;
}

export function usersExtensions(users: UsersRepository): UsersRepositoryExtensions {
  return users as UsersRepository & UsersRepositoryExtensions;
}

export function imagesExtensions(images: ImagesRepository): ImagesRepositoryExtensions {
  return images as ImagesRepository & ImagesRepositoryExtensions;
}

/** The error raised when the database layer lacks an optional method. */
export function unsupported(method: string): Error {
  return new Error(`The database layer does not implement ${method} yet.`);
}
