import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import zlib from 'node:zlib';

import sharp from 'sharp';
import type { Sharp } from 'sharp';

import { ErrorCode, FacematchError } from '../../src/errors.js';
import { decodeImage, type DecodedImage, type ImageLimits } from '../../src/images/index.js';
import { sniffFormat } from '../../src/images/sniff.js';

// Every input below is generated at run time with sharp (or, for the 20000 x 20000 PNG, with zlib),
// so no image file is committed.

const LIMITS: ImageLimits = { maxImageBytes: 10 * 1024 * 1024, maxImagePixels: 40_000_000, minImageSide: 32 };

type Rgb = [number, number, number];

const RED: Rgb = [230, 20, 20];
const BLUE: Rgb = [20, 20, 230];

// Upright marker image: 96 x 64 pixels, blue with a red top-left quadrant, so any rotation or mirror
// moves the red quadrant somewhere else.
const MARKER_WIDTH = 96;
const MARKER_HEIGHT = 64;

async function markerImage(): Promise<Sharp> {
  const quadrant = await sharp({
    create: { width: MARKER_WIDTH / 2, height: MARKER_HEIGHT / 2, channels: 3, background: colour(RED) },
  })
    .png()
    .toBuffer();
  const composed = await sharp({
    create: { width: MARKER_WIDTH, height: MARKER_HEIGHT, channels: 3, background: colour(BLUE) },
  })
    .composite([{ input: quadrant, left: 0, top: 0 }])
    .png()
    .toBuffer();
  return sharp(composed);
}

function colour([r, g, b]: Rgb): { r: number; g: number; b: number } {
  return { r, g, b };
}

function solid(width: number, height: number, rgb: Rgb): Sharp {
  return sharp({ create: { width, height, channels: 3, background: colour(rgb) } });
}

/** Deterministic noise, so a JPEG of it has entropy-coded data across the whole file. */
function noiseRgb(width: number, height: number): Buffer {
  const data = Buffer.alloc(width * height * 3);
  let state = 12345;
  for (let i = 0; i < data.length; i += 1) {
    state = (state * 1103515245 + 12345) >>> 0;
    data[i] = state >>> 24;
  }
  return data;
}

function pixelAt(image: DecodedImage, x: number, y: number): Rgb {
  const offset = (y * image.rgb.width + x) * 3;
  const data = image.rgb.data;
  return [data[offset], data[offset + 1], data[offset + 2]];
}

function assertColourNear(actual: Rgb, expected: Rgb, tolerance: number, label: string): void {
  for (let channel = 0; channel < 3; channel += 1) {
    const difference = Math.abs(actual[channel] - expected[channel]);
    assert.ok(
      difference <= tolerance,
      `${label}: got rgb(${actual.join(', ')}), expected within ${tolerance} of rgb(${expected.join(', ')})`,
    );
  }
}

/** Checks the error code and that the message is the module's own sentence, not a raw decoder message. */
async function assertRejectsWith(promise: Promise<unknown>, code: ErrorCode, pattern: RegExp): Promise<FacematchError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }

  assert.ok(caught instanceof FacematchError, `expected a FacematchError, got ${String(caught)}`);
  assert.equal(caught.code, code);
  assert.match(caught.message, /^The (image|[A-Z]+ image) /);
  assert.match(caught.message, pattern);
  return caught;
}

/** Returns a PNG chunk: length, type, data and the CRC-32 of type and data. */
function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}

/** Rewrites the IHDR width and height of a PNG and its CRC, leaving the pixel data as it was. */
function patchPngSize(png: Buffer, width: number, height: number): Buffer {
  const patched = Buffer.from(png);

  // Signature (8 bytes), IHDR length (4), "IHDR" (4), then width and height (4 each, big-endian).
  assert.equal(patched.toString('latin1', 12, 16), 'IHDR');
  patched.writeUInt32BE(width, 16);
  patched.writeUInt32BE(height, 20);

  // The CRC follows the 13 data bytes and covers the type and data.
  patched.writeUInt32BE(zlib.crc32(patched.subarray(12, 29)), 29);
  return patched;
}

/**
 * Builds a complete, valid 1-bit greyscale PNG of one colour. sharp 0.35.6 took about 6 s on a 2-core
 * machine to encode 400 million pixels, while zlib compresses these all-zero rows in well under a second.
 */
function uniformPng(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 1; // bit depth
  header[9] = 0; // colour type: greyscale
  // Compression, filter and interlace methods stay 0.

  // Each row is one filter byte (0, none) and width / 8 bytes of 1-bit pixels.
  const rowBytes = 1 + Math.ceil(width / 8);
  const rows = Buffer.alloc(rowBytes * height);
  const compressed = zlib.deflateSync(rows, { level: 9 });

  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    signature,
    pngChunk('IHDR', header),
    pngChunk('IDAT', compressed),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('decodeImage orientation', () => {
  // Stored pixels are the upright image turned the opposite way to what the EXIF tag applies.
  const cases = [
    { orientation: 3, storedRotation: 180 },
    { orientation: 6, storedRotation: 270 },
    { orientation: 8, storedRotation: 90 },
  ];

  for (const { orientation, storedRotation } of cases) {
    it(`applies EXIF orientation ${orientation}`, async () => {
      const stored = await (await markerImage()).rotate(storedRotation).toBuffer();
      const jpeg = await sharp(stored).jpeg({ quality: 95 }).withMetadata({ orientation }).toBuffer();
      assert.equal((await sharp(jpeg).metadata()).orientation, orientation);

      const image = await decodeImage(jpeg.toString('base64'), LIMITS);

      assert.equal(image.format, 'jpeg');
      assert.equal(image.rgb.width, MARKER_WIDTH);
      assert.equal(image.rgb.height, MARKER_HEIGHT);
      assert.equal(image.rgb.data.length, MARKER_WIDTH * MARKER_HEIGHT * 3);
      assertColourNear(pixelAt(image, 12, 8), RED, 30, 'top-left quadrant');
      assertColourNear(pixelAt(image, MARKER_WIDTH - 12, 8), BLUE, 30, 'top-right quadrant');
      assertColourNear(pixelAt(image, 12, MARKER_HEIGHT - 8), BLUE, 30, 'bottom-left quadrant');
      assertColourNear(pixelAt(image, MARKER_WIDTH - 12, MARKER_HEIGHT - 8), BLUE, 30, 'bottom-right quadrant');
    });
  }
});

describe('decodeImage formats and colour', () => {
  it('returns the bytes, sha256 and format', async () => {
    const png = await solid(40, 40, RED).png().toBuffer();

    const image = await decodeImage(png.toString('base64'), LIMITS);

    assert.equal(image.format, 'png');
    assert.ok(image.bytes.equals(png));
    assert.equal(image.sha256, createHash('sha256').update(png).digest('hex'));
    assert.ok(image.rgb.data instanceof Uint8Array);
  });

  it('expands greyscale JPEG to three channels', async () => {
    const jpeg = await solid(48, 40, [120, 120, 120]).toColourspace('b-w').jpeg().toBuffer();
    assert.equal((await sharp(jpeg).metadata()).channels, 1);

    const image = await decodeImage(jpeg.toString('base64'), LIMITS);

    assert.equal(image.rgb.data.length, 48 * 40 * 3);
    const [r, g, b] = pixelAt(image, 20, 20);
    assert.equal(r, g);
    assert.equal(g, b);
    assertColourNear([r, g, b], [120, 120, 120], 6, 'grey pixel');
  });

  it('converts CMYK JPEG to sRGB', async () => {
    const original: Rgb = [200, 30, 40];
    const jpeg = await solid(48, 48, original).toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer();
    const metadata = await sharp(jpeg).metadata();
    assert.equal(metadata.space, 'cmyk');
    assert.equal(metadata.channels, 4);

    const image = await decodeImage(jpeg.toString('base64'), LIMITS);

    assert.equal(image.rgb.data.length, 48 * 48 * 3);
    // The round trip through sharp 0.35.6's CMYK profile moved this colour by 26 levels in green.
    assertColourNear(pixelAt(image, 24, 24), original, 40, 'CMYK pixel');
  });

  it('takes the first frame of an animated GIF', async () => {
    const first = await solid(40, 40, RED).png().toBuffer();
    const second = await solid(40, 40, BLUE).png().toBuffer();
    const gif = await sharp([first, second], { join: { animated: true } }).gif().toBuffer();
    const metadata = await sharp(gif).metadata();
    assert.equal(metadata.pages, 2);

    const image = await decodeImage(gif.toString('base64'), LIMITS);

    assert.equal(image.format, 'gif');
    assert.equal(image.rgb.width, 40);
    assert.equal(image.rgb.height, 40);
    assertColourNear(pixelAt(image, 20, 20), RED, 30, 'first frame');
  });

  for (const format of ['webp', 'tiff', 'avif'] as const) {
    it(`decodes ${format.toUpperCase()}`, async () => {
      const encoded = await solid(64, 48, RED).toFormat(format).toBuffer();

      const image = await decodeImage(encoded.toString('base64'), LIMITS);

      assert.equal(image.format, format);
      assert.equal(image.rgb.width, 64);
      assert.equal(image.rgb.height, 48);
      assertColourNear(pixelAt(image, 32, 24), RED, 30, `${format} pixel`);
    });
  }

  it('flattens PNG alpha onto white', async () => {
    const transparent = await sharp({
      create: { width: 40, height: 40, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
    })
      .png()
      .toBuffer();
    assert.equal((await sharp(transparent).metadata()).hasAlpha, true);

    const image = await decodeImage(transparent.toString('base64'), LIMITS);

    assert.equal(image.rgb.data.length, 40 * 40 * 3);
    assert.deepEqual(pixelAt(image, 10, 10), [255, 255, 255]);
  });

  it('reduces 16-bit PNG to 8 bits', async () => {
    const png = await solid(40, 40, RED).toColourspace('rgb16').png().toBuffer();
    assert.equal((await sharp(png).metadata()).depth, 'ushort');

    const image = await decodeImage(png.toString('base64'), LIMITS);

    assert.equal(image.rgb.data.length, 40 * 40 * 3);
    assertColourNear(pixelAt(image, 20, 20), RED, 2, '16-bit pixel');
  });
});

describe('decodeImage base64 input', () => {
  it('ignores a data URL declared type', async () => {
    const jpeg = await solid(40, 40, RED).jpeg().toBuffer();

    const image = await decodeImage(`data:image/png;base64,${jpeg.toString('base64')}`, LIMITS);

    assert.equal(image.format, 'jpeg');
    assert.ok(image.bytes.equals(jpeg));
  });

  it('accepts URL-safe base64 without padding', async () => {
    const jpeg = await sharp(noiseRgb(64, 64), { raw: { width: 64, height: 64, channels: 3 } }).jpeg().toBuffer();
    const urlSafe = jpeg.toString('base64url');
    assert.match(urlSafe, /[-_]/);
    assert.doesNotMatch(urlSafe, /=/);

    const image = await decodeImage(urlSafe, LIMITS);

    assert.ok(image.bytes.equals(jpeg));
  });

  it('accepts line-wrapped base64', async () => {
    const png = await solid(40, 40, BLUE).png().toBuffer();
    const wrapped = png.toString('base64').replace(/(.{76})/g, '$1\r\n');
    assert.match(wrapped, /\r\n/);

    const image = await decodeImage(wrapped, LIMITS);

    assert.ok(image.bytes.equals(png));
  });

  it('rejects an empty string', async () => {
    await assertRejectsWith(decodeImage('', LIMITS), ErrorCode.INVALID_IMAGE, /empty.*Send the image file bytes/);
    await assertRejectsWith(decodeImage(' \n\t', LIMITS), ErrorCode.INVALID_IMAGE, /empty/);
  });

  it('rejects characters outside the alphabet', async () => {
    const error = await assertRejectsWith(
      decodeImage('iVBORw0K$Ggo=', LIMITS),
      ErrorCode.INVALID_IMAGE,
      /not valid base64: character "\$" at position 8/,
    );
    assert.match(error.message, /standard or URL-safe base64/);
  });

  it('rejects impossible length and misplaced padding', async () => {
    await assertRejectsWith(decodeImage('abcde', LIMITS), ErrorCode.INVALID_IMAGE, /length of 5 characters/);
    await assertRejectsWith(decodeImage('ab=cd', LIMITS), ErrorCode.INVALID_IMAGE, /padding/);
    await assertRejectsWith(decodeImage('abcdef=', LIMITS), ErrorCode.INVALID_IMAGE, /multiple of 4/);
  });

  it('rejects a data URL that is not base64', async () => {
    await assertRejectsWith(
      decodeImage('data:image/png,%89PNG', LIMITS),
      ErrorCode.INVALID_IMAGE,
      /data URL is not base64-encoded/,
    );
  });

  it('rejects bytes over maxImageBytes', async () => {
    const jpeg = await sharp(noiseRgb(64, 64), { raw: { width: 64, height: 64, channels: 3 } }).jpeg().toBuffer();
    const maxImageBytes = jpeg.length - 1;
    const limits = { ...LIMITS, maxImageBytes };

    const error = await assertRejectsWith(
      decodeImage(jpeg.toString('base64'), limits),
      ErrorCode.IMAGE_TOO_LARGE,
      new RegExp(`is ${jpeg.length} bytes, more than the limit of ${maxImageBytes} bytes`),
    );
    assert.equal(error.details.bytes, jpeg.length);
    assert.equal(error.details.maxImageBytes, maxImageBytes);
  });

  it('accepts bytes exactly at maxImageBytes', async () => {
    const jpeg = await sharp(noiseRgb(64, 64), { raw: { width: 64, height: 64, channels: 3 } }).jpeg().toBuffer();

    const image = await decodeImage(jpeg.toString('base64'), { ...LIMITS, maxImageBytes: jpeg.length });

    assert.equal(image.bytes.length, jpeg.length);
  });

  it('rejects a huge string from its length alone', async () => {
    const limits = { ...LIMITS, maxImageBytes: 1024 };

    await assertRejectsWith(decodeImage('A'.repeat(100_000), limits), ErrorCode.IMAGE_TOO_LARGE, /about 75000 bytes/);
  });
});

describe('decodeImage invalid data', () => {
  it('rejects random bytes as unsupported', async () => {
    const bytes = noiseRgb(40, 40);

    await assertRejectsWith(
      decodeImage(bytes.toString('base64'), LIMITS),
      ErrorCode.INVALID_IMAGE,
      /not a supported image format; send JPEG, PNG, WebP, GIF, TIFF or AVIF\/HEIF/,
    );
  });

  it('rejects SVG', async () => {
    const svg = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64"/></svg>',
    );
    assert.equal((await sharp(svg).metadata()).format, 'svg');

    await assertRejectsWith(decodeImage(svg.toString('base64'), LIMITS), ErrorCode.INVALID_IMAGE, /looks like SVG/);
  });

  it('rejects a JPEG truncated at 60 percent', async () => {
    const jpeg = await sharp(noiseRgb(256, 256), { raw: { width: 256, height: 256, channels: 3 } }).jpeg().toBuffer();
    const truncated = jpeg.subarray(0, Math.floor(jpeg.length * 0.6));

    const error = await assertRejectsWith(
      decodeImage(truncated.toString('base64'), LIMITS),
      ErrorCode.INVALID_IMAGE,
      /JPEG image could not be decoded.*Send the complete file/,
    );
    assert.equal(typeof error.details.decoderMessage, 'string');
  });

  it('rejects a PNG with a corrupt header', async () => {
    const png = await solid(40, 40, RED).png().toBuffer();
    const corrupt = Buffer.from(png);
    corrupt.fill(0, 8, 40);

    await assertRejectsWith(decodeImage(corrupt.toString('base64'), LIMITS), ErrorCode.INVALID_IMAGE, /PNG image/);
  });
});

describe('decodeImage size limits', () => {
  it('rejects a PNG header claiming 60000 x 60000', async () => {
    const png = await solid(40, 40, RED).png().toBuffer();
    const patched = patchPngSize(png, 60_000, 60_000);
    const metadata = await sharp(patched, { limitInputPixels: false }).metadata();
    assert.equal(metadata.width, 60_000);

    const error = await assertRejectsWith(
      decodeImage(patched.toString('base64'), LIMITS),
      ErrorCode.IMAGE_TOO_LARGE,
      /60000 x 60000 pixels \(3600000000 pixels\), more than the limit of 40000000 pixels/,
    );
    assert.equal(error.details.pixels, 3_600_000_000);
  });

  it('rejects a real 20000 x 20000 PNG from its header', async () => {
    const png = uniformPng(20_000, 20_000);
    const metadata = await sharp(png, { limitInputPixels: false }).metadata();
    assert.equal(metadata.width, 20_000);
    assert.equal(metadata.height, 20_000);

    // details.pixels is set only by the header check, so the full decode and its own guard never ran.
    const error = await assertRejectsWith(
      decodeImage(png.toString('base64'), LIMITS),
      ErrorCode.IMAGE_TOO_LARGE,
      /20000 x 20000 pixels/,
    );
    assert.equal(error.details.pixels, 400_000_000);
  });

  it('rejects 2000 x 4 and 1 x 1 as too small', async () => {
    for (const [width, height] of [
      [2000, 4],
      [1, 1],
    ]) {
      const png = await solid(width, height, RED).png().toBuffer();

      await assertRejectsWith(
        decodeImage(png.toString('base64'), LIMITS),
        ErrorCode.IMAGE_TOO_SMALL,
        new RegExp(`is ${width} x ${height} pixels, but its width and height must each be at least 32 pixels`),
      );
    }
  });

  it('rejects an extreme aspect ratio', async () => {
    const png = await solid(2000, 40, RED).png().toBuffer();

    await assertRejectsWith(
      decodeImage(png.toString('base64'), LIMITS),
      ErrorCode.IMAGE_TOO_SMALL,
      /2000 x 40 pixels, an aspect ratio of 50\.0:1, but the maximum is 20:1/,
    );
  });

  it('reports the size in displayed orientation', async () => {
    const jpeg = await solid(2000, 40, RED).jpeg().withMetadata({ orientation: 6 }).toBuffer();

    const error = await assertRejectsWith(
      decodeImage(jpeg.toString('base64'), LIMITS),
      ErrorCode.IMAGE_TOO_SMALL,
      /40 x 2000 pixels/,
    );
    assert.equal(error.details.width, 40);
  });
});

describe('sniffFormat', () => {
  it('classifies ftyp brands', () => {
    const box = (major: string, compatible: string[]): Buffer => {
      const brands = [major, '\0\0\0\0', ...compatible].join('');
      const size = Buffer.alloc(4);
      size.writeUInt32BE(8 + brands.length);
      return Buffer.concat([size, Buffer.from(`ftyp${brands}`, 'latin1'), Buffer.alloc(16)]);
    };

    assert.equal(sniffFormat(box('heic', ['mif1', 'heic'])), 'heif');
    assert.equal(sniffFormat(box('mif1', ['avif', 'miaf'])), 'avif');
    assert.equal(sniffFormat(box('isom', ['mp41'])), null);
  });

  it('rejects short and text inputs', () => {
    assert.equal(sniffFormat(Buffer.from([0xff, 0xd8])), null);
    assert.equal(sniffFormat(Buffer.from('%PDF-1.7\n')), null);
    assert.equal(sniffFormat(Buffer.from('<?xml version="1.0"?><svg/>')), null);
  });
});
