import { randomUUID } from 'node:crypto';

import type {
  ApiKeyWithHash, Database, FaceForTraining, NewFace, NewImage, Page, Repositories, Sql,
} from '../../../src/db/types.js';
import type { Job, ModelRecord, SimilarFace, StoredFace, StoredImage, User, WorkerRecord } from '../../../src/domain.js';
import { ErrorCode, FacematchError } from '../../../src/errors.js';

function publicKey({ keyHash: _keyHash, ...apiKey }: ApiKeyWithHash) {
  return apiKey;
}

/** In-memory tables with the columns the repositories expose. */
export interface FakeTables {
  users: Map<string, User>;
  images: Map<string, StoredImage & { bytes: Uint8Array }>;
  faces: Map<string, StoredFace & { activations: Float32Array }>;
  models: Map<string, ModelRecord>;
  /** Keyed by `${faceId}/${modelId}`. */
  vectors: Map<string, { faceId: string; modelId: string; vector: Float32Array }>;
  jobs: Map<string, Job>;
  workers: Map<string, WorkerRecord>;
  /** Keyed by job id. */
  importImages: Map<string, { userId: string; images: Buffer[] }>;
  apiKeys: Map<string, ApiKeyWithHash>;
}

function emptyTables(): FakeTables {
  return { users: new Map(), images: new Map(), faces: new Map(), models: new Map(), vectors: new Map(), jobs: new Map(), workers: new Map(), importImages: new Map(), apiKeys: new Map() };
}

/**
 * A Database without SQL: repositories from `fakeRepositories` read and write `tables`.
 * A transaction snapshots the tables and restores them when its work throws, as a rollback does.
 */
export class FakeDatabase implements Database {
  readonly kind = 'pglite' as const;
  tables: FakeTables = emptyTables();
  /** Repository methods ("faces.insert") that throw `failure` when called. */
  readonly failing = new Set<string>();
  failure: Error = new Error('relation "faces" does not exist at character 13: INSERT INTO faces (image_id) VALUES ($1)');
  transactions = 0;
  /** Every progress write, in order. */
  readonly progressWrites: Array<{ jobId: string; progress: number; phase: string }> = [];
  closed = false;
  /** Milliseconds each timestamp advances, so ordering by createdAt is stable. */
  private tick = 0;

  async query<R>(): Promise<{ rows: R[]; affectedRows: number }> {
    throw new Error('FakeDatabase runs no SQL; use fakeRepositories.');
  }

  async transaction<T>(work: (sql: Sql) => Promise<T>): Promise<T> {
    this.transactions += 1;
    const snapshot = structuredClone(this.tables);
    try {
      return await work(this);
    } catch (error) {
      this.tables = snapshot;
      throw error;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  now(): Date {
    this.tick += 1;
    return new Date(Date.UTC(2026, 0, 1) + this.tick);
  }

  check(method: string): void {
    if (this.failing.has(method)) {
      throw this.failure;
    }
  }
}

function page<T>(rows: T[], { limit, offset }: Page): T[] {
  return rows.slice(offset, offset + limit);
}

function cosineDistance(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return 1 - dot / (Math.sqrt(na) * Math.sqrt(nb));
}

function publicImage({ bytes: _bytes, ...image }: StoredImage & { bytes: Uint8Array }): StoredImage {
  return image;
}

function publicFace({ activations: _activations, ...face }: StoredFace & { activations: Float32Array }): StoredFace {
  return face;
}

/** The `repositories(sql)` factory over a FakeDatabase; `sql` must be the FakeDatabase itself. */
export function fakeRepositories(sql: Sql): Repositories & {
  users: { rename(id: string, name: string): Promise<User | null> };
  images: { delete(id: string): Promise<boolean> };
} {
  if (!(sql instanceof FakeDatabase)) {
    throw new Error('fakeRepositories needs a FakeDatabase.');
  }
  const db = sql;
  const t = (): FakeTables => db.tables;

  function deleteImage(id: string): boolean {
    if (!t().images.delete(id)) {
      return false;
    }
    for (const face of [...t().faces.values()].filter((f) => f.imageId === id)) {
      t().faces.delete(face.id);
      for (const [key, row] of t().vectors) {
        if (row.faceId === face.id) {
          t().vectors.delete(key);
        }
      }
    }
    return true;
  }

  return {
    users: {
      async create({ name, externalId }) {
        db.check('users.create');
        if (externalId !== null && [...t().users.values()].some((u) => u.externalId === externalId)) {
          throw new FacematchError(ErrorCode.CONFLICT, `externalId "${externalId}" is taken.`);
        }
        const user: User = { id: randomUUID(), name, externalId, createdAt: db.now() };
        t().users.set(user.id, user);
        return user;
      },
      async get(id) {
        db.check('users.get');
        return t().users.get(id) ?? null;
      },
      async list(p) {
        db.check('users.list');
        return page([...t().users.values()], p);
      },
      async delete(id) {
        db.check('users.delete');
        if (!t().users.delete(id)) {
          return false;
        }
        for (const image of [...t().images.values()].filter((i) => i.userId === id)) {
          deleteImage(image.id);
        }
        return true;
      },
      async rename(id, name) {
        db.check('users.rename');
        const user = t().users.get(id);
        if (user === undefined) {
          return null;
        }
        const renamed = { ...user, name };
        t().users.set(id, renamed);
        return renamed;
      },
    },

    images: {
      async insert(image: NewImage) {
        db.check('images.insert');
        const row = {
          id: randomUUID(), userId: image.userId, sha256: image.sha256, format: image.format, width: image.width,
          height: image.height, byteSize: image.bytes.length, createdAt: db.now(), bytes: new Uint8Array(image.bytes),
        };
        t().images.set(row.id, row);
        return publicImage(row);
      },
      async findBySha256(userId, sha256) {
        const row = [...t().images.values()].find((i) => i.userId === userId && i.sha256 === sha256);
        return row === undefined ? null : publicImage(row);
      },
      async get(id) {
        const row = t().images.get(id);
        return row === undefined ? null : publicImage(row);
      },
      async getBytes(id) {
        return t().images.get(id)?.bytes ?? null;
      },
      async listByUser(userId) {
        return [...t().images.values()].filter((i) => i.userId === userId).map(publicImage);
      },
      async deleteByUser(userId) {
        db.check('images.deleteByUser');
        const doomed = [...t().images.values()].filter((i) => userId === null || i.userId === userId);
        for (const image of doomed) {
          deleteImage(image.id);
        }
        return doomed.length;
      },
      async count() {
        return t().images.size;
      },
      async delete(id) {
        db.check('images.delete');
        return deleteImage(id);
      },
    },

    faces: {
      async insert(face: NewFace) {
        db.check('faces.insert');
        const row = { id: randomUUID(), ...face, createdAt: db.now() };
        t().faces.set(row.id, row);
        return publicFace(row);
      },
      async listByImage(imageId) {
        return [...t().faces.values()].filter((f) => f.imageId === imageId).map(publicFace);
      },
      async listForTraining(): Promise<FaceForTraining[]> {
        db.check('faces.listForTraining');
        return [...t().faces.values()]
          .sort((a, b) => a.id.localeCompare(b.id))
          .map((f) => ({ faceId: f.id, userId: t().images.get(f.imageId)!.userId, activations: f.activations }));
      },
      async listWithoutVector(modelId: string): Promise<FaceForTraining[]> {
        db.check('faces.listWithoutVector');
        return [...t().faces.values()]
          .filter((f) => !t().vectors.has(`${f.id}/${modelId}`))
          .sort((a, b) => a.id.localeCompare(b.id))
          .map((f) => ({ faceId: f.id, userId: t().images.get(f.imageId)!.userId, activations: f.activations }));
      },
      async listStale(activationLength) {
        return [...t().faces.values()]
          .filter((f) => f.activations.length !== activationLength)
          .sort((a, b) => a.id.localeCompare(b.id))
          .map((f) => ({ faceId: f.id, imageId: f.imageId, box: f.box }));
      },
      async updateActivations(faceId, activations) {
        db.check('faces.updateActivations');
        const face = t().faces.get(faceId);
        if (face === undefined) {
          return false;
        }
        t().faces.set(faceId, { ...face, activations });
        return true;
      },
      async count() {
        return t().faces.size;
      },
    },

    models: {
      async createVersion(name, config) {
        db.check('models.createVersion');
        const version = 1 + Math.max(0, ...[...t().models.values()].filter((m) => m.name === name).map((m) => m.version));
        const model: ModelRecord = {
          id: randomUUID(), name, version, status: 'TRAINING', active: false, config, metrics: {},
          thresholds: { far1: null, far01: null }, artifactPath: null, createdAt: db.now(),
        };
        t().models.set(model.id, model);
        return model;
      },
      async markReady(id, result) {
        db.check('models.markReady');
        const model = { ...t().models.get(id)!, status: 'READY' as const, ...result };
        t().models.set(id, model);
        return model;
      },
      async markFailed(id) {
        const model = t().models.get(id)!;
        t().models.set(id, { ...model, status: 'FAILED', active: false });
      },
      async activate(id) {
        db.check('models.activate');
        for (const model of t().models.values()) {
          t().models.set(model.id, { ...model, active: model.id === id });
        }
      },
      async getActive() {
        db.check('models.getActive');
        return [...t().models.values()].find((m) => m.active) ?? null;
      },
      async getByName(name, version) {
        const models = [...t().models.values()].filter((m) => m.name === name);
        if (version !== undefined) {
          return models.find((m) => m.version === version) ?? null;
        }
        return models.filter((m) => m.status === 'READY').sort((a, b) => b.version - a.version)[0] ?? null;
      },
      async get(id) {
        return t().models.get(id) ?? null;
      },
      async list() {
        return [...t().models.values()];
      },
      async setStatus(id, status) {
        t().models.set(id, { ...t().models.get(id)!, status });
      },
      async activateIfComplete(id) {
        db.check('models.activate');
        const missing = [...t().faces.keys()].filter((faceId) => !t().vectors.has(`${faceId}/${id}`)).length;
        if (missing === 0) {
          for (const model of t().models.values()) {
            t().models.set(model.id, { ...model, active: model.id === id });
          }
        }
        return missing;
      },
      async delete(id) {
        for (const [key, row] of t().vectors) {
          if (row.modelId === id) {
            t().vectors.delete(key);
          }
        }
        return t().models.delete(id);
      },
    },

    vectors: {
      async upsert(faceId, modelId, vector) {
        db.check('vectors.upsert');
        if (vector.length !== 512) {
          throw new Error(`expected a 512-d vector, got ${vector.length}`);
        }
        t().vectors.set(`${faceId}/${modelId}`, { faceId, modelId, vector });
      },
      async search(modelId, vector, k): Promise<SimilarFace[]> {
        db.check('vectors.search');
        return [...t().vectors.values()]
          .filter((row) => row.modelId === modelId)
          .map((row) => {
            const face = t().faces.get(row.faceId)!;
            const image = t().images.get(face.imageId)!;
            return { faceId: row.faceId, imageId: image.id, userId: image.userId, distance: cosineDistance(vector, row.vector) };
          })
          .sort((a, b) => a.distance - b.distance)
          .slice(0, k);
      },
      async countByModel(modelId) {
        return [...t().vectors.values()].filter((row) => row.modelId === modelId).length;
      },
    },

    // Leases never expire here: unit tests run one worker, so claim takes QUEUED jobs only.
    jobs: {
      async create(input) {
        db.check('jobs.create');
        const job: Job = {
          id: randomUUID(), kind: input.kind, modelName: input.modelName ?? null, status: 'QUEUED', progress: 0, phase: null,
          itemsDone: null, itemsTotal: null, epoch: null, loss: null, losses: [], payload: input.payload, result: null, error: null,
          modelId: input.modelId ?? null, attempts: 0, maxAttempts: input.maxAttempts, leaseOwner: null, leaseExpiresAt: null,
          cancelRequested: false, createdAt: db.now(), startedAt: null, finishedAt: null,
        };
        t().jobs.set(job.id, job);
        return job;
      },
      async get(id) {
        return t().jobs.get(id) ?? null;
      },
      async list(filter, p) {
        const jobs = [...t().jobs.values()].filter((job) => (filter.kind ?? job.kind) === job.kind && (filter.status ?? job.status) === job.status);
        return page(jobs.reverse(), p);
      },
      async claim(owner, kinds) {
        const job = [...t().jobs.values()].find((candidate) => candidate.status === 'QUEUED' && kinds.includes(candidate.kind));
        if (job === undefined) {
          return null;
        }
        const claimed: Job = {
          ...job, status: 'RUNNING', leaseOwner: owner, attempts: job.attempts + 1, startedAt: db.now(), progress: 0, phase: null, losses: [],
        };
        t().jobs.set(job.id, claimed);
        return claimed;
      },
      async endExpired() {
        return [];
      },
      async renewLease(id, owner) {
        const job = t().jobs.get(id);
        return { held: job?.leaseOwner === owner && job.status === 'RUNNING', cancelRequested: job?.cancelRequested ?? false };
      },
      async updateProgress(id, owner, update) {
        db.check('jobs.updateProgress');
        db.progressWrites.push({ jobId: id, progress: update.progress, phase: update.phase });
        const job = t().jobs.get(id)!;
        t().jobs.set(id, { ...job, progress: update.progress, phase: update.phase, ...(update.losses ? { losses: update.losses } : {}) });
        return { held: job.leaseOwner === owner && job.status === 'RUNNING', cancelRequested: job.cancelRequested };
      },
      async setModel(id, _owner, modelId) {
        t().jobs.set(id, { ...t().jobs.get(id)!, modelId });
      },
      async finish(id, owner, status, outcome) {
        const job = t().jobs.get(id)!;
        if (job.leaseOwner !== owner || job.status !== 'RUNNING') {
          return false;
        }
        t().jobs.set(id, {
          ...job, status, error: outcome.error ?? null, result: outcome.result ?? job.result, finishedAt: db.now(), leaseOwner: null,
          progress: status === 'SUCCEEDED' ? 1 : job.progress,
        });
        return true;
      },
      async release(id, owner) {
        const job = t().jobs.get(id)!;
        if (job.leaseOwner !== owner) {
          return false;
        }
        t().jobs.set(id, { ...job, status: 'QUEUED', leaseOwner: null, attempts: job.attempts - 1 });
        return true;
      },
      async cancel(id) {
        const job = t().jobs.get(id);
        if (job === undefined) {
          return null;
        }
        const cancelled: Job = job.status === 'QUEUED'
          ? { ...job, status: 'CANCELLED', cancelRequested: true, finishedAt: db.now(), error: 'CANCELLED: cancelled by cancelJob before a worker took it.' }
          : { ...job, cancelRequested: job.cancelRequested || job.status === 'RUNNING' };
        t().jobs.set(id, cancelled);
        return cancelled;
      },
    },

    workers: {
      async heartbeat(worker) {
        const known = t().workers.get(worker.id);
        t().workers.set(worker.id, { ...worker, startedAt: known?.startedAt ?? db.now(), lastHeartbeatAt: db.now() });
      },
      async list() {
        return [...t().workers.values()];
      },
      async remove(id) {
        t().workers.delete(id);
      },
      async removeSilent() {
        return 0;
      },
    },

    importImages: {
      async insert(jobId, userId, images) {
        t().importImages.set(jobId, { userId, images });
      },
      async list(jobId) {
        return (t().importImages.get(jobId)?.images ?? []).map((bytes, position) => ({ position, bytes }));
      },
      async deleteByJob(jobId) {
        const count = t().importImages.get(jobId)?.images.length ?? 0;
        t().importImages.delete(jobId);
        return count;
      },
    },

    apiKeys: {
      async insert(key) {
        db.check('apiKeys.insert');
        if ([...t().apiKeys.values()].some((k) => k.prefix === key.prefix)) {
          throw new FacematchError(ErrorCode.CONFLICT, `prefix ${key.prefix} is taken.`);
        }
        const row: ApiKeyWithHash = { id: randomUUID(), ...key, createdAt: db.now(), lastUsedAt: null, revokedAt: null };
        t().apiKeys.set(row.id, row);
        return publicKey(row);
      },
      async findByPrefix(prefix) {
        return [...t().apiKeys.values()].find((k) => k.prefix === prefix) ?? null;
      },
      async list() {
        return [...t().apiKeys.values()].map(publicKey);
      },
      async revoke(id) {
        const row = t().apiKeys.get(id);
        if (row === undefined) {
          return null;
        }
        row.revokedAt ??= db.now();
        return publicKey(row);
      },
      async touch(id) {
        const row = t().apiKeys.get(id);
        if (row !== undefined) {
          row.lastUsedAt = db.now();
        }
      },
      async countActive() {
        return [...t().apiKeys.values()].filter((k) => k.revokedAt === null).length;
      },
      async countAll() {
        return t().apiKeys.size;
      },
    },
  };
}
