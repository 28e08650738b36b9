import fs from 'node:fs/promises';
import path from 'node:path';
import { ACTIVATION_LENGTH, type Engine } from '../engine/index.js';
import { decodeImage } from '../images/index.js';
import type { Logger } from '../logger.js';

/** Image limits for evaluation photos: generous, since the files are known datasets. */
const EVAL_LIMITS = { maxImageBytes: 50 * 1024 * 1024, maxImagePixels: 100_000_000, minImageSide: 16 };

/**
 * Trunk activations of the largest face per image file, computed once with the engine and
 * kept on disk, so repeated evaluations and retrains skip detection and the CNN passes.
 * A file without a detected face is cached as null.
 *
 * On disk: `<dir>/index.json` maps a file key to its row in `<dir>/activations.f32`
 * (little-endian float32 rows of ACTIVATION_LENGTH), or to -1 for no face.
 */
export class ActivationCache {
  private readonly rows = new Map<string, number>();
  private data = new Float32Array(0);
  private count = 0;

  private constructor(private readonly dir: string) {}

  static async open(dir: string): Promise<ActivationCache> {
    const cache = new ActivationCache(dir);
    await fs.mkdir(dir, { recursive: true });

    try {
      const index = JSON.parse(await fs.readFile(path.join(dir, 'index.json'), 'utf8')) as { length: number; rows: Record<string, number> };
      if (index.length === ACTIVATION_LENGTH) {
        const bytes = await fs.readFile(path.join(dir, 'activations.f32'));
        cache.data = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
        cache.count = cache.data.length / ACTIVATION_LENGTH;
        for (const [key, row] of Object.entries(index.rows)) {
          cache.rows.set(key, row);
        }
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw error;
      }
    }
    return cache;
  }

  get(key: string): Float32Array | null | undefined {
    const row = this.rows.get(key);
    if (row === undefined) {
      return undefined;
    }
    return row < 0 ? null : this.data.subarray(row * ACTIVATION_LENGTH, (row + 1) * ACTIVATION_LENGTH);
  }

  /**
   * Computes what is missing for `keys` (paths relative to `root`) with `concurrency` requests
   * in flight, saving every `saveEvery` images so an interrupted run keeps its work.
   */
  async fill(engine: Engine, root: string, keys: string[], options: { concurrency: number; logger: Logger; saveEvery?: number }): Promise<void> {
    const missing = [...new Set(keys)].filter((key) => !this.rows.has(key));
    const saveEvery = options.saveEvery ?? 100;
    let done = 0;
    let next = 0;

    const work = async (): Promise<void> => {
      while (next < missing.length) {
        const key = missing[next++];
        const decoded = await decodeImage((await fs.readFile(path.join(root, key))).toString('base64'), EVAL_LIMITS);
        const faces = await engine.detectFaces(decoded.rgb);
        this.put(key, faces[0]?.activations ?? null);

        done++;
        if (done % saveEvery === 0) {
          await this.save();
        }
        if (done % 100 === 0 || done === missing.length) {
          options.logger.info({ done, total: missing.length }, 'trunk activations computed');
        }
      }
    };

    await Promise.all(Array.from({ length: options.concurrency }, work));
    await this.save();
  }

  private put(key: string, activations: Float32Array | null): void {
    if (activations === null) {
      this.rows.set(key, -1);
      return;
    }

    if ((this.count + 1) * ACTIVATION_LENGTH > this.data.length) {
      const grown = new Float32Array(Math.max(1024, this.count * 2) * ACTIVATION_LENGTH);
      grown.set(this.data.subarray(0, this.count * ACTIVATION_LENGTH));
      this.data = grown;
    }
    this.data.set(activations, this.count * ACTIVATION_LENGTH);
    this.rows.set(key, this.count);
    this.count++;
  }

  private async save(): Promise<void> {
    const used = this.data.subarray(0, this.count * ACTIVATION_LENGTH);
    await fs.writeFile(path.join(this.dir, 'activations.f32'), Buffer.from(used.buffer, used.byteOffset, used.byteLength));
    await fs.writeFile(path.join(this.dir, 'index.json'), JSON.stringify({ length: ACTIVATION_LENGTH, rows: Object.fromEntries(this.rows) }));
  }
}
