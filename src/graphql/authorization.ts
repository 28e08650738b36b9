import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, Kind, TypeInfo, visit, visitWithTypeInfo, type GraphQLSchema, type DocumentNode } from 'graphql';

import { isAllowed, requiredRole, type Principal } from '../auth/roles.js';
import { ErrorCode } from '../errors.js';
import type { GraphQLContext } from './context.js';

/**
 * Checks every field of the request against the caller's role after validation and before any
 * resolver runs, so an operation with one forbidden field does nothing at all. It walks the whole
 * document, aliases and fragments included, so a field cannot hide behind either.
 */
export function authorizationPlugin(): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, document, schema }) {
          const denied = forbiddenFields(schema, document, contextValue.principal);
          if (denied.length === 0) {
            return;
          }

          const principal = contextValue.principal;
          const role = principal.kind === 'key' ? principal.role : 'none';
          contextValue.logger.warn({ keyPrefix: principal.kind === 'key' ? principal.prefix : null, role, denied }, 'operation forbidden for the API key role');
          throw new GraphQLError(
            `This API key has role ${role}, which may not use ${denied.join(', ')}. ` +
              'CLIENT keys may use faceVector, similarFaces, verifyFaces, health and engineInfo; ask an administrator for an ADMIN key for the rest.',
            { extensions: { code: ErrorCode.FORBIDDEN, http: { status: 403 } } },
          );
        },
      };
    },
  };
}

/** Lists the `Type.field` names in `document` that `principal` may not use, each once, in document order. */
export function forbiddenFields(schema: GraphQLSchema, document: DocumentNode, principal: Principal): string[] {
  const denied = new Set<string>();
  const typeInfo = new TypeInfo(schema);

  visit(document, visitWithTypeInfo(typeInfo, {
    [Kind.FIELD](node) {
      const parent = typeInfo.getParentType();
      if (parent === null || parent === undefined) {
        return;
      }
      if (!isAllowed(principal, requiredRole(parent.name, node.name.value))) {
        denied.add(`${parent.name}.${node.name.value}`);
      }
    },
  }));
  return [...denied];
}
