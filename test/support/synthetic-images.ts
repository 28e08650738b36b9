import sharp from 'sharp';

/** JPEG quality of every image built here; high, so that re-encoding changes the pixels little. */
const JPEG_QUALITY = 95;

/** EXIF orientations that turn the picture: 3 = 180 degrees, 6 = 90 degrees clockwise to display, 8 = 90 degrees anticlockwise. */
export type ExifRotation = 3 | 6 | 8;

/** Clockwise rotation, in degrees, that turns the upright picture into the stored pixels for each orientation. */
const STORED_ROTATION: Record<ExifRotation, number> = { 3: 180, 6: 270, 8: 90 };

/**
 * Builds a portrait JPEG from a photo: the photo with grey bands above and below, so the
 * picture is taller than wide (for a 250x250 LFW photo: 250x370 pixels).
 */
export async function portraitOf(file: string): Promise<Buffer> {
  return sharp(file)
    .extend({ top: 60, bottom: 60, background: '#7f7f7f' })
    .jpeg({ quality: JPEG_QUALITY })
    .toBuffer();
}

/**
 * Stores an upright JPEG as a camera would: the pixels turned and an EXIF orientation tag that
 * instructs viewers how to turn them back. A correct decoder shows the same picture as `upright`.
 */
export async function storedWithOrientation(upright: Buffer, orientation: ExifRotation): Promise<Buffer> {
  return sharp(upright)
    .rotate(STORED_ROTATION[orientation])
    .withMetadata({ orientation })
    .jpeg({ quality: JPEG_QUALITY })
    .toBuffer();
}

/**
 * Draws a landscape without people: a blue sky gradient, two ranges of green hills and a
 * deterministic noise texture, as a width x height JPEG.
 */
export async function drawLandscape(width = 640, height = 400): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3);
  let seed = 12345;
  const noise = (): number => {
    // A linear congruential generator, so the picture is the same on every run.
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31 - 0.5;
  };

  for (let x = 0; x < width; x++) {
    const farHill = height * (0.55 + 0.08 * Math.sin(x / 70) + 0.04 * Math.sin(x / 23));
    const nearHill = height * (0.72 + 0.1 * Math.sin(x / 110 + 1.3) + 0.03 * Math.sin(x / 17));

    for (let y = 0; y < height; y++) {
      const grain = 18 * noise();
      let rgb: [number, number, number];
      if (y >= nearHill) {
        rgb = [60 + grain, 120 + grain + 20 * Math.sin(x / 9), 40 + grain];
      } else if (y >= farHill) {
        rgb = [90 + grain, 140 + grain, 90 + grain];
      } else {
        const t = y / farHill;
        rgb = [110 + 90 * t + grain / 3, 160 + 70 * t + grain / 3, 235 + grain / 3];
      }

      const offset = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) {
        pixels[offset + c] = Math.max(0, Math.min(255, Math.round(rgb[c])));
      }
    }
  }

  return sharp(pixels, { raw: { width, height, channels: 3 } }).jpeg({ quality: JPEG_QUALITY }).toBuffer();
}

/**
 * Lays photos out in a grid of `columns` on a grey background, each tile `tile` pixels square with
 * the photo's central `crop` pixels (the face in an LFW photo), scaled to fill the tile.
 */
export async function collageOf(files: string[], columns: number, tile = 200, crop = 150): Promise<Buffer> {
  const rows = Math.ceil(files.length / columns);
  const tiles = await Promise.all(files.map(async (file) => {
    const { width = 0, height = 0 } = await sharp(file).metadata();
    return sharp(file)
      .extract({ left: Math.round((width - crop) / 2), top: Math.round((height - crop) / 2), width: crop, height: crop })
      .resize(tile, tile)
      .toBuffer();
  }));

  return sharp({ create: { width: columns * tile, height: rows * tile, channels: 3, background: '#808080' } })
    .composite(tiles.map((input, i) => ({ input, left: (i % columns) * tile, top: Math.floor(i / columns) * tile })))
    .jpeg({ quality: JPEG_QUALITY })
    .toBuffer();
}
