import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API key format: `fm_<prefix>_<secret>`, where the prefix is 12 lowercase hex digits (6 random
 * bytes) and the secret is 32 random bytes in base64url (43 characters, 256 bits). The prefix is
 * public: it finds the stored row and names the key in listings and logs. Only the SHA-256 of the
 * whole key is stored. A salted slow hash is not needed because the secret is random with 256 bits
 * of entropy, so a stolen hash cannot be reversed by guessing.
 */
export const API_KEY_PATTERN = /^fm_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export interface GeneratedApiKey {
  /** The whole key, shown to the caller once. */
  key: string;
  prefix: string;
  /** Hex SHA-256 of `key`. */
  hash: string;
}

/** Generates a new random key with its prefix and hash. */
export function generateApiKey(): GeneratedApiKey {
  const prefix = randomBytes(6).toString('hex');
  const key = `fm_${prefix}_${randomBytes(32).toString('base64url')}`;
  return { key, prefix, hash: hashApiKey(key) };
}

/** Returns the prefix of a well-formed key, or null when `key` does not have the format. */
export function apiKeyPrefix(key: string): string | null {
  return API_KEY_PATTERN.exec(key)?.[1] ?? null;
}

/** Hex SHA-256 of the whole key. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Compares a key with a stored hash in constant time. */
export function matchesHash(key: string, storedHash: string): boolean {
  const actual = Buffer.from(hashApiKey(key), 'hex');
  const expected = Buffer.from(storedHash, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
