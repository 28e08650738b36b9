import { createHash } from 'node:crypto';

import type { Box, Point } from '../../../src/domain.js';
import type {
  Engine, FaceObservation, ModelArtifactRef, RgbImage, TrainProgress, TrainRequest, TrainResult,
} from '../../../src/engine/types.js';
import { ErrorCode, FacematchError } from '../../../src/errors.js';
import type { DecodedImage, ImageLimits } from '../../../src/images/types.js';

export const VECTOR_LENGTH = 512;

/** What a fake image shows: one entry per face, each an identity name. */
export interface FakeScene {
  faces: string[];
}

/** Encodes a scene as the base64 "image" the fake decoder and engine understand. */
export function fakeImage(...faces: string[]): string {
  return Buffer.from(JSON.stringify({ faces } satisfies FakeScene)).toString('base64');
}

/** Derives a deterministic unit vector from an identity name, so the same person always gets the same vector. */
export function identityVector(identity: string): Float32Array {
  const vector = new Float32Array(VECTOR_LENGTH);
  let seed = createHash('sha256').update(identity).digest();
  for (let i = 0; i < VECTOR_LENGTH; i++) {
    if (i % 32 === 0) {
      seed = createHash('sha256').update(seed).digest();
    }
    vector[i] = seed[i % 32] / 255 - 0.5;
  }
  const norm = Math.hypot(...vector);
  return vector.map((x) => x / norm);
}

/** decodeImage over fake scenes: any base64 that is not a scene is INVALID_IMAGE. */
export async function fakeDecodeImage(input: string, _limits: ImageLimits): Promise<DecodedImage> {
  const bytes = Buffer.from(input, 'base64');
  try {
    JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new FacematchError(ErrorCode.INVALID_IMAGE, 'The data is not a supported image.');
  }
  return {
    bytes,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    format: 'png',
    rgb: { data: new Uint8Array(bytes), width: 640, height: 480 },
  };
}

/**
 * An Engine over fake scenes. Face i of a scene gets a box that shrinks with i, so faces come largest first.
 * Its activations are its identity's vector, and embed returns the activations normalised.
 */
export class FakeEngine implements Engine {
  readonly backend = 'cpu';
  readonly workers = 2;
  /** The fake's activations are identity vectors. */
  readonly activationLength = VECTOR_LENGTH;
  readonly detectCalls: RgbImage[] = [];
  readonly embedCalls: Array<{ model: ModelArtifactRef; count: number }> = [];
  readonly trainCalls: TrainRequest[] = [];
  /** Progress reports train() makes before it resolves. */
  trainProgress: TrainProgress[] = [
    { phase: 'branches', fraction: 0.25 },
    { phase: 'branches', fraction: 0.5 },
    { phase: 'autoencoder', fraction: 0.75 },
    { phase: 'autoencoder', fraction: 1 },
  ];
  trainResult: TrainResult = { config: { layers: 3 }, metrics: { accuracy: 0.97 }, thresholds: { far1: 0.6, far01: 0.75 } };
  /** When set, train() rejects with it after reporting progress. */
  trainError: Error | null = null;
  /** When set, embed() rejects with it. */
  embedError: Error | null = null;
  /** When set, train() waits for it before resolving. */
  trainGate: Promise<void> | null = null;
  closed = false;

  async detectFaces(image: RgbImage): Promise<FaceObservation[]> {
    this.detectCalls.push(image);
    const scene = JSON.parse(Buffer.from(image.data).toString('utf8')) as FakeScene;
    return scene.faces.map((identity, i) => {
      const side = 200 - 20 * i;
      const box: Box = { x: 10 + 220 * i, y: 20, width: side, height: side };
      const landmarks: Point[] = Array.from({ length: 68 }, (_, k) => [box.x + k, box.y + k]);
      return { box, landmarks, score: 0.99 - 0.01 * i, activations: identityVector(identity) };
    });
  }

  async embed(model: ModelArtifactRef, activations: Float32Array[]): Promise<Float32Array[]> {
    this.embedCalls.push({ model, count: activations.length });
    if (this.embedError !== null) {
      throw this.embedError;
    }
    return activations.map((a) => {
      const norm = Math.hypot(...a);
      return a.map((x) => x / norm);
    });
  }

  async train(request: TrainRequest, onProgress: (progress: TrainProgress) => void): Promise<TrainResult> {
    this.trainCalls.push(request);
    for (const progress of this.trainProgress) {
      onProgress(progress);
    }
    if (this.trainGate !== null) {
      await this.trainGate;
    }
    if (this.trainError !== null) {
      throw this.trainError;
    }
    return this.trainResult;
  }

  async tensorCount(): Promise<number> {
    return 42;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
