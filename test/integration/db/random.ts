/** Creates a seeded PRNG (mulberry32) of floats in [0, 1), so that a failing run can be repeated. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Standard normal samples by the Box-Muller transform. */
export function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

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
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    normA += a[i] * a[i];
    normB += b[i] * b[i];
  }
  return 1 - dot / Math.sqrt(normA * normB);
}
