import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

import { loadConfig } from '../../src/config.js';
import { openDatabase, type Database } from '../../src/db/index.js';
import { createLogger } from '../../src/logger.js';
import { createServer, type FacematchServer } from '../../src/server.js';
import { lfwImage, lfwPeople, skipWithoutLfw } from '../support/faces.js';
import { mapConcurrent } from '../support/concurrency.js';
import { expectData, postGraphQL } from '../support/graphql-client.js';
import { countChanges, countRows } from '../support/table-counts.js';

/**
 * A bounded load on the real server on 127.0.0.1: 200 requests, half addImage and half
 * similarFaces, 50 in flight at a time. Every request must succeed, every enrolment must be
 * stored whole, and the engine must hold as many tensors afterwards as before.
 */

const MODELS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'models');

const PEOPLE = 25;
/** Photos enrolled per person, so PEOPLE x IMAGES_PER_PERSON addImage requests. */
const IMAGES_PER_PERSON = 4;
/** similarFaces requests; each person's next photo is the query, sent several times. */
const SEARCHES = 100;
const CONCURRENCY = 50;
/** Warm-up requests of each kind, sent at once: twice the engine workers. */
const WARM_UP_REQUESTS = 4;

const ADD_IMAGE = `mutation ($userId: ID!, $image: ImageInput!) { addImage(userId: $userId, image: $image, faceIndex: 0) { id } }`;
const SIMILAR = `query ($image: ImageInput!) { similarFaces(image: $image, topK: 3) { matches { similarity user { id } } } }`;
const TENSORS = `{ engineInfo { tensors } }`;


type Job = { kind: 'addImage'; userId: string; file: string } | { kind: 'similarFaces'; file: string };

describe('load on the real server', { skip: skipWithoutLfw }, () => {
  let server: FacematchServer;
  let url: string;
  let db: Database;

  before(async () => {
    const config = loadConfig({ FACEMATCH_PORT: '0', FACEMATCH_DATA_DIR: 'memory://', FACEMATCH_MODELS_DIR: MODELS_DIR, FACEMATCH_ENGINE_WORKERS: '2' });
    // The test opens the database itself to count rows; the server closes it.
    db = await openDatabase({ dataDir: config.dataDir, logger: createLogger('silent') });
    server = await createServer(config, { logger: createLogger('error'), database: db });
    url = await server.start();
  });

  after(async () => {
    await server?.stop();
  });

  test('200 requests, 50 at once', { timeout: 15 * 60_000 }, async () => {
    const people = lfwPeople('peopleDevTrain.txt', IMAGES_PER_PERSON + 1).slice(0, PEOPLE);
    assert.equal(people.length, PEOPLE, `LFW DevTrain has ${people.length} people with ${IMAGES_PER_PERSON + 1}+ photos`);

    const userIds: string[] = [];
    for (const person of people) {
      const { createUser } = await expectData<{ createUser: { id: string } }>(url, `mutation ($name: String!) { createUser(input: { name: $name }) { id } }`, { name: person.name });
      userIds.push(createUser.id);
    }

    // Requests of each kind first, several at once so that every worker runs them, so tensors the
    // engine creates lazily exist before the count. Serial requests would all go to the first worker.
    const warmUpUser = (await expectData<{ createUser: { id: string } }>(url, `mutation { createUser(input: { name: "Warm Up" }) { id } }`)).createUser.id;
    const warmUpPhotos = await Promise.all(lfwPeople('peopleDevTest.txt', 1).slice(0, WARM_UP_REQUESTS).map(async (person) => (await fs.readFile(lfwImage(person.name, 1))).toString('base64')));
    await Promise.all(warmUpPhotos.flatMap((base64) => [
      expectData(url, SIMILAR, { image: { base64 } }),
      expectData(url, ADD_IMAGE, { userId: warmUpUser, image: { base64 } }),
    ]));
    const tensorsBefore = (await expectData<{ engineInfo: { tensors: number } }>(url, TENSORS)).engineInfo.tensors;
    const rowsBefore = await countRows(db);

    // Interleaved, so both kinds are in flight at once all through the run.
    const jobs: Job[] = [];
    for (let i = 0; i < PEOPLE * IMAGES_PER_PERSON; i++) {
      const person = i % PEOPLE;
      jobs.push({ kind: 'addImage', userId: userIds[person], file: lfwImage(people[person].name, 1 + Math.floor(i / PEOPLE)) });
      if (i < SEARCHES) {
        jobs.push({ kind: 'similarFaces', file: lfwImage(people[i % PEOPLE].name, IMAGES_PER_PERSON + 1) });
      }
    }
    assert.equal(jobs.length, 200);

    const started = performance.now();
    const results = await mapConcurrent(jobs, CONCURRENCY, async (job) => {
      const base64 = (await fs.readFile(job.file)).toString('base64');
      const response = job.kind === 'addImage'
        ? await postGraphQL(url, ADD_IMAGE, { userId: job.userId, image: { base64 } })
        : await postGraphQL(url, SIMILAR, { image: { base64 } });
      return { job, errors: response.errors };
    });
    const seconds = (performance.now() - started) / 1000;
    console.log(`# 200 requests, ${CONCURRENCY} in flight: ${seconds.toFixed(1)} s, ${(200 / seconds).toFixed(1)} requests/s`);

    const failed = results.filter((result) => result.errors !== undefined);
    assert.deepEqual(failed.map((f) => `${f.job.kind} ${f.job.file}: ${f.errors![0].extensions?.code}`), [], 'no request failed');

    assert.deepEqual(
      countChanges(rowsBefore, await countRows(db)),
      { images: PEOPLE * IMAGES_PER_PERSON, faces: PEOPLE * IMAGES_PER_PERSON, face_vectors: PEOPLE * IMAGES_PER_PERSON },
      'every enrolment stored whole, nothing else',
    );

    const tensorsAfter = (await expectData<{ engineInfo: { tensors: number } }>(url, TENSORS)).engineInfo.tensors;
    assert.equal(tensorsAfter, tensorsBefore, 'engine tensor count unchanged');

    const { health } = await expectData<{ health: { status: string } }>(url, `{ health { status } }`);
    assert.equal(health.status, 'ok');
  });
});
