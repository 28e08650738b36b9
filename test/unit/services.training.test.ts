import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';

import { INTERRUPTED_MESSAGE } from '../../src/services/training.service.js';
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
    assert.deepEqual(job.options, { branchEpochs: 3 });
    await world.services.training.whenIdle();

    const done = await world.services.training.getTrainingJob(job.id);
    assert.equal(done.status, 'SUCCEEDED');
    assert.equal(done.progress, 1);
    assert.equal(done.error, null);
    const model = (await world.services.models.getActiveModel())!;
    assert.equal(done.modelId, model.id);
    assert.equal(model.status, 'READY');
    assert.equal(model.artifactPath, path.join('m', 'v1'));
    assert.deepEqual(model.thresholds, { far1: 0.6, far01: 0.75 });
    assert.deepEqual(model.metrics, { accuracy: 0.97 });

    const [request] = world.engine.trainCalls;
    assert.equal(request.outputDir, path.join(world.config.modelsDir, 'm', 'v1'));
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
    await world.services.training.whenIdle();

    assert.equal((await world.services.training.getTrainingJob(job.id)).status, 'SUCCEEDED');
    const model = (await world.services.models.getActiveModel())!;
    assert.equal(await fakeRepositories(world.db).vectors.countByModel(model.id), 5);
  });

  it('embeds the stored faces in batches of 64', async () => {
    const world = createTestWorld();
    await enrol(world, 35, 2);

    await world.services.training.trainModel('m');
    await world.services.training.whenIdle();

    assert.deepEqual(world.engine.embedCalls.map((call) => call.count), [64, 6]);
    assert.equal(world.db.tables.vectors.size, 70);
  });

  it('maps training progress to 0..0.85 and embedding to 0.85..1, writing every phase change', async () => {
    const world = createTestWorld({ clock: () => 1000 });
    await enrol(world, 2, 2);

    await world.services.training.trainModel('m');
    await world.services.training.whenIdle();

    // The clock does not advance, so within a phase only the first report is written.
    assert.deepEqual(
      world.db.progressWrites.map(({ progress, phase }) => [Number(progress.toFixed(4)), phase]),
      [[0, 'loading'], [0.2125, 'branches'], [0.6375, 'autoencoder'], [0.85, 'embedding'], [1, 'done']],
    );
  });

  it('writes progress within a phase again once 500 ms have passed', async () => {
    const world = createTestWorld({ clock: steppingClock(600) });
    await enrol(world, 2, 2);

    await world.services.training.trainModel('m');
    await world.services.training.whenIdle();

    const branches = world.db.progressWrites.filter((w) => w.phase === 'branches').map((w) => w.progress);
    assert.deepEqual(branches.map((p) => Number(p.toFixed(4))), [0.2125, 0.425]);
  });

  it('rejects an invalid model name or option with BAD_USER_INPUT and creates no job', async () => {
    const world = createTestWorld();

    await rejectsWith(world.services.training.trainModel('-bad'), 'BAD_USER_INPUT', /Invalid model name "-bad"/);
    await rejectsWith(world.services.training.trainModel('a'.repeat(65)), 'BAD_USER_INPUT');
    await rejectsWith(world.services.training.trainModel('ok', { validationFraction: 0.9 }), 'BAD_USER_INPUT', /validationFraction/);
    await rejectsWith(world.services.training.trainModel('ok', { branchEpochs: 0 }), 'BAD_USER_INPUT', /branchEpochs/);
    assert.equal(world.db.tables.jobs.size, 0);
  });

  it('fails on insufficient training data', async () => {
    const world = createTestWorld();
    await enrol(world, 1, 3);
    await enrol(world, 1, 1);

    const job = await world.services.training.trainModel('m');
    await world.services.training.whenIdle();

    const failed = await world.services.training.getTrainingJob(job.id);
    assert.equal(failed.status, 'FAILED');
    assert.match(failed.error ?? '', /at least 2 users with at least 2 face images each; found 1 such user\(s\) among 2 user\(s\) with 4 face\(s\)/);
    assert.equal(world.db.tables.models.size, 0);
    assert.equal(world.engine.trainCalls.length, 0);
  });

  it('keeps the previous model when training fails', async () => {
    const world = createTestWorld();
    await enrol(world, 2, 2);
    await world.services.training.trainModel('m');
    await world.services.training.whenIdle();
    const previous = (await world.services.models.getActiveModel())!;
    world.engine.trainError = new Error('out of memory in branch 2');

    const job = await world.services.training.trainModel('m');
    await world.services.training.whenIdle();

    const failed = await world.services.training.getTrainingJob(job.id);
    assert.equal(failed.status, 'FAILED');
    assert.equal(failed.error, 'TRAINING_FAILED: The engine failed to train the model: out of memory in branch 2');
    const v2 = [...world.db.tables.models.values()].find((m) => m.version === 2)!;
    assert.equal(v2.status, 'FAILED');
    assert.equal((await world.services.models.getActiveModel())!.id, previous.id);
    const logged = world.records.find((r) => r.msg === 'training job failed');
    assert.equal(logged?.jobId, job.id);
  });

  it('marks the model FAILED when re-embedding fails after training', async () => {
    const world = createTestWorld();
    await enrol(world, 2, 2);
    world.engine.embedError = new Error('embedding worker died');

    const job = await world.services.training.trainModel('m');
    await world.services.training.whenIdle();

    assert.equal((await world.services.training.getTrainingJob(job.id)).error, 'TRAINING_FAILED: Re-embedding the stored faces with the new model failed: embedding worker died');
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
    await new Promise((resolve) => setImmediate(resolve));

    assert.equal((await world.services.training.getTrainingJob(first.id)).status, 'RUNNING');
    assert.equal((await world.services.training.getTrainingJob(second.id)).status, 'QUEUED');
    release();
    await world.services.training.whenIdle();

    assert.deepEqual(world.engine.trainCalls.map((c) => path.basename(path.dirname(c.outputDir))), ['first', 'second']);
    assert.equal((await world.services.models.getActiveModel())!.name, 'second');
  });

  it('marks jobs and models a previous process left unfinished as FAILED', async () => {
    const world = createTestWorld();
    const repos = fakeRepositories(world.db);
    const queued = await repos.jobs.create('a', {});
    const running = await repos.jobs.create('b', {});
    await repos.jobs.markRunning(running.id);
    const finished = await repos.jobs.create('c', {});
    await repos.jobs.markFinished(finished.id, 'SUCCEEDED', {});
    const model = await repos.models.createVersion('b', {});

    assert.equal(await world.services.training.failInterruptedJobs(), 2);

    for (const id of [queued.id, running.id]) {
      const job = (await repos.jobs.get(id))!;
      assert.equal(job.status, 'FAILED');
      assert.equal(job.error, INTERRUPTED_MESSAGE);
    }
    assert.equal((await repos.jobs.get(finished.id))!.status, 'SUCCEEDED');
    assert.equal((await repos.models.get(model.id))!.status, 'FAILED');
  });

  it('stop marks queued jobs FAILED and takes no new ones', async () => {
    const world = createTestWorld();
    await enrol(world, 2, 2);
    let release!: () => void;
    world.engine.trainGate = new Promise((resolve) => (release = resolve));
    const running = await world.services.training.trainModel('first');
    const queued = await world.services.training.trainModel('second');

    const stopped = world.services.training.stop(5_000);
    release();
    await stopped;

    assert.equal((await world.services.training.getTrainingJob(running.id)).status, 'SUCCEEDED');
    const dropped = await world.services.training.getTrainingJob(queued.id);
    assert.equal(dropped.status, 'FAILED');
    assert.equal(dropped.error, INTERRUPTED_MESSAGE);
    const jobsBefore = world.db.tables.jobs.size;
    await assert.rejects(world.services.training.trainModel('third'), /shutting down/);
    assert.equal(world.db.tables.jobs.size, jobsBefore, 'no job row for a rejected trainModel');
  });

  it('getTrainingJob returns NOT_FOUND for a malformed or unknown id', async () => {
    const world = createTestWorld();

    await rejectsWith(world.services.training.getTrainingJob('nope'), 'NOT_FOUND', /training job ids are UUIDs/);
    await rejectsWith(world.services.training.getTrainingJob('7f1c2a9e-3b4d-4c5e-8f60-718293a4b5c6'), 'NOT_FOUND');
  });
});
