import { ErrorCode, FacematchError } from '../errors.js';

/** Advice ending every base64 error: the input forms that are accepted. */
const ACCEPTED_INPUT_HINT =
  'Send the image file bytes as standard or URL-safe base64, either raw or as a data URL ' +
  'such as data:image/jpeg;base64,...';

/** A data URL prefix, matched only within the first characters so a huge payload is never scanned twice. */
const DATA_URL_PREFIX = /^\s*data:([^,]*),/i;
const DATA_URL_SEARCH_CHARS = 256;

const WHITESPACE = /\s+/g;

/** Standard (+/) and URL-safe (-_) alphabets together, with up to two padding characters at the end. */
const BASE64_TEXT = /^[A-Za-z0-9+/_-]*={0,2}$/;
const NON_BASE64_CHARACTER = /[^A-Za-z0-9+/_=-]/;

/**
 * Decodes a base64 image string (raw or a data URL) into bytes.
 * Accepts both alphabets, whitespace and missing padding. Raises INVALID_IMAGE for empty or malformed
 * input and IMAGE_TOO_LARGE, before decoding, when the decoded size would exceed `maxBytes`.
 */
export function decodeBase64Image(input: string, maxBytes: number): Buffer {
  const payload = stripDataUrlPrefix(input);

  // Reject on the raw length before copying the string: base64 needs 4 characters per 3 bytes,
  // and twice that leaves room for any reasonable line wrapping.
  const maxEncodedChars = Math.ceil(maxBytes / 3) * 4;
  if (payload.length > 2 * maxEncodedChars + 1024) {
    throw tooLarge(Math.floor((payload.length * 3) / 4), maxBytes, 'about ');
  }

  const text = payload.replace(WHITESPACE, '');
  if (text.length === 0) {
    throw new FacematchError(ErrorCode.INVALID_IMAGE, `The image is empty. ${ACCEPTED_INPUT_HINT}`);
  }

  // The decoded length is exact for well-formed base64, so this check is made before decoding.
  const unpadded = text.replace(/=+$/, '');
  const decodedLength = Math.floor((unpadded.length * 3) / 4);
  if (decodedLength > maxBytes) {
    throw tooLarge(decodedLength, maxBytes, '');
  }

  assertWellFormed(text, unpadded);

  const bytes = Buffer.from(unpadded, 'base64');
  if (bytes.length !== decodedLength) {
    throw malformed(`it decoded to ${bytes.length} bytes where ${decodedLength} were expected`);
  }
  return bytes;
}

/** Removes a `data:<type>;base64,` prefix if present. The declared type is ignored because the bytes are sniffed. */
function stripDataUrlPrefix(input: string): string {
  const match = DATA_URL_PREFIX.exec(input.slice(0, DATA_URL_SEARCH_CHARS));
  if (match === null) {
    return input;
  }

  const parameters = match[1].split(';').map((part) => part.trim().toLowerCase());
  if (!parameters.includes('base64')) {
    throw malformed('the data URL is not base64-encoded (its header lacks ";base64")');
  }
  return input.slice(match[0].length);
}

/** Raises INVALID_IMAGE naming the first problem: a foreign character, misplaced padding or an impossible length. */
function assertWellFormed(text: string, unpadded: string): void {
  if (!BASE64_TEXT.test(text)) {
    const foreign = NON_BASE64_CHARACTER.exec(text);
    if (foreign !== null) {
      const quoted = JSON.stringify(foreign[0]);
      const position = foreign.index;
      throw malformed(`character ${quoted} at position ${position} (whitespace excluded) is not in the base64 alphabet`);
    }
    throw malformed('the padding character "=" appears before the end or more than twice');
  }

  // Each 4 characters carry 3 bytes, so a final group of 1 character cannot encode a whole byte.
  if (unpadded.length % 4 === 1) {
    throw malformed(`its length of ${unpadded.length} characters (padding excluded) is impossible for base64`);
  }
  if (unpadded.length !== text.length && text.length % 4 !== 0) {
    throw malformed('it is padded with "=" but its length is not a multiple of 4');
  }
}

function malformed(reason: string): FacematchError {
  const message = `The image is not valid base64: ${reason}. ${ACCEPTED_INPUT_HINT}`;
  return new FacematchError(ErrorCode.INVALID_IMAGE, message, { reason });
}

function tooLarge(bytes: number, maxBytes: number, qualifier: string): FacematchError {
  return new FacematchError(
    ErrorCode.IMAGE_TOO_LARGE,
    `The image is ${qualifier}${bytes} bytes, more than the limit of ${maxBytes} bytes. ` +
      'Send a smaller or more compressed image (for example a JPEG at most 2000 pixels on its longest side).',
    { bytes, maxImageBytes: maxBytes },
  );
}
