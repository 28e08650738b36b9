const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * True when `id` is a UUID in text form. Lookups by a malformed id return "not found" instead of
 * sending it to Postgres, which would raise "invalid input syntax for type uuid".
 */
export function isUuid(id: string): boolean {
  return UUID.test(id);
}
