import { mkdir } from 'node:fs/promises';

import { PGlite, type Transaction } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';

import { lockDataDir } from './data-dir-lock.js';
import type { Driver, ScriptSql } from './driver.js';

/** The dataDir prefix that PGlite reads as "keep the database in memory". */
const MEMORY_PREFIX = 'memory://';

/** Postgres type oid of bytea. */
const BYTEA_OID = 17;

/**
 * Opens the embedded PGlite with the pgvector extension loaded (CREATE EXTENSION runs in the first
 * migration). `dataDir` is a folder, created when missing, or `memory://` for a throwaway database.
 */
export async function openPglite(dataDir: string): Promise<Driver> {
  let unlock = async (): Promise<void> => undefined;
  if (!dataDir.startsWith(MEMORY_PREFIX)) {
    await mkdir(dataDir, { recursive: true });
    unlock = await lockDataDir(dataDir);
  }

  const db = await PGlite.create({
    dataDir,
    extensions: { vector },
    // PGlite's own bytea codec converts byte by byte through an array of strings. Buffer's hex codec
    // is much faster for image bytes and activations, and reads then return a Buffer, as pg does.
    parsers: { [BYTEA_OID]: (text: string) => Buffer.from(text.slice(2), 'hex') },
    serializers: { [BYTEA_OID]: serializeBytea },
  }).catch(async (error: unknown) => {
    await unlock();
    throw error;
  });

  return {
    kind: 'pglite',

    async query<R>(text: string, params?: unknown[]) {
      const result = await db.query<R>(text, params);
      return { rows: result.rows, affectedRows: result.affectedRows ?? 0 };
    },

    transaction<T>(work: (sql: ScriptSql) => Promise<T>): Promise<T> {
      return db.transaction((tx) => work(transactionSql(tx)));
    },

    async close() {
      try {
        await db.close();
      } finally {
        await unlock();
      }
    },
  };
}

function transactionSql(tx: Transaction): ScriptSql {
  return {
    async query<R>(text: string, params?: unknown[]) {
      const result = await tx.query<R>(text, params);
      return { rows: result.rows, affectedRows: result.affectedRows ?? 0 };
    },

    async exec(script: string) {
      await tx.exec(script);
    },
  };
}

/** Writes a bytea parameter in the hex text format: `\x` followed by two hex digits per byte. */
function serializeBytea(value: unknown): string {
  if (!(value instanceof Uint8Array)) {
    throw new TypeError('A bytea parameter must be a Buffer or a Uint8Array.');
  }
  return '\\x' + Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex');
}
