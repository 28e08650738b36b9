import { similarity } from '../engine/mmdfr/calibration.js';
import type { ActivationCache } from './activation-cache.js';
import type { LfwPair } from './lfw-dataset.js';
import type { ScoredPair } from './verification.js';

/** Maps activations to unit vectors, so a dot product is their cosine similarity. */
export type Embedder = (activations: Float32Array[]) => Promise<Float32Array[]>;

/** Embeds the cached activations of `keys` that have a face; keys without one are absent from the map. */
export async function embedKeys(cache: ActivationCache, keys: string[], embed: Embedder): Promise<Map<string, Float32Array>> {
  const present = keys.filter((key) => cache.get(key));
  const vectors = await embed(present.map((key) => cache.get(key)!));
  return new Map(present.map((key, i) => [key, vectors[i]]));
}

/** Scores each pair by cosine similarity; a pair with a photo without a face gets a null score. */
export function scorePairs(pairs: LfwPair[], vectors: Map<string, Float32Array>): ScoredPair[] {
  return pairs.map((pair) => {
    const a = vectors.get(pair.first);
    const b = vectors.get(pair.second);
    return { same: pair.same, score: a && b ? similarity(a, b) : null };
  });
}
