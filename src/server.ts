import 'reflect-metadata';

import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { HeaderMap, type ApolloServer } from '@apollo/server';

import type { Principal } from './auth/roles.js';
import { checkAuthConfigured } from './auth/startup-check.js';
import type { Config } from './config.js';
import type { Database } from './db/types.js';
import type { Engine } from './engine/types.js';
import { ErrorCode, FacematchError } from './errors.js';
import { createApolloServer } from './graphql/apollo.js';
import type { GraphQLContext } from './graphql/context.js';
import { INTERNAL_ERROR_CODE, INTERNAL_ERROR_MESSAGE } from './graphql/errors.js';
import { compressedPlayground, playgroundHtml } from './graphql/playground.js';
import type { JobWorker } from './jobs/worker.js';
import { createLogger, type Logger } from './logger.js';
import { createServices, type Clock, type DecodeImage, type RepositoriesFactory, type Services } from './services/index.js';

/** Replacements for the real dependencies; whatever is passed is owned and closed by the server. */
export interface ServerDeps {
  logger?: Logger;
  database?: Database;
  engine?: Engine;
  repositories?: RepositoriesFactory;
  decodeImage?: DecodeImage;
  clock?: Clock;
  /** How long stop() waits for a running job before putting it back in the queue, in milliseconds (default 10 000). */
  jobGraceMs?: number;
}

export interface FacematchServer {
  readonly services: Services;
  /** The job worker of this process; null when config.jobs.inProcessWorker is off. */
  readonly worker: JobWorker | null;
  /** Listens on config.host:config.port (0 = an ephemeral port) and returns the GraphQL endpoint URL. */
  start(): Promise<string>;
  /** Closes the HTTP server, the job worker, the engine and the database, in that order. */
  stop(): Promise<void>;
}

const GRAPHQL_PATH = '/graphql';

/** Request ids a client may choose: short and free of characters that could break logs. */
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** How long stop() lets open requests finish before closing their connections, in milliseconds. */
const HTTP_CLOSE_GRACE_MS = 5_000;

class RequestTooLargeError extends Error {}

/** The client closed the connection before its request body was complete. */
class RequestAbortedError extends Error {}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(text));
  res.end(text);
}

/** Sends an error body shaped like a GraphQL response, so clients parse every error the same way. */
function sendError(res: http.ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { errors: [{ message, extensions: { code } }] });
}

/** Reads the whole body; rejects with RequestTooLargeError as soon as it exceeds `maxBytes`. */
function readBody(req: http.IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    return Promise.reject(new RequestTooLargeError());
  }

  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;

    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        // Keep reading and dropping the rest, so the client can send it all and then read the 413.
        req.off('data', onData);
        req.resume();
        chunks.length = 0;
        reject(new RequestTooLargeError());
        return;
      }
      chunks.push(chunk);
    };

    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
    // Without this, a client that disconnects mid-body would leave the promise and its chunks pending.
    req.on('close', () => {
      if (!req.complete) {
        chunks.length = 0;
        reject(new RequestAbortedError());
      }
    });
  });
}

function isJsonContentType(contentType: string | undefined): boolean {
  return contentType !== undefined && /^application\/(.+\+)?json\b/i.test(contentType.trim());
}

function prefersHtml(req: http.IncomingMessage): boolean {
  return (req.headers.accept ?? '').toLowerCase().includes('text/html');
}

function toHeaderMap(req: http.IncomingMessage): HeaderMap {
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) {
      headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
  }
  return headers;
}

function urlOf(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}${GRAPHQL_PATH}`;
}

/**
 * Stores FACEMATCH_ADMIN_KEY when set, then checks that a server reachable from other machines
 * requires keys (AuthNotConfiguredError otherwise), and warns when authentication is off.
 */
async function checkAuthentication(services: Services, config: Readonly<Config>, logger: Logger): Promise<void> {
  if (config.adminKey !== undefined) {
    await services.apiKeys.bootstrapAdminKey(config.adminKey);
  }

  checkAuthConfigured(config.host, await services.apiKeys.countActiveKeys());

  if (!(await services.apiKeys.isAuthRequired())) {
    logger.warn(
      { host: config.host },
      'Authentication is off: no API key exists, so every request is served with the admin role. This is allowed on loopback only. ' +
        'Create a key with `npx tsx src/cli.ts create-key` or the createApiKey mutation to turn authentication on.',
    );
  }
}

/**
 * Builds the service: database, engine, services, the in-process job worker (unless switched off)
 * and Apollo Server. Whatever was opened is closed again when a step fails.
 */
export async function createServer(config: Readonly<Config>, deps: ServerDeps = {}): Promise<FacematchServer> {
  const logger = deps.logger ?? createLogger(config.logLevel);
  const opened: Array<{ name: string; close: () => Promise<void> }> = [];

  async function closeOpened(): Promise<void> {
    for (const { name, close } of opened.splice(0).reverse()) {
      try {
        await close();
        logger.info(`${name} closed`);
      } catch (error) {
        logger.error({ err: error }, `could not close the ${name}`);
      }
    }
  }

  let services: Services;
  let worker: JobWorker | null = null;
  let apollo: ApolloServer<GraphQLContext>;
  try {
    // The real layers are imported only when not replaced, so tests with fakes never load TensorFlow.js or PGlite.
    const db =
      deps.database ??
      (await (await import('./db/index.js')).openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger, poolSize: config.databasePoolSize }));
    opened.push({ name: 'database', close: () => db.close() });
    logger.info({ kind: db.kind }, 'database opened');

    const engine = deps.engine ?? (await (await import('./engine/index.js')).createEngine(config.engine, logger.child({ component: 'engine' })));
    opened.push({ name: 'engine', close: () => engine.close() });
    logger.info({ backend: engine.backend, workers: engine.workers }, 'engine started');

    const repositories = deps.repositories ?? (await import('./db/index.js')).repositories;
    services = createServices({
      db,
      engine,
      config,
      logger,
      repositories,
      decodeImage: deps.decodeImage ?? (await import('./images/index.js')).decodeImage,
      clock: deps.clock,
      onJobQueued: () => worker?.nudge(),
    });

    if (config.jobs.inProcessWorker) {
      const { createJobWorker } = await import('./jobs/index.js');
      const started = createJobWorker({ db, repositories, engine, images: services.images, config, logger, clock: deps.clock });
      await started.start();
      worker = started;
      opened.push({ name: 'job worker', close: () => started.stop(deps.jobGraceMs) });
    } else {
      logger.info('no job worker in this process (FACEMATCH_WORKER=off); jobs wait for a standalone worker');
    }
    await services.training.activateShippedModel();

    await checkAuthentication(services, config, logger);

    apollo = await createApolloServer(logger.child({ component: 'apollo' }), {
      maxDepth: config.limits.maxQueryDepth,
      maxImageFields: config.limits.maxImageFields,
    });
  } catch (error) {
    await closeOpened();
    throw error;
  }

  async function handleGraphQL(req: http.IncomingMessage, res: http.ServerResponse, url: URL, requestId: string, log: Logger): Promise<void> {
    const principal = await authenticateRequest(req, res, log);
    if (principal === null) {
      return;
    }
    const requestLog = principal.kind === 'key' ? log.child({ keyPrefix: principal.prefix }) : log;

    let body: unknown;
    if (req.method === 'POST') {
      let raw: Buffer;
      try {
        raw = await readBody(req, config.limits.maxRequestBytes);
      } catch (error) {
        if (error instanceof RequestTooLargeError) {
          log.warn({ maxRequestBytes: config.limits.maxRequestBytes }, 'request body too large');
          res.setHeader('connection', 'close');
          sendError(res, 413, 'REQUEST_TOO_LARGE', `The request body exceeds ${config.limits.maxRequestBytes} bytes (FACEMATCH_MAX_REQUEST_BYTES). Send a smaller image.`);
          return;
        }
        if (error instanceof RequestAbortedError || (error as NodeJS.ErrnoException).code === 'ECONNRESET') {
          // Nothing ran, so nothing was stored, and no client is left to receive a response.
          log.info('client closed the connection before sending the whole request body');
          return;
        }
        throw error;
      }

      if (isJsonContentType(req.headers['content-type'])) {
        try {
          body = raw.length === 0 ? undefined : JSON.parse(raw.toString('utf8'));
        } catch {
          sendError(res, 400, 'BAD_REQUEST', 'The request body is not valid JSON. Send a JSON object such as {"query": "{ activeModel { name } }"}.');
          return;
        }
      } else {
        // Apollo rejects other content types itself, with its CSRF or content-type message.
        body = raw.toString('utf8');
      }
    }

    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers: toHeaderMap(req), search: url.search, body },
      context: async () => ({ services, requestId, logger: requestLog, principal }),
    });

    for (const [key, value] of response.headers) {
      res.setHeader(key, value);
    }
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) {
      res.write(chunk);
    }
    res.end();
  }

  /**
   * Returns who sent the request, or null after sending 401 UNAUTHENTICATED. The body of a
   * rejected request is read and dropped first (up to the request limit), so the client can finish
   * sending and then read the answer.
   */
  async function authenticateRequest(req: http.IncomingMessage, res: http.ServerResponse, log: Logger): Promise<Principal | null> {
    try {
      return await services.apiKeys.authenticate(req.headers.authorization);
    } catch (error) {
      if (!(error instanceof FacematchError && error.code === ErrorCode.UNAUTHENTICATED)) {
        throw error;
      }

      log.warn({ reason: error.message }, 'request rejected: missing, unknown or revoked API key');
      await readBody(req, config.limits.maxRequestBytes).catch(() => undefined);
      res.setHeader('www-authenticate', 'Bearer realm="facematch"');
      sendError(res, 401, error.code, error.message);
      return null;
    }
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const header = req.headers['x-request-id'];
    const requestId = typeof header === 'string' && CLIENT_REQUEST_ID.test(header) ? header : randomUUID();
    res.setHeader('x-request-id', requestId);
    const log = logger.child({ requestId });
    const url = new URL(req.url ?? '/', 'http://localhost');
    const isRead = req.method === 'GET' || req.method === 'HEAD';

    if (url.pathname === '/health' && isRead) {
      const health = await services.health.check();
      sendJson(res, health.status === 'ok' ? 200 : 503, health);
      return;
    }

    if ((url.pathname === GRAPHQL_PATH || url.pathname === '/') && isRead && prefersHtml(req)) {
      const { gzip, etag } = compressedPlayground(GRAPHQL_PATH);
      res.setHeader('etag', etag);
      res.setHeader('cache-control', 'no-cache');
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.setHeader('vary', 'accept-encoding');
      if (req.headers['if-none-match'] === etag) {
        res.statusCode = 304;
        res.end();
        return;
      }

      const acceptsGzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
      const body = acceptsGzip ? gzip : Buffer.from(playgroundHtml(GRAPHQL_PATH));
      res.statusCode = 200;
      if (acceptsGzip) {
        res.setHeader('content-encoding', 'gzip');
      }
      res.setHeader('content-length', body.length);
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }

    if (url.pathname === GRAPHQL_PATH) {
      await handleGraphQL(req, res, url, requestId, log);
      return;
    }

    sendError(res, 404, 'NOT_FOUND', `Nothing at ${url.pathname}. GraphQL is at ${GRAPHQL_PATH} and the health check at /health.`);
  }

  const httpServer = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      logger.error({ err: error, requestId: res.getHeader('x-request-id') }, 'unhandled error while serving a request');
      if (!res.headersSent) {
        sendError(res, 500, INTERNAL_ERROR_CODE, INTERNAL_ERROR_MESSAGE);
      } else {
        res.destroy();
      }
    });
  });

  let started = false;

  return {
    services,
    worker,

    async start(): Promise<string> {
      await apollo.start();
      opened.push({ name: 'Apollo Server', close: () => apollo.stop() });

      await new Promise<void>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(config.port, config.host, () => {
          httpServer.off('error', reject);
          resolve();
        });
      });
      started = true;

      const url = urlOf(httpServer.address() as AddressInfo);
      logger.info({ url }, 'facematch listening');
      return url;
    },

    async stop(): Promise<void> {
      logger.info('facematch stopping');

      if (started) {
        started = false;
        const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
        httpServer.closeIdleConnections();
        const timer = setTimeout(() => httpServer.closeAllConnections(), HTTP_CLOSE_GRACE_MS);
        await closed;
        clearTimeout(timer);
        logger.info('HTTP server closed');
      }

      // Closes in reverse order of opening: Apollo, job worker, engine, database.
      await closeOpened();
      logger.info('facematch stopped');
    },
  };
}
