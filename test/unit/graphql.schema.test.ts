import 'reflect-metadata';

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';

import { buildFacematchSchema, printFacematchSchema, SCHEMA_FILE } from '../../src/graphql/schema.js';

describe('GraphQL schema', () => {
  it('matches the committed schema/schema.graphql (run `npm run schema` after changing the API)', async () => {
    const committed = await readFile(SCHEMA_FILE, 'utf8');

    assert.equal(committed, await printFacematchSchema());
  });

  // Arguments are named, so their order does not matter to clients; both sides are compared sorted.
  it('keeps the operation names and arguments clients rely on', async () => {
    const schema = await buildFacematchSchema();
    const args = (type: 'Query' | 'Mutation', field: string): string[] =>
      schema.getType(type) === undefined
        ? []
        : ((schema.getType(type) as import('graphql').GraphQLObjectType).getFields()[field]?.args ?? []).map((a) => `${a.name}: ${String(a.type)}`).sort();

    assert.deepEqual(args('Mutation', 'createUser'), ['input: CreateUserInput!']);
    assert.deepEqual(args('Mutation', 'addImage'), ['faceIndex: Int', 'image: ImageInput!', 'userId: ID!']);
    assert.deepEqual(args('Mutation', 'removeImages'), ['userId: ID']);
    assert.deepEqual(args('Mutation', 'trainModel'), ['name: String!', 'options: TrainOptionsInput']);
    assert.deepEqual(args('Query', 'users'), ['limit: Int', 'offset: Int']);
    assert.deepEqual(args('Query', 'user'), ['id: ID!']);
    assert.deepEqual(args('Query', 'model'), ['name: String!', 'version: Int']);
    assert.deepEqual(args('Query', 'faceVector'), ['image: ImageInput!', 'model: String']);
    assert.deepEqual(args('Query', 'similarFaces'), ['acceptAt: FalseAcceptRate', 'image: ImageInput!', 'minSimilarity: Float', 'model: String', 'topK: Int']);
    assert.deepEqual(args('Query', 'verifyFaces'), ['imageA: ImageInput!', 'imageB: ImageInput!', 'model: String']);
    assert.deepEqual(args('Query', 'trainingJob'), ['id: ID!']);
  });
});
