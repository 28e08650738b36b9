-- API keys. A key is `fm_<prefix>_<secret>`: the prefix finds the row, and only the SHA-256 of
-- the whole key is stored, so the database never holds a usable key.

CREATE TABLE api_keys (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- A person-readable label, such as "mobile app" or "bootstrap (FACEMATCH_ADMIN_KEY)".
  name text NOT NULL,
  role text NOT NULL CHECK (role IN ('ADMIN', 'CLIENT')),
  -- 12 lowercase hex digits, sent as part of the key and shown in listings.
  prefix text NOT NULL UNIQUE CHECK (prefix ~ '^[0-9a-f]{12}$'),
  -- Hex SHA-256 of the whole key.
  key_hash text NOT NULL CHECK (key_hash ~ '^[0-9a-f]{64}$'),
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  -- Updated at most once a minute per key, so busy keys do not write on every request.
  last_used_at timestamptz,
  -- Set once; a revoked key is kept so listings show it and its prefix is never reused.
  revoked_at timestamptz
);
