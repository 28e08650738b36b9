import { areaUnderCurve } from '../engine/mmdfr/calibration.js';

/** Scores of labelled pairs; a null score marks a pair with an image where no face was found. */
export interface ScoredPair {
  score: number | null;
  same: boolean;
}

export interface VerificationResult {
  /** Threshold chosen on the training pairs: the one with the best accuracy there. */
  threshold: number;
  /** Accuracy on the test pairs at that threshold; pairs without a face count as errors. */
  accuracy: number;
  auc: number | null;
  tarAtFar1: number | null;
  tarAtFar01: number | null;
  /** Test pairs with an image where no face was found. */
  missing: number;
  /** Receiver operating characteristic on the test pairs: [false accept rate, true accept rate], FAR ascending. */
  roc: Array<[number, number]>;
}

/** Finds the threshold with the highest accuracy on `pairs` (a midpoint between neighbouring scores). */
export function bestThreshold(pairs: ScoredPair[]): number {
  const scored = pairs.filter((p) => p.score !== null).sort((a, b) => b.score! - a.score!);
  const positives = scored.filter((p) => p.same).length;

  // Accepting the first i pairs: correct = accepted same + rejected different.
  let acceptedSame = 0;
  let best = { correct: scored.length - positives, threshold: scored.length > 0 ? scored[0].score! + 1e-6 : 0 };
  for (let i = 0; i < scored.length; i++) {
    if (scored[i].same) {
      acceptedSame++;
    }
    const acceptedDifferent = i + 1 - acceptedSame;
    const correct = acceptedSame + (scored.length - positives - acceptedDifferent);
    if (correct > best.correct) {
      const below = i + 1 < scored.length ? scored[i + 1].score! : scored[i].score! - 1e-6;
      best = { correct, threshold: (scored[i].score! + below) / 2 };
    }
  }
  return best.threshold;
}

/** Applies the LFW View 1 protocol: a threshold from `training` pairs, measures on `test` pairs. */
export function verify(training: ScoredPair[], test: ScoredPair[]): VerificationResult {
  const threshold = bestThreshold(training);
  const correct = test.filter((p) => p.score !== null && (p.score >= threshold) === p.same).length;

  const genuine = test.filter((p) => p.same && p.score !== null).map((p) => p.score!);
  const impostor = test.filter((p) => !p.same && p.score !== null).map((p) => p.score!);
  const roc = rocCurve(genuine, impostor);

  return {
    threshold,
    accuracy: correct / test.length,
    auc: areaUnderCurve(genuine, impostor),
    tarAtFar1: tarAtFar(roc, impostor.length, 0.01),
    tarAtFar01: tarAtFar(roc, impostor.length, 0.001),
    missing: test.filter((p) => p.score === null).length,
    roc,
  };
}

/** ROC points at every distinct impostor score, FAR ascending. */
export function rocCurve(genuine: number[], impostor: number[]): Array<[number, number]> {
  if (genuine.length === 0 || impostor.length === 0) {
    return [];
  }
  const thresholds = [...new Set(impostor)].sort((a, b) => b - a);
  const points: Array<[number, number]> = [[0, genuine.filter((g) => g > thresholds[0]).length / genuine.length]];
  for (const t of thresholds) {
    points.push([impostor.filter((s) => s >= t).length / impostor.length, genuine.filter((g) => g >= t).length / genuine.length]);
  }
  return points;
}

/**
 * True accept rate at the largest false accept rate not above `far`. Null when the test has too
 * few impostor pairs to measure that rate (fewer than 1 / far).
 */
export function tarAtFar(roc: Array<[number, number]>, impostorCount: number, far: number): number | null {
  if (roc.length === 0 || impostorCount < 1 / far) {
    return null;
  }
  let tar = 0;
  for (const [x, y] of roc) {
    if (x <= far) {
      tar = Math.max(tar, y);
    }
  }
  return tar;
}
