import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { hashApiKey } from '../../src/auth/api-key-format.js';
import { AuthNotConfiguredError } from '../../src/auth/startup-check.js';
import { loadConfig } from '../../src/config.js';
import { openDatabase, type Database } from '../../src/db/index.js';
import { createLogger } from '../../src/logger.js';
import { createServer, type FacematchServer } from '../../src/server.js';
import { postWithAuthorization } from '../support/graphql-client.js';
import { captureLogger } from '../unit/fakes/logger.js';

/**
 * API keys and roles on the real server (embedded PGlite, real engine) on 127.0.0.1: open while
 * no key exists, then every request needs a key, CLIENT keys only search, and only hashes are stored.
 */

const CREATE_KEY = `mutation ($name: String!, $role: ApiKeyRole!) { createApiKey(name: $name, role: $role) { key apiKey { id name role prefix revokedAt } } }`;
const LIST_KEYS = `{ apiKeys { id name role prefix createdAt lastUsedAt revokedAt } }`;
const REVOKE_KEY = `mutation ($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }`;
const CREATE_USER = `mutation ($name: String!) { createUser(input: { name: $name }) { id } }`;

interface CreatedKey {
  key: string;
  apiKey: { id: string; name: string; role: string; prefix: string; revokedAt: string | null };
}

/** Dumps every row of every public table (bytea as latin1 text) into one string to search for secrets. */
async function dumpDatabase(db: Database): Promise<string> {
  const { rows: tables } = await db.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
  );
  const parts: string[] = [];
  for (const { table_name: table } of tables) {
    const { rows } = await db.query(`SELECT * FROM "${table}"`);
    parts.push(JSON.stringify(rows, (_key, value) => (Buffer.isBuffer(value) ? value.toString('latin1') : value)));
  }
  return parts.join('\n');
}

describe('API keys and roles', () => {
  let server: FacematchServer;
  let url: string;
  let db: Database;
  let modelsDir: string;
  const { logger, records } = captureLogger();
  let admin: CreatedKey;
  let client: CreatedKey;

  before(async () => {
    modelsDir = await fs.mkdtemp(path.join(os.tmpdir(), 'facematch-auth-'));
    const config = loadConfig({ FACEMATCH_PORT: '0', FACEMATCH_DATA_DIR: 'memory://', FACEMATCH_MODELS_DIR: modelsDir, FACEMATCH_ENGINE_WORKERS: '1' });
    // The test opens the database itself so that it can read the stored rows; the server closes it.
    db = await openDatabase({ dataDir: config.dataDir, logger: createLogger('silent') });
    server = await createServer(config, { logger, database: db });
    url = await server.start();
  });

  after(async () => {
    await server?.stop();
    await fs.rm(modelsDir, { recursive: true, force: true });
  });

  test('open on loopback without keys, with a warning', async () => {
    assert.match(url, /^http:\/\/127\.0\.0\.1:/);
    const warning = records.find((r) => r.level === 40 && /Authentication is off/.test(String(r.msg)));
    assert.ok(warning, 'a warning says that authentication is off');

    const { status, body } = await postWithAuthorization(url, undefined, `{ users { id } }`);
    assert.equal(status, 200);
    assert.equal(body.errors, undefined);
  });

  test('first key turns authentication on', async () => {
    const { body } = await postWithAuthorization<{ createApiKey: CreatedKey }>(url, undefined, CREATE_KEY, { name: 'operator', role: 'ADMIN' });
    assert.equal(body.errors, undefined, JSON.stringify(body.errors));
    admin = body.data!.createApiKey;
    assert.match(admin.key, /^fm_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    assert.equal(admin.key.slice(3, 15), admin.apiKey.prefix);
    assert.equal(admin.apiKey.role, 'ADMIN');

    const missing = await postWithAuthorization(url, undefined, `{ users { id } }`);
    assert.equal(missing.status, 401);
    assert.equal(missing.body.errors?.[0].extensions?.code, 'UNAUTHENTICATED');
    assert.match(missing.body.errors![0].message, /Authorization: Bearer/);
    assert.match(missing.headers.get('www-authenticate') ?? '', /^Bearer/);
  });

  test('unknown and malformed keys are UNAUTHENTICATED', async () => {
    const wrongSecret = `${admin.key.slice(0, 16)}${'A'.repeat(43)}`;
    const unknownPrefix = `fm_000000000000_${admin.key.slice(16)}`;
    const headers = [`Bearer ${wrongSecret}`, `Bearer ${unknownPrefix}`, 'Bearer not-a-key', `Basic ${admin.key}`, admin.key];

    for (const authorization of headers) {
      const { status, body } = await postWithAuthorization(url, authorization, `{ users { id } }`);
      assert.equal(status, 401, authorization);
      assert.equal(body.errors?.[0].extensions?.code, 'UNAUTHENTICATED', authorization);
      assert.equal(body.data, undefined);
    }
  });

  test('admin key manages users and keys', async () => {
    const created = await postWithAuthorization<{ createUser: { id: string } }>(url, `Bearer ${admin.key}`, CREATE_USER, { name: 'Ada' });
    assert.equal(created.body.errors, undefined, JSON.stringify(created.body.errors));

    const { body } = await postWithAuthorization<{ createApiKey: CreatedKey }>(url, `Bearer ${admin.key}`, CREATE_KEY, { name: 'kiosk', role: 'CLIENT' });
    assert.equal(body.errors, undefined, JSON.stringify(body.errors));
    client = body.data!.createApiKey;
    assert.equal(client.apiKey.role, 'CLIENT');
  });

  test('key listing never contains a secret', async () => {
    const { body } = await postWithAuthorization<{ apiKeys: Array<{ prefix: string; role: string }> }>(url, `Bearer ${admin.key}`, LIST_KEYS);
    assert.equal(body.errors, undefined, JSON.stringify(body.errors));
    assert.deepEqual(body.data!.apiKeys.map((k) => k.prefix), [admin.apiKey.prefix, client.apiKey.prefix]);

    const text = JSON.stringify(body);
    assert.ok(!text.includes(admin.key.slice(16)), 'no admin secret in the listing');
    assert.ok(!text.includes(client.key.slice(16)), 'no client secret in the listing');
  });

  test('client key may search and read health', async () => {
    const { status, body } = await postWithAuthorization<{ health: { status: string } }>(url, `Bearer ${client.key}`, `{ health { status } engineInfo { backend } }`);
    assert.equal(status, 200);
    assert.equal(body.errors, undefined, JSON.stringify(body.errors));

    // No model is active in this server, so the search itself fails, but not for lack of permission.
    const search = await postWithAuthorization(url, `Bearer ${client.key}`, `query ($i: ImageInput!) { faceVector(image: $i) { score } }`, { i: { base64: 'AAAA' } });
    assert.notEqual(search.body.errors?.[0].extensions?.code, 'FORBIDDEN');
  });

  test('client key is FORBIDDEN admin operations', async () => {
    const operations: Array<[string, Record<string, unknown>]> = [
      [`{ users { id } }`, {}],
      [CREATE_USER, { name: 'Mallory' }],
      [LIST_KEYS, {}],
      [CREATE_KEY, { name: 'escalation', role: 'ADMIN' }],
      [`mutation { removeImages }`, {}],
      [`mutation { trainModel(name: "x") { id } }`, {}],
      // An alias inside a fragment must not hide an admin field.
      [`query { ...F } fragment F on Query { people: users { id } }`, {}],
      // A client field cannot smuggle an admin one into the same operation.
      [`{ health { status } users { id } }`, {}],
    ];

    for (const [query, variables] of operations) {
      const { status, body } = await postWithAuthorization(url, `Bearer ${client.key}`, query, variables);
      assert.equal(status, 403, query);
      assert.equal(body.errors?.[0].extensions?.code, 'FORBIDDEN', query);
      assert.match(body.errors![0].message, /ADMIN key/, query);
      assert.equal(body.data, undefined, `${query} returns no data`);
    }

    const { body } = await postWithAuthorization<{ users: Array<{ id: string }> }>(url, `Bearer ${admin.key}`, `{ users { id } }`);
    assert.equal(body.data!.users.length, 1, 'the forbidden createUser stored nothing');
  });

  test('revoked key is UNAUTHENTICATED at once', async () => {
    const revoked = await postWithAuthorization<{ revokeApiKey: { revokedAt: string | null } }>(url, `Bearer ${admin.key}`, REVOKE_KEY, { id: client.apiKey.id });
    assert.equal(revoked.body.errors, undefined, JSON.stringify(revoked.body.errors));
    assert.notEqual(revoked.body.data!.revokeApiKey.revokedAt, null);

    const { status, body } = await postWithAuthorization(url, `Bearer ${client.key}`, `{ health { status } }`);
    assert.equal(status, 401);
    assert.equal(body.errors?.[0].extensions?.code, 'UNAUTHENTICATED');
    assert.match(body.errors![0].message, /revoked/);

    const unknownId = await postWithAuthorization(url, `Bearer ${admin.key}`, REVOKE_KEY, { id: '00000000-0000-4000-8000-000000000000' });
    assert.equal(unknownId.body.errors?.[0].extensions?.code, 'NOT_FOUND');
  });

  test('database stores hashes, never keys', async () => {
    const { rows } = await db.query<{ prefix: string; key_hash: string }>('SELECT prefix, key_hash FROM api_keys ORDER BY created_at');
    assert.deepEqual(rows.map((r) => r.key_hash), [hashApiKey(admin.key), hashApiKey(client.key)]);

    const dump = await dumpDatabase(db);
    assert.ok(!dump.includes(admin.key.slice(16)), 'the admin secret is nowhere in the database');
    assert.ok(!dump.includes(client.key.slice(16)), 'the client secret is nowhere in the database');
  });

  test('keys never reach the log', () => {
    const log = JSON.stringify(records);
    assert.ok(!log.includes(admin.key.slice(16)), 'the admin secret is not logged');
    assert.ok(!log.includes(client.key.slice(16)), 'the client secret is not logged');
  });
});

describe('start-up check on the real database', () => {
  test('non-loopback bind without keys is rejected before listening', async () => {
    const config = loadConfig({ FACEMATCH_HOST: '0.0.0.0', FACEMATCH_PORT: '0', FACEMATCH_DATA_DIR: 'memory://', FACEMATCH_ENGINE_WORKERS: '1' });

    // createServer binds nothing: the check runs before start(), so this test never listens on 0.0.0.0.
    await assert.rejects(createServer(config, { logger: createLogger('silent') }), (error: unknown) => {
      assert.ok(error instanceof AuthNotConfiguredError);
      assert.match(error.message, /0\.0\.0\.0/);
      assert.match(error.message, /create-key/);
      assert.match(error.message, /FACEMATCH_ADMIN_KEY/);
      return true;
    });
  });

  test('FACEMATCH_ADMIN_KEY is stored hashed and satisfies the check', async () => {
    const { generateApiKey } = await import('../../src/auth/api-key-format.js');
    const { key } = generateApiKey();
    const config = loadConfig({ FACEMATCH_HOST: '0.0.0.0', FACEMATCH_PORT: '0', FACEMATCH_DATA_DIR: 'memory://', FACEMATCH_ENGINE_WORKERS: '1', FACEMATCH_ADMIN_KEY: key });
    const db = await openDatabase({ dataDir: config.dataDir, logger: createLogger('silent') });

    // Built but never started, so nothing listens on 0.0.0.0.
    const built = await createServer(config, { logger: createLogger('silent'), database: db });
    try {
      const { rows } = await db.query<{ role: string; key_hash: string }>('SELECT role, key_hash FROM api_keys');
      assert.deepEqual(rows, [{ role: 'ADMIN', key_hash: hashApiKey(key) }]);
      assert.ok(!(await dumpDatabase(db)).includes(key.slice(16)), 'the secret is nowhere in the database');
      assert.equal((await built.services.apiKeys.authenticate(`Bearer ${key}`)).kind, 'key');
    } finally {
      await built.stop();
    }
  });
});
