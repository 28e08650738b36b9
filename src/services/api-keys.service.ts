import { apiKeyPrefix, generateApiKey, hashApiKey, matchesHash } from '../auth/api-key-format.js';
import type { Principal } from '../auth/roles.js';
import type { ApiKey, ApiKeyRole } from '../domain.js';
import { ErrorCode, FacematchError } from '../errors.js';
import type { ServiceDeps } from './deps.js';
import { notFound, requireUuid } from './ids.js';

/** Maximum length of a key's name, in characters. */
export const MAX_KEY_NAME_LENGTH = 200;

/** Name given to the key stored from FACEMATCH_ADMIN_KEY. */
export const BOOTSTRAP_KEY_NAME = 'bootstrap (FACEMATCH_ADMIN_KEY)';

/** A key's last_used_at is written at most this often, in milliseconds. */
const TOUCH_INTERVAL_MS = 60_000;

const ROLES: readonly ApiKeyRole[] = ['ADMIN', 'CLIENT'];

const HOW_TO_GET_A_KEY =
  'Send a key as "Authorization: Bearer <key>". An administrator creates keys with the createApiKey mutation or `npx tsx src/cli.ts create-key`.';

export interface CreatedApiKey {
  /** The whole key. It is returned once and never stored. */
  key: string;
  apiKey: ApiKey;
}

export type ApiKeysService = ReturnType<typeof createApiKeysService>;

function unauthenticated(message: string): FacematchError {
  return new FacematchError(ErrorCode.UNAUTHENTICATED, message);
}

function cleanKeyName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === '') {
    throw new FacematchError(ErrorCode.BAD_USER_INPUT, 'name must not be empty or only whitespace: name the key after who uses it, such as "mobile app".');
  }
  if (trimmed.length > MAX_KEY_NAME_LENGTH) {
    throw new FacematchError(ErrorCode.BAD_USER_INPUT, `name is ${trimmed.length} characters long; the maximum is ${MAX_KEY_NAME_LENGTH}.`);
  }
  return trimmed;
}

/**
 * API keys: create, list, revoke, and authenticate requests. Authentication is off while no key
 * has ever been stored (the server then listens on loopback only), and on for good once one has,
 * so revoking every key locks the API until `npx tsx src/cli.ts create-key` makes a new one.
 */
export function createApiKeysService({ db, repositories, logger, clock = Date.now }: Pick<ServiceDeps, 'db' | 'repositories' | 'logger' | 'clock'>) {
  const repos = repositories(db);

  // Once true it stays true: keys are revoked, never deleted, so the table never empties again.
  let required = false;
  const lastTouched = new Map<string, number>();

  async function isAuthRequired(): Promise<boolean> {
    if (!required && (await repos.apiKeys.countAll()) > 0) {
      required = true;
    }
    return required;
  }

  /** Writes last_used_at unless this process wrote it less than a minute ago; a failed write is logged, not raised. */
  function touch(keyId: string): void {
    const now = clock();
    if (now - (lastTouched.get(keyId) ?? 0) < TOUCH_INTERVAL_MS) {
      return;
    }
    lastTouched.set(keyId, now);
    repos.apiKeys.touch(keyId).catch((error: unknown) => logger.warn({ err: error, keyId }, 'could not record when an API key was last used'));
  }

  return {
    isAuthRequired,

    /** Creates a key; the plaintext key is in the result only. */
    async createKey(name: string, role: ApiKeyRole): Promise<CreatedApiKey> {
      if (!ROLES.includes(role)) {
        throw new FacematchError(ErrorCode.BAD_USER_INPUT, `role must be ADMIN or CLIENT; got ${JSON.stringify(role)}.`);
      }
      const cleanName = cleanKeyName(name);

      const generated = generateApiKey();
      const apiKey = await repos.apiKeys.insert({ name: cleanName, role, prefix: generated.prefix, keyHash: generated.hash });
      required = true;
      logger.info({ keyId: apiKey.id, keyPrefix: apiKey.prefix, role }, 'API key created');
      return { key: generated.key, apiKey };
    },

    listKeys(): Promise<ApiKey[]> {
      return repos.apiKeys.list();
    },

    /** Revokes a key at once; revoking a revoked key again changes nothing. */
    async revokeKey(id: string): Promise<ApiKey> {
      requireUuid('API key', id);
      const apiKey = await repos.apiKeys.revoke(id);
      if (apiKey === null) {
        throw notFound('API key', id);
      }
      logger.info({ keyId: apiKey.id, keyPrefix: apiKey.prefix }, 'API key revoked');
      return apiKey;
    },

    /** Count of keys that are not revoked. */
    countActiveKeys(): Promise<number> {
      return repos.apiKeys.countActive();
    },

    /**
     * Returns who sent a request from its Authorization header value. Throws UNAUTHENTICATED for a
     * malformed header, an unknown or revoked key, and a missing header once authentication is on.
     */
    async authenticate(authorization: string | undefined): Promise<Principal> {
      if (authorization === undefined || authorization.trim() === '') {
        if (await isAuthRequired()) {
          throw unauthenticated(`This server requires an API key and the request has none. ${HOW_TO_GET_A_KEY}`);
        }
        return { kind: 'open' };
      }

      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
      if (match === null) {
        throw unauthenticated(`The Authorization header is not of the form "Bearer <key>". ${HOW_TO_GET_A_KEY}`);
      }

      const key = match[1];
      const prefix = apiKeyPrefix(key);
      const stored = prefix === null ? null : await repos.apiKeys.findByPrefix(prefix);
      if (stored === null || !matchesHash(key, stored.keyHash)) {
        throw unauthenticated(`The API key is unknown: check that it was copied whole (fm_ followed by 12 hex digits, an underscore and 43 characters). ${HOW_TO_GET_A_KEY}`);
      }
      if (stored.revokedAt !== null) {
        throw unauthenticated(`The API key fm_${stored.prefix} was revoked at ${stored.revokedAt.toISOString()}. Ask an administrator for a new key.`);
      }

      touch(stored.id);
      return { kind: 'key', keyId: stored.id, name: stored.name, prefix: stored.prefix, role: stored.role };
    },

    /**
     * Stores the deployment's admin key (FACEMATCH_ADMIN_KEY) hashed, unless it is stored already.
     * A revoked bootstrap key stays revoked. Throws when another key has the same prefix.
     */
    async bootstrapAdminKey(key: string): Promise<void> {
      const prefix = apiKeyPrefix(key);
      if (prefix === null) {
        throw new Error('FACEMATCH_ADMIN_KEY does not have the key format; generate one with `npx tsx src/cli.ts generate-key`.');
      }

      const stored = await repos.apiKeys.findByPrefix(prefix);
      if (stored !== null) {
        if (!matchesHash(key, stored.keyHash)) {
          throw new Error(`FACEMATCH_ADMIN_KEY has prefix ${prefix}, which a different stored key already uses; generate a new one with \`npx tsx src/cli.ts generate-key\`.`);
        }
        if (stored.revokedAt !== null) {
          logger.warn({ keyId: stored.id, keyPrefix: prefix }, 'FACEMATCH_ADMIN_KEY was revoked and stays revoked; set a new key or create one with npx tsx src/cli.ts create-key');
        }
        required = true;
        return;
      }

      const apiKey = await repos.apiKeys.insert({ name: BOOTSTRAP_KEY_NAME, role: 'ADMIN', prefix, keyHash: hashApiKey(key) });
      required = true;
      logger.info({ keyId: apiKey.id, keyPrefix: prefix }, 'stored FACEMATCH_ADMIN_KEY as an admin key (hashed)');
    },
  };
}
