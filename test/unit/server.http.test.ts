import 'reflect-metadata';

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { createServer, type FacematchServer } from '../../src/server.js';
import { FakeDatabase, fakeRepositories } from './fakes/database.js';
import { FakeEngine, fakeDecodeImage } from './fakes/engine.js';
import { captureLogger } from './fakes/logger.js';
import { testConfig } from './fakes/services.js';

const MAX_REQUEST_BYTES = 4096;

describe('HTTP server', () => {
  const db = new FakeDatabase();
  const engine = new FakeEngine();
  const { logger, records } = captureLogger();
  const closed: string[] = [];
  let server: FacematchServer;
  let url: string;

  before(async () => {
    const closeDb = db.close.bind(db);
    db.close = async () => {
      closed.push('database');
      await closeDb();
    };
    const closeEngine = engine.close.bind(engine);
    engine.close = async () => {
      closed.push('engine');
      await closeEngine();
    };

    server = await createServer(testConfig({ host: '127.0.0.1', port: 0 }, { maxRequestBytes: MAX_REQUEST_BYTES }), {
      database: db, engine, repositories: fakeRepositories, decodeImage: fakeDecodeImage, logger,
    });
    url = await server.start();
  });

  after(async () => {
    await server.stop();
  });

  async function post(body: string, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  }

  it('listens on 127.0.0.1 on an ephemeral port and serves GraphQL at /graphql', async () => {
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/graphql$/);
    assert.notEqual(new URL(url).port, '4000');

    const response = await post(JSON.stringify({ query: 'mutation { createUser(input: { name: "Ada" }) { name } }' }));

    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { data: { createUser: { name: 'Ada' } } });
  });

  it('echoes a valid x-request-id and logs the operation without variables', async () => {
    const response = await post(
      JSON.stringify({ query: 'query Users($secret: Int) { users(limit: $secret) { id } }', operationName: 'Users', variables: { secret: 314159 } }),
      { 'x-request-id': 'client-id-7' },
    );
    await response.json();

    assert.equal(response.headers.get('x-request-id'), 'client-id-7');
    const line = records.find((r) => r.msg === 'graphql request' && r.requestId === 'client-id-7');
    assert.ok(line, 'the request is logged with its id');
    assert.equal(line.operationName, 'Users');
    assert.equal(typeof line.durationMs, 'number');
    assert.doesNotMatch(JSON.stringify(records), /314159/);
  });

  it('answers 413 with a GraphQL-style REQUEST_TOO_LARGE error above maxRequestBytes', async () => {
    const body = JSON.stringify({ query: '{ users { id } }', variables: { padding: 'x'.repeat(MAX_REQUEST_BYTES) } });

    const response = await post(body);

    assert.equal(response.status, 413);
    const json = (await response.json()) as { errors: Array<{ message: string; extensions: { code: string } }> };
    assert.equal(json.errors[0].extensions.code, 'REQUEST_TOO_LARGE');
    assert.match(json.errors[0].message, new RegExp(`exceeds ${MAX_REQUEST_BYTES} bytes`));
  });

  it('answers 413 for a chunked body without content-length once it passes the limit', async () => {
    const chunk = new TextEncoder().encode(' '.repeat(1024));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 8; i++) {
          controller.enqueue(chunk);
        }
        controller.close();
      },
    });

    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: stream, duplex: 'half' } as RequestInit);

    assert.equal(response.status, 413);
    assert.equal(((await response.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0].extensions.code, 'REQUEST_TOO_LARGE');
  });

  it('accepts a body just under the limit', async () => {
    const query = '{ users { id } }';
    const padding = MAX_REQUEST_BYTES - JSON.stringify({ query, variables: { p: '' } }).length;
    const response = await post(JSON.stringify({ query, variables: { p: 'x'.repeat(padding) } }));

    assert.equal(response.status, 200);
  });

  it('answers 400 BAD_REQUEST for a body that is not JSON', async () => {
    const response = await post('{"query": ');

    assert.equal(response.status, 400);
    const json = (await response.json()) as { errors: Array<{ extensions: { code: string } }> };
    assert.equal(json.errors[0].extensions.code, 'BAD_REQUEST');
  });

  it('keeps CSRF prevention on: a GET query without a preflight header is rejected', async () => {
    const response = await fetch(`${url}?query=${encodeURIComponent('{ users { id } }')}`, { headers: { accept: 'application/json' } });

    assert.equal(response.status, 400);
    assert.match(await response.text(), /CSRF/);
  });

  it('serves an offline GraphiQL page to browsers at /graphql and /', async () => {
    for (const path of ['/graphql', '/']) {
      const response = await fetch(new URL(path, url), { headers: { accept: 'text/html,application/xhtml+xml' } });

      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
      const html = await response.text();
      assert.match(html, /YogaGraphiQL\.renderYogaGraphiQL/);
      // Every script and stylesheet is inline: no src= or href= pointing to another host.
      assert.deepEqual(html.match(/<script[^>]*\ssrc=/gi), null);
      const hrefs = [...html.matchAll(/<link[^>]*\shref="([^"]*)"/gi)].map((m) => m[1]);
      assert.ok(hrefs.every((href) => href.startsWith('data:')), `external link: ${hrefs.find((h) => !h.startsWith('data:'))}`);
      assert.doesNotMatch(html, /unpkg\.com|cdn\.jsdelivr|esm\.sh|apollo-server-landing-page|embeddable-explorer/);
    }
  });

  it('compresses the GraphiQL page and honours its entity tag', async () => {
    const first = await fetch(new URL('/graphql', url), { headers: { accept: 'text/html', 'accept-encoding': 'gzip' } });
    const etag = first.headers.get('etag');
    await first.arrayBuffer();

    assert.equal(first.status, 200);
    assert.equal(first.headers.get('content-encoding'), 'gzip');
    assert.ok(Number(first.headers.get('content-length')) < 4_000_000, `gzip size ${first.headers.get('content-length')}`);
    assert.match(etag ?? '', /^"[0-9a-f]{32}"$/);

    const again = await fetch(new URL('/graphql', url), { headers: { accept: 'text/html', 'if-none-match': etag! } });
    assert.equal(again.status, 304);
    assert.equal((await again.text()).length, 0);
  });

  it('serves /health as JSON', async () => {
    const response = await fetch(new URL('/health', url));

    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), {
      status: 'ok',
      database: { kind: 'pglite', ok: true },
      engine: { backend: 'cpu', workers: 2, ok: true },
    });
  });

  it('answers 503 from /health when the database fails', async () => {
    db.failing.add('models.getActive');
    try {
      const response = await fetch(new URL('/health', url));

      assert.equal(response.status, 503);
      assert.equal(((await response.json()) as { status: string }).status, 'degraded');
    } finally {
      db.failing.delete('models.getActive');
    }
  });

  it('answers 404 with a JSON error for other paths', async () => {
    const response = await fetch(new URL('/nope', url));

    assert.equal(response.status, 404);
    assert.equal(((await response.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0].extensions.code, 'NOT_FOUND');
  });

  it('stop closes HTTP, worker, engine, database in order', async () => {
    await server.stop();

    assert.deepEqual(closed, ['engine', 'database']);
    await assert.rejects(fetch(new URL('/health', url)));
    const messages = records.map((r) => r.msg);
    assert.ok(messages.indexOf('HTTP server closed') < messages.indexOf('job worker closed'));
    assert.ok(messages.indexOf('job worker closed') < messages.indexOf('engine closed'));
    assert.ok(messages.indexOf('engine closed') < messages.indexOf('database closed'));
  });
});
