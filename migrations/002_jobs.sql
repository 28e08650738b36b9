-- Durable background jobs that any worker process sharing the database can take.
-- training_jobs becomes the general jobs table, so existing training jobs keep their ids and history.

ALTER TABLE training_jobs RENAME TO jobs;
ALTER INDEX training_jobs_model_id_idx RENAME TO jobs_model_id_idx;
ALTER INDEX training_jobs_created_at_idx RENAME TO jobs_created_at_idx;
ALTER TABLE jobs RENAME CONSTRAINT training_jobs_model_id_fkey TO jobs_model_id_fkey;

-- train: train the next version of model_name. reembed: embed every stored face with the model in
-- payload.modelId, then activate it. import: enrol the images of import_images for payload.userId.
ALTER TABLE jobs ADD COLUMN kind text NOT NULL DEFAULT 'train' CHECK (kind IN ('train', 'reembed', 'import'));
ALTER TABLE jobs ALTER COLUMN kind DROP DEFAULT;
ALTER TABLE jobs ALTER COLUMN model_name DROP NOT NULL;
ALTER TABLE jobs RENAME COLUMN options TO payload;

ALTER TABLE jobs DROP CONSTRAINT training_jobs_status_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_status_check CHECK (status IN ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'));
ALTER TABLE jobs RENAME CONSTRAINT training_jobs_progress_check TO jobs_progress_check;

ALTER TABLE jobs
  -- Claims so far; a claim after an expired lease is a retry.
  ADD COLUMN attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  ADD COLUMN max_attempts integer NOT NULL DEFAULT 3 CHECK (max_attempts >= 1),
  -- The worker that holds the job, and until when. The worker renews the lease while it runs the
  -- job; once it expires another worker may take the job over.
  ADD COLUMN lease_owner text,
  ADD COLUMN lease_expires_at timestamptz,
  -- Set by cancelJob on a RUNNING job; the worker stops at its next progress step.
  ADD COLUMN cancel_requested boolean NOT NULL DEFAULT false,
  -- Items of the current phase (faces embedded, images imported) done and in total.
  ADD COLUMN items_done integer CHECK (items_done >= 0),
  ADD COLUMN items_total integer CHECK (items_total >= 0),
  -- Training loss: the latest epoch and its mean loss, and the history as [{"phase", "epoch", "loss"}].
  ADD COLUMN epoch integer,
  ADD COLUMN loss double precision,
  ADD COLUMN losses jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(losses) = 'array'),
  -- What the job produced, such as the outcome of each imported image.
  ADD COLUMN result jsonb;

-- Jobs left QUEUED or RUNNING by a version without leases were interrupted: queue them again.
UPDATE jobs SET status = 'QUEUED' WHERE status IN ('QUEUED', 'RUNNING');

-- Serves the claim: the oldest claimable job first.
CREATE INDEX jobs_claim_idx ON jobs (created_at, id) WHERE status IN ('QUEUED', 'RUNNING');

-- Images of an import job, kept in the database so that a worker on another machine can read them.
-- Deleted when the job ends, and with the user.
CREATE TABLE import_images (
  job_id uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  -- 0-based position in the request.
  position integer NOT NULL CHECK (position >= 0),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  -- The uploaded file, as sent.
  bytes bytea NOT NULL,
  PRIMARY KEY (job_id, position)
);

CREATE INDEX import_images_user_id_idx ON import_images (user_id);

-- Worker processes that take jobs; each renews last_heartbeat_at while it runs.
CREATE TABLE workers (
  id text PRIMARY KEY,
  host text NOT NULL,
  pid integer NOT NULL,
  -- TensorFlow.js backend of the worker's engine: tensorflow-gpu, tensorflow, wasm or cpu.
  backend text NOT NULL,
  -- Job kinds the worker takes.
  kinds text[] NOT NULL,
  started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  last_heartbeat_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
