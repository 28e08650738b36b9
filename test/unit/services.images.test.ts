import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';

import type { Sql } from '../../src/db/types.js';
import { ErrorCode, FacematchError } from '../../src/errors.js';
import { createServices } from '../../src/services/index.js';
import { rejectsWith } from './fakes/assertions.js';
import { fakeRepositories } from './fakes/database.js';
import { fakeDecodeImage, fakeImage, identityVector } from './fakes/engine.js';
import { createTestWorld, type TestWorld } from './fakes/services.js';

/** Enrols two users with two images each and trains model "m", so a model is active. */
async function withActiveModel(world: TestWorld): Promise<void> {
  for (const name of ['alice', 'bob']) {
    const user = await world.services.users.createUser({ name });
    await world.services.images.addImage(user.id, fakeImage(`${name}`));
    await world.services.images.addImage(user.id, fakeImage(`${name}-2`));
  }
  await world.services.training.trainModel('m');
  await world.whenIdle();
}

function storedCounts({ db }: TestWorld): { images: number; faces: number; vectors: number } {
  return { images: db.tables.images.size, faces: db.tables.faces.size, vectors: db.tables.vectors.size };
}

describe('images service: addImage', () => {
  it('returns the stored image when a concurrent insert wins', async () => {
    const world = createTestWorld();
    // Models a Postgres race: both duplicate checks miss the other request's row, and the
    // unique (user, sha256) constraint rejects the second insert.
    let racing = false;
    let missedChecks = 0;
    const racingRepositories = (sql: Sql) => {
      const repos = fakeRepositories(sql);
      const images = {
        ...repos.images,
        findBySha256: async (userId: string, sha256: string) => (racing && missedChecks++ < 2 ? null : repos.images.findBySha256(userId, sha256)),
        insert: async (image: Parameters<typeof repos.images.insert>[0]) => {
          if (await repos.images.findBySha256(image.userId, image.sha256)) {
            throw new FacematchError(ErrorCode.CONFLICT, 'duplicate image');
          }
          return repos.images.insert(image);
        },
      };
      return { ...repos, images };
    };
    const services = createServices({
      db: world.db, engine: world.engine, config: world.config, logger: world.logger, repositories: racingRepositories, decodeImage: fakeDecodeImage,
    });
    const user = await services.users.createUser({ name: 'Alice' });
    const first = await services.images.addImage(user.id, fakeImage('alice'));

    racing = true;
    const second = await services.images.addImage(user.id, fakeImage('alice'));

    assert.equal(missedChecks, 3, 'both checks missed and the lookup after the conflict ran');
    assert.equal(second.created, false);
    assert.equal(second.image.id, first.image.id);
    assert.deepEqual(storedCounts(world), { images: 1, faces: 1, vectors: 0 });
  });

  it('stores image and face without a model', async () => {
    const world = createTestWorld();
    const user = await world.services.users.createUser({ name: 'Alice' });

    const added = await world.services.images.addImage(user.id, fakeImage('alice'));

    assert.equal(added.created, true);
    assert.equal(added.image.userId, user.id);
    assert.equal(added.face.imageId, added.image.id);
    assert.deepEqual(added.face.box, { x: 10, y: 20, width: 200, height: 200 });
    assert.deepEqual(world.db.tables.faces.get(added.face.id)!.activations, identityVector('alice'));
    assert.deepEqual(storedCounts(world), { images: 1, faces: 1, vectors: 0 });
    assert.equal(world.engine.embedCalls.length, 0);
    assert.equal(world.db.transactions, 1);
  });

  it('stores the vector of the active model', async () => {
    const world = createTestWorld();
    await withActiveModel(world);
    const active = (await world.services.models.getActiveModel())!;
    const carol = await world.services.users.createUser({ name: 'Carol' });
    const transactionsBefore = world.db.transactions;

    const added = await world.services.images.addImage(carol.id, fakeImage('carol'));

    assert.equal(world.db.transactions, transactionsBefore + 1);
    const stored = world.db.tables.vectors.get(`${added.face.id}/${active.id}`);
    assert.ok(stored, 'the new face has a vector for the active model');
    assert.deepEqual(stored.vector, identityVector('carol'));
    assert.equal(world.engine.embedCalls.at(-1)!.model.path, path.resolve(world.config.modelsDir, 'm', `v1-${active.id.slice(0, 8)}`));
  });

  it('returns the stored image for repeated bytes', async () => {
    const world = createTestWorld();
    const user = await world.services.users.createUser({ name: 'Alice' });
    const first = await world.services.images.addImage(user.id, fakeImage('alice'));

    const second = await world.services.images.addImage(user.id, fakeImage('alice'));

    assert.equal(second.created, false);
    assert.equal(second.image.id, first.image.id);
    assert.equal(second.face.id, first.face.id);
    assert.deepEqual(storedCounts(world), { images: 1, faces: 1, vectors: 0 });
    assert.equal(world.engine.detectCalls.length, 1, 'no second detection for known bytes');
  });

  it('rejects an image without a face with NO_FACE and stores nothing', async () => {
    const world = createTestWorld();
    const user = await world.services.users.createUser({ name: 'Alice' });

    await rejectsWith(world.services.images.addImage(user.id, fakeImage()), 'NO_FACE', /No face was found/);

    assert.deepEqual(storedCounts(world), { images: 0, faces: 0, vectors: 0 });
  });

  it('rejects several faces with MULTIPLE_FACES giving the count, and stores nothing', async () => {
    const world = createTestWorld();
    const user = await world.services.users.createUser({ name: 'Alice' });

    const error = await rejectsWith(
      world.services.images.addImage(user.id, fakeImage('alice', 'bob', 'carol')),
      'MULTIPLE_FACES',
      /shows 3 faces.*Crop.*faceIndex/,
    );

    assert.equal(error.details.faceCount, 3);
    assert.deepEqual(storedCounts(world), { images: 0, faces: 0, vectors: 0 });
  });

  it('enrols the face faceIndex picks and rejects an index out of range', async () => {
    const world = createTestWorld();
    const user = await world.services.users.createUser({ name: 'Alice' });

    await rejectsWith(
      world.services.images.addImage(user.id, fakeImage('bob', 'alice'), { faceIndex: 2 }),
      'BAD_USER_INPUT',
      /faceIndex 2 is out of range: the image has 2 face\(s\)/,
    );
    assert.deepEqual(storedCounts(world), { images: 0, faces: 0, vectors: 0 });

    const added = await world.services.images.addImage(user.id, fakeImage('bob', 'alice'), { faceIndex: 1 });
    assert.deepEqual(world.db.tables.faces.get(added.face.id)!.activations, identityVector('alice'));
    assert.equal(added.face.box.width, 180);
  });

  it('rolls back image and face when storing the vector fails', async () => {
    const world = createTestWorld();
    await withActiveModel(world);
    const before = storedCounts(world);
    const carol = await world.services.users.createUser({ name: 'Carol' });
    world.db.failing.add('vectors.upsert');

    await assert.rejects(world.services.images.addImage(carol.id, fakeImage('carol')), /relation "faces" does not exist/);

    assert.deepEqual(storedCounts(world), before);
  });

  it('stores nothing when embedding fails', async () => {
    const world = createTestWorld();
    await withActiveModel(world);
    const before = storedCounts(world);
    const carol = await world.services.users.createUser({ name: 'Carol' });
    world.engine.embedError = new Error('worker crashed');

    await assert.rejects(world.services.images.addImage(carol.id, fakeImage('carol')), /worker crashed/);

    assert.deepEqual(storedCounts(world), before);
  });

  it('rejects an unknown user with NOT_FOUND naming the id, before decoding', async () => {
    const world = createTestWorld();

    await rejectsWith(
      world.services.images.addImage('5d0b9e8e-0d5c-4c47-9a3e-2b8f00000000', fakeImage('alice')),
      'NOT_FOUND',
      /No user with id "5d0b9e8e-0d5c-4c47-9a3e-2b8f00000000"/,
    );
    await rejectsWith(world.services.images.addImage('bob', fakeImage('alice')), 'NOT_FOUND', /"bob"/);
    assert.equal(world.engine.detectCalls.length, 0);
  });

  it('rejects a missing base64 with BAD_USER_INPUT and passes decoder errors through', async () => {
    const world = createTestWorld();
    const user = await world.services.users.createUser({ name: 'Alice' });

    await rejectsWith(world.services.images.addImage(user.id, null), 'BAD_USER_INPUT', /image\.base64 is missing/);
    await rejectsWith(world.services.images.addImage(user.id, 'bm90IGFuIGltYWdl'), 'INVALID_IMAGE');
  });
});

describe('images service: removal and listing', () => {
  it('removeImages counts one user\'s images, or every user\'s when omitted', async () => {
    const world = createTestWorld();
    const alice = await world.services.users.createUser({ name: 'Alice' });
    const bob = await world.services.users.createUser({ name: 'Bob' });
    await world.services.images.addImage(alice.id, fakeImage('alice-1'));
    await world.services.images.addImage(alice.id, fakeImage('alice-2'));
    await world.services.images.addImage(bob.id, fakeImage('bob-1'));

    assert.equal(await world.services.images.removeImages(alice.id), 2);
    assert.deepEqual((await world.services.images.listImages(alice.id)).length, 0);
    assert.deepEqual((await world.services.images.listImages(bob.id)).length, 1);
    await rejectsWith(world.services.images.removeImages(null), 'BAD_USER_INPUT', /userId is null/);
    assert.deepEqual((await world.services.images.listImages(bob.id)).length, 1);
    assert.equal(await world.services.images.removeImages(undefined), 1);
    assert.deepEqual(storedCounts(world), { images: 0, faces: 0, vectors: 0 });
  });

  it('deleteImage removes one image with its face and NOT_FOUND afterwards', async () => {
    const world = createTestWorld();
    const alice = await world.services.users.createUser({ name: 'Alice' });
    const kept = await world.services.images.addImage(alice.id, fakeImage('alice-1'));
    const doomed = await world.services.images.addImage(alice.id, fakeImage('alice-2'));

    assert.equal(await world.services.images.deleteImage(doomed.image.id), true);

    assert.deepEqual((await world.services.images.listImages(alice.id)).map((i) => i.id), [kept.image.id]);
    assert.equal(world.db.tables.faces.size, 1);
    await rejectsWith(world.services.images.deleteImage(doomed.image.id), 'NOT_FOUND');
    await rejectsWith(world.services.images.deleteImage('x'), 'NOT_FOUND', /image ids are UUIDs/);
  });
});
