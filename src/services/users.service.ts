import type { User } from '../domain.js';
import { ErrorCode, FacematchError } from '../errors.js';
import type { ServiceDeps } from './deps.js';
import { notFound, requireUuid } from './ids.js';
import { toPage } from './paging.js';

/** Maximum length of a user's name and externalId, in characters. */
export const MAX_NAME_LENGTH = 200;

export interface CreateUserInput {
  name: string;
  externalId?: string | null;
}

export type UsersService = ReturnType<typeof createUsersService>;

function cleanName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === '') {
    throw new FacematchError(ErrorCode.BAD_USER_INPUT, 'name must not be empty or only whitespace.');
  }
  if (trimmed.length > MAX_NAME_LENGTH) {
    throw new FacematchError(ErrorCode.BAD_USER_INPUT, `name is ${trimmed.length} characters long; the maximum is ${MAX_NAME_LENGTH}.`);
  }
  return trimmed;
}

/** Trims an externalId; an empty one counts as absent (null). */
function cleanExternalId(externalId: string | null | undefined): string | null {
  const trimmed = externalId?.trim() ?? '';
  if (trimmed === '') {
    return null;
  }
  if (trimmed.length > MAX_NAME_LENGTH) {
    throw new FacematchError(ErrorCode.BAD_USER_INPUT, `externalId is ${trimmed.length} characters long; the maximum is ${MAX_NAME_LENGTH}.`);
  }
  return trimmed;
}

/** Enrolled people: create, read, rename, delete. */
export function createUsersService({ db, repositories, config }: ServiceDeps) {
  const repos = repositories(db);

  async function getUser(id: string): Promise<User> {
    requireUuid('user', id);
    const user = await repos.users.get(id);
    if (user === null) {
      throw notFound('user', id);
    }
    return user;
  }

  return {
    /** Creates a user; CONFLICT when externalId is taken (raised by the repository). */
    async createUser(input: CreateUserInput): Promise<User> {
      return repos.users.create({ name: cleanName(input.name), externalId: cleanExternalId(input.externalId) });
    },

    getUser,

    async listUsers(page: { limit?: number | null; offset?: number | null } = {}): Promise<User[]> {
      return repos.users.list(toPage(page.limit, page.offset, config.limits.maxPageSize));
    },

    async renameUser(id: string, name: string): Promise<User> {
      requireUuid('user', id);
      const newName = cleanName(name);

      const user = await repos.users.rename(id, newName);
      if (user === null) {
        throw notFound('user', id);
      }
      return user;
    },

    /**
     * Deletes the user with its images (bytes included), faces and vectors, which the schema removes by cascade.
     * TODO: deleted rows stay in the database files until VACUUM reuses their space: autovacuum does so
     * on a Postgres server, but PGlite runs no autovacuum, so the embedded database keeps them longer.
     */
    async deleteUser(id: string): Promise<boolean> {
      requireUuid('user', id);
      const deleted = await repos.users.delete(id);
      if (!deleted) {
        throw notFound('user', id);
      }
      return true;
    },
  };
}
