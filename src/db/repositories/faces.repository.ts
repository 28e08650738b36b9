import type { Point, StoredFace } from '../../domain.js';
import { ErrorCode, FacematchError } from '../../errors.js';
import type { FaceForTraining, FacesRepository, Sql, StaleFace } from '../types.js';
import { bytesToFloat32, float32ToBytes } from './float32-bytes.js';
import { isForeignKeyViolation } from './sql-errors.js';
import { isUuid } from './uuid.js';

interface FaceRow {
  id: string;
  image_id: string;
  box_x: number;
  box_y: number;
  box_width: number;
  box_height: number;
  landmarks: Point[];
  score: number;
  created_at: Date;
}

/** Every column except `activations`, which only training reads. */
const COLUMNS = 'id, image_id, box_x, box_y, box_width, box_height, landmarks, score, created_at';

const IMAGE_FOREIGN_KEY = 'faces_image_id_fkey';

export function createFacesRepository(sql: Sql): FacesRepository {
  return {
    /** Throws NOT_FOUND when the image does not exist. */
    async insert(face) {
      try {
        const { rows } = await sql.query<FaceRow>(
          `INSERT INTO faces (image_id, box_x, box_y, box_width, box_height, landmarks, score, activations)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           RETURNING ${COLUMNS}`,
          [
            face.imageId,
            face.box.x,
            face.box.y,
            face.box.width,
            face.box.height,
            // Serialised here because pg would send a JS array as a Postgres array, not as JSON.
            JSON.stringify(face.landmarks),
            face.score,
            float32ToBytes(face.activations),
          ],
        );
        return toFace(rows[0]);
      } catch (error) {
        if (isForeignKeyViolation(error, IMAGE_FOREIGN_KEY)) {
          throw new FacematchError(ErrorCode.NOT_FOUND, `Image ${face.imageId} not found.`, { imageId: face.imageId });
        }
        throw error;
      }
    },

    async listByImage(imageId) {
      if (!isUuid(imageId)) {
        return [];
      }
      const { rows } = await sql.query<FaceRow>(`SELECT ${COLUMNS} FROM faces WHERE image_id = $1 ORDER BY created_at, id`, [imageId]);
      return rows.map(toFace);
    },

    async listForTraining() {
      const { rows } = await sql.query<{ id: string; user_id: string; activations: Uint8Array }>(
        `SELECT f.id, i.user_id, f.activations
         FROM faces f
         JOIN images i ON i.id = f.image_id
         ORDER BY f.id`,
      );
      return rows.map(
        (row): FaceForTraining => ({ faceId: row.id, userId: row.user_id, activations: bytesToFloat32(row.activations) }),
      );
    },

    async listWithoutVector(modelId) {
      if (!isUuid(modelId)) {
        return [];
      }
      const { rows } = await sql.query<{ id: string; user_id: string; activations: Uint8Array }>(
        `SELECT f.id, i.user_id, f.activations
         FROM faces f
         JOIN images i ON i.id = f.image_id
         WHERE NOT EXISTS (SELECT 1 FROM face_vectors v WHERE v.face_id = f.id AND v.model_id = $1)
         ORDER BY f.id`,
        [modelId],
      );
      return rows.map(
        (row): FaceForTraining => ({ faceId: row.id, userId: row.user_id, activations: bytesToFloat32(row.activations) }),
      );
    },

    async listStale(activationLength) {
      const { rows } = await sql.query<Pick<FaceRow, 'id' | 'image_id' | 'box_x' | 'box_y' | 'box_width' | 'box_height'>>(
        `SELECT id, image_id, box_x, box_y, box_width, box_height
         FROM faces
         WHERE octet_length(activations) <> $1
         ORDER BY id`,
        [activationLength * Float32Array.BYTES_PER_ELEMENT],
      );
      return rows.map(
        (row): StaleFace => ({ faceId: row.id, imageId: row.image_id, box: { x: row.box_x, y: row.box_y, width: row.box_width, height: row.box_height } }),
      );
    },

    async updateActivations(faceId, activations) {
      if (!isUuid(faceId)) {
        return false;
      }
      const { affectedRows } = await sql.query('UPDATE faces SET activations = $2 WHERE id = $1', [faceId, float32ToBytes(activations)]);
      return affectedRows > 0;
    },

    async count() {
      const { rows } = await sql.query<{ count: number }>('SELECT count(*)::int AS count FROM faces');
      return rows[0].count;
    },
  };
}

function toFace(row: FaceRow): StoredFace {
  return {
    id: row.id,
    imageId: row.image_id,
    box: { x: row.box_x, y: row.box_y, width: row.box_width, height: row.box_height },
    landmarks: row.landmarks,
    score: row.score,
    createdAt: row.created_at,
  };
}
