import 'reflect-metadata';

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { ErrorCode, FacematchError } from '../../src/errors.js';
import { INTERNAL_ERROR_MESSAGE } from '../../src/graphql/errors.js';
import { fakeImage } from './fakes/engine.js';
import { createGraphQLHarness } from './fakes/graphql.js';
import { createTestWorld } from './fakes/services.js';

const USER_QUERY = 'query GetUser($id: ID!) { user(id: $id) { id } }';
const SOME_ID = '0f9d7c2e-8b1a-4d3c-9e5f-a1b2c3d4e5f6';

describe('GraphQL error mapping', () => {
  for (const code of Object.values(ErrorCode)) {
    it(`maps FacematchError ${code} to extensions.code ${code} with its message`, async () => {
      const world = createTestWorld();
      world.services.users.getUser = async () => {
        throw new FacematchError(code, `message for ${code}`);
      };
      const { execute } = await createGraphQLHarness(world.services, world.logger);

      const { data, errors } = await execute(USER_QUERY, { id: SOME_ID });

      assert.equal(data, null);
      assert.equal(errors?.length, 1);
      assert.equal(errors![0].message, `message for ${code}`);
      assert.equal(errors![0].extensions?.code, code);
      assert.equal(errors![0].extensions?.stacktrace, undefined);
    });
  }

  it('masks an internal error and logs it once with the request id', async () => {
    const world = createTestWorld();
    world.db.failing.add('users.get');
    world.db.failure = new Error('syntax error at or near "FROM" in SELECT id FROM users WHERE id = $1');
    const { execute } = await createGraphQLHarness(world.services, world.logger);

    const { data, errors } = await execute(USER_QUERY, { id: SOME_ID }, 'req-123');

    assert.equal(data, null);
    assert.equal(errors?.[0].extensions?.code, 'INTERNAL_SERVER_ERROR');
    assert.equal(errors![0].message, INTERNAL_ERROR_MESSAGE);
    const body = JSON.stringify(errors);
    assert.doesNotMatch(body, /SELECT|syntax error|users\.get|at .*\.ts/);
    assert.deepEqual(Object.keys(errors![0].extensions ?? {}), ['code']);

    const logged = world.records.filter((r) => r.msg === 'internal error while handling a GraphQL request');
    assert.equal(logged.length, 1);
    assert.equal(logged[0].requestId, 'req-123');
    assert.equal(logged[0].operationName, 'GetUser');
    assert.match(String((logged[0].err as { message: string }).message), /syntax error at or near "FROM"/);
  });

  it('masks an error thrown in a nested field resolver', async () => {
    const world = createTestWorld();
    const user = await world.services.users.createUser({ name: 'Ada' });
    world.services.images.listImages = async () => {
      throw new TypeError("Cannot read properties of undefined (reading 'rows')");
    };
    const { execute } = await createGraphQLHarness(world.services, world.logger);

    const { data, errors } = await execute('query($id: ID!) { user(id: $id) { name images { id } } }', { id: user.id });

    assert.equal(data, null);
    assert.deepEqual(errors?.[0].path, ['user', 'images']);
    assert.equal(errors![0].extensions?.code, 'INTERNAL_SERVER_ERROR');
    assert.doesNotMatch(errors![0].message, /rows/);
  });

  it('does not log client errors as internal errors', async () => {
    const world = createTestWorld();
    const { execute } = await createGraphQLHarness(world.services, world.logger);

    await execute(USER_QUERY, { id: 'nope' });

    assert.equal(world.records.filter((r) => r.level === 50).length, 0);
  });

  it('keeps GRAPHQL_VALIDATION_FAILED for an unknown field', async () => {
    const world = createTestWorld();
    const { execute } = await createGraphQLHarness(world.services, world.logger);

    const { errors } = await execute('{ users { id shoeSize } }');

    assert.equal(errors?.[0].extensions?.code, 'GRAPHQL_VALIDATION_FAILED');
    assert.match(errors![0].message, /shoeSize/);
  });

  it('keeps BAD_USER_INPUT for a variable of the wrong type', async () => {
    const world = createTestWorld();
    const { execute } = await createGraphQLHarness(world.services, world.logger);

    const { errors } = await execute('query($b: String, $k: Int) { similarFaces(image: { base64: $b }, topK: $k) { score } }', {
      b: fakeImage('ada'),
      k: 'five',
    });

    assert.equal(errors?.[0].extensions?.code, 'BAD_USER_INPUT');
    assert.match(errors![0].message, /\$k/);
  });

  it('keeps GRAPHQL_PARSE_FAILED for a syntax error', async () => {
    const world = createTestWorld();
    const { execute } = await createGraphQLHarness(world.services, world.logger);

    const { errors } = await execute('{ users { id ');

    assert.equal(errors?.[0].extensions?.code, 'GRAPHQL_PARSE_FAILED');
  });
});
