import { ErrorCode, FacematchError } from '../errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/**
 * Throws NOT_FOUND for an id that is not a UUID, so a malformed id never reaches
 * the database (where Postgres would raise a uuid syntax error).
 */
export function requireUuid(kind: string, id: string): string {
  if (!isUuid(id)) {
    throw new FacematchError(
      ErrorCode.NOT_FOUND,
      `No ${kind} with id "${id}": ${kind} ids are UUIDs such as "7f1c2a9e-3b4d-4c5e-8f60-718293a4b5c6".`,
      { id },
    );
  }
  return id;
}

/** Builds the NOT_FOUND error for a well-formed id that matches no row. */
export function notFound(kind: string, id: string): FacematchError {
  return new FacematchError(ErrorCode.NOT_FOUND, `No ${kind} with id "${id}".`, { id });
}
