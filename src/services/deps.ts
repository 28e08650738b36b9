import type { Config } from '../config.js';
import type { Database, Repositories, Sql } from '../db/types.js';
import type { Engine } from '../engine/types.js';
import type { DecodedImage, ImageLimits } from '../images/types.js';
import type { Logger } from '../logger.js';

/** Builds the repositories over a connection or a transaction; `repositories` from src/db/index.ts. */
export type RepositoriesFactory = (sql: Sql) => Repositories;

/** Decodes and validates one base64 image; `decodeImage` from src/images/index.ts. */
export type DecodeImage = (input: string, limits: ImageLimits) => Promise<DecodedImage>;

/** Milliseconds since the epoch; tests pass a fake to control throttling. */
export type Clock = () => number;

/** Dependencies every service is built from: the server passes the real ones, unit tests pass fakes. */
export interface ServiceDeps {
  db: Database;
  repositories: RepositoriesFactory;
  engine: Engine;
  decodeImage: DecodeImage;
  config: Readonly<Config>;
  logger: Logger;
  clock?: Clock;
  /** Called after a job is queued, so a worker in this process can take it without waiting for its next poll. */
  onJobQueued?: () => void;
}
