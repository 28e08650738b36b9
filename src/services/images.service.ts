import type { StaleFace } from '../db/types.js';
import type { StoredFace, StoredImage } from '../domain.js';
import type { FaceObservation } from '../engine/types.js';
import { ErrorCode, FacematchError } from '../errors.js';
import { intersectionOverUnion } from '../geometry.js';
import type { ServiceDeps } from './deps.js';
import type { ModelsService } from './models.service.js';
import { notFound, requireUuid } from './ids.js';
import { requireBase64 } from './image-input.js';

export interface AddImageOptions {
  /** Index of the detected face to enrol (0 = largest) when the image shows several. */
  faceIndex?: number | null;
}

export interface AddedImage {
  image: StoredImage;
  /** The enrolled face. */
  face: StoredFace;
  /** False when the same bytes were already stored for this user and the existing image is returned. */
  created: boolean;
}

export type ImagesService = ReturnType<typeof createImagesService>;

/**
 * Minimum intersection over union at which a face detected again is the stored one. The same
 * detector on the same pixels finds the same box (overlap 1); 0.5 still accepts a box shifted
 * sideways by a third of its width.
 */
const SAME_FACE_MIN_IOU = 0.5;

/** Chooses the face to enrol: the only one, or the one `faceIndex` picks. */
function pickFace(faces: FaceObservation[], faceIndex: number | null | undefined): FaceObservation {
  if (faces.length === 0) {
    throw new FacematchError(ErrorCode.NO_FACE, 'No face was found in the image. Send a photo where the face is visible, frontal and not too small.');
  }

  if (faceIndex !== undefined && faceIndex !== null) {
    if (!Number.isInteger(faceIndex) || faceIndex < 0 || faceIndex >= faces.length) {
      throw new FacematchError(
        ErrorCode.BAD_USER_INPUT,
        `faceIndex ${faceIndex} is out of range: the image has ${faces.length} face(s), so faceIndex must be from 0 to ${faces.length - 1} (0 = largest).`,
        { faceIndex, faceCount: faces.length },
      );
    }
    return faces[faceIndex];
  }

  if (faces.length > 1) {
    throw new FacematchError(
      ErrorCode.MULTIPLE_FACES,
      `The image shows ${faces.length} faces; enrolment needs exactly one. Crop the image to one face, or pass faceIndex (0 to ${faces.length - 1}, largest first) to pick one.`,
      { faceCount: faces.length },
    );
  }
  return faces[0];
}

/** Enrolment images: each stored image has exactly one enrolled face. */
export function createImagesService(deps: ServiceDeps, models: ModelsService) {
  const { db, repositories, engine, decodeImage, config } = deps;
  const repos = repositories(db);

  async function requireUser(userId: string): Promise<void> {
    requireUuid('user', userId);
    if ((await repos.users.get(userId)) === null) {
      throw notFound('user', userId);
    }
  }

  /** Returns an already stored copy of these bytes for this user, with its face. */
  async function findExisting(userId: string, sha256: string): Promise<AddedImage | null> {
    const image = await repos.images.findBySha256(userId, sha256);
    if (image === null) {
      return null;
    }
    const [face] = await repos.faces.listByImage(image.id);
    return face === undefined ? null : { image, face, created: false };
  }

  return {
    /**
     * Enrols one face image of a user: decode, detect, embed with the active model (if any),
     * then store image, face and vector in one transaction, so a failure at any step stores nothing.
     */
    async addImage(userId: string, base64: string | null | undefined, options: AddImageOptions = {}): Promise<AddedImage> {
      const { faceIndex } = options;
      if (faceIndex !== undefined && faceIndex !== null && (!Number.isInteger(faceIndex) || faceIndex < 0)) {
        throw new FacematchError(ErrorCode.BAD_USER_INPUT, `faceIndex must be 0 or more (0 = largest face); got ${faceIndex}.`, { faceIndex });
      }
      await requireUser(userId);
      const decoded = await decodeImage(requireBase64(base64, 'image'), config.limits);

      // The same bytes again for the same user: idempotent, no second detection.
      const existing = await findExisting(userId, decoded.sha256);
      if (existing !== null) {
        return existing;
      }

      const observation = pickFace(await engine.detectFaces(decoded.rgb), options.faceIndex);

      // Without an active model the face is stored with its activations only; the next training embeds it.
      const active = await models.getActiveModel();
      let vector: Float32Array | null = null;
      if (active !== null && active.status === 'READY') {
        [vector] = await engine.embed(models.artifactOf(active), [observation.activations]);
      }

      const store = () => db.transaction(async (tx) => {
        const txRepos = repositories(tx);

        // A concurrent request may have stored the same bytes since the check above.
        const raced = await txRepos.images.findBySha256(userId, decoded.sha256);
        if (raced !== null) {
          const [face] = await txRepos.faces.listByImage(raced.id);
          if (face !== undefined) {
            return { image: raced, face, created: false };
          }
        }

        const image = await txRepos.images.insert({
          userId,
          sha256: decoded.sha256,
          format: decoded.format,
          width: decoded.rgb.width,
          height: decoded.rgb.height,
          bytes: decoded.bytes,
        });
        const face = await txRepos.faces.insert({
          imageId: image.id,
          box: observation.box,
          landmarks: observation.landmarks,
          score: observation.score,
          activations: observation.activations,
        });
        if (vector !== null && active !== null) {
          await txRepos.vectors.upsert(face.id, active.id, vector);
        }
        return { image, face, created: true };
      });

      // On a Postgres server two requests with the same bytes can both pass the check above. The
      // unique (user, sha256) constraint then rejects the second insert, so it returns the first's image.
      try {
        return await store();
      } catch (error) {
        const stored = error instanceof FacematchError && error.code === ErrorCode.CONFLICT ? await findExisting(userId, decoded.sha256) : null;
        if (stored === null) {
          throw error;
        }
        return stored;
      }
    },

    /**
     * Deletes one user's images (every user's when userId is undefined, that is omitted) with faces
     * and vectors; returns the image count. An explicit null is rejected, because a client whose
     * variable was left unset would otherwise delete every user's images.
     */
    async removeImages(userId: string | null | undefined): Promise<number> {
      if (userId === null) {
        throw new FacematchError(
          ErrorCode.BAD_USER_INPUT,
          "userId is null. Pass a user id to remove that user's images, or omit the argument to remove every user's images.",
        );
      }
      if (userId === undefined) {
        return repos.images.deleteByUser(null);
      }
      await requireUser(userId);
      return repos.images.deleteByUser(userId);
    },

    async deleteImage(id: string): Promise<boolean> {
      requireUuid('image', id);
      if (!(await repos.images.delete(id))) {
        throw notFound('image', id);
      }
      return true;
    },

    async getImage(id: string): Promise<StoredImage> {
      requireUuid('image', id);
      const image = await repos.images.get(id);
      if (image === null) {
        throw notFound('image', id);
      }
      return image;
    },

    async listImages(userId: string): Promise<StoredImage[]> {
      await requireUser(userId);
      return repos.images.listByUser(userId);
    },

    async listFaces(imageId: string): Promise<StoredFace[]> {
      return repos.faces.listByImage(imageId);
    },

    /**
     * Computes a stored face's trunk activations again from its image's stored bytes: detects
     * the faces again and takes the one that overlaps the stored box most. Faces stored by an
     * engine with other trunks need this before a model of this engine can embed them.
     */
    async recomputeActivations(face: StaleFace): Promise<Float32Array> {
      const bytes = await repos.images.getBytes(face.imageId);
      if (bytes === null) {
        throw new FacematchError(ErrorCode.NOT_FOUND, `Image ${face.imageId} of face ${face.faceId} was deleted while its activations were recomputed.`, { ...face });
      }

      // NOTE: the photo passes today's image limits again, so a photo stored before the limits
      // were lowered fails here with IMAGE_TOO_LARGE.
      const decoded = await decodeImage(Buffer.from(bytes).toString('base64'), config.limits);
      const observations = await engine.detectFaces(decoded.rgb);
      const overlaps = observations.map((observation) => intersectionOverUnion(observation.box, face.box));
      const best = overlaps.length === 0 ? -1 : overlaps.indexOf(Math.max(...overlaps));
      const bestOverlap = best < 0 ? 0 : overlaps[best];
      if (bestOverlap < SAME_FACE_MIN_IOU) {
        throw new FacematchError(
          ErrorCode.NO_FACE,
          `The face stored for image ${face.imageId} was not found in it again (best box overlap ${bestOverlap.toFixed(2)}), ` +
            `so its activations cannot be recomputed for this engine. Delete the image with deleteImage(id: "${face.imageId}") and add it again.`,
          { faceId: face.faceId, imageId: face.imageId },
        );
      }
      return observations[best].activations;
    },
  };
}
