import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { after, before, describe, test } from 'node:test';

import { loadConfig } from '../../src/config.js';
import { openDatabase, type Database } from '../../src/db/index.js';
import { createLogger } from '../../src/logger.js';
import { createServer, type FacematchServer } from '../../src/server.js';
import { lfwImage, lfwPeople, skipWithoutLfw } from '../support/faces.js';
import { expectData } from '../support/graphql-client.js';
import { countChanges, countRows, type TableCounts } from '../support/table-counts.js';
import { captureLogger } from '../unit/fakes/logger.js';

/**
 * No lost or half-stored data on the real server (embedded PGlite, real engine, shipped base
 * model): concurrent duplicates, clients that disconnect mid-request, and deletion of a user,
 * checked by counting the rows of every table in the public schema.
 */

const MODELS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'models');

/** How long to wait for the server to log that it finished with a request, in milliseconds. */
const LOG_WAIT_MS = 30_000;

const ADD_IMAGE = `mutation ($userId: ID!, $image: ImageInput!) { addImage(userId: $userId, image: $image) { id face { id } } }`;
const CREATE_USER = `mutation ($name: String!) { createUser(input: { name: $name }) { id } }`;

/** What one complete enrolment adds: an image, its face (with cached activations) and the face's vector. */
const ONE_ENROLMENT: TableCounts = { images: 1, faces: 1, face_vectors: 1 };

describe('no lost or half-stored data', { skip: skipWithoutLfw }, () => {
  let server: FacematchServer;
  let url: string;
  let db: Database;
  const { logger, records } = captureLogger();
  const people = lfwPeople('peopleDevTest.txt', 2);

  before(async () => {
    const config = loadConfig({ FACEMATCH_PORT: '0', FACEMATCH_DATA_DIR: 'memory://', FACEMATCH_MODELS_DIR: MODELS_DIR, FACEMATCH_ENGINE_WORKERS: '2' });
    // The test opens the database itself to count rows; the server closes it.
    db = await openDatabase({ dataDir: config.dataDir, logger: createLogger('silent') });
    server = await createServer(config, { logger, database: db });
    url = await server.start();
  });

  after(async () => {
    await server?.stop();
  });

  async function createUser(name: string): Promise<string> {
    return (await expectData<{ createUser: { id: string } }>(url, CREATE_USER, { name })).createUser.id;
  }

  async function photo(personIndex: number, imageIndex = 1): Promise<string> {
    return (await fs.readFile(lfwImage(people[personIndex].name, imageIndex))).toString('base64');
  }

  /** Waits until the server logs a record for `requestId` whose message matches `message`. */
  async function waitForLog(requestId: string, message: RegExp): Promise<Record<string, unknown>> {
    const deadline = Date.now() + LOG_WAIT_MS;
    for (;;) {
      const record = records.find((r) => r.requestId === requestId && message.test(String(r.msg)));
      if (record !== undefined) {
        return record;
      }
      assert.ok(Date.now() < deadline, `no log line matching ${message} for request ${requestId} within ${LOG_WAIT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Opens a raw connection, sends the headers of an addImage POST and `bodyBytes` bytes of its body, then closes it without reading. */
  async function sendAndHangUp(requestId: string, body: string, bodyBytes: number): Promise<void> {
    const { hostname, port } = new URL(url);
    const socket = net.connect(Number(port), hostname);
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));

    const head = [
      'POST /graphql HTTP/1.1',
      `Host: ${hostname}:${port}`,
      'Content-Type: application/json',
      `Content-Length: ${Buffer.byteLength(body)}`,
      `X-Request-Id: ${requestId}`,
      '',
      '',
    ].join('\r\n');
    await new Promise<void>((resolve, reject) => socket.write(Buffer.concat([Buffer.from(head), Buffer.from(body).subarray(0, bodyBytes)]), (error) => (error ? reject(error) : resolve())));

    socket.destroy();
  }

  /** Checks that every stored image has exactly one face and every face a vector from the active model. */
  async function assertNoHalfEnrolment(): Promise<void> {
    const { rows } = await db.query<{ images_without_face: number; faces_without_vector: number }>(
      `SELECT
         (SELECT count(*)::int FROM images i WHERE (SELECT count(*) FROM faces f WHERE f.image_id = i.id) <> 1) AS images_without_face,
         (SELECT count(*)::int FROM faces f WHERE NOT EXISTS (
            SELECT 1 FROM face_vectors v JOIN models m ON m.id = v.model_id WHERE v.face_id = f.id AND m.active)) AS faces_without_vector`,
    );
    assert.deepEqual(rows[0], { images_without_face: 0, faces_without_vector: 0 });
  }

  test('same image twice at once stored once', async () => {
    const userId = await createUser('Twice Sent');
    const image = { base64: await photo(0) };
    const before = await countRows(db);

    const [first, second] = await Promise.all([
      expectData<{ addImage: { id: string; face: { id: string } } }>(url, ADD_IMAGE, { userId, image }),
      expectData<{ addImage: { id: string; face: { id: string } } }>(url, ADD_IMAGE, { userId, image }),
    ]);

    assert.equal(first.addImage.id, second.addImage.id, 'both requests return the same image');
    assert.equal(first.addImage.face.id, second.addImage.face.id, 'both requests return the same face');
    assert.deepEqual(countChanges(before, await countRows(db)), ONE_ENROLMENT);
    await assertNoHalfEnrolment();
  });

  test('half-sent body stores nothing', async () => {
    const userId = await createUser('Half Sent');
    const body = JSON.stringify({ query: ADD_IMAGE, variables: { userId, image: { base64: await photo(1) } } });
    const before = await countRows(db);

    await sendAndHangUp('half-sent-body', body, Math.floor(Buffer.byteLength(body) / 2));
    await waitForLog('half-sent-body', /closed the connection before sending the whole request body/);

    assert.deepEqual(countChanges(before, await countRows(db)), {}, 'no table changed');
    const { health } = await expectData<{ health: { status: string } }>(url, `{ health { status } }`);
    assert.equal(health.status, 'ok', 'the server keeps serving');
  });

  test('hang-up before the answer: whole or nothing', async () => {
    const userId = await createUser('Hung Up');
    const body = JSON.stringify({ query: ADD_IMAGE, variables: { userId, image: { base64: await photo(2) } } });
    const before = await countRows(db);

    await sendAndHangUp('hung-up-before-answer', body, Buffer.byteLength(body));
    const finished = await waitForLog('hung-up-before-answer', /^graphql request$|closed the connection before sending/);

    const changes = countChanges(before, await countRows(db));
    console.log(`# hang-up after the full body: ${finished.msg}; rows added ${JSON.stringify(changes)}`);
    assert.ok(
      isDeepStrictEqual(changes, {}) || isDeepStrictEqual(changes, ONE_ENROLMENT),
      `either the whole enrolment or nothing was stored: ${JSON.stringify(changes)}`,
    );
    await assertNoHalfEnrolment();

    const { health } = await expectData<{ health: { status: string } }>(url, `{ health { status } }`);
    assert.equal(health.status, 'ok', 'the server keeps serving');
  });

  test('deleteUser leaves no row behind', async () => {
    const before = await countRows(db);
    const userId = await createUser('Deleted Person');
    const images = [await photo(3, 1), await photo(3, 2)];
    for (const base64 of images) {
      await expectData(url, ADD_IMAGE, { userId, image: { base64 } });
    }

    const enrolled = countChanges(before, await countRows(db));
    assert.deepEqual(enrolled, { users: 1, images: 2, faces: 2, face_vectors: 2 }, 'enrolment stored the user, images, faces and vectors');

    const { deleteUser } = await expectData<{ deleteUser: boolean }>(url, `mutation ($id: ID!) { deleteUser(id: $id) }`, { id: userId });
    assert.equal(deleteUser, true);
    assert.deepEqual(countChanges(before, await countRows(db)), {}, 'every table is back to its count before the enrolment');

    // No other table (a job payload, a cache) may still name the user or contain the image bytes' hash.
    const hashes = images.map((base64) => createHash('sha256').update(Buffer.from(base64, 'base64')).digest('hex'));
    const { rows: tables } = await db.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
    );
    for (const { table_name: table } of tables) {
      const { rows } = await db.query(`SELECT * FROM "${table}"`);
      const text = JSON.stringify(rows, (_key, value) => (Buffer.isBuffer(value) ? value.toString('hex') : value));
      assert.ok(!text.includes(userId), `table ${table} still names the deleted user`);
      for (const hash of hashes) {
        assert.ok(!text.includes(hash), `table ${table} still contains a deleted image's sha256`);
      }
    }
  });
});
