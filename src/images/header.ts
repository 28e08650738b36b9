import sharp from 'sharp';
import type { Metadata } from 'sharp';

import { ErrorCode, FacematchError } from '../errors.js';
import type { ImageFormat } from './sniff.js';
import type { ImageLimits } from './types.js';

/**
 * Widest accepted ratio of the long side to the short side. Narrower strips are scanner lines or
 * banners rather than photos, and a face detector finds nothing useful in them.
 */
export const MAX_ASPECT_RATIO = 20;

/** The libvips loader names that each sniffed format may be decoded by. */
const LOADERS: Record<ImageFormat, string> = {
  jpeg: 'jpeg',
  png: 'png',
  webp: 'webp',
  gif: 'gif',
  tiff: 'tiff',
  avif: 'heif',
  heif: 'heif',
};

/** Size of an image as displayed, that is after its EXIF orientation is applied, in pixels. */
export interface DisplaySize {
  width: number;
  height: number;
}

/**
 * Reads the image header without decoding pixels and checks its size against the limits.
 * Raises IMAGE_TOO_LARGE above `maxImagePixels`, IMAGE_TOO_SMALL below `minImageSide` or beyond
 * the maximum aspect ratio, and INVALID_IMAGE when the header cannot be read.
 */
export async function readDisplaySize(bytes: Buffer, format: ImageFormat, limits: ImageLimits): Promise<DisplaySize> {
  const metadata = await readMetadata(bytes, format);

  if (metadata.format !== LOADERS[format]) {
    throw new FacematchError(
      ErrorCode.INVALID_IMAGE,
      `The image starts like ${format.toUpperCase()} but the decoder read it as ${String(metadata.format)}. ` +
        'Send an unmodified JPEG, PNG, WebP, GIF, TIFF or AVIF/HEIF file.',
      { format, decoderFormat: metadata.format },
    );
  }

  // EXIF orientations 5 to 8 rotate by 90 or 270 degrees, so width and height swap when displayed.
  const swapped = metadata.orientation !== undefined && metadata.orientation >= 5 && metadata.orientation <= 8;
  const size: DisplaySize = swapped
    ? { width: metadata.height, height: metadata.width }
    : { width: metadata.width, height: metadata.height };

  assertWithinLimits(size, limits);
  return size;
}

async function readMetadata(bytes: Buffer, format: ImageFormat): Promise<Metadata> {
  try {
    // The pixel limit is disabled here only because sharp applies it to metadata() too, and the
    // check below raises a clearer error from the same header values. No pixels are decoded.
    return await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    const decoderMessage = error instanceof Error ? error.message : String(error);
    throw new FacematchError(
      ErrorCode.INVALID_IMAGE,
      `The ${format.toUpperCase()} image header could not be read, so the file is corrupt or incomplete ` +
        `(decoder message: ${decoderMessage}). Send the complete, unmodified file.`,
      { format, decoderMessage },
    );
  }
}

function assertWithinLimits(size: DisplaySize, limits: ImageLimits): void {
  const { width, height } = size;
  const pixels = width * height;
  if (pixels > limits.maxImagePixels) {
    throw new FacematchError(
      ErrorCode.IMAGE_TOO_LARGE,
      `The image is ${width} x ${height} pixels (${pixels} pixels), more than the limit of ` +
        `${limits.maxImagePixels} pixels. Scale it down and send it again.`,
      { width, height, pixels, maxImagePixels: limits.maxImagePixels },
    );
  }

  if (width < limits.minImageSide || height < limits.minImageSide) {
    throw new FacematchError(
      ErrorCode.IMAGE_TOO_SMALL,
      `The image is ${width} x ${height} pixels, but its width and height must each be at least ` +
        `${limits.minImageSide} pixels. Send a larger image.`,
      { width, height, minImageSide: limits.minImageSide },
    );
  }

  const ratio = Math.max(width, height) / Math.min(width, height);
  const maxAspectRatio = limits.maxAspectRatio ?? MAX_ASPECT_RATIO;
  if (ratio > maxAspectRatio) {
    throw new FacematchError(
      ErrorCode.IMAGE_TOO_SMALL,
      `The image is ${width} x ${height} pixels, an aspect ratio of ${ratio.toFixed(1)}:1, but the ` +
        `maximum is ${maxAspectRatio}:1 (FACEMATCH_MAX_ASPECT_RATIO). Send an image that is less narrow, cropped around the face.`,
      { width, height, aspectRatio: ratio, maxAspectRatio },
    );
  }
}
