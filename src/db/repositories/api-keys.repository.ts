import type { ApiKey, ApiKeyRole } from '../../domain.js';
import { ErrorCode, FacematchError } from '../../errors.js';
import type { ApiKeysRepository, ApiKeyWithHash, Sql } from '../types.js';
import { isUniqueViolation } from './sql-errors.js';
import { isUuid } from './uuid.js';

interface ApiKeyRow {
  id: string;
  name: string;
  role: ApiKeyRole;
  prefix: string;
  key_hash?: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

/** Every column except `key_hash`, which only authentication reads. */
const COLUMNS = 'id, name, role, prefix, created_at, last_used_at, revoked_at';

const PREFIX_CONSTRAINT = 'api_keys_prefix_key';

export function createApiKeysRepository(sql: Sql): ApiKeysRepository {
  return {
    async insert(key) {
      try {
        const { rows } = await sql.query<ApiKeyRow>(
          `INSERT INTO api_keys (name, role, prefix, key_hash) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
          [key.name, key.role, key.prefix, key.keyHash],
        );
        return toApiKey(rows[0]);
      } catch (error) {
        if (isUniqueViolation(error, PREFIX_CONSTRAINT)) {
          throw new FacematchError(ErrorCode.CONFLICT, `An API key with prefix ${key.prefix} already exists.`, { prefix: key.prefix });
        }
        throw error;
      }
    },

    async findByPrefix(prefix) {
      const { rows } = await sql.query<ApiKeyRow>(`SELECT ${COLUMNS}, key_hash FROM api_keys WHERE prefix = $1`, [prefix]);
      return rows.length === 0 ? null : { ...toApiKey(rows[0]), keyHash: rows[0].key_hash! } satisfies ApiKeyWithHash;
    },

    async list() {
      const { rows } = await sql.query<ApiKeyRow>(`SELECT ${COLUMNS} FROM api_keys ORDER BY created_at, id`);
      return rows.map(toApiKey);
    },

    async revoke(id) {
      if (!isUuid(id)) {
        return null;
      }
      // coalesce keeps the first revocation time when a key is revoked twice.
      const { rows } = await sql.query<ApiKeyRow>(
        `UPDATE api_keys SET revoked_at = coalesce(revoked_at, clock_timestamp()) WHERE id = $1 RETURNING ${COLUMNS}`,
        [id],
      );
      return rows.length === 0 ? null : toApiKey(rows[0]);
    },

    async touch(id) {
      await sql.query('UPDATE api_keys SET last_used_at = clock_timestamp() WHERE id = $1', [id]);
    },

    async countActive() {
      const { rows } = await sql.query<{ count: number }>('SELECT count(*)::int AS count FROM api_keys WHERE revoked_at IS NULL');
      return rows[0].count;
    },

    async countAll() {
      const { rows } = await sql.query<{ count: number }>('SELECT count(*)::int AS count FROM api_keys');
      return rows[0].count;
    },
  };
}

function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    prefix: row.prefix,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}
