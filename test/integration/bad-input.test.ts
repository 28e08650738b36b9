import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createServer, type FacematchServer } from '../../src/server.js';
import { lfwImage, lfwPeople, skipWithoutLfw } from '../support/faces.js';
import { expectData, expectError } from '../support/graphql-client.js';

/**
 * Bad input against the real server (embedded PGlite, real engine): each request gets a
 * GraphQL error with a stable code, nothing is stored, and the server keeps serving.
 */

const MAX_IMAGE_BYTES = 512 * 1024;
const MAX_REQUEST_BYTES = 1024 * 1024;

const ADD_IMAGE = `mutation ($userId: ID!, $image: ImageInput!, $faceIndex: Int) { addImage(userId: $userId, image: $image, faceIndex: $faceIndex) { id face { score } } }`;
const USER_IMAGES = `query ($id: ID!) { user(id: $id) { images { id } } }`;

/** Builds a valid PNG whose header claims width x height; only the IHDR fields and their CRC are changed. */
async function pngClaiming(width: number, height: number): Promise<Buffer> {
  const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#777' } }).png().toBuffer();
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  return png;
}

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
    }
  }
  return (crc ^ 0xffffffff) >>> 0;
}

describe('bad input on the real server', () => {
  let server: FacematchServer;
  let url: string;
  let userId: string;
  let modelsDir: string;

  before(async () => {
    modelsDir = await fs.mkdtemp(path.join(os.tmpdir(), 'facematch-bad-input-'));
    const config = loadConfig({
      FACEMATCH_PORT: '0',
      FACEMATCH_DATA_DIR: 'memory://',
      FACEMATCH_MODELS_DIR: modelsDir,
      FACEMATCH_ENGINE_WORKERS: '1',
      FACEMATCH_MAX_IMAGE_BYTES: String(MAX_IMAGE_BYTES),
      FACEMATCH_MAX_REQUEST_BYTES: String(MAX_REQUEST_BYTES),
    });
    server = await createServer(config, { logger: createLogger('silent') });
    url = await server.start();

    const { createUser } = await expectData<{ createUser: { id: string } }>(url, `mutation { createUser(input: { name: "Probe Person" }) { id } }`);
    userId = createUser.id;
  });

  after(async () => {
    await server?.stop();
    await fs.rm(modelsDir, { recursive: true, force: true });
  });

  /** Sends `base64` to addImage, expects `code`, and checks that the user still has no image. */
  async function expectRejected(base64: string, code: string, faceIndex?: number): Promise<string> {
    const error = await expectError(url, ADD_IMAGE, { userId, image: { base64 }, faceIndex });
    assert.equal(error.code, code, error.message);

    const { user } = await expectData<{ user: { images: unknown[] } }>(url, USER_IMAGES, { id: userId });
    assert.deepEqual(user.images, [], 'nothing stored');
    return error.message;
  }

  test('random bytes are INVALID_IMAGE', async () => {
    const message = await expectRejected(Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)).toString('base64'), 'INVALID_IMAGE');
    assert.match(message, /JPEG|PNG|format/i);
  });

  test('truncated JPEG is INVALID_IMAGE', async () => {
    const jpeg = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#3a6' } }).jpeg().toBuffer();
    await expectRejected(jpeg.subarray(0, Math.floor(jpeg.length * 0.6)).toString('base64'), 'INVALID_IMAGE');
  });

  test('malformed base64 is INVALID_IMAGE', async () => {
    await expectRejected('not base64 at all!', 'INVALID_IMAGE');
    await expectRejected('', 'INVALID_IMAGE');
  });

  test('oversized images are IMAGE_TOO_LARGE', async () => {
    const bytes = Buffer.alloc(MAX_IMAGE_BYTES + 1024, 0xab).toString('base64');
    const message = await expectRejected(bytes, 'IMAGE_TOO_LARGE');
    assert.match(message, new RegExp(String(MAX_IMAGE_BYTES)));

    await expectRejected((await pngClaiming(60_000, 60_000)).toString('base64'), 'IMAGE_TOO_LARGE');
  });

  test('tiny or thin images are IMAGE_TOO_SMALL', async () => {
    const thin = await sharp({ create: { width: 2000, height: 4, channels: 3, background: '#fff' } }).png().toBuffer();
    const dot = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#fff' } }).png().toBuffer();

    await expectRejected(thin.toString('base64'), 'IMAGE_TOO_SMALL');
    await expectRejected(dot.toString('base64'), 'IMAGE_TOO_SMALL');
  });

  test('image without a face is NO_FACE', async () => {
    const grey = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#808080' } }).jpeg().toBuffer();
    const message = await expectRejected(grey.toString('base64'), 'NO_FACE');
    assert.match(message, /face/i);
  });

  test('photo of several faces is MULTIPLE_FACES', { skip: skipWithoutLfw }, async () => {
    const tiles = await Promise.all(lfwPeople('peopleDevTest.txt', 1).slice(0, 2).map((person) =>
      sharp(lfwImage(person.name, 1)).extract({ left: 45, top: 35, width: 160, height: 180 }).toBuffer()));
    const pair = await sharp({ create: { width: 600, height: 300, channels: 3, background: '#808080' } })
      .composite(tiles.map((input, i) => ({ input, left: 60 + i * 300, top: 60 })))
      .jpeg()
      .toBuffer();

    const message = await expectRejected(pair.toString('base64'), 'MULTIPLE_FACES');
    assert.match(message, /faceIndex/);
    await expectRejected(pair.toString('base64'), 'BAD_USER_INPUT', 7);
  });

  test('wrong ids are NOT_FOUND', async () => {
    const grey = (await sharp({ create: { width: 64, height: 64, channels: 3, background: '#888' } }).png().toBuffer()).toString('base64');

    for (const id of ['12345', '00000000-0000-4000-8000-000000000000']) {
      const added = await expectError(url, ADD_IMAGE, { userId: id, image: { base64: grey } });
      assert.equal(added.code, 'NOT_FOUND', added.message);
      const looked = await expectError(url, `query ($id: ID!) { user(id: $id) { id } }`, { id });
      assert.equal(looked.code, 'NOT_FOUND');
      const job = await expectError(url, `query ($id: ID!) { trainingJob(id: $id) { id } }`, { id });
      assert.equal(job.code, 'NOT_FOUND');
    }
  });

  test('oversized request is rejected with 413', async () => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: ADD_IMAGE, variables: { userId, image: { base64: 'A'.repeat(MAX_REQUEST_BYTES + 10) } } }),
    });
    const body = (await response.json()) as { errors: Array<{ message: string; extensions: { code: string } }> };

    assert.equal(response.status, 413);
    assert.equal(body.errors[0].extensions.code, 'REQUEST_TOO_LARGE');
  });

  test('search before training is MODEL_NOT_READY', async () => {
    const grey = (await sharp({ create: { width: 64, height: 64, channels: 3, background: '#888' } }).png().toBuffer()).toString('base64');
    const error = await expectError(url, `query ($i: ImageInput!) { similarFaces(image: $i) { score } }`, { i: { base64: grey } });

    assert.equal(error.code, 'MODEL_NOT_READY');
    assert.match(error.message, /trainModel/);
  });

  test('server still healthy, no tensors leaked', { skip: skipWithoutLfw }, async () => {
    const photo = (await fs.readFile(lfwImage(lfwPeople('peopleDevTest.txt', 2)[0].name, 1))).toString('base64');
    const grey = (await sharp({ create: { width: 320, height: 240, channels: 3, background: '#808080' } }).jpeg().toBuffer()).toString('base64');
    const tensors = async () => (await expectData<{ engineInfo: { tensors: number } }>(url, `{ engineInfo { tensors } }`)).engineInfo.tensors;

    // One warm-up request, so lazily created tensors exist before the count is taken.
    await expectData(url, ADD_IMAGE, { userId, image: { base64: photo }, faceIndex: 0 });
    const before = await tensors();
    for (let round = 0; round < 5; round++) {
      await expectData(url, ADD_IMAGE, { userId, image: { base64: photo }, faceIndex: 0 });
      await expectError(url, ADD_IMAGE, { userId, image: { base64: grey } });
    }
    assert.equal(await tensors(), before);

    const { health } = await expectData<{ health: { status: string } }>(url, `{ health { status } }`);
    assert.equal(health.status, 'ok');
    const { user } = await expectData<{ user: { images: unknown[] } }>(url, USER_IMAGES, { id: userId });
    assert.equal(user.images.length, 1, 'the same photo sent six times is stored once');
  });
});
