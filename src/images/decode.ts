import sharp from 'sharp';
import type { OutputInfo } from 'sharp';

import type { RgbImage } from '../engine/types.js';
import { ErrorCode, FacematchError } from '../errors.js';
import type { ImageFormat } from './sniff.js';

/** Background that transparent pixels are composited onto, because faces are detected on RGB without alpha. */
const FLATTEN_BACKGROUND = { r: 255, g: 255, b: 255 };

/**
 * Decodes image bytes into upright 8-bit sRGB pixels.
 * Call it only after `readDisplaySize` has accepted the header. `maxPixels` goes to sharp as a second guard.
 * Truncated or corrupt pixel data raises INVALID_IMAGE instead of returning a partly grey image.
 */
export async function decodeRgb(bytes: Buffer, format: ImageFormat, maxPixels: number): Promise<RgbImage> {
  let decoded: { data: Buffer; info: OutputInfo };
  try {
    // Without `pages` or `animated`, sharp reads one page: the first frame of an animated GIF or WebP
    // and the first page of a TIFF. failOn 'truncated' rejects missing data, which 'none' decodes anyway,
    // but accepts files with mere decoder warnings, which the default 'warning' rejects.
    decoded = await sharp(bytes, { failOn: 'truncated', limitInputPixels: maxPixels })
      .rotate()
      .flatten({ background: FLATTEN_BACKGROUND })
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    const decoderMessage = error instanceof Error ? error.message : String(error);
    throw new FacematchError(
      ErrorCode.INVALID_IMAGE,
      `The ${format.toUpperCase()} image could not be decoded because its data is truncated, corrupt or ` +
        `uses an unsupported encoding (decoder message: ${decoderMessage}). ` +
        'Send the complete file, or convert it to JPEG or PNG.',
      { format, decoderMessage },
    );
  }

  const { data, info } = decoded;
  if (info.channels !== 3 || data.length !== info.width * info.height * 3) {
    throw new FacematchError(
      ErrorCode.INVALID_IMAGE,
      `The ${format.toUpperCase()} image decoded to ${info.channels} channels instead of 3 (RGB). ` +
        'Convert it to an RGB or greyscale JPEG or PNG and send it again.',
      { format, channels: info.channels },
    );
  }

  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    width: info.width,
    height: info.height,
  };
}
