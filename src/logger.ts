import { pino, type Logger } from 'pino';

export type { Logger };

/** Creates the structured JSON logger; request and job ids go in child loggers, never image bytes or secrets. */
export function createLogger(level: string = process.env.FACEMATCH_LOG_LEVEL || 'info'): Logger {
  return pino({
    level,
    base: { service: 'facematch' },
    redact: { paths: ['*.base64', '*.bytes', '*.password', '*.apiKey', '*.adminKey', '*.authorization', 'databaseUrl', 'adminKey'], censor: '[redacted]' },
  });
}
