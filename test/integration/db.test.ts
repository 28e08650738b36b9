import assert from 'node:assert/strict';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, before, beforeEach, describe, it } from 'node:test';

import { openDatabase, repositories, type Database, type Repositories } from '../../src/db/index.js';
import { findMigrationsDir } from '../../src/db/migrations-dir.js';
import { readMigrations } from '../../src/db/migrations.js';
import { EMBEDDING_DIMENSIONS, SEARCH_INDEX, explainSearch } from '../../src/db/repositories/face-vectors.repository.js';
import type { StoredFace } from '../../src/domain.js';
import { ErrorCode, FacematchError } from '../../src/errors.js';
import { pgliteBackend, silentLogger, socketBackend, type Backend } from './db/backends.js';
import { clearTables, countRows, enrol, newFace, newImage } from './db/fixtures.js';
import { clusteredVectors, cosineDistance, randomVector, seededRandom } from './db/random.js';

/** Asserts that `promise` rejects with a FacematchError of `code`. */
async function rejectsWithCode(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof FacematchError, `expected a FacematchError, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  });
}

async function schemaMigrations(db: Database): Promise<{ version: number; name: string; applied_at: Date }[]> {
  const { rows } = await db.query<{ version: number; name: string; applied_at: Date }>(
    'SELECT version, name, applied_at FROM schema_migrations ORDER BY version',
  );
  return rows;
}

/** Defines the repository tests against the Database that `start` opens; it runs once per backend. */
function repositorySuite(start: () => Promise<Backend>): void {
  let backend: Backend;
  let db: Database;
  let repos: Repositories;

  before(async () => {
    backend = await start();
    db = await backend.open();
    repos = repositories(db);
  });

  after(async () => {
    await db?.close();
    await backend?.stop();
  });

  describe('records', () => {
    beforeEach(() => clearTables(db));

    it('migrations are recorded', async () => {
      const files = await readMigrations(await findMigrationsDir());
      const recorded = await schemaMigrations(db);

      assert.ok(files.length >= 1);
      assert.deepEqual(
        recorded.map(({ version, name }) => ({ version, name })),
        files.map(({ version, name }) => ({ version, name })),
      );
      assert.ok(recorded.every((row) => row.applied_at instanceof Date));
    });

    it('user round trip', async () => {
      const created = await repos.users.create({ name: 'Ada Lovelace', externalId: 'crm-42' });
      const anonymous = await repos.users.create({ name: 'No External Id', externalId: null });

      assert.match(created.id, /^[0-9a-f-]{36}$/);
      assert.equal(created.name, 'Ada Lovelace');
      assert.equal(created.externalId, 'crm-42');
      assert.ok(created.createdAt instanceof Date);
      assert.ok(Math.abs(created.createdAt.getTime() - Date.now()) < 60_000);
      assert.deepEqual(await repos.users.get(created.id), created);
      assert.deepEqual(await repos.users.get(anonymous.id), anonymous);
      assert.equal(anonymous.externalId, null);

      // Listed by creation time, then id. Users created within the clock's resolution tie on
      // time, so the test checks the order's properties rather than insertion order.
      const listed = await repos.users.list({ limit: 10, offset: 0 });
      assert.deepEqual([...listed].sort((a, b) => a.id.localeCompare(b.id)), [created, anonymous].sort((a, b) => a.id.localeCompare(b.id)));
      assert.ok(listed[0].createdAt.getTime() <= listed[1].createdAt.getTime(), 'oldest first');
      assert.deepEqual(await repos.users.list({ limit: 1, offset: 1 }), [listed[1]]);

      const renamed = await repos.users.rename(created.id, 'Augusta Ada King');
      assert.equal(renamed?.name, 'Augusta Ada King');
      assert.equal((await repos.users.get(created.id))?.name, 'Augusta Ada King');
    });

    it('user lookups of missing ids', async () => {
      assert.equal(await repos.users.get('00000000-0000-4000-8000-000000000000'), null);
      assert.equal(await repos.users.get('not-a-uuid'), null);
      assert.equal(await repos.users.delete('00000000-0000-4000-8000-000000000000'), false);
      assert.equal(await repos.users.delete('not-a-uuid'), false);
    });

    it('duplicate externalId is CONFLICT', async () => {
      await repos.users.create({ name: 'First', externalId: 'same' });

      await rejectsWithCode(repos.users.create({ name: 'Second', externalId: 'same' }), ErrorCode.CONFLICT);

      // NULL is not a value, so any number of users may have none.
      await repos.users.create({ name: 'Third', externalId: null });
      await repos.users.create({ name: 'Fourth', externalId: null });
      assert.equal((await countRows(db)).users, 3);
    });

    it('image round trip', async () => {
      const user = await repos.users.create({ name: 'Owner', externalId: null });
      const input = newImage(user.id, 3000);

      const image = await repos.images.insert(input);

      assert.equal(image.userId, user.id);
      assert.equal(image.sha256, input.sha256);
      assert.equal(image.format, 'jpeg');
      assert.equal(image.width, 640);
      assert.equal(image.height, 480);
      assert.equal(image.byteSize, 3000);
      assert.ok(image.createdAt instanceof Date);
      assert.deepEqual(await repos.images.get(image.id), image);
      assert.deepEqual(await repos.images.findBySha256(user.id, input.sha256), image);
      assert.equal(await repos.images.findBySha256(user.id, 'f'.repeat(64)), null);
      assert.deepEqual(await repos.images.listByUser(user.id), [image]);
      assert.equal(await repos.images.count(), 1);

      const { rows } = await db.query<{ bytes: Uint8Array }>('SELECT bytes FROM images WHERE id = $1', [image.id]);
      assert.ok(Buffer.from(rows[0].bytes).equals(input.bytes), 'stored bytes differ from the input');
    });

    it('image of a missing user is NOT_FOUND', async () => {
      await rejectsWithCode(repos.images.insert(newImage('00000000-0000-4000-8000-000000000000')), ErrorCode.NOT_FOUND);
    });

    it('same photo once per user', async () => {
      const first = await repos.users.create({ name: 'First', externalId: null });
      const second = await repos.users.create({ name: 'Second', externalId: null });
      const input = newImage(first.id);
      await repos.images.insert(input);

      await rejectsWithCode(repos.images.insert(input), ErrorCode.CONFLICT);

      // Another user may store the same bytes.
      const copy = await repos.images.insert({ ...input, userId: second.id });
      assert.equal(copy.sha256, input.sha256);
      assert.equal(await repos.images.count(), 2);
    });

    it('face round trip', async () => {
      const user = await repos.users.create({ name: 'Owner', externalId: null });
      const image = await repos.images.insert(newImage(user.id));
      // A view at a byte offset inside a larger buffer, with values float32 stores exactly,
      // plus -0 and a subnormal.
      const backing = new Float32Array(2000).map((_, i) => Math.fround(Math.sin(i) * 1000));
      backing[5] = -0;
      backing[6] = 1e-40;
      const activations = backing.subarray(3, 1003);
      const input = newFace(image.id, activations);

      const face = await repos.faces.insert(input);
      const again = await repos.faces.insert(newFace(image.id));

      assert.equal(face.imageId, image.id);
      assert.deepEqual(face.box, input.box);
      assert.deepEqual(face.landmarks, input.landmarks);
      assert.equal(face.score, input.score);
      assert.ok(face.createdAt instanceof Date);
      // Ordered by creation time, then id; two inserts can fall within the clock's resolution.
      const byId = (list: Array<{ id: string }>) => [...list].sort((a, b) => a.id.localeCompare(b.id));
      assert.deepEqual(byId(await repos.faces.listByImage(image.id)), byId([face, again]));
      assert.equal(await repos.faces.count(), 2);

      const training = await repos.faces.listForTraining();
      const stored = training.find((entry) => entry.faceId === face.id);
      assert.ok(stored !== undefined);
      assert.equal(stored.userId, user.id);
      assert.equal(stored.activations.length, 1000);
      assert.deepEqual(stored.activations, Float32Array.from(activations));
      assert.ok(Object.is(stored.activations[2], -0), '-0 lost its sign');
      // Small bytea values come back as slices of Node's shared Buffer pool, at arbitrary offsets.
      const small = training.find((entry) => entry.faceId === again.id);
      assert.deepEqual(small?.activations, newFace(image.id).activations);
      assert.deepEqual(
        training.map((entry) => entry.faceId),
        [face.id, again.id].sort(),
      );

      // Only faces without a vector from that model are listed for embedding.
      const model = await repos.models.createVersion('missing-vectors', {});
      assert.deepEqual((await repos.faces.listWithoutVector(model.id)).map((entry) => entry.faceId), [face.id, again.id].sort());
      await repos.vectors.upsert(face.id, model.id, randomVector(Math.random, EMBEDDING_DIMENSIONS));
      assert.deepEqual((await repos.faces.listWithoutVector(model.id)).map((entry) => entry.faceId), [again.id]);
      assert.deepEqual(await repos.faces.listWithoutVector('not-a-uuid'), []);
    });

    it('face of a missing image is NOT_FOUND', async () => {
      await rejectsWithCode(repos.faces.insert(newFace('00000000-0000-4000-8000-000000000000')), ErrorCode.NOT_FOUND);
    });

    it('user delete cascades', async () => {
      const model = await repos.models.createVersion('cascade', {});
      const doomed = await enrol(repos, 'Doomed', 2);
      const kept = await enrol(repos, 'Kept', 3);
      for (const face of [...doomed.faces, ...kept.faces]) {
        await repos.vectors.upsert(face.id, model.id, randomVector(Math.random, EMBEDDING_DIMENSIONS));
      }
      assert.deepEqual(await countRows(db), { face_vectors: 5, faces: 5, import_images: 0, images: 5, jobs: 0, workers: 0, models: 1, users: 2 });

      assert.equal(await repos.users.delete(doomed.user.id), true);

      assert.deepEqual(await countRows(db), { face_vectors: 3, faces: 3, import_images: 0, images: 3, jobs: 0, workers: 0, models: 1, users: 1 });
      assert.equal(await repos.users.get(doomed.user.id), null);
      assert.deepEqual(await repos.images.listByUser(doomed.user.id), []);
      assert.equal((await repos.images.listByUser(kept.user.id)).length, 3);
      assert.equal(await repos.vectors.countByModel(model.id), 3);
    });

    it('deleteByUser of one user', async () => {
      const model = await repos.models.createVersion('delete', {});
      const first = await enrol(repos, 'First', 2);
      const second = await enrol(repos, 'Second', 1);
      for (const face of [...first.faces, ...second.faces]) {
        await repos.vectors.upsert(face.id, model.id, randomVector(Math.random, EMBEDDING_DIMENSIONS));
      }

      assert.equal(await repos.images.deleteByUser(first.user.id), 2);

      assert.deepEqual(await countRows(db), { face_vectors: 1, faces: 1, import_images: 0, images: 1, jobs: 0, workers: 0, models: 1, users: 2 });
      assert.equal((await repos.images.listByUser(second.user.id)).length, 1);
      assert.equal(await repos.images.deleteByUser('not-a-uuid'), 0);
    });

    it('deleteByUser(null) deletes all', async () => {
      const model = await repos.models.createVersion('delete-all', {});
      const first = await enrol(repos, 'First', 2);
      const second = await enrol(repos, 'Second', 3);
      for (const face of [...first.faces, ...second.faces]) {
        await repos.vectors.upsert(face.id, model.id, randomVector(Math.random, EMBEDDING_DIMENSIONS));
      }

      assert.equal(await repos.images.deleteByUser(null), 5);

      // Users and models stay. Images, faces and vectors are gone.
      assert.deepEqual(await countRows(db), { face_vectors: 0, faces: 0, import_images: 0, images: 0, jobs: 0, workers: 0, models: 1, users: 2 });
    });

    it('image delete cascades', async () => {
      const model = await repos.models.createVersion('image-delete', {});
      const enrolment = await enrol(repos, 'Owner', 2);
      await repos.vectors.upsert(enrolment.faces[0].id, model.id, randomVector(Math.random, EMBEDDING_DIMENSIONS));
      const images = repos.images;

      assert.equal(await images.delete(enrolment.images[0].id), true);
      assert.equal(await images.delete(enrolment.images[0].id), false);

      assert.deepEqual(await countRows(db), { face_vectors: 0, faces: 1, import_images: 0, images: 1, jobs: 0, workers: 0, models: 1, users: 1 });
    });

    it('failed transaction leaves nothing', async () => {
      const failure = new Error('stop after the inserts');

      await assert.rejects(
        db.transaction(async (tx) => {
          const txRepos = repositories(tx);
          const user = await txRepos.users.create({ name: 'Rolled back', externalId: 'gone' });
          const image = await txRepos.images.insert(newImage(user.id));
          await txRepos.faces.insert(newFace(image.id));
          await txRepos.jobs.create({ kind: 'train', modelName: 'rolled-back', payload: {}, maxAttempts: 1 });
          throw failure;
        }),
        (error) => error === failure,
      );

      // A statement that fails inside the transaction rolls it back too.
      await assert.rejects(
        db.transaction(async (tx) => {
          const txRepos = repositories(tx);
          await txRepos.users.create({ name: 'Also rolled back', externalId: 'dup' });
          await txRepos.users.create({ name: 'Duplicate', externalId: 'dup' });
        }),
        (error) => error instanceof FacematchError && error.code === ErrorCode.CONFLICT,
      );

      assert.deepEqual(await countRows(db), { face_vectors: 0, faces: 0, import_images: 0, images: 0, jobs: 0, workers: 0, models: 0, users: 0 });

      // The connection is usable afterwards, and the externalId is free again.
      const user = await repos.users.create({ name: 'After', externalId: 'gone' });
      assert.equal(user.externalId, 'gone');
    });

    it('transaction commits and returns', async () => {
      const userId = await db.transaction(async (tx) => {
        const txRepos = repositories(tx);
        const user = await txRepos.users.create({ name: 'Committed', externalId: null });
        await txRepos.images.insert(newImage(user.id));
        return user.id;
      });

      assert.equal((await repos.images.listByUser(userId)).length, 1);
    });

    it('model versions per name', async () => {
      const first = await repos.models.createVersion('mmdfr', { epochs: 3, layers: [512, 256] });
      const second = await repos.models.createVersion('mmdfr', { epochs: 5 });
      const other = await repos.models.createVersion('baseline', {});
      // Concurrent calls still get distinct, consecutive versions.
      const concurrent = await Promise.all([1, 2, 3].map(() => repos.models.createVersion('mmdfr', {})));

      assert.equal(first.version, 1);
      assert.equal(second.version, 2);
      assert.equal(other.version, 1);
      assert.deepEqual(concurrent.map((model) => model.version).sort(), [3, 4, 5]);
      assert.equal(first.name, 'mmdfr');
      assert.equal(first.status, 'TRAINING');
      assert.equal(first.active, false);
      assert.deepEqual(first.config, { epochs: 3, layers: [512, 256] });
      assert.deepEqual(first.metrics, {});
      assert.deepEqual(first.thresholds, { far1: null, far01: null });
      assert.equal(first.artifactPath, null);
      assert.ok(first.createdAt instanceof Date);
      assert.deepEqual(await repos.models.get(first.id), first);
      assert.equal((await repos.models.list()).length, 6);

      // A deleted version's number is not given again.
      const latest = concurrent.find((model) => model.version === 5)!;
      assert.equal(await repos.models.delete(latest.id), true);
      assert.equal((await repos.models.createVersion('mmdfr', {})).version, 6);
    });

    it('model status changes', async () => {
      const first = await repos.models.createVersion('mmdfr', {});
      const second = await repos.models.createVersion('mmdfr', {});
      const third = await repos.models.createVersion('mmdfr', {});

      const ready = await repos.models.markReady(first.id, {
        config: { branchUnits: 512 },
        metrics: { accuracy: 0.97, pairs: 1200 },
        thresholds: { far1: 0.41, far01: null },
        artifactPath: 'mmdfr-v1',
      });
      await repos.models.markReady(second.id, { config: {}, metrics: {}, thresholds: { far1: 0.5, far01: 0.6 }, artifactPath: 'mmdfr-v2' });
      await repos.models.markFailed(third.id);

      assert.equal(ready.status, 'READY');
      assert.deepEqual(ready.config, { branchUnits: 512 });
      assert.deepEqual(ready.metrics, { accuracy: 0.97, pairs: 1200 });
      assert.deepEqual(ready.thresholds, { far1: 0.41, far01: null });
      assert.equal(ready.artifactPath, 'mmdfr-v1');
      assert.deepEqual(await repos.models.get(first.id), ready);
      assert.equal((await repos.models.get(third.id))?.status, 'FAILED');

      // Without a version: the newest READY one, skipping the newer FAILED version 3.
      assert.equal((await repos.models.getByName('mmdfr'))?.id, second.id);
      assert.equal((await repos.models.getByName('mmdfr', 3))?.id, third.id);
      assert.equal(await repos.models.getByName('mmdfr', 9), null);
      assert.equal(await repos.models.getByName('unknown'), null);

      await repos.models.setStatus(second.id, 'FAILED');
      assert.equal((await repos.models.getByName('mmdfr'))?.id, first.id);

      const missing = '00000000-0000-4000-8000-000000000000';
      await rejectsWithCode(repos.models.setStatus(missing, 'READY'), ErrorCode.NOT_FOUND);
      await rejectsWithCode(repos.models.markFailed(missing), ErrorCode.NOT_FOUND);
      assert.equal(await repos.models.get(missing), null);
    });

    it('activate leaves one active model', async () => {
      const models = await Promise.all(['a', 'b', 'c'].map((name) => repos.models.createVersion(name, {})));
      const activeCount = async () =>
        (await db.query<{ count: number }>('SELECT count(*)::int AS count FROM models WHERE active')).rows[0].count;
      assert.equal(await repos.models.getActive(), null);

      for (const model of models) {
        await repos.models.activate(model.id);
        assert.equal(await activeCount(), 1);
        assert.equal((await repos.models.getActive())?.id, model.id);
      }

      // Activating the active model again keeps it.
      await repos.models.activate(models[2].id);
      assert.equal((await repos.models.getActive())?.id, models[2].id);

      // An unknown id changes nothing.
      await rejectsWithCode(repos.models.activate('00000000-0000-4000-8000-000000000000'), ErrorCode.NOT_FOUND);
      assert.equal((await repos.models.getActive())?.id, models[2].id);

      await Promise.all(models.map((model) => repos.models.activate(model.id)));
      assert.equal(await activeCount(), 1);
      assert.equal((await repos.models.list()).filter((model) => model.active).length, 1);

      // A failed model is no longer active.
      const active = await repos.models.getActive();
      await repos.models.markFailed(active!.id);
      assert.equal(await repos.models.getActive(), null);
    });

    it('vector upsert replaces', async () => {
      const model = await repos.models.createVersion('upsert', {});
      const { faces, user, images } = await enrol(repos, 'Owner', 1);
      const random = seededRandom(7);
      const old = randomVector(random, EMBEDDING_DIMENSIONS);
      const replacement = randomVector(random, EMBEDDING_DIMENSIONS);

      await repos.vectors.upsert(faces[0].id, model.id, old);
      await repos.vectors.upsert(faces[0].id, model.id, replacement);

      assert.equal(await repos.vectors.countByModel(model.id), 1);
      const [hit] = await repos.vectors.search(model.id, replacement, 1);
      assert.equal(hit.faceId, faces[0].id);
      assert.equal(hit.imageId, images[0].id);
      assert.equal(hit.userId, user.id);
      assert.ok(Math.abs(hit.distance) < 1e-6, `distance ${hit.distance}`);
    });

    it('vector argument errors', async () => {
      const model = await repos.models.createVersion('errors', {});
      const { faces } = await enrol(repos, 'Owner', 1);
      const vector = randomVector(seededRandom(3), EMBEDDING_DIMENSIONS);

      await rejectsWithCode(repos.vectors.upsert('00000000-0000-4000-8000-000000000000', model.id, vector), ErrorCode.NOT_FOUND);
      await rejectsWithCode(repos.vectors.upsert(faces[0].id, '00000000-0000-4000-8000-000000000000', vector), ErrorCode.NOT_FOUND);
      await assert.rejects(repos.vectors.upsert(faces[0].id, model.id, new Float32Array(511).fill(1)), RangeError);
      await assert.rejects(repos.vectors.upsert(faces[0].id, model.id, new Float32Array(512)), RangeError);
      await assert.rejects(repos.vectors.search(model.id, vector, 0), RangeError);
      await assert.rejects(repos.vectors.search(model.id, vector, 1.5), RangeError);
      assert.deepEqual(await repos.vectors.search('not-a-uuid', vector, 3), []);
      assert.equal(await repos.vectors.countByModel('not-a-uuid'), 0);
    });

    it('job claim, progress and finish', async () => {
      const model = await repos.models.createVersion('jobs', {});
      const job = await repos.jobs.create({ kind: 'train', modelName: 'mmdfr', payload: { epochs: 4 }, maxAttempts: 2 });

      assert.equal(job.kind, 'train');
      assert.equal(job.modelName, 'mmdfr');
      assert.equal(job.status, 'QUEUED');
      assert.equal(job.progress, 0);
      assert.deepEqual(job.payload, { epochs: 4 });
      assert.deepEqual(job.losses, []);
      assert.equal(job.attempts, 0);
      assert.equal(job.maxAttempts, 2);
      assert.equal(job.leaseOwner, null);
      assert.deepEqual(await repos.jobs.get(job.id), job);

      assert.equal(await repos.jobs.claim('w1', ['import'], 60_000), null, 'another kind is not claimed');
      const claimed = await repos.jobs.claim('w1', ['train', 'reembed'], 60_000);
      assert.equal(claimed?.id, job.id);
      assert.equal(claimed?.status, 'RUNNING');
      assert.equal(claimed?.attempts, 1);
      assert.equal(claimed?.leaseOwner, 'w1');
      assert.ok(claimed!.leaseExpiresAt!.getTime() > Date.now() + 30_000);
      assert.equal(await repos.jobs.claim('w2', ['train'], 60_000), null, 'a held job is not claimed twice');

      const losses = [{ phase: 'branch holistic', epoch: 1, loss: 2.5 }];
      assert.deepEqual(
        await repos.jobs.updateProgress(job.id, 'w1', { progress: 0.25, phase: 'branch holistic', epoch: 1, loss: 2.5, losses }),
        { held: true, cancelRequested: false },
      );
      await repos.jobs.updateProgress(job.id, 'w1', { progress: 0.9, phase: 'embedding', itemsDone: 3, itemsTotal: 12 });
      const running = await repos.jobs.get(job.id);
      assert.equal(running?.progress, 0.9);
      assert.equal(running?.phase, 'embedding');
      assert.equal(running?.itemsDone, 3);
      assert.equal(running?.itemsTotal, 12);
      assert.equal(running?.epoch, 1, 'a step without a loss keeps the last one');
      assert.equal(running?.loss, 2.5);
      assert.deepEqual(running?.losses, losses);
      await assert.rejects(repos.jobs.updateProgress(job.id, 'w1', { progress: 1.5, phase: 'x' }), RangeError);
      assert.deepEqual(await repos.jobs.updateProgress(job.id, 'w2', { progress: 0.95, phase: 'x' }), { held: false, cancelRequested: false });

      await repos.jobs.setModel(job.id, 'w1', model.id);
      assert.equal(await repos.jobs.finish(job.id, 'w2', 'SUCCEEDED', {}), false, 'only the lease owner finishes a job');
      assert.equal(await repos.jobs.finish(job.id, 'w1', 'SUCCEEDED', { result: { version: 1 } }), true);
      const succeeded = await repos.jobs.get(job.id);
      assert.equal(succeeded?.status, 'SUCCEEDED');
      assert.equal(succeeded?.progress, 1);
      assert.equal(succeeded?.modelId, model.id);
      assert.deepEqual(succeeded?.result, { version: 1 });
      assert.equal(succeeded?.leaseOwner, null);
      assert.ok(succeeded!.finishedAt!.getTime() >= succeeded!.startedAt!.getTime());

      // Deleting the model keeps the job and clears its model id.
      await db.query('DELETE FROM models WHERE id = $1', [model.id]);
      assert.equal((await repos.jobs.get(job.id))?.modelId, null);
      await rejectsWithCode(
        repos.jobs.create({ kind: 'reembed', payload: {}, modelId: model.id, maxAttempts: 1 }),
        ErrorCode.NOT_FOUND,
      );
    });

    it('expired lease is retried, then FAILED', async () => {
      const job = await repos.jobs.create({ kind: 'reembed', payload: {}, maxAttempts: 2 });

      await repos.jobs.claim('dead-1', ['reembed'], 1);
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual(await repos.jobs.endExpired(), [], 'attempts are left, so the job waits for a claim');
      const retried = await repos.jobs.claim('w2', ['reembed'], 1);
      assert.equal(retried?.id, job.id);
      assert.equal(retried?.attempts, 2);
      assert.equal(retried?.leaseOwner, 'w2');
      assert.deepEqual(await repos.jobs.renewLease(job.id, 'dead-1', 1000), { held: false, cancelRequested: false });

      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(await repos.jobs.claim('w3', ['reembed'], 60_000), null, 'no attempts left');
      const [ended] = await repos.jobs.endExpired();
      assert.equal(ended.id, job.id);
      assert.equal(ended.status, 'FAILED');
      assert.match(ended.error ?? '', /^WORKER_LOST: worker w2 stopped renewing its lease at \S+Z and all 2 attempts are used up/);
    });

    it('job cancel, release and listing', async () => {
      const queued = await repos.jobs.create({ kind: 'import', payload: { userId: 'u' }, maxAttempts: 1 });
      const running = await repos.jobs.create({ kind: 'train', modelName: 'm', payload: {}, maxAttempts: 1 });
      await repos.jobs.claim('w1', ['train'], 60_000);

      const cancelled = await repos.jobs.cancel(queued.id);
      assert.equal(cancelled?.status, 'CANCELLED');
      assert.match(cancelled?.error ?? '', /^CANCELLED: /);
      const asked = await repos.jobs.cancel(running.id);
      assert.equal(asked?.status, 'RUNNING');
      assert.equal(asked?.cancelRequested, true);
      assert.deepEqual(await repos.jobs.renewLease(running.id, 'w1', 60_000), { held: true, cancelRequested: true });
      assert.equal(await repos.jobs.cancel('00000000-0000-4000-8000-000000000000'), null);
      assert.equal(await repos.jobs.cancel('not-a-uuid'), null);

      assert.equal(await repos.jobs.release(running.id, 'w1'), true);
      const released = await repos.jobs.get(running.id);
      assert.equal(released?.status, 'QUEUED');
      assert.equal(released?.attempts, 0);

      assert.deepEqual((await repos.jobs.list({ kind: 'import' }, { limit: 10, offset: 0 })).map((j) => j.id), [queued.id]);
      assert.deepEqual((await repos.jobs.list({ status: 'QUEUED' }, { limit: 10, offset: 0 })).map((j) => j.id), [running.id]);
      assert.equal((await repos.jobs.list({}, { limit: 10, offset: 0 })).length, 2);
    });

    it('import images and workers round trip', async () => {
      const user = await repos.users.create({ name: 'Importer', externalId: null });
      const job = await repos.jobs.create({ kind: 'import', payload: { userId: user.id }, maxAttempts: 1 });
      await repos.importImages.insert(job.id, user.id, [Buffer.from([1, 2, 3]), Buffer.from([4])]);

      const stored = await repos.importImages.list(job.id);
      assert.deepEqual(stored.map((row) => row.position), [0, 1]);
      assert.deepEqual([...stored[0].bytes], [1, 2, 3]);
      await repos.users.delete(user.id);
      assert.deepEqual(await repos.importImages.list(job.id), [], 'deleting the user deletes its pending images');

      await repos.workers.heartbeat({ id: 'gpu-1', host: 'gpu-host', pid: 42, backend: 'tensorflow-gpu', kinds: ['train'] });
      await repos.workers.heartbeat({ id: 'gpu-1', host: 'gpu-host', pid: 42, backend: 'tensorflow-gpu', kinds: ['train'] });
      const [worker] = await repos.workers.list();
      assert.equal(worker.backend, 'tensorflow-gpu');
      assert.deepEqual(worker.kinds, ['train']);
      assert.ok(worker.lastHeartbeatAt.getTime() >= worker.startedAt.getTime());
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(await repos.workers.removeSilent(5), 1);
      assert.deepEqual(await repos.workers.list(), []);
    });
  });

  describe('search', () => {
    /** Faces per model: enough rows that the planner prefers the HNSW index to a sort. */
    const FACES_PER_MODEL = 800;
    const random = seededRandom(2024);
    const models: { id: string; faces: StoredFace[]; vectors: Float32Array[] }[] = [];

    before(async () => {
      await clearTables(db);

      // Two models with separate faces. Vectors are grouped around 40 centres, as face embeddings
      // group by person: HNSW is approximate, and on structureless random vectors its recall is
      // far below 1, so a brute-force comparison would fail for a correct implementation.
      for (const name of ['model-a', 'model-b']) {
        const model = await repos.models.createVersion(name, {});
        const vectors = clusteredVectors(random, FACES_PER_MODEL, 40, 0.6, EMBEDDING_DIMENSIONS);
        const faces = await db.transaction(async (tx) => {
          const txRepos = repositories(tx);
          const user = await txRepos.users.create({ name, externalId: null });
          const image = await txRepos.images.insert(newImage(user.id));
          const stored: StoredFace[] = [];
          for (const vector of vectors) {
            const face = await txRepos.faces.insert(newFace(image.id));
            await txRepos.vectors.upsert(face.id, model.id, vector);
            stored.push(face);
          }
          return stored;
        });
        models.push({ id: model.id, faces, vectors });
      }

      // The planner's choice depends on row statistics.
      await db.query('ANALYZE face_vectors');
    });

    it('finds the true nearest neighbours', async () => {
      const [modelA] = models;
      const k = 10;

      for (let query = 0; query < 10; query++) {
        // Near a stored vector of model A, as a new photo of an enrolled person would be.
        const anchor = modelA.vectors[query * 7];
        const vector = randomVector(random, EMBEDDING_DIMENSIONS).map((noise, i) => anchor[i] + 0.2 * noise);
        const expected = modelA.vectors
          .map((stored, index) => ({ faceId: modelA.faces[index].id, distance: cosineDistance(stored, vector) }))
          .sort((a, b) => a.distance - b.distance)
          .slice(0, k);

        const found = await repos.vectors.search(modelA.id, vector, k);

        assert.deepEqual(
          found.map((hit) => hit.faceId),
          expected.map((hit) => hit.faceId),
          `query ${query}: wrong neighbours or order`,
        );
        found.forEach((hit, rank) => {
          assert.ok(Math.abs(hit.distance - expected[rank].distance) < 1e-5, `query ${query} rank ${rank}: distance ${hit.distance}`);
        });
      }
    });

    it('never returns another model', async () => {
      const [modelA, modelB] = models;
      const facesOfA = new Set(modelA.faces.map((face) => face.id));
      const k = 10;

      // A third model crowds the query's neighbourhood with 100 vectors, so the first ef_search
      // (40) candidates of the index scan all belong to it. Only an iterative scan, which keeps
      // going past them, finds k rows of model A. With k = 10 the planner uses the index.
      const crowd = await repos.models.createVersion('crowd', {});
      const centre = modelB.vectors[0];
      for (const face of modelA.faces.slice(0, 100)) {
        await repos.vectors.upsert(
          face.id,
          crowd.id,
          randomVector(random, EMBEDDING_DIMENSIONS).map((noise, i) => centre[i] + 0.01 * noise),
        );
      }

      const found = await repos.vectors.search(modelA.id, centre, k);

      assert.equal(found.length, k);
      assert.ok(found.every((hit) => facesOfA.has(hit.faceId)), 'a result belongs to another model');
      assert.ok(found.every((hit, i) => i === 0 || found[i - 1].distance <= hit.distance), 'results are not sorted by distance');
      assert.ok(found[0].distance > 0.5, `distance ${found[0].distance} is one of the crowd's`);
      const [nearestOfB] = await repos.vectors.search(modelB.id, centre, 1);
      assert.equal(nearestOfB.faceId, modelB.faces[0].id);
      assert.equal(await repos.vectors.countByModel(crowd.id), 100);
    });

    it('k larger than the model', async () => {
      const small = await repos.models.createVersion('small', {});
      for (const face of models[0].faces.slice(0, 3)) {
        await repos.vectors.upsert(face.id, small.id, randomVector(random, EMBEDDING_DIMENSIONS));
      }

      const found = await repos.vectors.search(small.id, randomVector(random, EMBEDDING_DIMENSIONS), 20);

      assert.equal(found.length, 3);
      assert.equal(await repos.vectors.countByModel(small.id), 3);
      assert.equal(await repos.vectors.countByModel(models[0].id), FACES_PER_MODEL);
    });

    it('search plan uses the HNSW index', async () => {
      const plan = await explainSearch(db, models[0].id, models[1].vectors[0], 10);

      assert.match(plan, new RegExp(`Index Scan using ${SEARCH_INDEX}`), plan);
    });
  });
}

describe('db on PGlite in process', () => {
  repositorySuite(async () => pgliteBackend());
});

describe('db through pg and pglite-socket', () => {
  repositorySuite(socketBackend);
});

describe('migrations', () => {
  let folder: string;

  before(async () => {
    folder = await mkdtemp(path.join(tmpdir(), 'facematch-db-'));
  });

  after(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('second PGlite open skips them', async () => {
    // A nested folder that does not exist yet: openDatabase creates it.
    const dataDir = path.join(folder, 'pglite', 'data');
    const first = await openDatabase({ dataDir, logger: silentLogger });
    const user = await repositories(first).users.create({ name: 'Persisted', externalId: 'p-1' });
    const applied = await schemaMigrations(first);
    await first.close();

    const second = await openDatabase({ dataDir, logger: silentLogger });
    try {
      assert.deepEqual(await schemaMigrations(second), applied);
      assert.deepEqual(await repositories(second).users.get(user.id), user);
    } finally {
      await second.close();
    }
  });

  it('data folder locked against other processes', async () => {
    const dataDir = path.join(folder, 'locked');
    const first = await openDatabase({ dataDir, logger: silentLogger });
    await first.close();

    // The parent process is alive, so its lock holds; an exited process's lock is stale.
    await writeFile(path.join(dataDir, 'facematch.pid'), String(process.ppid));
    await assert.rejects(openDatabase({ dataDir, logger: silentLogger }), new RegExp(`in use by process ${process.ppid}`));

    // The command line reports the locked folder in one message, without a stack trace.
    const cli = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
    const rejected = spawnSync(process.execPath, ['--import', 'tsx', cli, 'migrate'], { env: { ...process.env, FACEMATCH_DATA_DIR: dataDir }, encoding: 'utf8' });
    assert.equal(rejected.status, 1);
    assert.match(rejected.stderr, new RegExp(`facematch migrate: The data folder .* is in use by process ${process.ppid}`));
    assert.doesNotMatch(rejected.stderr, /\n\s+at /, 'no stack trace');

    await writeFile(path.join(dataDir, 'facematch.pid'), '2147483646');
    const reopened = await openDatabase({ dataDir, logger: silentLogger });
    await reopened.close();
  });

  it('second pg open skips them', async () => {
    const backend = await socketBackend();
    try {
      const first = await backend.open();
      const applied = await schemaMigrations(first);
      const second = await backend.open();
      try {
        assert.deepEqual(await schemaMigrations(second), applied);
      } finally {
        await second.close();
        await first.close();
      }
    } finally {
      await backend.stop();
    }
  });

  it('pg parses vector columns', async () => {
    const backend = await socketBackend();
    try {
      const db = await backend.open();
      try {
        const { rows } = await db.query<{ embedding: unknown }>("SELECT '[1.5,-2,0.25]'::vector AS embedding");
        assert.deepEqual(rows[0].embedding, [1.5, -2, 0.25]);
      } finally {
        await db.close();
      }
    } finally {
      await backend.stop();
    }
  });

  it('failed migration rolls back', async () => {
    const migrationsDir = path.join(folder, 'broken-migrations');
    await cp(await findMigrationsDir(), migrationsDir, { recursive: true });
    await writeFile(
      path.join(migrationsDir, '900_broken.sql'),
      'CREATE TABLE half_done (id integer);\nINSERT INTO half_done VALUES (1);\nSELECT no_such_function();\n',
    );

    await assert.rejects(openDatabase({ dataDir: 'memory://', logger: silentLogger, migrationsDir }), (error: unknown) => {
      assert.ok(error instanceof Error);
      assert.match(error.message, /900_broken\.sql/);
      assert.match(error.message, /no_such_function/);
      return true;
    });

    // Against a database that outlives the failure: earlier migrations stay, the broken one leaves nothing.
    const backend = await socketBackend();
    try {
      await assert.rejects(
        openDatabase({ databaseUrl: backend.databaseUrl, dataDir: 'unused', logger: silentLogger, poolSize: 1, migrationsDir }),
        /900_broken\.sql/,
      );
      const db = await backend.open();
      try {
        // Every shipped migration, read from the folder so that new ones need no change here.
        const shipped = (await readMigrations(await findMigrationsDir())).map((migration) => migration.version);
        assert.deepEqual(
          (await schemaMigrations(db)).map((row) => row.version),
          shipped,
        );
        const { rows } = await db.query<{ table: string | null }>("SELECT to_regclass('half_done')::text AS table");
        assert.equal(rows[0].table, null);
      } finally {
        await db.close();
      }
    } finally {
      await backend.stop();
    }
  });

  it('folder found from src and dist', async () => {
    const expected = await findMigrationsDir();

    // tsc writes src/db/*.js to dist/src/db/, one level deeper than the sources.
    const fromDist = await findMigrationsDir(new URL('../dist/src/db/', pathToFileURL(`${expected}/`)));

    assert.equal(path.basename(expected), 'migrations');
    assert.equal(fromDist, expected);
  });
});
