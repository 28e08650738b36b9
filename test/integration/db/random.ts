import { createRandom, gaussian } from '../../../src/engine/mmdfr/random.js';
import { cosineSimilarity } from '../../../src/services/search.service.js';

/** Seeded PRNG of floats in [0, 1), so that a failing run can be repeated. */
export const seededRandom = createRandom;

export function randomVector(random: () => number, dimensions: number): Float32Array {
  return Float32Array.from({ length: dimensions }, () => gaussian(random));
}

/**
 * Random vectors grouped around `clusters` random centres, like face embeddings grouped by person.
 * `spread` is the noise's standard deviation relative to the centres' (1).
 */
export function clusteredVectors(random: () => number, count: number, clusters: number, spread: number, dimensions: number): Float32Array[] {
  const centres = Array.from({ length: clusters }, () => randomVector(random, dimensions));
  return Array.from({ length: count }, () => {
    const centre = centres[Math.floor(random() * clusters)];
    return centre.map((value) => value + spread * gaussian(random));
  });
}

/**
 * Cosine distance, 1 - a.b / (|a| |b|), in float64. pgvector 0.8 sums the products in float32,
 * so its <=> differs from this by about 1e-6.
 */
export function cosineDistance(a: Float32Array, b: Float32Array): number {
  return 1 - cosineSimilarity(a, b);
}
