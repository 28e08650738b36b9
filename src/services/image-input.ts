import { ErrorCode, FacematchError } from '../errors.js';

/**
 * Checks that an image argument has a base64 field; `argument` names it in the message.
 * An empty string is passed on, so the decoder rejects it as INVALID_IMAGE like any other bad data.
 */
export function requireBase64(base64: string | null | undefined, argument: string): string {
  if (base64 === null || base64 === undefined) {
    throw new FacematchError(ErrorCode.BAD_USER_INPUT, `${argument}.base64 is missing: send the image file as a base64 string in ${argument}.base64.`);
  }
  return base64;
}
