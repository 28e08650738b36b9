import type { User } from '../../domain.js';
import { ErrorCode, FacematchError } from '../../errors.js';
import type { Page, Sql, UsersRepository } from '../types.js';
import { isUniqueViolation } from './sql-errors.js';
import { isUuid } from './uuid.js';

interface UserRow {
  id: string;
  name: string;
  external_id: string | null;
  created_at: Date;
}

const COLUMNS = 'id, name, external_id, created_at';

/** Postgres' default name for the UNIQUE constraint on users.external_id. */
const EXTERNAL_ID_CONSTRAINT = 'users_external_id_key';

export function createUsersRepository(sql: Sql): UsersRepository {
  return {
    async create({ name, externalId }) {
      try {
        const { rows } = await sql.query<UserRow>(
          `INSERT INTO users (name, external_id) VALUES ($1, $2) RETURNING ${COLUMNS}`,
          [name, externalId],
        );
        return toUser(rows[0]);
      } catch (error) {
        if (isUniqueViolation(error, EXTERNAL_ID_CONSTRAINT)) {
          throw new FacematchError(ErrorCode.CONFLICT, `A user with externalId "${externalId}" already exists.`, { externalId });
        }
        throw error;
      }
    },

    async get(id) {
      if (!isUuid(id)) {
        return null;
      }
      const { rows } = await sql.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE id = $1`, [id]);
      return rows.length === 0 ? null : toUser(rows[0]);
    },

    async list(page: Page) {
      // Oldest first. The id breaks ties so that pages never overlap.
      const { rows } = await sql.query<UserRow>(
        `SELECT ${COLUMNS} FROM users ORDER BY created_at, id LIMIT $1 OFFSET $2`,
        [page.limit, page.offset],
      );
      return rows.map(toUser);
    },

    async delete(id) {
      if (!isUuid(id)) {
        return false;
      }
      const { affectedRows } = await sql.query('DELETE FROM users WHERE id = $1', [id]);
      return affectedRows > 0;
    },

    async rename(id, name) {
      if (!isUuid(id)) {
        return null;
      }
      const { rows } = await sql.query<UserRow>(`UPDATE users SET name = $2 WHERE id = $1 RETURNING ${COLUMNS}`, [id, name]);
      return rows.length === 0 ? null : toUser(rows[0]);
    },
  };
}

function toUser(row: UserRow): User {
  return { id: row.id, name: row.name, externalId: row.external_id, createdAt: row.created_at };
}
