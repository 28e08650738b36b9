import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';

import { ApiKeyResolver } from './api-key.resolver.js';
import { HealthResolver } from './health.resolver.js';
import { ImageResolver } from './image.resolver.js';
import { ImportResolver } from './import.resolver.js';
import { JobResolver } from './job.resolver.js';
import { ModelResolver } from './model.resolver.js';
import { SearchResolver } from './search.resolver.js';
import { TrainingResolver } from './training.resolver.js';
import { UserResolver } from './user.resolver.js';

/** schema/schema.graphql at the repository root. */
export const SCHEMA_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../schema/schema.graphql');

let built: Promise<GraphQLSchema> | undefined;

/**
 * Builds the executable schema once per process. Resolvers read services from the context,
 * so one schema serves every server and test.
 */
export function buildFacematchSchema(): Promise<GraphQLSchema> {
  built ??= buildSchema({
    resolvers: [UserResolver, ImageResolver, ImportResolver, ModelResolver, TrainingResolver, JobResolver, SearchResolver, HealthResolver, ApiKeyResolver],
    // Input checks live in the services; class-validator is not installed.
    validate: false,
  });
  return built;
}

/** Prints the SDL as committed in schema/schema.graphql, sorted so the file's diff shows only real changes. */
export async function printFacematchSchema(): Promise<string> {
  return `${printSchema(lexicographicSortSchema(await buildFacematchSchema()))}\n`;
}

export async function writeSchemaFile(file: string = SCHEMA_FILE): Promise<string> {
  await writeFile(file, await printFacematchSchema(), 'utf8');
  return file;
}
