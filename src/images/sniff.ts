/** Image formats accepted as input, named as in `DecodedImage.format`. */
export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'tiff' | 'avif' | 'heif';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** ISO base media file brands (major or compatible) that mark an AVIF image or image sequence. */
const AVIF_BRANDS = new Set(['avif', 'avis']);

/** Brands of HEIF files: HEVC-coded images and sequences and the generic still-image and sequence brands. */
const HEIF_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'hevm', 'hevs', 'mif1', 'msf1']);

/**
 * Identifies the image format from its magic bytes, or returns null for anything else.
 * Only binary raster formats are recognised, so SVG, PDF and other inputs that libvips could render
 * or use to reach other files are never passed to the decoder.
 */
export function sniffFormat(bytes: Buffer): ImageFormat | null {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    return 'jpeg';
  }
  if (bytes.length >= PNG_SIGNATURE.length && bytes.subarray(0, PNG_SIGNATURE.length).equals(PNG_SIGNATURE)) {
    return 'png';
  }

  const ascii = bytes.toString('latin1', 0, Math.min(bytes.length, 12));
  if (ascii.startsWith('RIFF') && ascii.slice(8, 12) === 'WEBP') {
    return 'webp';
  }
  if (ascii.startsWith('GIF87a') || ascii.startsWith('GIF89a')) {
    return 'gif';
  }

  // Classic TIFF (42) and BigTIFF (43), little- and big-endian.
  const tiffSignatures = ['II*\0', 'MM\0*', 'II+\0', 'MM\0+'];
  if (tiffSignatures.some((signature) => ascii.startsWith(signature))) {
    return 'tiff';
  }

  return sniffIsoBaseMedia(bytes);
}

/** Reads the leading `ftyp` box of an ISO base media file and classifies it as AVIF, HEIF or neither. */
function sniffIsoBaseMedia(bytes: Buffer): ImageFormat | null {
  if (bytes.length < 16 || bytes.toString('latin1', 4, 8) !== 'ftyp') {
    return null;
  }

  // The box is: size (4 bytes, big-endian), "ftyp", major brand, minor version (4 bytes), compatible brands.
  const boxSize = Math.min(bytes.readUInt32BE(0), bytes.length);
  const brands = [bytes.toString('latin1', 8, 12)];
  for (let offset = 16; offset + 4 <= boxSize; offset += 4) {
    brands.push(bytes.toString('latin1', offset, offset + 4));
  }

  if (brands.some((brand) => AVIF_BRANDS.has(brand))) {
    return 'avif';
  }
  if (brands.some((brand) => HEIF_BRANDS.has(brand))) {
    return 'heif';
  }
  return null;
}

/** Returns a sentence explaining the rejection when the bytes look like markup (SVG, XML, HTML) or PDF, else ''. */
export function describeUnsupported(bytes: Buffer): string {
  const head = bytes.toString('latin1', 0, Math.min(bytes.length, 64)).trimStart();
  if (head.startsWith('<')) {
    return ' The data looks like SVG, XML or HTML text, and vector or text formats are not accepted.';
  }
  if (head.startsWith('%PDF')) {
    return ' The data is a PDF document, which is not accepted.';
  }
  return '';
}
