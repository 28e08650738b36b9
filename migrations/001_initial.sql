-- Initial schema: users, their enrolment images and detected faces, trained models,
-- one embedding per face and model, and training jobs.
-- created_at defaults to clock_timestamp() rather than now(), so rows inserted by one transaction
-- still get increasing timestamps and listings keep their insertion order.

CREATE EXTENSION IF NOT EXISTS vector;

CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  -- The caller's own id for the person; NULL when none was given.
  external_id text UNIQUE,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE images (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  -- Hex sha256 of the original bytes.
  sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  format text NOT NULL,
  -- Pixels after EXIF orientation.
  width integer NOT NULL CHECK (width > 0),
  height integer NOT NULL CHECK (height > 0),
  byte_size integer NOT NULL GENERATED ALWAYS AS (octet_length(bytes)) STORED,
  -- The original file, as uploaded.
  bytes bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  -- The same photo is stored once per user. The index also serves lookups by user_id.
  UNIQUE (user_id, sha256)
);

CREATE TABLE faces (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  image_id uuid NOT NULL REFERENCES images (id) ON DELETE CASCADE,
  -- Box in pixels of the oriented image; (box_x, box_y) is the top-left corner.
  box_x real NOT NULL,
  box_y real NOT NULL,
  box_width real NOT NULL CHECK (box_width >= 0),
  box_height real NOT NULL CHECK (box_height >= 0),
  -- Array of [x, y] pixel points.
  landmarks jsonb NOT NULL CHECK (jsonb_typeof(landmarks) = 'array'),
  -- Detector confidence, 0..1.
  score real NOT NULL,
  -- The engine's cached trunk activations: little-endian float32 values, 4 bytes each.
  activations bytea NOT NULL CHECK (octet_length(activations) % 4 = 0),
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE INDEX faces_image_id_idx ON faces (image_id);

CREATE TABLE models (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  version integer NOT NULL CHECK (version > 0),
  status text NOT NULL DEFAULT 'TRAINING' CHECK (status IN ('TRAINING', 'READY', 'FAILED')),
  active boolean NOT NULL DEFAULT false,
  config jsonb NOT NULL DEFAULT '{}',
  metrics jsonb NOT NULL DEFAULT '{}',
  -- Cosine similarities {"far1": number | null, "far01": number | null}.
  thresholds jsonb NOT NULL DEFAULT '{"far1": null, "far01": null}',
  -- Artifact folder, relative to the models folder.
  artifact_path text,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  UNIQUE (name, version)
);

-- At most one row can have active = true.
CREATE UNIQUE INDEX models_single_active_idx ON models (active) WHERE active;

CREATE TABLE face_vectors (
  face_id uuid NOT NULL REFERENCES faces (id) ON DELETE CASCADE,
  model_id uuid NOT NULL REFERENCES models (id) ON DELETE CASCADE,
  embedding vector(512) NOT NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (face_id, model_id)
);

-- Serves counts per model and the cascade from models. For a model with few vectors among many,
-- the planner may also prefer it to the HNSW index, which then gives an exact search.
CREATE INDEX face_vectors_model_id_idx ON face_vectors (model_id);

-- Nearest-neighbour search by cosine distance (the <=> operator), with pgvector's defaults
-- m = 16 and ef_construction = 64.
CREATE INDEX face_vectors_embedding_hnsw_idx ON face_vectors USING hnsw (embedding vector_cosine_ops);

CREATE TABLE training_jobs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  model_name text NOT NULL,
  status text NOT NULL DEFAULT 'QUEUED' CHECK (status IN ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED')),
  -- Fraction done.
  progress real NOT NULL DEFAULT 0 CHECK (progress >= 0 AND progress <= 1),
  phase text,
  options jsonb NOT NULL DEFAULT '{}',
  error text,
  model_id uuid REFERENCES models (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  started_at timestamptz,
  finished_at timestamptz
);

CREATE INDEX training_jobs_model_id_idx ON training_jobs (model_id);
CREATE INDEX training_jobs_created_at_idx ON training_jobs (created_at DESC);
