/** SQLSTATE codes that repositories turn into FacematchError codes. */
const UNIQUE_VIOLATION = '23505';
const FOREIGN_KEY_VIOLATION = '23503';

/** The fields that both pg's and PGlite's DatabaseError carry. */
interface PostgresError {
  code?: unknown;
  constraint?: unknown;
}

/** True when `error` is a unique violation of `constraint` (a constraint or unique index name). */
export function isUniqueViolation(error: unknown, constraint: string): boolean {
  const fields = error as PostgresError | null;
  return fields?.code === UNIQUE_VIOLATION && fields.constraint === constraint;
}

/** True when `error` is a foreign key violation of `constraint`. */
export function isForeignKeyViolation(error: unknown, constraint: string): boolean {
  const fields = error as PostgresError | null;
  return fields?.code === FOREIGN_KEY_VIOLATION && fields.constraint === constraint;
}
