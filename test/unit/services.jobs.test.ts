import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { rejectsWith } from './fakes/assertions.js';
import { fakeImage } from './fakes/engine.js';
import { createTestWorld, type TestWorld } from './fakes/services.js';

/** Enrols `users` users with `perUser` images each and returns their ids. */
async function enrol(world: TestWorld, users: number, perUser: number): Promise<string[]> {
  const ids: string[] = [];
  for (let u = 0; u < users; u++) {
    const user = await world.services.users.createUser({ name: `user-${u}` });
    ids.push(user.id);
    for (let i = 0; i < perUser; i++) {
      await world.services.images.addImage(user.id, fakeImage(`user-${u}-${i}`));
    }
  }
  return ids;
}

describe('jobs, import and model lifecycle', () => {
  it('importImages enrols through a job', async () => {
    const world = createTestWorld();
    const [userId] = await enrol(world, 1, 0);

    const job = await world.services.import.importImages(userId, [
      { base64: fakeImage('imported-0') },
      { base64: fakeImage('a', 'b') },
      { base64: Buffer.from('not json').toString('base64') },
    ]);
    assert.equal(job.kind, 'import');
    assert.equal(job.status, 'QUEUED');
    assert.deepEqual(job.payload, { userId, images: 3 });
    await world.whenIdle();

    const done = await world.services.jobs.getJob(job.id);
    assert.equal(done.status, 'SUCCEEDED');
    assert.equal(done.result?.enrolled, 1);
    assert.equal(done.result?.failed, 2);
    const outcomes = done.result?.images as Array<{ code?: string }>;
    assert.equal(outcomes[1].code, 'MULTIPLE_FACES');
    assert.equal(outcomes[2].code, 'INVALID_IMAGE');
    assert.equal(world.db.tables.images.size, 1);
    assert.equal(world.db.tables.importImages.size, 0, 'the stored images are deleted at the end');
  });

  it('importImages rejects bad input', async () => {
    const world = createTestWorld();
    const [userId] = await enrol(world, 1, 0);

    await rejectsWith(world.services.import.importImages(userId, []), 'BAD_USER_INPUT', /images must hold 1 to 100 images; got 0/);
    await rejectsWith(world.services.import.importImages(userId, [{ base64: fakeImage('x') }, { base64: '%%%' }]), 'INVALID_IMAGE', /^images\[1\]: /);
    await rejectsWith(world.services.import.importImages(userId, [{ base64: null }]), 'BAD_USER_INPUT', /images\[0\]\.base64 is missing/);
    await rejectsWith(world.services.import.importImages('7f1c2a9e-3b4d-4c5e-8f60-718293a4b5c6', [{ base64: fakeImage('x') }]), 'NOT_FOUND');
    assert.equal(world.db.tables.jobs.size, 0);
  });

  it('activateModel re-embeds, then switches', async () => {
    const world = createTestWorld();
    await enrol(world, 2, 2);
    await world.services.training.trainModel('m');
    await world.whenIdle();
    await world.services.training.trainModel('m');
    await world.whenIdle();
    assert.equal((await world.services.models.getActiveModel())?.version, 2);

    // Version 1's vectors are gone, so the reembed job has every face to embed again.
    for (const [key, row] of world.db.tables.vectors) {
      if (row.modelId === (await world.services.models.getModel('m', 1)).id) {
        world.db.tables.vectors.delete(key);
      }
    }
    const job = await world.services.models.activateModel('m', 1);
    assert.equal(job.kind, 'reembed');
    assert.equal((await world.services.models.getActiveModel())?.version, 2, 'the switch waits for the job');
    await world.whenIdle();

    const done = await world.services.jobs.getJob(job.id);
    assert.equal(done.status, 'SUCCEEDED');
    assert.equal(done.result?.embedded, 4);
    assert.equal((await world.services.models.getActiveModel())?.version, 1);
  });

  it('model lifecycle errors', async () => {
    const world = createTestWorld();
    await enrol(world, 2, 2);
    await world.services.training.trainModel('m');
    await world.whenIdle();

    await rejectsWith(world.services.models.activateModel('nope', 1), 'NOT_FOUND', /No model "nope" version 1/);
    await rejectsWith(world.services.models.activateModel('m', 0), 'BAD_USER_INPUT');
    await rejectsWith(world.services.models.deleteModel('m', 1), 'CONFLICT', /is the active model, so it cannot be deleted/);

    world.engine.trainError = new Error('diverged');
    await world.services.training.trainModel('m');
    await world.whenIdle();
    await rejectsWith(world.services.models.activateModel('m', 2), 'MODEL_NOT_READY', /is FAILED, so it cannot be activated/);

    const deleted = await world.services.models.deleteModel('m', 2);
    assert.equal(deleted.version, 2);
    await rejectsWith(world.services.models.getModel('m', 2), 'NOT_FOUND');
  });

  it('listJobs filters and checks arguments', async () => {
    const world = createTestWorld();
    const train = await world.services.training.trainModel('m');
    await world.services.jobs.cancelJob(train.id);

    assert.deepEqual((await world.services.jobs.listJobs({ kind: 'train', status: 'CANCELLED' })).map((job) => job.id), [train.id]);
    assert.deepEqual(await world.services.jobs.listJobs({ kind: 'import' }), []);
    await rejectsWith(world.services.jobs.listJobs({}, { limit: 0 }), 'BAD_USER_INPUT');
    await rejectsWith(world.services.jobs.cancelJob('nope'), 'NOT_FOUND', /job ids are UUIDs/);
  });
});
