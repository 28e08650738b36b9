import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { fakeImage, identityVector } from './fakes/engine.js';
import { createTestWorld, type TestWorld } from './fakes/services.js';

/** Enrols two users with two images each; image j of user u shows identity `user-u-j`. */
async function enrolFour(world: TestWorld): Promise<void> {
  for (let u = 0; u < 2; u++) {
    const user = await world.services.users.createUser({ name: `user-${u}` });
    for (let i = 0; i < 2; i++) {
      await world.services.images.addImage(user.id, fakeImage(`user-${u}-${i}`));
    }
  }
}

/** Gives every stored face activations of another length, as an engine with other trunks stored them. */
function ageActivations(world: TestWorld): string[] {
  const ids: string[] = [];
  for (const [id, face] of world.db.tables.faces) {
    world.db.tables.faces.set(id, { ...face, activations: new Float32Array(7).fill(0.5) });
    ids.push(id);
  }
  return ids;
}

describe('activations stored by another engine version', () => {
  it('trainModel computes them again from the stored images', async () => {
    const world = createTestWorld();
    await enrolFour(world);
    const aged = ageActivations(world);
    const detectsBefore = world.engine.detectCalls.length;

    const job = await world.services.training.trainModel('m');
    await world.whenIdle();

    const done = await world.services.jobs.getJob(job.id);
    assert.equal(done.status, 'SUCCEEDED', String(done.error));
    assert.equal(world.engine.detectCalls.length - detectsBefore, 4, 'each stored image is detected again once');
    for (const sample of world.engine.trainCalls[0].samples) {
      assert.equal(sample.activations.length, world.engine.activationLength);
    }
    for (const id of aged) {
      const face = world.db.tables.faces.get(id)!;
      const image = world.db.tables.images.get(face.imageId)!;
      const identity = (JSON.parse(Buffer.from(image.bytes).toString('utf8')) as { faces: string[] }).faces[0];
      assert.deepEqual(face.activations, identityVector(identity), `face ${id} has its own identity's activations again`);
    }

    // Recomputing takes the first 0.1 of the job, then training starts there.
    const phases = world.db.progressWrites.filter((w) => w.jobId === job.id).map((w) => w.phase);
    assert.equal(phases[0], 'refreshing activations');
    const loading = world.db.progressWrites.find((w) => w.jobId === job.id && w.phase === 'loading')!;
    assert.equal(Number(loading.progress.toFixed(4)), 0.1);
  });

  it('activateModel computes them again before embedding', async () => {
    const world = createTestWorld();
    await enrolFour(world);
    await world.services.training.trainModel('m');
    await world.whenIdle();
    await world.services.training.trainModel('m');
    await world.whenIdle();
    world.db.tables.vectors.clear();
    ageActivations(world);

    const job = await world.services.models.activateModel('m', 1);
    await world.whenIdle();

    const done = await world.services.jobs.getJob(job.id);
    assert.equal(done.status, 'SUCCEEDED', String(done.error));
    assert.equal(done.result?.embedded, 4);
    for (const face of world.db.tables.faces.values()) {
      assert.equal(face.activations.length, world.engine.activationLength);
    }
  });

  it('a face no longer found fails the job and names the image', async () => {
    const world = createTestWorld();
    await enrolFour(world);
    ageActivations(world);
    const [firstImage] = world.db.tables.images.values();
    world.db.tables.images.set(firstImage.id, { ...firstImage, bytes: new Uint8Array(Buffer.from(JSON.stringify({ faces: [] }))) });

    const job = await world.services.training.trainModel('m');
    await world.whenIdle();

    const done = await world.services.jobs.getJob(job.id);
    assert.equal(done.status, 'FAILED');
    assert.match(String(done.error), new RegExp(`image ${firstImage.id} was not found in it again`));
    assert.match(String(done.error), new RegExp(`deleteImage\\(id: "${firstImage.id}"\\)`));
    assert.equal(await world.services.models.getActiveModel(), null, 'no model was activated');
  });
});
