/** Seeded pseudo-random numbers (mulberry32), so the same training data and seed give the same model. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal sample (Box-Muller). */
export function gaussian(random: () => number): number {
  const u = Math.max(random(), Number.MIN_VALUE);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** Fisher-Yates shuffle in place. */
export function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/**
 * Builds a rows x cols matrix (row-major) whose rows are orthonormal (rows <= cols), from Gram-Schmidt
 * on Gaussian rows. As a dense kernel of shape [rows, cols] it maps x to xM with |xM| = |x|,
 * so a layer initialised with it keeps the cosine geometry of its input.
 */
export function orthonormalRows(rows: number, cols: number, random: () => number): Float32Array {
  return orthonormalise(new Float32Array(0), rows, cols, random);
}

/**
 * Gram-Schmidt on the rows of `matrix` (rows x cols, row-major; rows <= cols), in order. A row
 * that is missing or nearly dependent on the earlier ones is replaced by a random direction.
 * Returns a new rows x cols matrix with orthonormal rows.
 */
export function orthonormalise(matrix: Float32Array, rows: number, cols: number, random: () => number): Float32Array {
  if (rows > cols) {
    throw new Error(`orthonormal rows need rows <= cols, got ${rows} x ${cols}`);
  }

  const basis: Float64Array[] = [];
  while (basis.length < rows) {
    const given = basis.length * cols < matrix.length;
    const v = given
      ? Float64Array.from(matrix.subarray(basis.length * cols, (basis.length + 1) * cols))
      : Float64Array.from({ length: cols }, () => gaussian(random));
    let before = 0;
    for (let k = 0; k < cols; k++) before += v[k] * v[k];
    for (const b of basis) {
      let dot = 0;
      for (let k = 0; k < cols; k++) dot += v[k] * b[k];
      for (let k = 0; k < cols; k++) v[k] -= dot * b[k];
    }

    let norm = 0;
    for (let k = 0; k < cols; k++) norm += v[k] * v[k];
    if (norm < 1e-12 * Math.max(before, 1e-30) || norm === 0) {
      // Dependent on the rows so far: fall back to a random direction for this row.
      matrix = matrix.subarray(0, basis.length * cols);
      continue;
    }
    norm = Math.sqrt(norm);
    for (let k = 0; k < cols; k++) v[k] /= norm;
    basis.push(v);
  }

  const out = new Float32Array(rows * cols);
  basis.forEach((row, i) => out.set(row, i * cols));
  return out;
}
