import { MODALITIES } from '../face/modalities.js';

/**
 * Layout of a face's cached trunk activations (FaceObservation.activations):
 * [modality][view][TRUNK_DIM] float32, modalities in MODALITIES order, view 0 the aligned
 * region and view 1 its mirror image.
 */
export const TRUNK_DIM = 128;
export const VIEWS = 2;
export const MODALITY_COUNT = MODALITIES.length;
export const ACTIVATION_LENGTH = MODALITY_COUNT * VIEWS * TRUNK_DIM;

/** Returns one modality's trunk output for one view, as a view of `activations` rather than a copy. */
export function trunkOutput(activations: Float32Array, modality: number, view: number): Float32Array {
  const start = (modality * VIEWS + view) * TRUNK_DIM;
  return activations.subarray(start, start + TRUNK_DIM);
}

/** Checks that `activations` has this engine's layout; a model trained on another layout cannot embed it. */
export function assertActivationLayout(activations: Float32Array): void {
  if (activations.length !== ACTIVATION_LENGTH) {
    throw new Error(`expected ${ACTIVATION_LENGTH} activations per face (${MODALITY_COUNT} modalities x ${VIEWS} views x ${TRUNK_DIM}), got ${activations.length}`);
  }
}
