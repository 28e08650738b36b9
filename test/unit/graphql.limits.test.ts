import 'reflect-metadata';

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { fakeImage } from './fakes/engine.js';
import { createGraphQLHarness } from './fakes/graphql.js';
import { createTestWorld } from './fakes/services.js';

describe('GraphQL query limits', () => {
  it('rejects a 15-level nested query before any resolver runs', async () => {
    const world = createTestWorld();
    const { execute } = await createGraphQLHarness(world.services, world.logger);
    let listed = 0;
    const listUsers = world.services.users.listUsers.bind(world.services.users);
    world.services.users.listUsers = async (...args) => {
      listed++;
      return listUsers(...args);
    };

    const deep = '{ users { images { user { images { user { images { user { images { user { images { user { images { user { images { id } } } } } } } } } } } } } } }';
    const { data, errors } = await execute(deep);

    assert.equal(data, undefined);
    assert.equal(errors![0].extensions?.code, 'GRAPHQL_VALIDATION_FAILED');
    assert.match(errors![0].message, /nested 15 levels deep; the maximum is 10/);
    assert.equal(listed, 0, 'no resolver ran');
  });

  it('accepts a query at the depth limit', async () => {
    const world = createTestWorld();
    const { execute } = await createGraphQLHarness(world.services, world.logger);

    const { errors } = await execute('{ users { images { user { images { user { images { user { images { user { id } } } } } } } } } }');

    assert.equal(errors, undefined);
  });

  it('rejects 500 aliased searches before any resolver runs', async () => {
    const world = createTestWorld();
    const { execute } = await createGraphQLHarness(world.services, world.logger);
    const aliases = Array.from({ length: 500 }, (_, i) => `s${i}: similarFaces(image: { base64: $b }) { score }`).join('\n');

    const { data, errors } = await execute(`query($b: String) { ${aliases} }`, { b: fakeImage('alice') });

    assert.equal(data, undefined);
    assert.equal(errors![0].extensions?.code, 'GRAPHQL_VALIDATION_FAILED');
    assert.match(errors![0].message, /runs 500 image fields .* the maximum is 10/);
    assert.equal(world.engine.detectCalls.length, 0, 'the engine never ran');
  });

  it('counts image fields inside fragments', async () => {
    const world = createTestWorld();
    const { execute } = await createGraphQLHarness(world.services, world.logger);
    const fields = Array.from({ length: 11 }, (_, i) => `v${i}: faceVector(image: { base64: $b }) { score }`).join('\n');

    const { errors } = await execute(`query($b: String) { ...Many } fragment Many on Query { ${fields} }`, { b: fakeImage('alice') });

    assert.match(errors![0].message, /runs 11 image fields/);
  });
});
