import type { ImportImagesRepository, Sql } from '../types.js';
import { isUuid } from './uuid.js';

export function createImportImagesRepository(sql: Sql): ImportImagesRepository {
  return {
    async insert(jobId, userId, images) {
      for (let position = 0; position < images.length; position++) {
        await sql.query('INSERT INTO import_images (job_id, position, user_id, bytes) VALUES ($1, $2, $3, $4)', [
          jobId,
          position,
          userId,
          images[position],
        ]);
      }
    },

    async list(jobId) {
      if (!isUuid(jobId)) {
        return [];
      }
      const { rows } = await sql.query<{ position: number; bytes: Buffer }>(
        'SELECT position, bytes FROM import_images WHERE job_id = $1 ORDER BY position',
        [jobId],
      );
      return rows;
    },

    async deleteByJob(jobId) {
      if (!isUuid(jobId)) {
        return 0;
      }
      const { affectedRows } = await sql.query('DELETE FROM import_images WHERE job_id = $1', [jobId]);
      return affectedRows;
    },
  };
}
