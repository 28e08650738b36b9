import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { loadConfig } from '../../src/config.js';
import { openDatabase, type Database } from '../../src/db/index.js';
import { bytesToFloat32 } from '../../src/db/repositories/float32-bytes.js';
import { ACTIVATION_LENGTH } from '../../src/engine/index.js';
import { createLogger } from '../../src/logger.js';
import { createServer, type FacematchServer } from '../../src/server.js';
import { base64Of, lfwImage, lfwPeople, skipWithoutLfw } from '../support/faces.js';
import { expectData } from '../support/graphql-client.js';
import { copyShippedModels } from '../support/shipped-models.js';

/**
 * A database written by an engine with other trunks stores activations of another length.
 * Training must compute them again from the stored photos instead of failing on them.
 */

/** Floats per face of the engine before the wide-face trunk: 7 regions x 2 views x 128. */
const OLD_ACTIVATION_LENGTH = 1792;

const CREATE_USER = `mutation ($name: String!) { createUser(input: { name: $name }) { id } }`;
const ADD_IMAGE = `mutation ($userId: ID!, $image: ImageInput!) { addImage(userId: $userId, image: $image, faceIndex: 0) { id } }`;
const TRAIN = `mutation { trainModel(name: "after-upgrade", options: { branchEpochs: 2, autoencoderEpochs: 1 }) { id } }`;
const JOB = `query ($id: ID!) { trainingJob(id: $id) { status error progress model { version active } } }`;

describe('faces stored by another engine version', { skip: skipWithoutLfw }, () => {
  let server: FacematchServer;
  let url: string;
  let db: Database;
  let modelsDir: string;

  before(async () => {
    modelsDir = await fs.mkdtemp(path.join(os.tmpdir(), 'facematch-models-'));
    await copyShippedModels(modelsDir);
    const config = loadConfig({ FACEMATCH_PORT: '0', FACEMATCH_DATA_DIR: 'memory://', FACEMATCH_MODELS_DIR: modelsDir, FACEMATCH_ENGINE_WORKERS: '2' });

    // The test opens the database itself to age the stored activations; the server closes it.
    db = await openDatabase({ dataDir: config.dataDir, logger: createLogger('silent') });
    server = await createServer(config, { logger: createLogger('warn'), database: db });
    url = await server.start();
  });

  after(async () => {
    await server?.stop();
    await fs.rm(modelsDir, { recursive: true, force: true });
  });

  test('trainModel computes their activations again', async () => {
    for (const person of lfwPeople('peopleDevTest.txt', 2).slice(0, 2)) {
      const { createUser } = await expectData<{ createUser: { id: string } }>(url, CREATE_USER, { name: person.name });
      for (const index of [1, 2]) {
        await expectData(url, ADD_IMAGE, { userId: createUser.id, image: { base64: base64Of(lfwImage(person.name, index)) } });
      }
    }
    const { rows: stored } = await db.query<{ id: string; activations: Uint8Array }>('SELECT id, activations FROM faces ORDER BY id');
    assert.equal(stored.length, 4);

    // Keep the first 1792 floats of each face, as the older engine stored.
    await db.query(`UPDATE faces SET activations = substring(activations FROM 1 FOR $1)`, [OLD_ACTIVATION_LENGTH * 4]);

    const { trainModel } = await expectData<{ trainModel: { id: string } }>(url, TRAIN);
    let job: { status: string; error: string | null; progress: number; model: { version: number; active: boolean } | null };
    const started = Date.now();
    do {
      await new Promise((resolve) => setTimeout(resolve, 500));
      ({ trainingJob: job } = await expectData<{ trainingJob: typeof job }>(url, JOB, { id: trainModel.id }));
      assert.ok(Date.now() - started < 10 * 60_000, 'training did not finish within 10 minutes');
    } while (job.status !== 'SUCCEEDED' && job.status !== 'FAILED');

    assert.equal(job.error, null);
    assert.equal(job.status, 'SUCCEEDED');
    assert.equal(job.model?.active, true);

    // The same photos through the same engine give the activations stored at enrolment again.
    const { rows: refreshed } = await db.query<{ id: string; activations: Uint8Array }>('SELECT id, activations FROM faces ORDER BY id');
    for (let i = 0; i < stored.length; i++) {
      const before = bytesToFloat32(stored[i].activations);
      const after = bytesToFloat32(refreshed[i].activations);
      assert.equal(after.length, ACTIVATION_LENGTH);
      const largestDifference = Math.max(...before.map((value, k) => Math.abs(value - after[k])));
      assert.ok(largestDifference < 1e-4, `face ${stored[i].id}: activations differ by up to ${largestDifference}`);
    }
  });
});
