import type { Box, ModelRecord, Point, User } from '../domain.js';
import type { FaceObservation } from '../engine/types.js';
import { ErrorCode, FacematchError } from '../errors.js';
import type { ServiceDeps } from './deps.js';
import { requireBase64 } from './image-input.js';
import type { ModelsService } from './models.service.js';

export interface FaceVectorResult {
  box: Box;
  landmarks: Point[];
  score: number;
  /** 512-d L2-normalised face vector. */
  vector: number[];
}

export interface FaceMatch {
  user: User;
  imageId: string;
  faceId: string;
  /** Cosine similarity, 1 - distance, -1..1. */
  similarity: number;
  /** Cosine distance, 0..2. */
  distance: number;
}

export interface FaceMatchesResult {
  box: Box;
  score: number;
  /** Nearest stored faces, nearest first. */
  matches: FaceMatch[];
  /** Cosine similarity a match needs to identify the face; null when no threshold applies. */
  threshold: number | null;
  /** The nearest match when it reaches the threshold; null when unknown or without a threshold. */
  identity: FaceMatch | null;
  /** True when a threshold applies and no match reaches it; null without a threshold. */
  unknown: boolean | null;
  /** The model that embedded the query; the search reads only this model's vectors. */
  model: ModelRecord;
}

/** Calibrated false accept rates a search can accept matches at. */
export type FalseAcceptRate = 'FAR_1_PERCENT' | 'FAR_0_1_PERCENT';

/** How a search decides whether a face is known: an explicit similarity or a calibrated rate. */
export interface MatchThreshold {
  minSimilarity?: number | null;
  acceptAt?: FalseAcceptRate | null;
}

export interface VerificationResult {
  similarity: number;
  /** similarity >= threshold; null when the model has no calibrated threshold. */
  match: boolean | null;
  /** The model's similarity threshold at 1 % false accept rate. */
  threshold: number | null;
  model: ModelRecord;
}

export type SearchService = ReturnType<typeof createSearchService>;

function area(box: Box): number {
  return box.width * box.height;
}

/** Cosine similarity of two vectors, clamped to -1..1 against rounding; 0 when either is all zeros. */
export function cosineSimilarity(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) {
    throw new Error(`Cannot compare face vectors of ${a.length} and ${b.length} dimensions.`);
  }

  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    normA += a[i] * a[i];
    normB += b[i] * b[i];
  }
  const norms = Math.sqrt(normA) * Math.sqrt(normB);
  return norms === 0 ? 0 : Math.min(1, Math.max(-1, dot / norms));
}

/** Resolves the similarity threshold of a search; null when none is asked for and the model has none. */
export function matchThreshold(model: ModelRecord, { minSimilarity, acceptAt }: MatchThreshold): number | null {
  if (minSimilarity !== undefined && minSimilarity !== null && acceptAt !== undefined && acceptAt !== null) {
    throw new FacematchError(ErrorCode.BAD_USER_INPUT, 'Pass either minSimilarity or acceptAt, not both.');
  }

  if (minSimilarity !== undefined && minSimilarity !== null) {
    if (!Number.isFinite(minSimilarity) || minSimilarity < -1 || minSimilarity > 1) {
      throw new FacematchError(ErrorCode.BAD_USER_INPUT, `minSimilarity must be a cosine similarity from -1 to 1; got ${minSimilarity}.`, { minSimilarity });
    }
    return minSimilarity;
  }

  if (acceptAt !== undefined && acceptAt !== null) {
    const calibrated = acceptAt === 'FAR_1_PERCENT' ? model.thresholds.far1 : model.thresholds.far01;
    if (calibrated === null) {
      throw new FacematchError(
        ErrorCode.BAD_USER_INPUT,
        `Model "${model.name}" v${model.version} has no calibrated threshold at ${acceptAt}: it saw too few pairs of different people. Pass minSimilarity instead, or train with more people.`,
        { acceptAt },
      );
    }
    return calibrated;
  }

  // Searching a gallery of N faces accepts a stranger with a chance of about N x FAR, so the
  // default is the stricter calibrated threshold when the model has one.
  return model.thresholds.far01 ?? model.thresholds.far1;
}

/** Queries with a probe image: face vectors, nearest enrolled faces, one-to-one verification. */
export function createSearchService(deps: ServiceDeps, models: ModelsService) {
  const { db, repositories, engine, decodeImage, config } = deps;
  const repos = repositories(db);

  /** Detects every face, largest first (sorted here too, so the order does not depend on the engine). */
  async function detect(base64: string | null | undefined, argument: string): Promise<FaceObservation[]> {
    const decoded = await decodeImage(requireBase64(base64, argument), config.limits);
    const faces = await engine.detectFaces(decoded.rgb);
    return [...faces].sort((a, b) => area(b.box) - area(a.box));
  }

  async function embed(model: ModelRecord, faces: FaceObservation[]): Promise<Float32Array[]> {
    if (faces.length === 0) {
      return [];
    }
    return engine.embed(models.artifactOf(model), faces.map((face) => face.activations));
  }

  function checkTopK(topK: number | null | undefined): number {
    const k = topK ?? config.limits.defaultTopK;
    if (!Number.isInteger(k) || k < 1 || k > config.limits.maxTopK) {
      throw new FacematchError(ErrorCode.BAD_USER_INPUT, `topK must be an integer from 1 to ${config.limits.maxTopK}; got ${k}.`, { topK });
    }
    return k;
  }

  return {
    /** Detects every face in the image and embeds it; returns an empty list when there is no face. */
    async faceVectors(base64: string | null | undefined, modelName?: string | null): Promise<FaceVectorResult[]> {
      const model = await models.resolveReadyModel(modelName);
      const faces = await detect(base64, 'image');
      const vectors = await embed(model, faces);

      return faces.map((face, i) => ({
        box: face.box,
        landmarks: face.landmarks,
        score: face.score,
        vector: Array.from(vectors[i]),
      }));
    },

    /**
     * Finds every face in the image with its topK nearest enrolled faces; an empty list when there is no face.
     * Each face is identified as its nearest match when that reaches the threshold, else unknown.
     * The threshold is `minSimilarity`, the model's calibrated value at `acceptAt`, or by default
     * the model's value at a 0.1 % false accept rate (1 % when it has only that one).
     */
    async similarFaces(base64: string | null | undefined, topK?: number | null, modelName?: string | null, match: MatchThreshold = {}): Promise<FaceMatchesResult[]> {
      const k = checkTopK(topK);
      const model = await models.resolveReadyModel(modelName);
      const threshold = matchThreshold(model, match);
      const faces = await detect(base64, 'image');
      const vectors = await embed(model, faces);

      const nearest = await Promise.all(vectors.map((vector) => repos.vectors.search(model.id, vector, k)));

      // One lookup per distinct user; a user deleted since the search drops out of the matches.
      const userIds = [...new Set(nearest.flat().map((hit) => hit.userId))];
      const users = new Map<string, User>();
      for (const user of await Promise.all(userIds.map((id) => repos.users.get(id)))) {
        if (user !== null) {
          users.set(user.id, user);
        }
      }

      return faces.map((face, i) => {
        const matches = nearest[i].flatMap((hit) => {
          const user = users.get(hit.userId);
          return user === undefined
            ? []
            : [{ user, imageId: hit.imageId, faceId: hit.faceId, similarity: 1 - hit.distance, distance: hit.distance }];
        });
        const known = threshold !== null && matches.length > 0 && matches[0].similarity >= threshold;

        return {
          box: face.box,
          score: face.score,
          matches,
          threshold,
          identity: known ? matches[0] : null,
          unknown: threshold === null ? null : !known,
          model,
        };
      });
    },

    /** Compares the largest face of each image; NO_FACE names the image without one. */
    async verifyFaces(base64A: string | null | undefined, base64B: string | null | undefined, modelName?: string | null): Promise<VerificationResult> {
      const model = await models.resolveReadyModel(modelName);
      const [facesA, facesB] = await Promise.all([detect(base64A, 'imageA'), detect(base64B, 'imageB')]);

      for (const [faces, argument] of [[facesA, 'imageA'], [facesB, 'imageB']] as const) {
        if (faces.length === 0) {
          throw new FacematchError(ErrorCode.NO_FACE, `No face was found in ${argument}. Send a photo where the face is visible, frontal and not too small.`, { image: argument });
        }
      }

      const [vectorA, vectorB] = await engine.embed(models.artifactOf(model), [facesA[0].activations, facesB[0].activations]);
      const similarity = cosineSimilarity(vectorA, vectorB);
      const threshold = model.thresholds.far1;

      return { similarity, threshold, match: threshold === null ? null : similarity >= threshold, model };
    },
  };
}
