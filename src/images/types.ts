import type { RgbImage } from '../engine/types.js';

/** A validated, decoded input image. */
export interface DecodedImage {
  /** The original bytes as sent, for storage. */
  bytes: Buffer;
  /** Hex sha256 of `bytes`. */
  sha256: string;
  /** Format sniffed from the bytes: jpeg, png, webp, gif, tiff, avif, heif. */
  format: string;
  /** Pixels after EXIF orientation (first frame for animations), RGB without alpha. */
  rgb: RgbImage;
}

export interface ImageLimits {
  maxImageBytes: number;
  maxImagePixels: number;
  minImageSide: number;
  /** Maximum ratio of the longer side to the shorter one (default MAX_ASPECT_RATIO, 20). */
  maxAspectRatio?: number;
}
