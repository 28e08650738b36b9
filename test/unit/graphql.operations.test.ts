import 'reflect-metadata';

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { fakeImage } from './fakes/engine.js';
import { createGraphQLHarness } from './fakes/graphql.js';
import { createTestWorld, testConfig, type TestWorld } from './fakes/services.js';

async function setup(world: TestWorld = createTestWorld()) {
  const harness = await createGraphQLHarness(world.services, world.logger);
  return { world, ...harness };
}

const ADD_IMAGE = `
  mutation Add($userId: ID!, $base64: String, $faceIndex: Int) {
    addImage(userId: $userId, image: { base64: $base64 }, faceIndex: $faceIndex) {
      id userId format face { id box { x y width height } score landmarks }
    }
  }`;

async function createUser(execute: Awaited<ReturnType<typeof setup>>['execute'], name: string): Promise<string> {
  const { data, errors } = await execute('mutation($input: CreateUserInput!) { createUser(input: $input) { id name externalId } }', {
    input: { name, externalId: null },
  });
  assert.equal(errors, undefined);
  return (data!.createUser as { id: string }).id;
}

describe('GraphQL operations', () => {
  it('creates, reads, lists, renames and deletes a user', async () => {
    const { execute } = await setup();

    const created = await execute('mutation { createUser(input: { name: "  Ada ", externalId: "e-1" }) { id name externalId createdAt } }');
    const user = created.data!.createUser as { id: string; name: string; externalId: string; createdAt: string };
    assert.equal(user.name, 'Ada');
    assert.equal(user.externalId, 'e-1');
    assert.match(user.createdAt, /^2026-01-01T00:00:00\.\d{3}Z$/);

    const read = await execute('query($id: ID!) { user(id: $id) { name images { id } } users(limit: 10) { id } }', { id: user.id });
    assert.deepEqual(read.data, { user: { name: 'Ada', images: [] }, users: [{ id: user.id }] });

    const renamed = await execute('mutation($id: ID!) { renameUser(id: $id, name: "Ada L.") { name } }', { id: user.id });
    assert.deepEqual(renamed.data, { renameUser: { name: 'Ada L.' } });

    const deleted = await execute('mutation($id: ID!) { deleteUser(id: $id) }', { id: user.id });
    assert.deepEqual(deleted.data, { deleteUser: true });
  });

  it('returns NOT_FOUND with the id for a wrong user id', async () => {
    const { execute } = await setup();

    for (const id of ['not-a-uuid', '6b1f8f0e-1111-4222-8333-444455556666']) {
      const { data, errors } = await execute('query($id: ID!) { user(id: $id) { id } }', { id });

      assert.equal(data, null);
      assert.equal(errors?.[0].extensions?.code, 'NOT_FOUND');
      assert.match(errors![0].message, new RegExp(`No user with id "${id}"`));
      assert.deepEqual(errors![0].path, ['user']);
    }
  });

  it('returns BAD_USER_INPUT for an empty name', async () => {
    const { execute } = await setup();

    const { errors } = await execute('mutation { createUser(input: { name: "  " }) { id } }');

    assert.equal(errors?.[0].extensions?.code, 'BAD_USER_INPUT');
    assert.match(errors![0].message, /name must not be empty/);
  });

  it('addImage returns the stored image with its face', async () => {
    const { execute, world } = await setup();
    const userId = await createUser(execute, 'Ada');

    const { data, errors } = await execute(ADD_IMAGE, { userId, base64: fakeImage('ada') });

    assert.equal(errors, undefined);
    const image = data!.addImage as { userId: string; format: string; face: { box: unknown; landmarks: number[][] } };
    assert.equal(image.userId, userId);
    assert.equal(image.format, 'png');
    assert.deepEqual(image.face.box, { x: 10, y: 20, width: 200, height: 200 });
    assert.deepEqual(image.face.landmarks[1], [11, 21]);
    assert.equal(world.db.tables.images.size, 1);
  });

  it('addImage with MULTIPLE_FACES or NO_FACE returns that code and stores nothing', async () => {
    const { execute, world } = await setup();
    const userId = await createUser(execute, 'Ada');

    const several = await execute(ADD_IMAGE, { userId, base64: fakeImage('ada', 'bob') });
    const none = await execute(ADD_IMAGE, { userId, base64: fakeImage() });

    assert.equal(several.errors?.[0].extensions?.code, 'MULTIPLE_FACES');
    assert.match(several.errors![0].message, /2 faces.*faceIndex/);
    assert.equal(several.errors![0].extensions?.faceCount, 2);
    assert.equal(none.errors?.[0].extensions?.code, 'NO_FACE');
    assert.equal(world.db.tables.images.size, 0);
    assert.equal(world.db.tables.faces.size, 0);
  });

  it('addImage with faceIndex enrols the chosen face', async () => {
    const { execute } = await setup();
    const userId = await createUser(execute, 'Ada');

    const { data } = await execute(ADD_IMAGE, { userId, base64: fakeImage('bob', 'ada'), faceIndex: 1 });

    assert.equal((data!.addImage as { face: { box: { width: number } } }).face.box.width, 180);
  });

  it('returns BAD_USER_INPUT when ImageInput has no base64', async () => {
    const { execute } = await setup();
    const userId = await createUser(execute, 'Ada');

    const { errors } = await execute('mutation($userId: ID!) { addImage(userId: $userId, image: {}) { id } }', { userId });

    assert.equal(errors?.[0].extensions?.code, 'BAD_USER_INPUT');
    assert.match(errors![0].message, /image\.base64 is missing/);
  });

  it('similarFaces rejects topK 0 and topK above the maximum with BAD_USER_INPUT', async () => {
    const world = createTestWorld({ config: testConfig({}, { maxTopK: 7 }) });
    const { execute } = await setup(world);
    const query = 'query($base64: String, $topK: Int) { similarFaces(image: { base64: $base64 }, topK: $topK) { score } }';

    for (const topK of [0, 8]) {
      const { errors } = await execute(query, { base64: fakeImage('ada'), topK });

      assert.equal(errors?.[0].extensions?.code, 'BAD_USER_INPUT', `topK ${topK}`);
      assert.match(errors![0].message, new RegExp(`topK must be an integer from 1 to 7; got ${topK}`));
    }
  });

  it('serves searches after training', async () => {
    const { execute, world } = await setup();
    const ids: Record<string, string> = {};
    for (const name of ['ada', 'bob']) {
      ids[name] = await createUser(execute, name);
      await execute(ADD_IMAGE, { userId: ids[name], base64: fakeImage(name) });
      await execute(ADD_IMAGE, { userId: ids[name], base64: fakeImage(`${name}-2`) });
    }

    const queued = await execute('mutation { trainModel(name: "m", options: { seed: 7 }) { id status progress modelName model { id } } }');
    const job = queued.data!.trainModel as { id: string; status: string; progress: number; model: null };
    assert.equal(job.status, 'QUEUED');
    assert.equal(job.model, null);
    await world.whenIdle();

    const polled = await execute('query($id: ID!) { trainingJob(id: $id) { status progress phase error model { name version status active thresholds { far1 far01 } metrics } } }', { id: job.id });
    assert.deepEqual(polled.data!.trainingJob, {
      status: 'SUCCEEDED', progress: 1, phase: 'done', error: null,
      model: { name: 'm', version: 1, status: 'READY', active: true, thresholds: { far1: 0.6, far01: 0.75 }, metrics: { accuracy: 0.97 } },
    });

    const similar = await execute('query($b: String) { similarFaces(image: { base64: $b }, topK: 1) { box { width } matches { user { id name } similarity distance } } }', { b: fakeImage('bob') });
    const [face] = similar.data!.similarFaces as Array<{ matches: Array<{ user: { id: string }; similarity: number; distance: number }> }>;
    assert.equal(face.matches.length, 1);
    assert.equal(face.matches[0].user.id, ids.bob);
    assert.ok(face.matches[0].similarity > 0.999);

    const vectors = await execute('query($b: String) { faceVector(image: { base64: $b }, model: "m") { vector score } }', { b: fakeImage('ada', 'bob') });
    const detected = vectors.data!.faceVector as Array<{ vector: number[] }>;
    assert.deepEqual(detected.map((d) => d.vector.length), [512, 512]);

    const verified = await execute('query($a: String, $b: String) { verifyFaces(imageA: { base64: $a }, imageB: { base64: $b }) { similarity match threshold } }', { a: fakeImage('ada'), b: fakeImage('ada') });
    assert.deepEqual({ ...(verified.data!.verifyFaces as object), similarity: undefined }, { similarity: undefined, match: true, threshold: 0.6 });

    const models = await execute('{ models { name version } activeModel { name } model(name: "m", version: 1) { version } trainingJobs { id } }');
    assert.deepEqual(models.data, { models: [{ name: 'm', version: 1 }], activeModel: { name: 'm' }, model: { version: 1 }, trainingJobs: [{ id: job.id }] });
  });

  it('returns MODEL_NOT_READY for searches before any training', async () => {
    const { execute } = await setup();

    const { errors } = await execute('query($b: String) { faceVector(image: { base64: $b }) { score } }', { b: fakeImage('ada') });

    assert.equal(errors?.[0].extensions?.code, 'MODEL_NOT_READY');
    assert.match(errors![0].message, /trainModel/);
  });

  it('removeImages returns the count and deleteImage returns true', async () => {
    const { execute } = await setup();
    const userId = await createUser(execute, 'Ada');
    const added = await execute(ADD_IMAGE, { userId, base64: fakeImage('ada-1') });
    await execute(ADD_IMAGE, { userId, base64: fakeImage('ada-2') });
    await execute(ADD_IMAGE, { userId, base64: fakeImage('ada-3') });

    const deleted = await execute('mutation($id: ID!) { deleteImage(id: $id) }', { id: (added.data!.addImage as { id: string }).id });
    const removed = await execute('mutation($userId: ID) { removeImages(userId: $userId) }', { userId });

    assert.deepEqual(deleted.data, { deleteImage: true });
    assert.deepEqual(removed.data, { removeImages: 2 });
  });

  it('removeImages rejects an explicit null userId', async () => {
    const { execute } = await setup();
    const userId = await createUser(execute, 'Ada');
    await execute(ADD_IMAGE, { userId, base64: fakeImage('ada-1') });

    const unset = await execute('mutation($userId: ID) { removeImages(userId: $userId) }', { userId: null });
    const omitted = await execute('mutation { removeImages }');

    assert.equal(unset.errors?.[0].extensions?.code, 'BAD_USER_INPUT');
    assert.deepEqual(omitted.data, { removeImages: 1 });
  });

  it('reports the engine and the database', async () => {
    const { execute } = await setup();

    const { data } = await execute('{ engineInfo { backend workers tensors } health { status database { kind ok } engine { ok } } }');

    assert.deepEqual(data, {
      engineInfo: { backend: 'cpu', workers: 2, tensors: 42 },
      health: { status: 'ok', database: { kind: 'pglite', ok: true }, engine: { ok: true } },
    });
  });
});
