import type {
  ApiKey, ApiKeyRole, Box, Job, JobKind, JobStatus, LossPoint, ModelRecord, ModelStatus, Point, SimilarFace, StoredFace, StoredImage, Thresholds, User, WorkerRecord,
} from '../domain.js';

/** The one thing repositories need: run a parameterised statement. Both PGlite and pg provide it. */
export interface Sql {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: R[]; affectedRows: number }>;
}

/** A connection to the embedded PGlite or to a Postgres server, with migrations applied. */
export interface Database extends Sql {
  readonly kind: 'pglite' | 'postgres';
  /** Runs `work` in one transaction: commits when it resolves, rolls back when it throws. */
  transaction<T>(work: (sql: Sql) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface Page {
  limit: number;
  offset: number;
}

export interface UsersRepository {
  /** Throws FacematchError CONFLICT when externalId is taken. */
  create(input: { name: string; externalId: string | null }): Promise<User>;
  get(id: string): Promise<User | null>;
  list(page: Page): Promise<User[]>;
  /** Sets a user's name; returns null when the user does not exist. */
  rename(id: string, name: string): Promise<User | null>;
  /** Deletes the user and, by cascade, its images, faces and vectors. */
  delete(id: string): Promise<boolean>;
}

export interface NewImage {
  userId: string;
  sha256: string;
  format: string;
  width: number;
  height: number;
  bytes: Buffer;
}

export interface ImagesRepository {
  insert(image: NewImage): Promise<StoredImage>;
  findBySha256(userId: string, sha256: string): Promise<StoredImage | null>;
  get(id: string): Promise<StoredImage | null>;
  /** The image's original bytes, or null when it does not exist. */
  getBytes(id: string): Promise<Uint8Array | null>;
  listByUser(userId: string): Promise<StoredImage[]>;
  /** Deletes one user's images (all users' when userId is null) with their faces and vectors; returns the image count. */
  deleteByUser(userId: string | null): Promise<number>;
  /** Deletes one image with its faces and vectors; returns false when it does not exist. */
  delete(id: string): Promise<boolean>;
  count(): Promise<number>;
}

export interface NewFace {
  imageId: string;
  box: Box;
  landmarks: Point[];
  score: number;
  /** Cached trunk activations of every modality, so a retrain does not re-run the CNNs. */
  activations: Float32Array;
}

/** A stored face with what training and re-embedding need. */
export interface FaceForTraining {
  faceId: string;
  userId: string;
  activations: Float32Array;
}

/** A stored face whose cached activations have another engine's layout, with where to find it again. */
export interface StaleFace {
  faceId: string;
  imageId: string;
  box: Box;
}

export interface FacesRepository {
  insert(face: NewFace): Promise<StoredFace>;
  listByImage(imageId: string): Promise<StoredFace[]>;
  /** Every stored face with its user and cached activations, ordered by face id. */
  listForTraining(): Promise<FaceForTraining[]>;
  /** Stored faces that have no vector from `modelId` yet, ordered by face id. */
  listWithoutVector(modelId: string): Promise<FaceForTraining[]>;
  /** Stored faces whose activations are not `activationLength` floats long, ordered by face id. */
  listStale(activationLength: number): Promise<StaleFace[]>;
  /** Replaces a face's cached activations; returns false when the face no longer exists. */
  updateActivations(faceId: string, activations: Float32Array): Promise<boolean>;
  count(): Promise<number>;
}

export interface ModelsRepository {
  /** Creates the next version of `name` (1 for a new name) in status TRAINING; a deleted version's number is never reused. */
  createVersion(name: string, config: Record<string, unknown>): Promise<ModelRecord>;
  /** Records a finished training: the engine's full configuration replaces the requested one. */
  markReady(id: string, result: { config: Record<string, unknown>; metrics: Record<string, unknown>; thresholds: Thresholds; artifactPath: string }): Promise<ModelRecord>;
  markFailed(id: string): Promise<void>;
  /** Makes this model the only active one. */
  activate(id: string): Promise<void>;
  getActive(): Promise<ModelRecord | null>;
  /** The newest READY version of `name`, or the given version in any status. */
  getByName(name: string, version?: number): Promise<ModelRecord | null>;
  get(id: string): Promise<ModelRecord | null>;
  list(): Promise<ModelRecord[]>;
  setStatus(id: string, status: ModelStatus): Promise<void>;
  /**
   * Activates the model in one transaction if every stored face has a vector from it; otherwise
   * changes nothing. Returns the number of faces still without one (0 when it activated).
   */
  activateIfComplete(id: string): Promise<number>;
  /** Deletes the model and, by cascade, its vectors; returns false when it does not exist. */
  delete(id: string): Promise<boolean>;
}

export interface FaceVectorsRepository {
  /** Inserts or replaces the vector of (faceId, modelId); `vector` has 512 entries. */
  upsert(faceId: string, modelId: string, vector: Float32Array): Promise<void>;
  /** The k stored faces nearest to `vector` by cosine distance among one model's vectors, nearest first. */
  search(modelId: string, vector: Float32Array, k: number): Promise<SimilarFace[]>;
  countByModel(modelId: string): Promise<number>;
}

export interface NewJob {
  kind: JobKind;
  modelName?: string | null;
  payload: Record<string, unknown>;
  modelId?: string | null;
  maxAttempts: number;
}

export interface JobFilter {
  kind?: JobKind | null;
  status?: JobStatus | null;
}

/** A progress step of a running job; fields left undefined keep their stored value. */
export interface JobProgressUpdate {
  /** Fraction done, 0..1. */
  progress: number;
  phase: string;
  itemsDone?: number | null;
  itemsTotal?: number | null;
  epoch?: number | null;
  loss?: number | null;
  losses?: LossPoint[];
}

/** What a lease renewal or progress write found: whether the worker still holds the job, and whether it should stop. */
export interface LeaseState {
  held: boolean;
  cancelRequested: boolean;
}

/**
 * Durable jobs. Every write of a running job names the worker that holds its lease and changes
 * nothing once another worker took the job over.
 */
export interface JobsRepository {
  create(job: NewJob): Promise<Job>;
  get(id: string): Promise<Job | null>;
  /** Newest first. */
  list(filter: JobFilter, page: Page): Promise<Job[]>;
  /**
   * Takes the oldest QUEUED job of `kinds`, or a RUNNING one whose lease expired and which has
   * attempts left, with FOR UPDATE SKIP LOCKED. Sets it RUNNING under a lease of `leaseMs` for `owner`
   * and counts the attempt. Returns null when there is none.
   */
  claim(owner: string, kinds: JobKind[], leaseMs: number): Promise<Job | null>;
  /**
   * Ends RUNNING jobs whose lease expired and which may not run again: CANCELLED when a cancel was
   * requested, FAILED with a reason when the attempts are used up. Returns the jobs it ended.
   */
  endExpired(): Promise<Job[]>;
  renewLease(id: string, owner: string, leaseMs: number): Promise<LeaseState>;
  updateProgress(id: string, owner: string, update: JobProgressUpdate): Promise<LeaseState>;
  /** Records the model a train job created, so a retry can retire it. */
  setModel(id: string, owner: string, modelId: string): Promise<void>;
  /** Ends a RUNNING job held by `owner`; returns false when the worker no longer holds it. */
  finish(id: string, owner: string, status: Extract<JobStatus, 'SUCCEEDED' | 'FAILED' | 'CANCELLED'>, outcome: { error?: string | null; result?: Record<string, unknown> | null }): Promise<boolean>;
  /** Puts a RUNNING job held by `owner` back in the queue without counting the attempt (a worker stopping gracefully). */
  release(id: string, owner: string): Promise<boolean>;
  /**
   * Cancels a QUEUED job at once, or asks the worker of a RUNNING one to stop. Returns the job
   * afterwards, or null when it does not exist; a finished job is returned unchanged.
   */
  cancel(id: string): Promise<Job | null>;
}

export interface WorkersRepository {
  /** Inserts the worker, or renews its heartbeat when it is already registered. */
  heartbeat(worker: Omit<WorkerRecord, 'startedAt' | 'lastHeartbeatAt'>): Promise<void>;
  list(): Promise<WorkerRecord[]>;
  remove(id: string): Promise<void>;
  /** Removes workers without a heartbeat for `silentMs`; returns how many. */
  removeSilent(silentMs: number): Promise<number>;
}

/** Uploaded images of import jobs, stored until the job ends. */
export interface ImportImagesRepository {
  insert(jobId: string, userId: string, images: Buffer[]): Promise<void>;
  /** Image bytes of the job in request order; empty once the job ended or the user was deleted. */
  list(jobId: string): Promise<Array<{ position: number; bytes: Buffer }>>;
  deleteByJob(jobId: string): Promise<number>;
}

export interface NewApiKey {
  name: string;
  role: ApiKeyRole;
  prefix: string;
  /** Hex SHA-256 of the whole key; the key itself is never stored. */
  keyHash: string;
}

/** A stored key with its hash, for authentication only; never returned to clients. */
export interface ApiKeyWithHash extends ApiKey {
  keyHash: string;
}

export interface ApiKeysRepository {
  /** Throws FacematchError CONFLICT when the prefix is taken. */
  insert(key: NewApiKey): Promise<ApiKey>;
  findByPrefix(prefix: string): Promise<ApiKeyWithHash | null>;
  /** Every key, revoked ones included, oldest first. */
  list(): Promise<ApiKey[]>;
  /** Sets revoked_at unless already set; returns the key, or null when the id matches none. */
  revoke(id: string): Promise<ApiKey | null>;
  touch(id: string): Promise<void>;
  /** Count of keys that are not revoked. */
  countActive(): Promise<number>;
  /** Count of every key, revoked ones included. */
  countAll(): Promise<number>;
}

export interface Repositories {
  users: UsersRepository;
  images: ImagesRepository;
  faces: FacesRepository;
  models: ModelsRepository;
  vectors: FaceVectorsRepository;
  jobs: JobsRepository;
  workers: WorkersRepository;
  importImages: ImportImagesRepository;
  apiKeys: ApiKeysRepository;
}
