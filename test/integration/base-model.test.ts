import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createServer, type FacematchServer } from '../../src/server.js';
import { base64Of, lfwImage, lfwPeople, skipWithoutLfw } from '../support/faces.js';
import { expectData } from '../support/graphql-client.js';

/** The model shipped in the repository's models folder serves searches before any training. */
const MODELS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'models');

describe('shipped base model', () => {
  let server: FacematchServer;
  let url: string;

  before(async () => {
    await fs.access(path.join(MODELS_DIR, 'base', 'v2', 'model.json'));
    const config = loadConfig({ FACEMATCH_PORT: '0', FACEMATCH_DATA_DIR: 'memory://', FACEMATCH_MODELS_DIR: MODELS_DIR, FACEMATCH_ENGINE_WORKERS: '2' });
    server = await createServer(config, { logger: createLogger('warn') });
    url = await server.start();
  });

  after(async () => {
    await server?.stop();
  });

  test('is active on a new database', async () => {
    const { activeModel } = await expectData<{ activeModel: { name: string; version: number; status: string; thresholds: { far1: number | null; far01: number | null } } }>(url,
      '{ activeModel { name version status thresholds { far1 far01 } } }');

    assert.equal(activeModel.name, 'base');
    assert.equal(activeModel.version, 1);
    assert.equal(activeModel.status, 'READY');
    assert.equal(typeof activeModel.thresholds.far1, 'number');
    assert.equal(typeof activeModel.thresholds.far01, 'number');
  });

  test('faceVector works before any training', async () => {
    const grey = (await sharp({ create: { width: 200, height: 200, channels: 3, background: '#777' } }).png().toBuffer()).toString('base64');
    const { faceVector } = await expectData<{ faceVector: unknown[] }>(url, 'query ($i: ImageInput!) { faceVector(image: $i) { score } }', { i: { base64: grey } });

    assert.deepEqual(faceVector, []);
  });

  test('similarFaces identifies enrolled people', { skip: skipWithoutLfw }, async () => {
    const people = lfwPeople('peopleDevTest.txt', 3).slice(0, 6);
    const ids = new Map<string, string>();
    for (const person of people) {
      const { createUser } = await expectData<{ createUser: { id: string } }>(url, 'mutation ($n: String!) { createUser(input: { name: $n }) { id } }', { n: person.name });
      ids.set(person.name, createUser.id);
      for (const index of [1, 2]) {
        await expectData(url, 'mutation ($u: ID!, $i: ImageInput!) { addImage(userId: $u, image: $i, faceIndex: 0) { id } }', { u: createUser.id, i: { base64: base64Of(lfwImage(person.name, index)) } });
      }
    }

    let identified = 0;
    for (const person of people) {
      const { similarFaces } = await expectData<{ similarFaces: Array<{ identity: { user: { id: string } } | null; matches: Array<{ user: { id: string } }> }> }>(url,
        'query ($i: ImageInput!) { similarFaces(image: $i, topK: 1) { identity { user { id } } matches { user { id } } } }', { i: { base64: base64Of(lfwImage(person.name, 3)) } });
      assert.equal(similarFaces[0].matches[0].user.id, ids.get(person.name), `${person.name}'s nearest face`);
      if (similarFaces[0].identity?.user.id === ids.get(person.name)) {
        identified++;
      }
    }
    assert.ok(identified >= people.length - 1, `${identified} of ${people.length} identified at the default threshold`);
  });
});
