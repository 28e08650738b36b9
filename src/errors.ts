/**
 * Stable error codes returned to clients in GraphQL `extensions.code`.
 * Clients branch on these, so a code is never renamed once released.
 */
export const ErrorCode = {
  /** The input is not a decodable image (bad base64, unknown format, truncated data). */
  INVALID_IMAGE: 'INVALID_IMAGE',
  /** The image exceeds the byte or pixel limit. */
  IMAGE_TOO_LARGE: 'IMAGE_TOO_LARGE',
  /** The image is smaller than the minimum side or has a degenerate shape. */
  IMAGE_TOO_SMALL: 'IMAGE_TOO_SMALL',
  /** No face was found in the image. */
  NO_FACE: 'NO_FACE',
  /** Enrolment needs exactly one face and the image has several. */
  MULTIPLE_FACES: 'MULTIPLE_FACES',
  /** A referenced user, image, model or job does not exist. */
  NOT_FOUND: 'NOT_FOUND',
  /** A unique value (such as a user's externalId) is already taken. */
  CONFLICT: 'CONFLICT',
  /** An argument is out of range or malformed. */
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  /** The operation needs a trained model and none is active or ready. */
  MODEL_NOT_READY: 'MODEL_NOT_READY',
  /** Training cannot start with the enrolled data (too few people or images). */
  INSUFFICIENT_TRAINING_DATA: 'INSUFFICIENT_TRAINING_DATA',
  /** The engine failed while training, for example on an invalid training option. */
  TRAINING_FAILED: 'TRAINING_FAILED',
  /** The request has no API key, or an unknown or revoked one. */
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  /** The API key's role does not allow the operation. */
  FORBIDDEN: 'FORBIDDEN',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** An expected failure that a client caused or can act on; the API layer turns it into a GraphQL error. */
export class FacematchError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'FacematchError';
    this.code = code;
    this.details = details;
  }
}
