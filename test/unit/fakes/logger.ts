import { Writable } from 'node:stream';

import { pino, type Logger } from 'pino';

/** Creates a pino logger that keeps every record as a parsed object, for assertions on what was logged. */
export function captureLogger(): { logger: Logger; records: Array<Record<string, unknown>> } {
  const records: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() !== '') {
          records.push(JSON.parse(line) as Record<string, unknown>);
        }
      }
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), records };
}
