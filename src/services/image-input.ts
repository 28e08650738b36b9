import { ErrorCode, FacematchError } from '../errors.js';

/** Checks that an image argument carries base64 data; `argument` names it in the message. */
export function requireBase64(base64: string | null | undefined, argument: string): string {
  if (base64 === null || base64 === undefined || base64.trim() === '') {
    throw new FacematchError(ErrorCode.BAD_USER_INPUT, `${argument}.base64 is missing: send the image file as a base64 string in ${argument}.base64.`);
  }
  return base64;
}
