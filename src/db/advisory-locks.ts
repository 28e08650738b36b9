/**
 * Keys for pg_advisory_xact_lock(bigint). Each one serialises one kind of write across every
 * process that shares the database, and the transaction's end releases it.
 * The values are arbitrary but fixed, so that processes of different versions agree on them.
 */
export const AdvisoryLock = {
  migrations: 7_301_001,
  modelActivation: 7_301_003,
} as const;
