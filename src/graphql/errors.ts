import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';

import { FacematchError } from '../errors.js';

/** Code and message a client gets for any error that is not its own doing. */
export const INTERNAL_ERROR_CODE = 'INTERNAL_SERVER_ERROR';
export const INTERNAL_ERROR_MESSAGE =
  'Internal server error. The server logged the details under this request\'s id (x-request-id response header); retry later or report that id.';

/** The part of an error a client may see: a client error keeps its code and message, an internal one shows neither. */
export type ErrorVisibility =
  | { internal: false; code: string; message: string; extensions: Record<string, unknown> }
  | { internal: true; cause: unknown };

/**
 * Sorts an error raised while handling a GraphQL request. A FacematchError is a client error with
 * its code. So is a GraphQLError that Apollo, graphql-js or type-graphql raised with a code other
 * than INTERNAL_SERVER_ERROR (parse, validation, BAD_USER_INPUT, CSRF). Everything else is internal.
 */
export function classifyError(error: unknown): ErrorVisibility {
  const original = unwrapResolverError(error);

  if (original instanceof FacematchError) {
    return { internal: false, code: original.code, message: original.message, extensions: { ...original.details } };
  }

  if (original instanceof GraphQLError) {
    // A GraphQLError that wraps another error came from a resolver or a scalar; sort the wrapped one.
    if (original.originalError !== undefined && original.originalError !== null && !(original.originalError instanceof GraphQLError)) {
      return classifyError(original.originalError);
    }
    const code = original.extensions.code;
    if (typeof code === 'string' && code !== INTERNAL_ERROR_CODE) {
      // http carries the HTTP status for Apollo (403 for FORBIDDEN); clients read the status itself.
      const { stacktrace: _stacktrace, http: _http, ...extensions } = original.extensions;
      return { internal: false, code, message: original.message, extensions };
    }
  }
  return { internal: true, cause: original };
}

/**
 * Formats every error Apollo returns; this is the one place that decides what a client receives.
 * Internal errors lose their message, stack and extensions. The error logging plugin logs them with the request id.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const visibility = classifyError(error);
  const where = {
    ...(formatted.locations === undefined ? {} : { locations: formatted.locations }),
    ...(formatted.path === undefined ? {} : { path: formatted.path }),
  };

  if (visibility.internal) {
    return { message: INTERNAL_ERROR_MESSAGE, ...where, extensions: { code: INTERNAL_ERROR_CODE } };
  }
  return { message: visibility.message, ...where, extensions: { ...visibility.extensions, code: visibility.code } };
}
