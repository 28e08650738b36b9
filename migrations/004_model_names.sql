-- The last version number given to each model name. A new version takes the next number even
-- when the latest one was deleted, so "lfw v3" never names two different models over time.

CREATE TABLE model_names (
  name text PRIMARY KEY,
  last_version integer NOT NULL CHECK (last_version >= 1)
);

INSERT INTO model_names (name, last_version)
SELECT name, max(version) FROM models GROUP BY name;
