import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';

import { resolveConfig } from '../../src/engine/mmdfr/config.js';
import { TRAIN_OPTION_RANGES } from '../../src/engine/types.js';
import { cleanTrainOptions } from '../../src/services/training.service.js';
import { rejectsWith } from './fakes/assertions.js';
import { fakeRepositories } from './fakes/database.js';
import { fakeImage } from './fakes/engine.js';
import { createTestWorld, type TestWorld } from './fakes/services.js';

/** Enrols `users` users with `perUser` images each. */
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

/** Creates a clock that advances `stepMs` on every read. */
function steppingClock(stepMs: number): () => number {
  let now = 0;
  return () => (now += stepMs);
}

describe('training service', () => {
  it('trains, embeds and activates in the background', async () => {
    const world = createTestWorld();
    const userIds = await enrol(world, 2, 2);

    const job = await world.services.training.trainModel('m', { branchEpochs: 3, seed: null });

    assert.equal(job.status, 'QUEUED');
    assert.equal(job.modelName, 'm');
    assert.deepEqual(job.payload, { branchEpochs: 3 });
    assert.equal(job.kind, 'train');
    await world.whenIdle();

    const done = await world.services.jobs.getJob(job.id);
    assert.equal(done.status, 'SUCCEEDED');
    assert.equal(done.progress, 1);
    assert.equal(done.error, null);
    const model = (await world.services.models.getActiveModel())!;
    assert.equal(done.modelId, model.id);
    assert.equal(model.status, 'READY');
    assert.equal(model.artifactPath, path.join('m', `v1-${model.id.slice(0, 8)}`));
    assert.deepEqual(model.thresholds, { far1: 0.6, far01: 0.75 });
    assert.deepEqual(model.metrics, { accuracy: 0.97 });

    const [request] = world.engine.trainCalls;
    assert.equal(request.outputDir, path.join(world.config.modelsDir, 'm', `v1-${model.id.slice(0, 8)}`));
    assert.deepEqual(request.options, { branchEpochs: 3 });
    assert.deepEqual(request.samples.map((s) => s.label).sort(), [userIds[0], userIds[0], userIds[1], userIds[1]].sort());
    assert.equal(await fakeRepositories(world.db).vectors.countByModel(model.id), 4);
  });

  it('embeds faces enrolled during training', async () => {
    const world = createTestWorld();
    const userIds = await enrol(world, 2, 2);
    let release!: () => void;
    world.engine.trainGate = new Promise((resolve) => (release = resolve));

    const job = await world.services.training.trainModel('m', {});
    await new Promise((resolve) => setImmediate(resolve));
    await world.services.images.addImage(userIds[0], fakeImage('enrolled-while-training'));
    release();
    await world.whenIdle();

    assert.equal((await world.services.jobs.getJob(job.id)).status, 'SUCCEEDED');
    const model = (await world.services.models.getActiveModel())!;
    assert.equal(await fakeRepositories(world.db).vectors.countByModel(model.id), 5);
  });

  it('embeds the stored faces in batches of 64', async () => {
    const world = createTestWorld();
    await enrol(world, 35, 2);

    await world.services.training.trainModel('m');
    await world.whenIdle();

    assert.deepEqual(world.engine.embedCalls.map((call) => call.count), [64, 6]);
    assert.equal(world.db.tables.vectors.size, 70);
  });

  it('maps training progress to 0..0.85 and embedding to 0.85..1, writing every phase change', async () => {
    const world = createTestWorld({ clock: () => 1000 });
    await enrol(world, 2, 2);

    await world.services.training.trainModel('m');
    await world.whenIdle();

    // The clock does not advance, so within a phase only the first report is written.
    assert.deepEqual(
      world.db.progressWrites.map(({ progress, phase }) => [Number(progress.toFixed(4)), phase]),
      [[0, 'loading'], [0.2125, 'branches'], [0.6375, 'autoencoder'], [0.85, 'embedding'], [1, 'embedding'], [1, 'done']],
    );
  });

  it('writes progress within a phase again once 500 ms have passed', async () => {
    const world = createTestWorld({ clock: steppingClock(600) });
    await enrol(world, 2, 2);

    await world.services.training.trainModel('m');
    await world.whenIdle();

    const branches = world.db.progressWrites.filter((w) => w.phase === 'branches').map((w) => w.progress);
    assert.deepEqual(branches.map((p) => Number(p.toFixed(4))), [0.2125, 0.425]);
  });

  it('rejects an invalid model name or option with BAD_USER_INPUT and creates no job', async () => {
    const world = createTestWorld();

    await rejectsWith(world.services.training.trainModel('-bad'), 'BAD_USER_INPUT', /Invalid model name "-bad"/);
    await rejectsWith(world.services.training.trainModel('a'.repeat(65)), 'BAD_USER_INPUT');
    await rejectsWith(world.services.training.trainModel('ok', { validationFraction: 0.9 }), 'BAD_USER_INPUT', /validationFraction/);
    await rejectsWith(world.services.training.trainModel('ok', { branchEpochs: 0 }), 'BAD_USER_INPUT', /branchEpochs/);
    await rejectsWith(world.services.training.trainModel('ok', { branchEpochs: 501 }), 'BAD_USER_INPUT', /options.branchEpochs must be an integer from 1 to 500; got 501/);
    await rejectsWith(world.services.training.trainModel('ok', { autoencoderEpochs: 201 }), 'BAD_USER_INPUT', /options.autoencoderEpochs must be an integer from 1 to 200; got 201/);
    assert.equal(world.db.tables.jobs.size, 0);
  });

  it('gives version 1 of two databases different folders', async () => {
    // Two databases (each a test world) share one models folder and both train "staff" version 1.
    const worlds = [createTestWorld(), createTestWorld()];
    const folders: string[] = [];
    for (const world of worlds) {
      await enrol(world, 2, 2);
      await world.services.training.trainModel('staff');
      await world.whenIdle();
      const model = (await world.services.models.getActiveModel())!;
      assert.equal(model.version, 1);
      folders.push(world.engine.trainCalls[0].outputDir);
    }

    assert.equal(worlds[0].config.modelsDir, worlds[1].config.modelsDir);
    assert.notEqual(folders[0], folders[1], 'the second training would overwrite the first one\'s files');
  });

  it('accepts exactly the option values the engine accepts', () => {
    for (const [key, { min, max }] of Object.entries(TRAIN_OPTION_RANGES)) {
      for (const value of [min, max]) {
        assert.doesNotThrow(() => resolveConfig(cleanTrainOptions({ [key]: value })), `${key} ${value}`);
      }
      const step = key === 'validationFraction' ? 0.01 : 1;
      for (const value of [min - step, max + step]) {
        assert.throws(() => cleanTrainOptions({ [key]: value }), new RegExp(`options.${key} must be`), `${key} ${value} rejected by the service`);
        assert.throws(() => resolveConfig({ [key]: value }), new RegExp(`${key} must be from`), `${key} ${value} rejected by the engine`);
      }
    }
  });

  it('fails on insufficient training data', async () => {
    const world = createTestWorld();
    await enrol(world, 1, 3);
    await enrol(world, 1, 1);

    const job = await world.services.training.trainModel('m');
    await world.whenIdle();

    const failed = await world.services.jobs.getJob(job.id);
    assert.equal(failed.status, 'FAILED');
    assert.match(failed.error ?? '', /at least 2 users with at least 2 face images each; found 1 such user\(s\) among 2 user\(s\) with 4 face\(s\)/);
    assert.equal(world.db.tables.models.size, 0);
    assert.equal(world.engine.trainCalls.length, 0);
  });

  it('keeps the previous model when training fails', async () => {
    const world = createTestWorld();
    await enrol(world, 2, 2);
    await world.services.training.trainModel('m');
    await world.whenIdle();
    const previous = (await world.services.models.getActiveModel())!;
    world.engine.trainError = new Error('out of memory in branch 2');

    const job = await world.services.training.trainModel('m');
    await world.whenIdle();

    const failed = await world.services.jobs.getJob(job.id);
    assert.equal(failed.status, 'FAILED');
    assert.equal(failed.error, 'TRAINING_FAILED: The engine failed to train the model: out of memory in branch 2');
    const v2 = [...world.db.tables.models.values()].find((m) => m.version === 2)!;
    assert.equal(v2.status, 'FAILED');
    assert.equal((await world.services.models.getActiveModel())!.id, previous.id);
    const logged = world.records.find((r) => r.msg === 'job failed');
    assert.equal(logged?.jobId, job.id);
  });

  it('marks the model FAILED when re-embedding fails after training', async () => {
    const world = createTestWorld();
    await enrol(world, 2, 2);
    world.engine.embedError = new Error('embedding worker died');

    const job = await world.services.training.trainModel('m');
    await world.whenIdle();

    assert.equal((await world.services.jobs.getJob(job.id)).error, 'TRAINING_FAILED: Embedding the stored faces with model m v1 failed: embedding worker died');
    assert.equal([...world.db.tables.models.values()][0].status, 'FAILED');
    assert.equal(await world.services.models.getActiveModel(), null);
  });

  it('runs jobs one at a time in the order they were queued', async () => {
    const world = createTestWorld();
    await enrol(world, 2, 2);
    let release!: () => void;
    world.engine.trainGate = new Promise((resolve) => (release = resolve));

    const first = await world.services.training.trainModel('first');
    const second = await world.services.training.trainModel('second');
    const idle = world.whenIdle();
    await new Promise((resolve) => setImmediate(resolve));

    assert.equal((await world.services.jobs.getJob(first.id)).status, 'RUNNING');
    assert.equal((await world.services.jobs.getJob(second.id)).status, 'QUEUED');
    release();
    await idle;

    assert.deepEqual(world.engine.trainCalls.map((c) => path.basename(path.dirname(c.outputDir))), ['first', 'second']);
    assert.equal((await world.services.models.getActiveModel())!.name, 'second');
  });

  it('cancelJob ends a queued job at once', async () => {
    const world = createTestWorld();
    await enrol(world, 2, 2);
    const job = await world.services.training.trainModel('m');

    const cancelled = await world.services.jobs.cancelJob(job.id);
    await world.whenIdle();

    assert.equal(cancelled.status, 'CANCELLED');
    assert.match(cancelled.error ?? '', /^CANCELLED: /);
    assert.equal(world.engine.trainCalls.length, 0);
    assert.equal(world.db.tables.models.size, 0);
  });

  it('cancelJob of an ended job is CONFLICT', async () => {
    const world = createTestWorld();
    await enrol(world, 2, 2);
    const job = await world.services.training.trainModel('m');
    await world.whenIdle();

    await rejectsWith(world.services.jobs.cancelJob(job.id), 'CONFLICT', /already ended with status SUCCEEDED; only QUEUED or RUNNING jobs can be cancelled/);
  });

  it('worker stop puts a running job back in the queue', async () => {
    const world = createTestWorld();
    await enrol(world, 2, 2);
    let release!: () => void;
    world.engine.trainGate = new Promise((resolve) => (release = resolve));
    const job = await world.services.training.trainModel('m');
    const drained = world.worker.drain();
    await new Promise((resolve) => setImmediate(resolve));

    await world.worker.stop(10);
    release();
    await drained;

    const requeued = await world.services.jobs.getJob(job.id);
    assert.equal(requeued.status, 'QUEUED');
    assert.equal(requeued.attempts, 0, 'a graceful stop does not count as an attempt');
    assert.equal(await world.services.models.getActiveModel(), null, 'the interrupted version is not activated');
  });

  it('getJob returns NOT_FOUND for a malformed or unknown id', async () => {
    const world = createTestWorld();

    await rejectsWith(world.services.jobs.getJob('nope'), 'NOT_FOUND', /job ids are UUIDs/);
    await rejectsWith(world.services.jobs.getJob('7f1c2a9e-3b4d-4c5e-8f60-718293a4b5c6'), 'NOT_FOUND');
  });
});
