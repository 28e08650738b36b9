import { createHash } from 'node:crypto';

import { ErrorCode, FacematchError } from '../errors.js';
import { decodeBase64Image } from './base64.js';
import { decodeRgb } from './decode.js';
import { readDisplaySize } from './header.js';
import { describeUnsupported, sniffFormat } from './sniff.js';
import type { DecodedImage, ImageLimits } from './types.js';

export type { DecodedImage, ImageLimits } from './types.js';
export type { ImageFormat } from './sniff.js';
export { MAX_ASPECT_RATIO } from './header.js';

/**
 * Validates and decodes a base64 image (raw or a data URL) into upright 8-bit RGB pixels.
 * Each limit is checked as early as the data allows: the byte size from the string length, the
 * format from the magic bytes, and the pixel count and shape from the header before any pixel is decoded.
 * Raises FacematchError with INVALID_IMAGE, IMAGE_TOO_LARGE or IMAGE_TOO_SMALL.
 */
export async function decodeImage(input: string, limits: ImageLimits): Promise<DecodedImage> {
  const bytes = decodeBase64Image(input, limits.maxImageBytes);

  // The format comes from the bytes alone, because a data URL's declared type is not trusted.
  const format = sniffFormat(bytes);
  if (format === null) {
    throw new FacematchError(
      ErrorCode.INVALID_IMAGE,
      'The image is not a supported image format; send JPEG, PNG, WebP, GIF, TIFF or AVIF/HEIF.' +
        describeUnsupported(bytes),
      { bytes: bytes.length },
    );
  }

  await readDisplaySize(bytes, format, limits);

  const rgb = await decodeRgb(bytes, format, limits.maxImagePixels);

  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return { bytes, sha256, format, rgb };
}
