import { toSql } from 'pgvector';

import type { SimilarFace } from '../../domain.js';
import { ErrorCode, FacematchError } from '../../errors.js';
import type { FaceVectorsRepository, Sql } from '../types.js';
import { isForeignKeyViolation } from './sql-errors.js';
import { inTransaction } from './transaction.js';
import { isUuid } from './uuid.js';

/** Length of every stored embedding, as in the column type vector(512). */
export const EMBEDDING_DIMENSIONS = 512;

/** Name of the HNSW index (vector_cosine_ops) that SEARCH_SQL is written to use. */
export const SEARCH_INDEX = 'face_vectors_embedding_hnsw_idx';

/**
 * The nearest-neighbour statement. Parameters: $1 query vector (pgvector text), $2 model id, $3 k.
 * The inner query has the shape that the HNSW index serves: ORDER BY embedding <=> $1 LIMIT k. The
 * index scan returns rows in approximate order, so the outer query sorts the k rows again by distance.
 * MATERIALIZED runs the inner query on its own, with its ORDER BY and LIMIT, before the joins.
 */
export const SEARCH_SQL = `
WITH nearest AS MATERIALIZED (
  SELECT face_id, embedding <=> $1::vector AS distance
  FROM face_vectors
  WHERE model_id = $2
  ORDER BY embedding <=> $1::vector
  LIMIT $3
)
SELECT n.face_id, f.image_id, i.user_id, n.distance
FROM nearest n
JOIN faces f ON f.id = n.face_id
JOIN images i ON i.id = f.image_id
ORDER BY n.distance, n.face_id`;

/**
 * Sets the pgvector 0.8 options of the search for the rest of the transaction. `relaxed_order`
 * makes the index scan continue past the first ef_search candidates until k rows pass the model
 * filter, so vectors of other models cannot crowd the result below k rows. The scan stops after
 * hnsw.max_scan_tuples rows (20 000 by default), so a model that owns a tiny share of a very large
 * table can still get fewer than k rows. ef_search must be at least k, or a plain scan returns at
 * most ef_search rows.
 * Parameters: $1 ef_search as text.
 */
const SEARCH_SETTINGS_SQL = `SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true), set_config('hnsw.ef_search', $1, true)`;

/** Smallest hnsw.ef_search used, which is pgvector's default. */
const MIN_EF_SEARCH = 40;

/** Largest k, bounded by hnsw.ef_search's maximum of 1000. */
export const MAX_SEARCH_K = 1000;

const FACE_FOREIGN_KEY = 'face_vectors_face_id_fkey';
const MODEL_FOREIGN_KEY = 'face_vectors_model_id_fkey';

interface SimilarFaceRow {
  face_id: string;
  image_id: string;
  user_id: string;
  distance: number;
}

export function createFaceVectorsRepository(sql: Sql): FaceVectorsRepository {
  return {
    /** Throws NOT_FOUND when the face or the model does not exist. */
    async upsert(faceId, modelId, vector) {
      try {
        await sql.query(
          `INSERT INTO face_vectors (face_id, model_id, embedding) VALUES ($1, $2, $3::vector)
           ON CONFLICT (face_id, model_id) DO UPDATE SET embedding = excluded.embedding, created_at = clock_timestamp()`,
          [faceId, modelId, vectorParameter(vector)],
        );
      } catch (error) {
        if (isForeignKeyViolation(error, FACE_FOREIGN_KEY)) {
          throw new FacematchError(ErrorCode.NOT_FOUND, `Face ${faceId} not found.`, { faceId });
        }
        if (isForeignKeyViolation(error, MODEL_FOREIGN_KEY)) {
          throw new FacematchError(ErrorCode.NOT_FOUND, `Model ${modelId} not found.`, { modelId });
        }
        throw error;
      }
    },

    /** Throws RangeError unless 1 <= k <= MAX_SEARCH_K. */
    async search(modelId, vector, k) {
      const params = searchParameters(modelId, vector, k);
      if (!isUuid(modelId)) {
        return [];
      }
      return inTransaction(sql, async (tx) => {
        await tx.query(SEARCH_SETTINGS_SQL, [String(efSearch(k))]);
        const { rows } = await tx.query<SimilarFaceRow>(SEARCH_SQL, params);
        return rows.map(
          (row): SimilarFace => ({ faceId: row.face_id, imageId: row.image_id, userId: row.user_id, distance: row.distance }),
        );
      });
    },

    async countByModel(modelId) {
      if (!isUuid(modelId)) {
        return 0;
      }
      const { rows } = await sql.query<{ count: number }>('SELECT count(*)::int AS count FROM face_vectors WHERE model_id = $1', [
        modelId,
      ]);
      return rows[0].count;
    },
  };
}

/** Returns the plan text of the search, EXPLAINed with the same settings and parameters that `search` uses. */
export function explainSearch(sql: Sql, modelId: string, vector: Float32Array, k: number): Promise<string> {
  const params = searchParameters(modelId, vector, k);
  return inTransaction(sql, async (tx) => {
    await tx.query(SEARCH_SETTINGS_SQL, [String(efSearch(k))]);
    const { rows } = await tx.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${SEARCH_SQL}`, params);
    return rows.map((row) => row['QUERY PLAN']).join('\n');
  });
}

function searchParameters(modelId: string, vector: Float32Array, k: number): unknown[] {
  if (!Number.isInteger(k) || k < 1 || k > MAX_SEARCH_K) {
    throw new RangeError(`k must be an integer from 1 to ${MAX_SEARCH_K}, got ${k}.`);
  }
  return [vectorParameter(vector), modelId, k];
}

function efSearch(k: number): number {
  return Math.max(MIN_EF_SEARCH, k);
}

/** Formats a vector as pgvector text, `[0.1,0.2,...]`. Throws RangeError on a wrong length or value. */
function vectorParameter(vector: Float32Array): string {
  if (vector.length !== EMBEDDING_DIMENSIONS) {
    throw new RangeError(`An embedding must have ${EMBEDDING_DIMENSIONS} values, got ${vector.length}.`);
  }
  if (!vector.every(Number.isFinite)) {
    throw new RangeError('An embedding must not contain NaN or infinite values.');
  }
  // The cosine distance to a zero vector is undefined (Postgres returns NaN).
  if (vector.every((value) => value === 0)) {
    throw new RangeError('An embedding must not be the zero vector.');
  }
  return toSql(Array.from(vector));
}
