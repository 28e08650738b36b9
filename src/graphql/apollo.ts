import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';

import type { Logger } from '../logger.js';
import { authorizationPlugin } from './authorization.js';
import type { GraphQLContext } from './context.js';
import { formatError } from './errors.js';
import { errorLoggingPlugin, requestLoggingPlugin } from './plugins.js';
import { queryLimitsRule, type QueryLimits } from './query-limits.js';
import { buildFacematchSchema } from './schema.js';

export const DEFAULT_QUERY_LIMITS: QueryLimits = { maxDepth: 10, maxImageFields: 10 };

/**
 * Builds the Apollo Server (not yet started). Apollo's landing page loads from a CDN, so it is
 * disabled and the HTTP server serves an offline GraphiQL instead. CSRF prevention stays on.
 */
export async function createApolloServer(logger: Logger, limits: QueryLimits = DEFAULT_QUERY_LIMITS): Promise<ApolloServer<GraphQLContext>> {
  return new ApolloServer<GraphQLContext>({
    schema: await buildFacematchSchema(),
    validationRules: [queryLimitsRule(limits)],
    formatError,
    includeStacktraceInErrorResponses: false,
    csrfPrevention: true,
    introspection: true,
    // The CLI stops the whole server on SIGINT and SIGTERM, in order; Apollo must not stop itself first.
    stopOnTerminationSignals: false,
    logger,
    plugins: [ApolloServerPluginLandingPageDisabled(), authorizationPlugin(), errorLoggingPlugin(), requestLoggingPlugin()],
  });
}
