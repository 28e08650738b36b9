import { MODALITIES, type TrunkName } from '../face/modalities.js';

/**
 * Layout of a face's cached trunk activations (FaceObservation.activations): for each modality
 * in MODALITIES order, [view][dim] float32, where dim is its trunk's output size, view 0 is the
 * aligned region and view 1 its mirror image.
 */
export const VIEWS = 2;

/** Output size of each trunk: dlib's descriptor and faceres's pooled features. */
export const TRUNK_OUTPUT_DIM: Record<TrunkName, number> = { dlib: 128, faceres: 1024 };

export const MODALITY_COUNT = MODALITIES.length;

/** Trunk output size of each modality, in MODALITIES order. */
export const MODALITY_DIMS: readonly number[] = MODALITIES.map((m) => TRUNK_OUTPUT_DIM[m.trunk]);

/** Where each modality's activations start. */
const MODALITY_OFFSETS: readonly number[] = MODALITY_DIMS.map((_, m) => MODALITY_DIMS.slice(0, m).reduce((sum, dim) => sum + VIEWS * dim, 0));

/** Floats per face: 2 views x (7 dlib regions x 128 + 1 faceres region x 1024) = 3840. */
export const ACTIVATION_LENGTH = MODALITY_DIMS.reduce((sum, dim) => sum + VIEWS * dim, 0);

/** Returns one modality's trunk output for one view, as a view of `activations` rather than a copy. */
export function trunkOutput(activations: Float32Array, modality: number, view: number): Float32Array {
  const start = MODALITY_OFFSETS[modality] + view * MODALITY_DIMS[modality];
  return activations.subarray(start, start + MODALITY_DIMS[modality]);
}

/** Checks that `activations` has this engine's layout; a model trained on another layout cannot embed it. */
export function assertActivationLayout(activations: Float32Array): void {
  if (activations.length !== ACTIVATION_LENGTH) {
    throw new Error(`expected ${ACTIVATION_LENGTH} activations per face (${MODALITY_COUNT} modalities x ${VIEWS} views, ${MODALITY_DIMS.join('+')} values), got ${activations.length}`);
  }
}
