import type { Principal } from '../auth/roles.js';
import type { Logger } from '../logger.js';
import type { Services } from '../services/index.js';

/** Per-request GraphQL context. */
export interface GraphQLContext {
  services: Services;
  /** Request id, also sent back in the x-request-id response header. */
  requestId: string;
  /** Child logger carrying the request id. */
  logger: Logger;
  /** The API key that sent the request, or `open` while authentication is off. */
  principal: Principal;
}
