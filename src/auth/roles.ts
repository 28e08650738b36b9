import type { ApiKeyRole } from '../domain.js';

/** Who sent a request: a stored API key, or no one while authentication is off (loopback without keys). */
export type Principal =
  | { kind: 'open' }
  | { kind: 'key'; keyId: string; name: string; prefix: string; role: ApiKeyRole };

/**
 * Root fields a CLIENT key may use, as `Type.field`. Every other Query and Mutation field needs
 * ADMIN, so a new root field is admin-only until it is listed here.
 */
const CLIENT_ROOT_FIELDS = new Set([
  'Query.faceVector',
  'Query.similarFaces',
  'Query.verifyFaces',
  'Query.health',
  'Query.engineInfo',
]);

/** Nested fields that need ADMIN although a client-readable type has them: a match's user would otherwise list that user's images. */
const ADMIN_NESTED_FIELDS = new Set(['User.images']);

const ROOT_TYPES = new Set(['Query', 'Mutation', 'Subscription']);

/** The role a field needs; `parentType` is the name of the GraphQL type that contains the field. */
export function requiredRole(parentType: string, field: string): ApiKeyRole {
  if (field.startsWith('__')) {
    return 'CLIENT';
  }

  const name = `${parentType}.${field}`;
  if (ROOT_TYPES.has(parentType)) {
    return CLIENT_ROOT_FIELDS.has(name) ? 'CLIENT' : 'ADMIN';
  }
  return ADMIN_NESTED_FIELDS.has(name) ? 'ADMIN' : 'CLIENT';
}

/** True when `principal` may use a field that needs `required`; with authentication off everything is allowed. */
export function isAllowed(principal: Principal, required: ApiKeyRole): boolean {
  return principal.kind === 'open' || principal.role === 'ADMIN' || required === 'CLIENT';
}
