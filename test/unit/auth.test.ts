import 'reflect-metadata';

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parse } from 'graphql';

import { apiKeyPrefix, generateApiKey, hashApiKey, matchesHash } from '../../src/auth/api-key-format.js';
import { requiredRole } from '../../src/auth/roles.js';
import { AuthNotConfiguredError, checkAuthConfigured, isLoopbackHost } from '../../src/auth/startup-check.js';
import { parseCreateKeyArgs } from '../../src/cli.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { forbiddenFields } from '../../src/graphql/authorization.js';
import { buildFacematchSchema } from '../../src/graphql/schema.js';
import { createServer } from '../../src/server.js';
import { FakeDatabase, fakeRepositories } from './fakes/database.js';
import { FakeEngine, fakeDecodeImage } from './fakes/engine.js';
import { captureLogger } from './fakes/logger.js';
import { createTestWorld, testConfig } from './fakes/services.js';

const CLIENT = { kind: 'key', keyId: 'k', name: 'kiosk', prefix: '0123456789ab', role: 'CLIENT' } as const;
const ADMIN = { ...CLIENT, role: 'ADMIN' } as const;

describe('API key format', () => {
  it('generates distinct keys whose prefix and hash match', () => {
    const first = generateApiKey();
    const second = generateApiKey();

    assert.notEqual(first.key, second.key);
    assert.equal(apiKeyPrefix(first.key), first.prefix);
    assert.equal(first.hash, hashApiKey(first.key));
    assert.ok(matchesHash(first.key, first.hash));
    assert.ok(!matchesHash(second.key, first.hash));
  });

  it('rejects strings of another format', () => {
    for (const key of ['', 'fm_', 'fm_0123456789ab_short', `fm_0123456789AB_${'a'.repeat(43)}`, `xx_0123456789ab_${'a'.repeat(43)}`]) {
      assert.equal(apiKeyPrefix(key), null, key);
    }
  });
});

describe('start-up check', () => {
  it('knows loopback hosts', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1']) {
      assert.ok(isLoopbackHost(host), host);
    }
    for (const host of ['0.0.0.0', '::', '192.168.1.10', '10.0.0.1', 'example.org', '::ffff:10.0.0.1']) {
      assert.ok(!isLoopbackHost(host), host);
    }
  });

  it('rejects a non-loopback host without keys', () => {
    assert.throws(() => checkAuthConfigured('0.0.0.0', 0), AuthNotConfiguredError);
    assert.throws(() => checkAuthConfigured('::', 0), /create-key/);
  });

  it('allows loopback without keys and any host with keys', () => {
    assert.doesNotThrow(() => checkAuthConfigured('127.0.0.1', 0));
    assert.doesNotThrow(() => checkAuthConfigured('0.0.0.0', 1));
  });

  it('createServer rejects 0.0.0.0 without keys and closes what it opened', async () => {
    const db = new FakeDatabase();
    const engine = new FakeEngine();
    const { logger } = captureLogger();

    await assert.rejects(
      createServer(testConfig({ host: '0.0.0.0' }), { database: db, engine, repositories: fakeRepositories, decodeImage: fakeDecodeImage, logger }),
      AuthNotConfiguredError,
    );
    assert.ok(db.closed, 'the database is closed again');
  });
});

describe('FACEMATCH_ADMIN_KEY', () => {
  it('must have the key format and is never echoed', () => {
    assert.throws(() => loadConfig({ FACEMATCH_ADMIN_KEY: 'hunter2-secret' }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.doesNotMatch(error.message, /hunter2/);
      assert.match(error.message, /generate-key/);
      return true;
    });
  });

  it('is stored once and is then required', async () => {
    const world = createTestWorld();
    const { key } = generateApiKey();

    assert.equal(await world.services.apiKeys.isAuthRequired(), false);
    await world.services.apiKeys.bootstrapAdminKey(key);
    await world.services.apiKeys.bootstrapAdminKey(key);

    const keys = await world.services.apiKeys.listKeys();
    assert.equal(keys.length, 1);
    assert.equal(keys[0].role, 'ADMIN');
    assert.equal(await world.services.apiKeys.isAuthRequired(), true);
    await assert.rejects(world.services.apiKeys.authenticate(undefined), /requires an API key/);
  });

  it('with a stored prefix but another secret stops the start', async () => {
    const world = createTestWorld();
    const { key } = generateApiKey();
    await world.services.apiKeys.bootstrapAdminKey(key);

    const impostor = `${key.slice(0, 16)}${'B'.repeat(43)}`;
    await assert.rejects(world.services.apiKeys.bootstrapAdminKey(impostor), /different stored key/);
  });
});

describe('roles', () => {
  it('lets CLIENT use only the search and health root fields', () => {
    for (const field of ['faceVector', 'similarFaces', 'verifyFaces', 'health', 'engineInfo']) {
      assert.equal(requiredRole('Query', field), 'CLIENT', field);
    }
    for (const [type, field] of [['Query', 'users'], ['Query', 'apiKeys'], ['Mutation', 'addImage'], ['Mutation', 'deleteUser'], ['Query', 'newFieldNobodyListed']]) {
      assert.equal(requiredRole(type, field), 'ADMIN', `${type}.${field}`);
    }
  });

  it('finds admin fields nested under client ones', async () => {
    const schema = await buildFacematchSchema();
    const document = parse(`query ($i: ImageInput!) { similarFaces(image: $i) { matches { user { name images { id } } } } }`);

    assert.deepEqual(forbiddenFields(schema, document, CLIENT), ['User.images']);
    assert.deepEqual(forbiddenFields(schema, document, ADMIN), []);
    assert.deepEqual(forbiddenFields(schema, document, { kind: 'open' }), []);
  });
});

describe('create-key arguments', () => {
  it('parses name and role', () => {
    assert.deepEqual(parseCreateKeyArgs([]), { name: 'admin', role: 'ADMIN' });
    assert.deepEqual(parseCreateKeyArgs(['--role', 'client', '--name', 'kiosk']), { name: 'kiosk', role: 'CLIENT' });
  });

  it('returns a message for bad arguments', () => {
    assert.match(parseCreateKeyArgs(['--role', 'root']) as string, /admin or client/);
    assert.match(parseCreateKeyArgs(['--name']) as string, /needs a value/);
    assert.match(parseCreateKeyArgs(['--colour', 'red']) as string, /Unknown/);
  });
});
