import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

import { openDatabase, type Database } from '../../../src/db/index.js';
import { createLogger } from '../../../src/logger.js';

export const silentLogger = createLogger('silent');

/** A kind of database connection. The repository suite runs once per backend. */
export interface Backend {
  name: string;
  /** Opens a Database with migrations applied. */
  open(): Promise<Database>;
  stop(): Promise<void>;
}

/** In-process PGlite in memory. Every open() creates a new, empty database. */
export function pgliteBackend(): Backend {
  return {
    name: 'PGlite in process',
    open: () => openDatabase({ dataDir: 'memory://', logger: silentLogger }),
    stop: async () => {},
  };
}

/**
 * pg through a socket: a PGlite with pgvector served by PGLiteSocketServer on 127.0.0.1 at an
 * ephemeral port. Every open() connects to the same database with a pool of one connection,
 * because all socket clients share the single PGlite backend.
 */
export async function socketBackend(): Promise<Backend & { databaseUrl: string }> {
  const served = await PGlite.create({ dataDir: 'memory://', extensions: { vector } });
  // Two connections: the suite's pool and the one a reopening test adds.
  const server = new PGLiteSocketServer({ db: served, host: '127.0.0.1', port: 0, maxConnections: 2 });
  await server.start();
  const databaseUrl = `postgresql://postgres@${server.getServerConn()}/postgres`;

  return {
    name: 'pg through pglite-socket',
    databaseUrl,
    open: () => openDatabase({ databaseUrl, dataDir: 'unused', logger: silentLogger, poolSize: 1 }),
    stop: async () => {
      await server.stop();
      await served.close();
    },
  };
}
