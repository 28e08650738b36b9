import type { StoredImage } from '../../domain.js';
import { ErrorCode, FacematchError } from '../../errors.js';
import type { ImagesRepository, Sql } from '../types.js';
import { isForeignKeyViolation, isUniqueViolation } from './sql-errors.js';
import { isUuid } from './uuid.js';

interface ImageRow {
  id: string;
  user_id: string;
  sha256: string;
  format: string;
  width: number;
  height: number;
  byte_size: number;
  created_at: Date;
}

/** Every column except `bytes`, which no listing needs. */
const COLUMNS = 'id, user_id, sha256, format, width, height, byte_size, created_at';

const USER_SHA256_CONSTRAINT = 'images_user_id_sha256_key';
const USER_FOREIGN_KEY = 'images_user_id_fkey';

export function createImagesRepository(sql: Sql): ImagesRepository {
  return {
    /** Throws CONFLICT when this user already has an image with this sha256, NOT_FOUND when the user does not exist. */
    async insert(image) {
      try {
        const { rows } = await sql.query<ImageRow>(
          `INSERT INTO images (user_id, sha256, format, width, height, bytes)
           VALUES ($1, $2, $3, $4, $5, $6)
           RETURNING ${COLUMNS}`,
          [image.userId, image.sha256, image.format, image.width, image.height, image.bytes],
        );
        return toImage(rows[0]);
      } catch (error) {
        if (isUniqueViolation(error, USER_SHA256_CONSTRAINT)) {
          throw new FacematchError(ErrorCode.CONFLICT, `User ${image.userId} already has an image with sha256 ${image.sha256}.`, {
            userId: image.userId,
            sha256: image.sha256,
          });
        }
        if (isForeignKeyViolation(error, USER_FOREIGN_KEY)) {
          throw new FacematchError(ErrorCode.NOT_FOUND, `User ${image.userId} not found.`, { userId: image.userId });
        }
        throw error;
      }
    },

    async findBySha256(userId, sha256) {
      if (!isUuid(userId)) {
        return null;
      }
      const { rows } = await sql.query<ImageRow>(`SELECT ${COLUMNS} FROM images WHERE user_id = $1 AND sha256 = $2`, [userId, sha256]);
      return rows.length === 0 ? null : toImage(rows[0]);
    },

    async get(id) {
      if (!isUuid(id)) {
        return null;
      }
      const { rows } = await sql.query<ImageRow>(`SELECT ${COLUMNS} FROM images WHERE id = $1`, [id]);
      return rows.length === 0 ? null : toImage(rows[0]);
    },

    async getBytes(id) {
      if (!isUuid(id)) {
        return null;
      }
      const { rows } = await sql.query<{ bytes: Uint8Array }>('SELECT bytes FROM images WHERE id = $1', [id]);
      return rows.length === 0 ? null : rows[0].bytes;
    },

    async listByUser(userId) {
      if (!isUuid(userId)) {
        return [];
      }
      const { rows } = await sql.query<ImageRow>(`SELECT ${COLUMNS} FROM images WHERE user_id = $1 ORDER BY created_at, id`, [userId]);
      return rows.map(toImage);
    },

    async deleteByUser(userId) {
      if (userId === null) {
        const { affectedRows } = await sql.query('DELETE FROM images');
        return affectedRows;
      }
      if (!isUuid(userId)) {
        return 0;
      }
      const { affectedRows } = await sql.query('DELETE FROM images WHERE user_id = $1', [userId]);
      return affectedRows;
    },

    async count() {
      const { rows } = await sql.query<{ count: number }>('SELECT count(*)::int AS count FROM images');
      return rows[0].count;
    },

    async delete(id) {
      if (!isUuid(id)) {
        return false;
      }
      const { affectedRows } = await sql.query('DELETE FROM images WHERE id = $1', [id]);
      return affectedRows > 0;
    },
  };
}

function toImage(row: ImageRow): StoredImage {
  return {
    id: row.id,
    userId: row.user_id,
    sha256: row.sha256,
    format: row.format,
    width: row.width,
    height: row.height,
    byteSize: row.byte_size,
    createdAt: row.created_at,
  };
}
