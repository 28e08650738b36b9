import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createServer, type FacematchServer } from '../../src/server.js';
import { SHIPPED_MODEL } from '../../src/services/shipped-model.js';
import { base64Of, lfwImage, lfwPeople, skipWithoutLfw } from '../support/faces.js';
import { copyShippedModels } from '../support/shipped-models.js';
import { expectData, expectError, postGraphQL } from '../support/graphql-client.js';

/**
 * Durable jobs end to end: an API without its own worker, and standalone workers in child processes
 * (`facematch worker`), all on one PGlite with pgvector served over the Postgres wire protocol on
 * 127.0.0.1. Real face models, the shipped base model and real LFW photos.
 */

const REPOSITORY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = path.join(REPOSITORY, 'src', 'cli.ts');

const PEOPLE = 5;
const ENROLLED = 3;
/** Lease of the child workers, in milliseconds: a killed worker's job is free again this soon. */
const LEASE_MS = 3_000;
/** Epochs that keep a training running for several seconds on 2 shared cores, so a test can act mid-run. */
const SLOW_TRAINING = { branchEpochs: 150, autoencoderEpochs: 40 };
const JOB_TIMEOUT_MS = 8 * 60_000;

const JOB = `query ($id: ID!) { job(id: $id) { id kind status progress phase itemsDone itemsTotal epoch loss losses { phase epoch loss }
  error attempts maxAttempts leaseOwner cancelRequested result model { name version status active } } }`;
const SIMILAR = `query ($image: ImageInput!) { similarFaces(image: $image, topK: 5) { model { id name version } matches { imageId similarity user { id } } } }`;
const ADD_IMAGE = `mutation ($userId: ID!, $image: ImageInput!, $faceIndex: Int) { addImage(userId: $userId, image: $image, faceIndex: $faceIndex) { id } }`;

interface JobView {
  id: string;
  kind: string;
  status: string;
  progress: number;
  phase: string | null;
  itemsDone: number | null;
  itemsTotal: number | null;
  epoch: number | null;
  loss: number | null;
  losses: Array<{ phase: string; epoch: number; loss: number }>;
  error: string | null;
  attempts: number;
  maxAttempts: number;
  leaseOwner: string | null;
  cancelRequested: boolean;
  result: Record<string, unknown> | null;
  model: { name: string; version: number; status: string; active: boolean } | null;
}

interface SimilarAnswer {
  model: { id: string; name: string; version: number };
  matches: Array<{ imageId: string; similarity: number; user: { id: string } }>;
}

/** A `facematch worker` child process and its log lines (pino JSON). */
interface WorkerProcess {
  child: ChildProcess;
  lines: string[];
  /** Resolves with the worker's id once it logged that it started. */
  started: Promise<string>;
  exited: Promise<number | null>;
}

function startWorkerProcess(env: Record<string, string>): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'worker'], {
    cwd: REPOSITORY,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const started = new Promise<string>((resolve, reject) => {
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const complete = buffered.split('\n');
      buffered = complete.pop()!;
      for (const line of complete) {
        lines.push(line);
        if (line.includes('"msg":"job worker started"')) {
          resolve(JSON.parse(line).workerId as string);
        }
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => lines.push(chunk.toString('utf8')));
    void exited.then((code) => reject(new Error(`the worker exited with code ${code} before it started:\n${lines.join('\n')}`)));
  });
  return { child, lines, started, exited };
}

function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    normA += a[i] * a[i];
    normB += b[i] * b[i];
  }
  return dot / Math.sqrt(normA * normB);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('durable jobs with worker processes', { skip: skipWithoutLfw }, () => {
  let served: PGlite;
  let socket: PGLiteSocketServer;
  let databaseUrl: string;
  let modelsDir: string;
  let server: FacematchServer;
  let url: string;
  let workerEnv: Record<string, string>;
  const workers: WorkerProcess[] = [];
  const people = lfwPeople('peopleDevTest.txt', ENROLLED + 1).slice(0, PEOPLE);
  const userIds: string[] = [];
  const query = { base64: '' };

  /** Polls job(id) until `done` holds for it; returns every state seen, the last one matching. */
  async function pollJob(id: string, done: (job: JobView) => boolean, intervalMs = 150): Promise<JobView[]> {
    const seen: JobView[] = [];
    const started = Date.now();
    for (;;) {
      const { job } = await expectData<{ job: JobView }>(url, JOB, { id });
      seen.push(job);
      if (done(job)) {
        return seen;
      }
      assert.ok(Date.now() - started < JOB_TIMEOUT_MS, `job ${id} stuck at ${JSON.stringify(job)}`);
      await sleep(intervalMs);
    }
  }

  const training = (job: JobView) => job.status === 'RUNNING' && job.phase !== null && /^(branch|autoencoder)/.test(job.phase);

  before(async () => {
    modelsDir = await fs.mkdtemp(path.join(os.tmpdir(), 'facematch-jobs-models-'));
    await copyShippedModels(modelsDir, ['base']);

    served = await PGlite.create({ dataDir: 'memory://', extensions: { vector } });
    // The API, two worker processes one after the other, and headroom for a dead connection.
    socket = new PGLiteSocketServer({ db: served, host: '127.0.0.1', port: 0, maxConnections: 6 });
    await socket.start();
    databaseUrl = `postgresql://postgres@${socket.getServerConn()}/postgres`;

    const common = { DATABASE_URL: databaseUrl, FACEMATCH_MODELS_DIR: modelsDir, FACEMATCH_ENGINE_WORKERS: '1', FACEMATCH_DB_POOL_SIZE: '1' };
    server = await createServer(
      loadConfig({ ...common, FACEMATCH_PORT: '0', FACEMATCH_WORKER: 'off' }),
      { logger: createLogger('warn') },
    );
    url = await server.start();
    workerEnv = { ...common, FACEMATCH_JOB_LEASE_MS: String(LEASE_MS), FACEMATCH_JOB_POLL_MS: '200', FACEMATCH_LOG_LEVEL: 'info' };
  });

  after(async () => {
    for (const worker of workers) {
      if (worker.child.exitCode === null && worker.child.signalCode === null) {
        worker.child.kill('SIGTERM');
        await worker.exited;
      }
    }
    await server?.stop();
    await socket?.stop();
    await served?.close();
    await fs.rm(modelsDir, { recursive: true, force: true });
  });

  test('worker without DATABASE_URL is rejected', () => {
    const env = { ...process.env };
    delete env.DATABASE_URL;
    const result = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'worker'], { cwd: REPOSITORY, env, encoding: 'utf8' });

    assert.equal(result.status, 2);
    assert.match(result.stderr, /DATABASE_URL is not set/);
    assert.match(result.stderr, /PGlite database opens in one process only/);
  });

  test('enrols photos under the shipped model', async () => {
    for (const person of people) {
      const { createUser } = await expectData<{ createUser: { id: string } }>(url,
        `mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }`, { input: { name: person.name } });
      userIds.push(createUser.id);
      for (let index = 1; index <= ENROLLED; index++) {
        const variables = { userId: createUser.id, image: { base64: base64Of(lfwImage(person.name, index)) } };
        const first = await postGraphQL(url, ADD_IMAGE, variables);
        if (first.errors?.[0]?.extensions?.code === 'MULTIPLE_FACES') {
          await expectData(url, ADD_IMAGE, { ...variables, faceIndex: 0 });
        } else {
          assert.equal(first.errors, undefined, JSON.stringify(first.errors));
        }
      }
    }
    query.base64 = base64Of(lfwImage(people[0].name, ENROLLED + 1));

    const { activeModel } = await expectData<{ activeModel: { name: string } }>(url, '{ activeModel { name } }');
    assert.equal(activeModel.name, 'base');
  });

  test('training survives a killed worker', async () => {
    const { trainModel } = await expectData<{ trainModel: { id: string; status: string } }>(url,
      'mutation ($options: TrainOptionsInput) { trainModel(name: "survivor", options: $options) { id status } }', { options: SLOW_TRAINING });
    assert.equal(trainModel.status, 'QUEUED', 'the API runs no worker');

    const doomed = startWorkerProcess(workerEnv);
    workers.push(doomed);
    const doomedId = await doomed.started;
    const startLine = doomed.lines.find((line) => line.includes('"msg":"job worker started"'))!;
    assert.equal(JSON.parse(startLine).backend, 'wasm', 'the worker logs its TensorFlow.js backend');

    const [midRun] = (await pollJob(trainModel.id, training, 100)).slice(-1);
    assert.equal(midRun.leaseOwner, doomedId);
    assert.equal(midRun.attempts, 1);
    doomed.child.kill('SIGKILL');
    await doomed.exited;
    console.log(`# killed the worker at ${midRun.phase}, progress ${midRun.progress.toFixed(3)}`);

    // The previously active model still serves searches while the job has no live worker.
    const { similarFaces } = await expectData<{ similarFaces: SimilarAnswer[] }>(url, SIMILAR, { image: query });
    assert.equal(similarFaces[0].model.name, 'base');
    assert.equal(similarFaces[0].matches[0].user.id, userIds[0]);
    const orphaned = (await expectData<{ job: JobView }>(url, JOB, { id: trainModel.id })).job;
    assert.equal(orphaned.status, 'RUNNING');
    assert.equal(orphaned.leaseOwner, doomedId);

    const successor = startWorkerProcess(workerEnv);
    workers.push(successor);
    const successorId = await successor.started;

    // Searches run throughout the second attempt, and each result is checked against one model below.
    const answers: SimilarAnswer[] = [];
    let searching = true;
    const searches = (async () => {
      while (searching) {
        answers.push(...(await expectData<{ similarFaces: SimilarAnswer[] }>(url, SIMILAR, { image: query })).similarFaces);
        await sleep(200);
      }
    })();

    const states = await pollJob(trainModel.id, (job) => job.status !== 'RUNNING' && job.status !== 'QUEUED');
    searching = false;
    await searches;
    answers.push(...(await expectData<{ similarFaces: SimilarAnswer[] }>(url, SIMILAR, { image: query })).similarFaces);
    const done = states.at(-1)!;

    assert.equal(done.error, null);
    assert.equal(done.status, 'SUCCEEDED');
    assert.equal(done.attempts, 2, 'the successor took the job over after the lease expired');
    assert.equal(done.model?.name, 'survivor');
    assert.equal(done.model?.version, 2, 'version 1 belonged to the killed attempt');
    assert.equal(done.model?.active, true);
    assert.ok(successor.lines.some((line) => line.includes('retrying a job') && line.includes(successorId)), 'the successor logs the retry');

    const { models } = await expectData<{ models: Array<{ name: string; version: number; status: string; active: boolean }> }>(url, '{ models { name version status active } }');
    assert.deepEqual(models.find((m) => m.name === 'survivor' && m.version === 1)?.status, 'FAILED', 'the killed attempt never becomes active');

    // Progress of the second attempt only goes up, ends at 1, and the loss of every epoch is recorded.
    const second = states.filter((job) => job.attempts === 2).map((job) => job.progress);
    assert.deepEqual(second, [...second].sort((a, b) => a - b), 'progress never goes back');
    assert.equal(done.progress, 1);
    assert.equal(done.itemsDone, done.itemsTotal, 'every stored face embedded');
    assert.equal(done.itemsTotal, PEOPLE * ENROLLED);
    assert.ok(done.losses.length > 10, `${done.losses.length} epoch losses recorded`);
    assert.ok(done.losses.every((point) => Number.isFinite(point.loss) && point.epoch >= 1));

    // Each result comes from one model: every similarity equals the cosine with that model's stored vector of the face.
    const modelNames = new Set(answers.map((answer) => answer.model.name));
    assert.deepEqual([...modelNames].sort(), ['base', 'survivor'], 'the answers span the switch');
    const queryVectors = new Map<string, number[]>();
    for (const name of modelNames) {
      const { faceVector } = await expectData<{ faceVector: Array<{ vector: number[] }> }>(url,
        'query ($image: ImageInput!, $model: String) { faceVector(image: $image, model: $model) { vector } }', { image: query, model: name });
      queryVectors.set(name, faceVector[0].vector);
    }
    for (const answer of answers) {
      for (const match of answer.matches) {
        const { rows } = await served.query<{ embedding: string }>(
          `SELECT v.embedding::text AS embedding FROM face_vectors v JOIN faces f ON f.id = v.face_id WHERE f.image_id = $1 AND v.model_id = $2`,
          [match.imageId, answer.model.id],
        );
        assert.equal(rows.length, 1, `image ${match.imageId} has a vector from ${answer.model.name}`);
        const expected = cosine(queryVectors.get(answer.model.name)!, JSON.parse(rows[0].embedding));
        assert.ok(Math.abs(expected - match.similarity) < 1e-4, `similarity ${match.similarity} is from model ${answer.model.name} (${expected})`);
      }
    }
    console.log(`# ${answers.length} answers during the switch, from ${[...modelNames].join(' and ')}`);
  });

  test('cancelJob stops queued and running jobs', async () => {
    const train = 'mutation ($options: TrainOptionsInput) { trainModel(name: "cancelled", options: $options) { id } }';
    const running = (await expectData<{ trainModel: { id: string } }>(url, train, { options: SLOW_TRAINING })).trainModel;
    const queued = (await expectData<{ trainModel: { id: string } }>(url, train, { options: SLOW_TRAINING })).trainModel;
    await pollJob(running.id, training, 100);

    const cancelQueued = `mutation ($id: ID!) { cancelJob(id: $id) { status cancelRequested error attempts } }`;
    const { cancelJob: queuedAfter } = await expectData<{ cancelJob: { status: string; error: string; attempts: number } }>(url, cancelQueued, { id: queued.id });
    assert.equal(queuedAfter.status, 'CANCELLED', 'a queued job is cancelled at once');
    assert.equal(queuedAfter.attempts, 0);
    assert.match(queuedAfter.error, /^CANCELLED: /);

    const { cancelJob: runningAfter } = await expectData<{ cancelJob: { status: string; cancelRequested: boolean } }>(url, cancelQueued, { id: running.id });
    assert.equal(runningAfter.status, 'RUNNING');
    assert.equal(runningAfter.cancelRequested, true);

    const stoppedAt = Date.now();
    const [ended] = (await pollJob(running.id, (job) => job.status !== 'RUNNING')).slice(-1);
    console.log(`# a running job stopped ${Date.now() - stoppedAt} ms after cancelJob`);
    assert.equal(ended.status, 'CANCELLED');
    assert.match(ended.error ?? '', /^CANCELLED: /);
    assert.equal(ended.model?.status, 'FAILED', 'the half-trained version is never READY');
    assert.equal(ended.model?.active, false);

    const { activeModel } = await expectData<{ activeModel: { name: string; version: number } }>(url, '{ activeModel { name version } }');
    assert.deepEqual(activeModel, { name: 'survivor', version: 2 });
    const { similarFaces } = await expectData<{ similarFaces: SimilarAnswer[] }>(url, SIMILAR, { image: query });
    assert.equal(similarFaces[0].model.name, 'survivor');
  });

  test('importImages enrols through a worker', async () => {
    const photo = { base64: base64Of(lfwImage(people[1].name, ENROLLED + 1)) };
    const notAnImage = { base64: Buffer.from('plain text, not an image').toString('base64') };
    const { importImages } = await expectData<{ importImages: { id: string; kind: string; status: string } }>(url,
      'mutation ($userId: ID!, $images: [ImageInput!]!) { importImages(userId: $userId, images: $images) { id kind status } }',
      { userId: userIds[1], images: [photo, notAnImage] });
    assert.equal(importImages.kind, 'import');

    const [done] = (await pollJob(importImages.id, (job) => job.status !== 'RUNNING' && job.status !== 'QUEUED')).slice(-1);
    assert.equal(done.status, 'SUCCEEDED', JSON.stringify(done));
    assert.equal(done.result?.enrolled, 1);
    assert.equal(done.result?.failed, 1);
    const outcomes = done.result?.images as Array<{ position: number; imageId?: string; code?: string }>;
    assert.equal(typeof outcomes[0].imageId, 'string');
    assert.equal(outcomes[1].code, 'INVALID_IMAGE');

    const { rows } = await served.query<{ count: number }>('SELECT count(*)::int AS count FROM import_images');
    assert.equal(rows[0].count, 0, 'the uploaded bytes are deleted when the job ends');
  });

  test('workers and jobs are listed', async () => {
    const { workers: listed } = await expectData<{ workers: Array<{ id: string; backend: string; kinds: string[] }> }>(url, '{ workers { id backend kinds } }');
    const live = await workers[1].started;
    const entry = listed.find((worker) => worker.id === live);
    assert.equal(entry?.backend, 'wasm');
    assert.deepEqual(entry?.kinds, ['train', 'reembed', 'import']);

    const { jobs } = await expectData<{ jobs: Array<{ kind: string; status: string; modelName: string | null }> }>(url,
      '{ jobs(kind: train, status: CANCELLED) { kind status modelName } }');
    assert.equal(jobs.length, 2);
    assert.ok(jobs.every((job) => job.kind === 'train' && job.status === 'CANCELLED' && job.modelName === 'cancelled'));
  });

  test('job and model errors have stable codes', async () => {
    const missing = '7f1c2a9e-3b4d-4c5e-8f60-718293a4b5c6';
    const cases: Array<{ operation: string; variables?: Record<string, unknown>; code: string; message: RegExp }> = [
      { operation: `{ job(id: "${missing}") { id } }`, code: 'NOT_FOUND', message: /No job with id/ },
      { operation: '{ job(id: "nope") { id } }', code: 'NOT_FOUND', message: /job ids are UUIDs/ },
      { operation: `mutation { cancelJob(id: "${missing}") { id } }`, code: 'NOT_FOUND', message: /No job with id/ },
      { operation: 'mutation { activateModel(name: "nope", version: 1) { id } }', code: 'NOT_FOUND', message: /No model "nope" version 1\. The models query lists/ },
      { operation: 'mutation { activateModel(name: "cancelled", version: 1) { id } }', code: 'MODEL_NOT_READY', message: /is FAILED, so it cannot be activated\. Activate a READY version/ },
      { operation: 'mutation { activateModel(name: "survivor", version: 0) { id } }', code: 'BAD_USER_INPUT', message: /version must be an integer of 1 or more/ },
      { operation: 'mutation { deleteModel(name: "survivor", version: 2) { id } }', code: 'CONFLICT', message: /is the active model, so it cannot be deleted\. Activate another version/ },
      { operation: 'mutation { deleteModel(name: "nope", version: 3) { id } }', code: 'NOT_FOUND', message: /No model "nope" version 3/ },
    ];
    for (const { operation, code, message } of cases) {
      const error = await expectError(url, operation);
      assert.equal(error.code, code, operation);
      assert.match(error.message, message, operation);
    }

    const finished = (await expectData<{ jobs: Array<{ id: string }> }>(url, '{ jobs(kind: train, status: SUCCEEDED) { id } }')).jobs[0];
    const error = await expectError(url, 'mutation ($id: ID!) { cancelJob(id: $id) { id } }', { id: finished.id });
    assert.equal(error.code, 'CONFLICT');
    assert.match(error.message, /already ended with status SUCCEEDED; only QUEUED or RUNNING jobs can be cancelled/);
  });

  test('deleteModel removes a version', async () => {
    const { deleteModel } = await expectData<{ deleteModel: { name: string; version: number } }>(url,
      'mutation { deleteModel(name: "base", version: 1) { name version } }');
    assert.deepEqual(deleteModel, { name: 'base', version: 1 });

    const { rows } = await served.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM face_vectors v JOIN models m ON m.id = v.model_id WHERE m.name = 'base'`,
    );
    assert.equal(rows[0].count, 0);
    await fs.access(path.join(modelsDir, SHIPPED_MODEL.name, SHIPPED_MODEL.version, 'metadata.json'));

    const error = await expectError(url, '{ model(name: "base", version: 1) { id } }');
    assert.equal(error.code, 'NOT_FOUND');
    await assert.rejects(fs.access(path.join(modelsDir, 'cancelled')), 'the cancelled version left no files');
  });
});
