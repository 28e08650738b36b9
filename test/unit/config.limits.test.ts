import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import sharp from 'sharp';

import { ConfigError, loadConfig } from '../../src/config.js';
import { decodeImage } from '../../src/images/index.js';
import { toPage } from '../../src/services/paging.js';

describe('configurable limits', () => {
  it('reads every limit from the environment', () => {
    const { limits } = loadConfig({
      FACEMATCH_MAX_IMAGE_BYTES: '2048',
      FACEMATCH_MAX_IMAGE_PIXELS: '4096',
      FACEMATCH_MIN_IMAGE_SIDE: '8',
      FACEMATCH_MAX_ASPECT_RATIO: '3.5',
      FACEMATCH_MAX_REQUEST_BYTES: '4096',
      FACEMATCH_MAX_TOP_K: '50',
      FACEMATCH_DEFAULT_TOP_K: '7',
      FACEMATCH_MAX_PAGE_SIZE: '20',
      FACEMATCH_MAX_QUERY_DEPTH: '6',
      FACEMATCH_MAX_IMAGE_FIELDS: '2',
    });

    assert.deepEqual(limits, {
      maxImageBytes: 2048,
      maxImagePixels: 4096,
      minImageSide: 8,
      maxAspectRatio: 3.5,
      maxRequestBytes: 4096,
      defaultTopK: 7,
      maxTopK: 50,
      maxPageSize: 20,
      maxQueryDepth: 6,
      maxImageFields: 2,
    });
  });

  it('rejects values out of range, naming the variable', () => {
    const cases: Array<[string, string]> = [
      ['FACEMATCH_MAX_TOP_K', '5000'],
      ['FACEMATCH_DEFAULT_TOP_K', '101'],
      ['FACEMATCH_MAX_ASPECT_RATIO', '0.5'],
      ['FACEMATCH_MAX_PAGE_SIZE', '0'],
    ];
    for (const [variable, value] of cases) {
      assert.throws(() => loadConfig({ [variable]: value }), (error: unknown) => error instanceof ConfigError && error.message.includes(variable), variable);
    }
  });

  it('applies the page size limit', () => {
    assert.deepEqual(toPage(undefined, undefined, 20), { limit: 20, offset: 0 });
    assert.throws(() => toPage(21, 0, 20), /from 1 to 20; got 21\. .*FACEMATCH_MAX_PAGE_SIZE/);
  });

  it('applies the aspect ratio limit', async () => {
    const wide = await sharp({ create: { width: 400, height: 100, channels: 3, background: '#888' } }).png().toBuffer();
    const limits = { maxImageBytes: 1024 * 1024, maxImagePixels: 1_000_000, minImageSide: 32 };

    await assert.rejects(decodeImage(wide.toString('base64'), { ...limits, maxAspectRatio: 3 }), /4\.0:1.*maximum is 3:1/);
    const decoded = await decodeImage(wide.toString('base64'), { ...limits, maxAspectRatio: 5 });
    assert.equal(decoded.rgb.width, 400);
  });
});
