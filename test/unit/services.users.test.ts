import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { rejectsWith } from './fakes/assertions.js';
import { fakeImage } from './fakes/engine.js';
import { createTestWorld } from './fakes/services.js';

describe('users service', () => {
  it('trims the name and externalId and stores an empty externalId as null', async () => {
    const { services } = createTestWorld();

    const alice = await services.users.createUser({ name: '  Alice  ', externalId: ' a-1 ' });
    const bob = await services.users.createUser({ name: 'Bob', externalId: '   ' });

    assert.equal(alice.name, 'Alice');
    assert.equal(alice.externalId, 'a-1');
    assert.equal(bob.externalId, null);
    assert.deepEqual((await services.users.getUser(alice.id)).name, 'Alice');
  });

  it('rejects an empty or blank name with BAD_USER_INPUT and stores nothing', async () => {
    const { services, db } = createTestWorld();

    await rejectsWith(services.users.createUser({ name: '   ' }), 'BAD_USER_INPUT', /name must not be empty/);
    await rejectsWith(services.users.createUser({ name: 'x'.repeat(201) }), 'BAD_USER_INPUT', /maximum is 200/);
    assert.equal(db.tables.users.size, 0);
  });

  it('returns NOT_FOUND for wrong ids', async () => {
    const { services, db } = createTestWorld();
    db.failing.add('users.get');

    // A malformed id must not reach the repository, which here would throw a database error.
    await rejectsWith(services.users.getUser('42'), 'NOT_FOUND', /No user with id "42".*UUID/);
    db.failing.clear();
    await rejectsWith(services.users.getUser('00000000-0000-4000-8000-000000000000'), 'NOT_FOUND', /00000000-0000-4000-8000-000000000000/);
  });

  it('pages users and rejects a limit outside 1..500', async () => {
    const { services } = createTestWorld();
    for (const name of ['a', 'b', 'c']) {
      await services.users.createUser({ name });
    }

    const page = await services.users.listUsers({ limit: 2, offset: 1 });

    assert.deepEqual(page.map((u) => u.name), ['b', 'c']);
    await rejectsWith(services.users.listUsers({ limit: 0 }), 'BAD_USER_INPUT', /limit must be an integer from 1 to 500; got 0/);
    await rejectsWith(services.users.listUsers({ limit: 501 }), 'BAD_USER_INPUT', /got 501/);
    await rejectsWith(services.users.listUsers({ offset: -1 }), 'BAD_USER_INPUT', /offset/);
  });

  it('renames a user with a trimmed name', async () => {
    const { services } = createTestWorld();
    const user = await services.users.createUser({ name: 'Alice' });

    const renamed = await services.users.renameUser(user.id, ' Alicia ');

    assert.equal(renamed.name, 'Alicia');
    assert.equal((await services.users.getUser(user.id)).name, 'Alicia');
    await rejectsWith(services.users.renameUser(user.id, ''), 'BAD_USER_INPUT');
  });

  it('deletes a user with all its data', async () => {
    const world = createTestWorld();
    const { services, db } = world;
    const alice = await services.users.createUser({ name: 'Alice' });
    const bob = await services.users.createUser({ name: 'Bob' });
    for (const [user, identity] of [[alice, 'alice'], [bob, 'bob']] as const) {
      await services.images.addImage(user.id, fakeImage(`${identity}-1`));
      await services.images.addImage(user.id, fakeImage(`${identity}-2`));
    }
    await services.training.trainModel('m');
    await world.whenIdle();
    assert.equal(db.tables.vectors.size, 4);

    assert.equal(await services.users.deleteUser(alice.id), true);

    assert.equal(db.tables.users.has(alice.id), false);
    assert.deepEqual([...db.tables.images.values()].map((i) => i.userId), [bob.id, bob.id]);
    assert.equal(db.tables.faces.size, 2);
    assert.equal(db.tables.vectors.size, 2);
    await rejectsWith(services.users.deleteUser(alice.id), 'NOT_FOUND');
  });
});
