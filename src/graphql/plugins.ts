import type { ApolloServerPlugin } from '@apollo/server';

import type { GraphQLContext } from './context.js';
import { classifyError } from './errors.js';

/** Logs every internal error once, with the request id, before formatError hides it from the client. */
export function errorLoggingPlugin(): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ contextValue, errors, operationName }) {
          for (const error of errors) {
            const visibility = classifyError(error);
            if (visibility.internal) {
              contextValue.logger.error({ err: visibility.cause, operationName, path: error.path }, 'internal error while handling a GraphQL request');
            }
          }
        },
      };
    },
  };
}

/** Logs each operation's name, duration and error count. Variables are never logged: they carry image data. */
export function requestLoggingPlugin(): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      const startedAt = performance.now();
      return {
        async willSendResponse({ contextValue, operationName, request, errors }) {
          contextValue.logger.info(
            {
              operationName: operationName ?? request.operationName ?? null,
              durationMs: Math.round((performance.now() - startedAt) * 10) / 10,
              errors: errors?.length ?? 0,
            },
            'graphql request',
          );
        },
      };
    },
  };
}
