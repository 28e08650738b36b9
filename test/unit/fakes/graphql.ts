import type { ApolloServer } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';

import type { Principal } from '../../../src/auth/roles.js';
import { createApolloServer } from '../../../src/graphql/apollo.js';
import type { GraphQLContext } from '../../../src/graphql/context.js';
import type { Logger } from '../../../src/logger.js';
import type { Services } from '../../../src/services/index.js';

export interface OperationResult {
  data: Record<string, unknown> | null | undefined;
  errors: readonly GraphQLFormattedError[] | undefined;
}

/** Builds an Apollo Server over the real schema; `execute` runs one operation with the given services. */
export async function createGraphQLHarness(services: Services, logger: Logger): Promise<{
  apollo: ApolloServer<GraphQLContext>;
  execute(query: string, variables?: Record<string, unknown>, requestId?: string, principal?: Principal): Promise<OperationResult>;
}> {
  const apollo = await createApolloServer(logger);
  return {
    apollo,
    async execute(query, variables, requestId = 'test-request', principal = { kind: 'open' }) {
      const response = await apollo.executeOperation(
        { query, variables },
        { contextValue: { services, requestId, logger: logger.child({ requestId }), principal } },
      );
      if (response.body.kind !== 'single') {
        throw new Error('expected a single result');
      }
      // A JSON round trip returns what an HTTP client receives: plain objects and ISO date strings.
      return JSON.parse(JSON.stringify({ data: response.body.singleResult.data, errors: response.body.singleResult.errors })) as OperationResult;
    },
  };
}
