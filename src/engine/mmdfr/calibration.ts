/** Verification metrics and calibrated thresholds from labelled unit vectors. */

export interface Calibration {
  thresholds: { far1: number | null; far01: number | null };
  metrics: {
    genuinePairs: number;
    impostorPairs: number;
    /** Best balanced accuracy ((TPR + TNR) / 2) over all thresholds, 0..1; optimistic on small sets. */
    accuracy: number | null;
    /** Area under the ROC curve, 0..1. */
    auc: number | null;
    tarAtFar1: number | null;
    tarAtFar01: number | null;
  };
}

/** Cosine similarity of two unit vectors. */
export function similarity(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i] * b[i];
  return dot;
}

/** Similarities of every genuine pair and up to `maxImpostors` impostor pairs (sampled evenly). */
export function pairScores(vectors: Float32Array[], labels: string[], maxImpostors = 50_000): { genuine: number[]; impostor: number[] } {
  const genuine: number[] = [];
  const impostor: number[] = [];
  const n = vectors.length;
  const impostorTotal = (n * (n - 1)) / 2;
  const stride = Math.max(1, Math.floor(impostorTotal / maxImpostors));

  let counter = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (labels[i] === labels[j]) {
        genuine.push(similarity(vectors[i], vectors[j]));
      } else if (counter++ % stride === 0) {
        impostor.push(similarity(vectors[i], vectors[j]));
      }
    }
  }
  return { genuine, impostor };
}

/**
 * Genuine and impostor similarities that calibrate a representation. Genuine pairs come from
 * the calibration faces. Impostor pairs are each stranger with each calibration face, plus the
 * calibration faces' own impostor pairs when `ownImpostors` is set. Leave it unset for faces the
 * model trained on: it learned to tell exactly those people apart, so their impostor pairs
 * score lower than a newcomer's would and set the thresholds too low.
 */
export function calibrationPairs(vectors: Float32Array[], labels: string[], strangers: Float32Array[], ownImpostors: boolean): { genuine: number[]; impostor: number[] } {
  const own = pairScores(vectors, labels);
  const impostor = ownImpostors ? own.impostor : [];
  for (const stranger of strangers) {
    for (const vector of vectors) {
      impostor.push(similarity(stranger, vector));
    }
  }
  return { genuine: own.genuine, impostor };
}

/**
 * Chooses thresholds at a false accept rate (FAR) of 1 % and 0.1 %: the smallest similarity at
 * which at most that fraction of impostor pairs is accepted. A threshold needs at least 1/FAR
 * impostor pairs to mean anything, so it is null below that.
 */
export function calibrate(genuine: number[], impostor: number[]): Calibration {
  const impostorsDescending = [...impostor].sort((a, b) => b - a);
  const atFar = (far: number): number | null => {
    if (impostor.length < 1 / far) {
      return null;
    }
    const allowed = Math.floor(far * impostor.length);
    return impostorsDescending[allowed] + 1e-6;
  };
  const tarAt = (threshold: number | null): number | null =>
    threshold === null || genuine.length === 0 ? null : genuine.filter((s) => s >= threshold).length / genuine.length;

  const far1 = atFar(0.01);
  const far01 = atFar(0.001);
  return {
    thresholds: { far1, far01 },
    metrics: {
      genuinePairs: genuine.length,
      impostorPairs: impostor.length,
      accuracy: bestBalancedAccuracy(genuine, impostor),
      auc: areaUnderCurve(genuine, impostor),
      tarAtFar1: tarAt(far1),
      tarAtFar01: tarAt(far01),
    },
  };
}

/** Best (TPR + TNR) / 2 over every threshold. */
export function bestBalancedAccuracy(genuine: number[], impostor: number[]): number | null {
  if (genuine.length === 0 || impostor.length === 0) {
    return null;
  }

  const scored = [...genuine.map((s) => [s, 1]), ...impostor.map((s) => [s, 0])].sort((a, b) => b[0] - a[0]);
  let accepted = [0, 0];
  let best = 0.5;
  for (const [, label] of scored) {
    accepted[label]++;
    const tpr = accepted[1] / genuine.length;
    const tnr = 1 - accepted[0] / impostor.length;
    best = Math.max(best, (tpr + tnr) / 2);
  }
  return best;
}

/** Probability that a random genuine pair scores above a random impostor pair (ties count half). */
export function areaUnderCurve(genuine: number[], impostor: number[]): number | null {
  if (genuine.length === 0 || impostor.length === 0) {
    return null;
  }

  const sortedImpostor = [...impostor].sort((a, b) => a - b);
  let total = 0;
  for (const g of genuine) {
    total += countBelow(sortedImpostor, g) + 0.5 * (countBelow(sortedImpostor, g, true) - countBelow(sortedImpostor, g));
  }
  return total / (genuine.length * impostor.length);
}

/** Count of values < x (or <= x when `inclusive`) in an ascending array, by binary search. */
function countBelow(sorted: number[], x: number, inclusive = false): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (sorted[mid] < x || (inclusive && sorted[mid] === x)) {
      low = mid + 1;
    } else {
      high = mid;
    }
  }
  return low;
}
