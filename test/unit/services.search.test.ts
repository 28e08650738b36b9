import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { cosineSimilarity } from '../../src/services/search.service.js';
import { rejectsWith } from './fakes/assertions.js';
import { fakeImage, identityVector } from './fakes/engine.js';
import { createTestWorld, testConfig, type TestWorld } from './fakes/services.js';

/** Enrols alice (2 images), bob (2 images) and carol (1 image), then trains and activates model "m". */
async function enrolAndTrain(world: TestWorld): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const [name, images] of [['alice', ['alice', 'alice-b']], ['bob', ['bob', 'bob-b']], ['carol', ['carol']]] as const) {
    const user = await world.services.users.createUser({ name });
    ids[name] = user.id;
    for (const identity of images) {
      await world.services.images.addImage(user.id, fakeImage(identity));
    }
  }
  await world.services.training.trainModel('m');
  await world.whenIdle();
  return ids;
}

describe('search service', () => {
  it('raises MODEL_NOT_READY, saying to run trainModel, before any model is trained', async () => {
    const world = createTestWorld();

    await rejectsWith(world.services.search.faceVectors(fakeImage('alice')), 'MODEL_NOT_READY', /run trainModel/);
    await rejectsWith(world.services.search.similarFaces(fakeImage('alice'), 3, 'nope'), 'MODEL_NOT_READY', /Model "nope" has no READY version.*trainModel/);
  });

  it('faceVectors returns every face, largest first, with its 512-d vector', async () => {
    const world = createTestWorld();
    await enrolAndTrain(world);

    const faces = await world.services.search.faceVectors(fakeImage('bob', 'alice'));

    assert.equal(faces.length, 2);
    assert.deepEqual(faces.map((f) => f.box.width), [200, 180]);
    assert.equal(faces[0].vector.length, 512);
    assert.deepEqual(faces[0].vector, Array.from(identityVector('bob')));
    assert.deepEqual(faces[1].vector, Array.from(identityVector('alice')));
    assert.equal(faces[0].landmarks.length, 68);
  });

  it('returns an empty list, not an error, for an image without a face', async () => {
    const world = createTestWorld();
    await enrolAndTrain(world);

    assert.deepEqual(await world.services.search.faceVectors(fakeImage()), []);
    assert.deepEqual(await world.services.search.similarFaces(fakeImage()), []);
  });

  it('similarFaces returns the topK nearest faces with user, similarity = 1 - distance', async () => {
    const world = createTestWorld();
    const ids = await enrolAndTrain(world);

    const [face] = await world.services.search.similarFaces(fakeImage('alice'), 2);

    assert.equal(face.matches.length, 2);
    const [best, second] = face.matches;
    assert.equal(best.user.id, ids.alice);
    assert.equal(best.user.name, 'alice');
    assert.ok(Math.abs(best.distance) < 1e-6, `the same identity is at distance 0, got ${best.distance}`);
    assert.ok(Math.abs(best.similarity - 1) < 1e-6);
    assert.ok(Math.abs(second.similarity - (1 - second.distance)) < 1e-12);
    assert.ok(second.distance > best.distance);
    const image = world.db.tables.images.get(best.imageId)!;
    assert.equal(image.userId, ids.alice);
    assert.equal(world.db.tables.faces.get(best.faceId)!.imageId, best.imageId);
  });

  it('defaults topK to config.limits.defaultTopK and rejects 0 and values above maxTopK', async () => {
    const world = createTestWorld({ config: testConfig({}, { defaultTopK: 3, maxTopK: 4 }) });
    await enrolAndTrain(world);

    const [face] = await world.services.search.similarFaces(fakeImage('bob'));

    assert.equal(face.matches.length, 3);
    await rejectsWith(world.services.search.similarFaces(fakeImage('bob'), 0), 'BAD_USER_INPUT', /topK must be an integer from 1 to 4; got 0/);
    await rejectsWith(world.services.search.similarFaces(fakeImage('bob'), 5), 'BAD_USER_INPUT', /got 5/);
    await rejectsWith(world.services.search.similarFaces(fakeImage('bob'), 1.5), 'BAD_USER_INPUT');
  });

  it('similarFaces names known faces and flags unknown ones', async () => {
    const world = createTestWorld();
    const ids = await enrolAndTrain(world);

    const [known] = await world.services.search.similarFaces(fakeImage('alice'), 3);
    const [stranger] = await world.services.search.similarFaces(fakeImage('dave'), 3);

    // The default is the stricter calibrated threshold (0.1 % FAR, 0.75 in the fake model).
    assert.equal(known.threshold, 0.75);
    assert.equal(known.unknown, false);
    assert.equal(known.identity?.user.id, ids.alice);
    assert.equal(stranger.threshold, 0.75);
    assert.equal(stranger.unknown, true);
    assert.equal(stranger.identity, null);
    assert.equal(stranger.matches.length, 3, 'the nearest faces are still listed');
  });

  it('similarFaces thresholds: minSimilarity, acceptAt, bad values', async () => {
    const world = createTestWorld();
    await enrolAndTrain(world);
    const search = (match: object) => world.services.search.similarFaces(fakeImage('alice'), 1, null, match);

    assert.equal((await search({ acceptAt: 'FAR_1_PERCENT' }))[0].threshold, 0.6);
    assert.equal((await search({ acceptAt: 'FAR_0_1_PERCENT' }))[0].threshold, 0.75);
    const [lenient] = await search({ minSimilarity: -1 });
    assert.equal(lenient.threshold, -1);
    assert.equal(lenient.unknown, false);
    assert.notEqual(lenient.identity, null);
    await rejectsWith(search({ minSimilarity: 1.5 }), 'BAD_USER_INPUT', /minSimilarity must be a cosine similarity from -1 to 1/);
    await rejectsWith(search({ minSimilarity: 0.5, acceptAt: 'FAR_1_PERCENT' }), 'BAD_USER_INPUT', /either minSimilarity or acceptAt/);
  });

  it('similarFaces without any threshold leaves unknown null', async () => {
    const world = createTestWorld();
    world.engine.trainResult = { ...world.engine.trainResult, thresholds: { far1: null, far01: null } };
    await enrolAndTrain(world);

    const [face] = await world.services.search.similarFaces(fakeImage('alice'), 1);

    assert.equal(face.threshold, null);
    assert.equal(face.unknown, null);
    assert.equal(face.identity, null);
    await rejectsWith(world.services.search.similarFaces(fakeImage('alice'), 1, null, { acceptAt: 'FAR_1_PERCENT' }), 'BAD_USER_INPUT', /no calibrated threshold/);
  });

  it('verifyFaces compares the largest faces and matches at the model\'s far1 threshold', async () => {
    const world = createTestWorld();
    await enrolAndTrain(world);

    const same = await world.services.search.verifyFaces(fakeImage('alice', 'bob'), fakeImage('alice'));
    const different = await world.services.search.verifyFaces(fakeImage('alice'), fakeImage('bob'));

    assert.ok(Math.abs(same.similarity - 1) < 1e-6);
    assert.equal(same.match, true);
    assert.equal(same.threshold, 0.6);
    const expected = cosineSimilarity(identityVector('alice'), identityVector('bob'));
    assert.ok(Math.abs(different.similarity - expected) < 1e-6);
    assert.equal(different.match, expected >= 0.6);
    assert.equal(different.match, false);
  });

  it('verifyFaces returns match null when the model has no far1 threshold', async () => {
    const world = createTestWorld();
    world.engine.trainResult = { ...world.engine.trainResult, thresholds: { far1: null, far01: null } };
    await enrolAndTrain(world);

    const result = await world.services.search.verifyFaces(fakeImage('alice'), fakeImage('alice'));

    assert.equal(result.match, null);
    assert.equal(result.threshold, null);
  });

  it('verifyFaces raises NO_FACE naming the image without a face', async () => {
    const world = createTestWorld();
    await enrolAndTrain(world);

    await rejectsWith(world.services.search.verifyFaces(fakeImage('alice'), fakeImage()), 'NO_FACE', /imageB/);
    await rejectsWith(world.services.search.verifyFaces(fakeImage(), fakeImage('alice')), 'NO_FACE', /imageA/);
  });

  it('uses the named model when given', async () => {
    const world = createTestWorld();
    await enrolAndTrain(world);
    await world.services.training.trainModel('other');
    await world.whenIdle();

    await world.services.search.faceVectors(fakeImage('alice'), 'm');

    assert.match(world.engine.embedCalls.at(-1)!.model.path, /\/m\/v1-[0-9a-f]{8}$/);
  });
});

describe('models service', () => {
  it('getModel returns NOT_FOUND for an unknown name or version', async () => {
    const world = createTestWorld();
    await enrolAndTrain(world);

    assert.equal((await world.services.models.getModel('m')).version, 1);
    assert.equal((await world.services.models.getModel('m', 1)).status, 'READY');
    await rejectsWith(world.services.models.getModel('m', 2), 'NOT_FOUND', /"m" version 2/);
    await rejectsWith(world.services.models.getModel('x'), 'NOT_FOUND', /READY model named "x"/);
    await rejectsWith(world.services.models.getModel('m', 0), 'BAD_USER_INPUT');
  });
});

describe('cosineSimilarity', () => {
  it('stays within -1..1 despite rounding', () => {
    // A unit vector whose float64 dot product with itself comes out at 1.0000000000000002.
    const raw = Float32Array.from({ length: 512 }, (_, i) => Math.sin(i * 1.37 + 1));
    const norm = Math.hypot(...raw);
    const unit = raw.map((x) => x / norm);

    assert.equal(cosineSimilarity(unit, unit), 1);
    assert.equal(cosineSimilarity(unit, unit.map((x) => -x)), -1);
  });
});
