import 'reflect-metadata';

import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { CommandLineError } from './command-line.js';
import { ConfigError, loadConfig } from './config.js';
import { DataDirInUseError } from './db/data-dir-lock.js';
import { createLogger } from './logger.js';

/** Exit codes: 0 success, 1 runtime failure, 2 bad command line or configuration. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Signals this soon after the first one, in milliseconds, do not force an exit. */
const REPEATED_SIGNAL_GRACE_MS = 2_000;

export const USAGE = `Usage: facematch [command] [options]

Commands:
  serve            Start the GraphQL server (default); it runs a job worker too unless FACEMATCH_WORKER=off.
  worker           Start a standalone job worker against the Postgres server in DATABASE_URL.
  schema [FILE]    Write the GraphQL SDL to FILE (default schema/schema.graphql).
  migrate          Apply database migrations, then exit.
  create-key [--name NAME] [--role admin|client]
                   Store a new API key in the database and print it once (default: an admin
                   key named "admin"). The first key turns authentication on.
  generate-key     Print a new random key without storing it, for FACEMATCH_ADMIN_KEY.
  eval-lfw         Measure face vectors on LFW View 1 with an ablation (eval-lfw --help).
  build-strangers  Build the stranger set trained models calibrate thresholds on (build-strangers --help).
  help             Show this message.

Configuration comes from environment variables such as FACEMATCH_HOST, FACEMATCH_PORT,
DATABASE_URL (Postgres; embedded PGlite in FACEMATCH_DATA_DIR when unset),
FACEMATCH_MODELS_DIR, FACEMATCH_WORKER (on or off), FACEMATCH_LOG_LEVEL and FACEMATCH_ADMIN_KEY
(an admin API key stored hashed at start).
`;

async function serve(): Promise<number> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const { createServer } = await import('./server.js');

  const server = await createServer(config, { logger });
  await server.start();

  return untilSignal(logger, () => server.stop());
}

/**
 * Runs until SIGINT or SIGTERM, then calls `stop`; a second signal after the grace period exits at once.
 * Signals within the grace period are one stop request: Ctrl-C under npm reaches the process twice,
 * from the terminal and forwarded by npm.
 */
function untilSignal(logger: ReturnType<typeof createLogger>, stop: () => Promise<void>): Promise<number> {
  return new Promise<number>((resolve) => {
    let stoppingSince: number | null = null;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stoppingSince !== null) {
        if (Date.now() - stoppingSince < REPEATED_SIGNAL_GRACE_MS) {
          return;
        }
        logger.warn({ signal }, 'second signal: exiting without finishing shutdown');
        process.exit(EXIT_FAILURE);
      }
      stoppingSince = Date.now();
      logger.info({ signal }, 'shutting down');
      stop().then(
        () => resolve(EXIT_OK),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          resolve(EXIT_FAILURE);
        },
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

/**
 * Starts a standalone job worker: its own engine, and the Postgres server of DATABASE_URL shared
 * with the API. The embedded PGlite opens in one process only, so it is rejected.
 */
async function worker(): Promise<number> {
  const config = loadConfig();
  if (config.databaseUrl === undefined) {
    process.stderr.write(
      'facematch worker: DATABASE_URL is not set. A standalone worker needs the Postgres server the API uses, ' +
        'because the embedded PGlite database opens in one process only. Set DATABASE_URL=postgres://..., ' +
        'or run `facematch serve` without FACEMATCH_WORKER=off to take jobs inside the API process.\n',
    );
    return EXIT_USAGE;
  }

  const logger = createLogger(config.logLevel);
  const { openDatabase, repositories } = await import('./db/index.js');
  const { createEngine } = await import('./engine/index.js');
  const { decodeImage } = await import('./images/index.js');
  const { createServices } = await import('./services/index.js');
  const { createJobWorker } = await import('./jobs/index.js');

  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger, poolSize: config.databasePoolSize });
  let engine: Awaited<ReturnType<typeof createEngine>>;
  try {
    engine = await createEngine(config.engine, logger.child({ component: 'engine' }));
  } catch (error) {
    await db.close();
    throw error;
  }
  logger.info({ backend: engine.backend, engineWorkers: engine.workers }, 'worker engine started');

  const services = createServices({ db, engine, config, logger, repositories, decodeImage });
  const jobWorker = createJobWorker({ db, repositories, engine, images: services.images, config, logger });
  try {
    await jobWorker.start();
  } catch (error) {
    await engine.close();
    await db.close();
    throw error;
  }

  return untilSignal(logger, async () => {
    await jobWorker.stop();
    await engine.close();
    await db.close();
    logger.info('worker stopped');
  });
}

async function writeSchema(file: string | undefined): Promise<number> {
  const { SCHEMA_FILE, writeSchemaFile } = await import('./graphql/schema.js');
  const written = await writeSchemaFile(file === undefined ? SCHEMA_FILE : path.resolve(file));
  process.stdout.write(`Wrote ${written}\n`);
  return EXIT_OK;
}

async function migrate(): Promise<number> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const { openDatabase } = await import('./db/index.js');

  // Opening the database applies pending migrations.
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger, poolSize: config.databasePoolSize });
  await db.close();
  logger.info({ kind: db.kind }, 'migrations applied');
  return EXIT_OK;
}

/** Parses `create-key` options --name NAME and --role admin|client; returns a message for bad ones. */
export function parseCreateKeyArgs(args: string[]): { name: string; role: 'ADMIN' | 'CLIENT' } | string {
  let name = 'admin';
  let role: 'ADMIN' | 'CLIENT' = 'ADMIN';
  for (let i = 0; i < args.length; i += 2) {
    const [option, value] = [args[i], args[i + 1]];
    if (value === undefined) {
      return `${option} needs a value.`;
    }
    if (option === '--name') {
      name = value;
    } else if (option === '--role' && ['admin', 'client'].includes(value.toLowerCase())) {
      role = value.toUpperCase() as 'ADMIN' | 'CLIENT';
    } else if (option === '--role') {
      return `--role must be admin or client; got ${value}.`;
    } else {
      return `Unknown create-key option ${option}.`;
    }
  }
  return { name, role };
}

async function createKey(args: string[]): Promise<number> {
  const options = parseCreateKeyArgs(args);
  if (typeof options === 'string') {
    return usageError(options);
  }

  const config = loadConfig();
  const logger = createLogger(config.logLevel, 'stderr');
  const { openDatabase, repositories } = await import('./db/index.js');
  const { createApiKeysService } = await import('./services/api-keys.service.js');

  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger });
  try {
    const apiKeys = createApiKeysService({ db, repositories, logger });
    const { key, apiKey } = await apiKeys.createKey(options.name, options.role);
    process.stdout.write(`${key}\n`);
    process.stderr.write(`Created ${apiKey.role} key "${apiKey.name}" (prefix ${apiKey.prefix}). It is shown only now; send it as "Authorization: Bearer <key>".\n`);
  } finally {
    await db.close();
  }
  return EXIT_OK;
}

async function generateKey(): Promise<number> {
  const { generateApiKey } = await import('./auth/api-key-format.js');
  process.stdout.write(`${generateApiKey().key}\n`);
  return EXIT_OK;
}

/** Runs one command line (without node and the script path) and returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const [command = 'serve', ...rest] = args;

  try {
    switch (command) {
      case 'serve':
        return rest.length === 0 ? await serve() : usageError(`serve takes no arguments; got ${rest.join(' ')}.`);
      case 'schema':
        return rest.length <= 1 ? await writeSchema(rest[0]) : usageError('schema takes at most one argument, the output file.');
      case 'worker':
        return rest.length === 0 ? await worker() : usageError(`worker takes no arguments; got ${rest.join(' ')}.`);
      case 'migrate':
        return rest.length === 0 ? await migrate() : usageError(`migrate takes no arguments; got ${rest.join(' ')}.`);
      case 'create-key':
        return await createKey(rest);
      case 'generate-key':
        return rest.length === 0 ? await generateKey() : usageError(`generate-key takes no arguments; got ${rest.join(' ')}.`);
      case 'eval-lfw': {
        const { runEvalCommand } = await import('./eval/command.js');
        return await runEvalCommand(rest);
      }
      case 'build-strangers': {
        const { runStrangersCommand } = await import('./eval/stranger-set.js');
        return await runStrangersCommand(rest);
      }
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(USAGE);
        return EXIT_OK;
      default:
        return usageError(`Unknown command "${command}".`);
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`facematch: ${error.message}\n`);
      return EXIT_USAGE;
    }
    if (error instanceof CommandLineError) {
      process.stderr.write(`facematch ${command}: ${error.message} See facematch ${command} --help.\n`);
      return EXIT_USAGE;
    }
    // The message already gives the next step, so the stack trace is left out.
    if (error instanceof DataDirInUseError) {
      process.stderr.write(`facematch ${command}: ${error.message}\n`);
      return EXIT_FAILURE;
    }
    process.stderr.write(`facematch ${command} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT_FAILURE;
  }
}

function usageError(message: string): number {
  process.stderr.write(`facematch: ${message}\n\n${USAGE}`);
  return EXIT_USAGE;
}

// Run only when executed directly (tsx src/cli.ts), not when a test imports main.
if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // Exits explicitly, so an open handle left by a failed start or a stuck worker cannot keep the process alive.
  process.exit(await main(process.argv.slice(2)));
}
