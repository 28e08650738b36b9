import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Creates the structured JSON logger; request and job ids go in child loggers, never image bytes or secrets.
 * Commands whose standard output is their result (a printed key) log to standard error instead.
 */
export function createLogger(level: string = process.env.FACEMATCH_LOG_LEVEL || 'info', output: 'stdout' | 'stderr' = 'stdout'): Logger {
  const options = {
    level,
    base: { service: 'facematch' },
    redact: { paths: ['*.base64', '*.bytes', '*.password', '*.apiKey', '*.adminKey', '*.authorization', 'databaseUrl', 'adminKey'], censor: '[redacted]' },
  };
  return output === 'stdout' ? pino(options) : pino(options, pino.destination(2));
}
