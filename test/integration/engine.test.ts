import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { createEngine, ACTIVATION_LENGTH, type Engine, type RgbImage } from '../../src/engine/index.js';
import { createLogger } from '../../src/logger.js';
import { lfwImage, lfwPeople, skipWithoutLfw } from '../support/faces.js';

const SHIPPED_MODEL = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'models', 'base', 'v2');

async function loadRgb(file: string | Buffer): Promise<RgbImage> {
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i] * b[i];
  return dot;
}

describe('engine on real photos', { skip: skipWithoutLfw }, () => {
  let engine: Engine;
  let modelsDir: string;

  before(async () => {
    engine = await createEngine({ workers: 2, backend: 'auto', minFaceScore: 0.5 }, createLogger('warn'));
    modelsDir = await fs.mkdtemp(path.join(os.tmpdir(), 'facematch-engine-'));
  });

  after(async () => {
    await engine?.close();
    await fs.rm(modelsDir, { recursive: true, force: true });
  });

  test('detectFaces finds one LFW face', async () => {
    const image = await loadRgb(lfwImage('Aaron_Peirsol', 1));
    const faces = await engine.detectFaces(image);

    assert.equal(faces.length, 1);
    const [face] = faces;
    assert.ok(face.score >= 0.5, `score ${face.score}`);
    assert.ok(face.score <= 1, `score ${face.score}`);
    assert.equal(face.landmarks.length, 68);
    assert.equal(face.activations.length, ACTIVATION_LENGTH);
    assert.ok(face.box.x >= 0, 'box starts inside the image width');
    assert.ok(face.box.y >= 0, 'box starts inside the image height');
    assert.ok(face.box.x + face.box.width <= image.width, 'box ends inside the image width');
    assert.ok(face.box.y + face.box.height <= image.height, 'box ends inside the image height');
    // LFW's deep-funneled photos centre the face at about (125, 125).
    const centreX = face.box.x + face.box.width / 2;
    const centreY = face.box.y + face.box.height / 2;
    assert.ok(Math.abs(centreX - 125) < 30, `box centre x ${centreX}`);
    assert.ok(Math.abs(centreY - 125) < 40, `box centre y ${centreY}`);
  });

  test('detectFaces finds a frame-filling face beside a small one', async () => {
    // The first detection pass finds only a 20 px background face in this photo.
    const faces = await engine.detectFaces(await loadRgb(lfwImage('Adrien_Brody', 7)));

    assert.ok(faces.length >= 1);
    const centreX = faces[0].box.x + faces[0].box.width / 2;
    assert.ok(faces[0].box.height > 80, `largest face height ${faces[0].box.height}`);
    assert.ok(Math.abs(centreX - 125) < 40, `largest face centre x ${centreX}`);
  });

  test('detectFaces finds nothing on grey', async () => {
    const grey = new Uint8Array(320 * 240 * 3).fill(128);
    const faces = await engine.detectFaces({ data: grey, width: 320, height: 240 });

    assert.deepEqual(faces, []);
  });

  test('detectFaces finds every face of a collage', async () => {
    // Tiles are the centre of LFW photos, whose edges often show parts of other people.
    // Only tiles with exactly one face of their own go in, so the expected count is known.
    const tiles: Buffer[] = [];
    for (const person of lfwPeople('peopleDevTest.txt', 1)) {
      const tile = await sharp(lfwImage(person.name, 1)).extract({ left: 45, top: 35, width: 160, height: 180 }).png().toBuffer();
      if ((await engine.detectFaces(await loadRgb(tile))).length === 1) {
        tiles.push(tile);
      }
      if (tiles.length === 6) {
        break;
      }
    }

    const collage = await sharp({ create: { width: 900, height: 500, channels: 3, background: '#808080' } })
      .composite(tiles.map((input, i) => ({ input, left: 50 + (i % 3) * 300, top: 40 + Math.floor(i / 3) * 250 })))
      .png()
      .toBuffer();
    const faces = await engine.detectFaces(await loadRgb(collage));

    assert.equal(faces.length, 6);
    const areas = faces.map((f) => f.box.width * f.box.height);
    assert.deepEqual(areas, [...areas].sort((a, b) => b - a), 'largest face first');
  });

  test('trained model separates people and leaks no tensors', async () => {
    const people = lfwPeople('peopleDevTrain.txt', 4).slice(0, 8);
    const samples: Array<{ label: string; activations: Float32Array }> = [];
    for (const person of people) {
      for (let index = 1; index <= 4; index++) {
        const [face] = await engine.detectFaces(await loadRgb(lfwImage(person.name, index)));
        if (face) {
          samples.push({ label: person.name, activations: face.activations });
        }
      }
    }
    assert.ok(samples.length >= 28, `faces found in ${samples.length} of 32 photos`);

    const phases: number[] = [];
    const outputDir = path.join(modelsDir, 'small', 'v1');
    let trainingEnded = false;
    let reportProgress!: () => void;
    const firstProgress = new Promise<void>((resolve) => (reportProgress = resolve));
    const training = engine
      .train({ outputDir, samples, options: { branchEpochs: 5, autoencoderEpochs: 2, validationFraction: 0 } }, (progress) => {
        phases.push(progress.fraction);
        reportProgress();
      })
      .finally(() => (trainingEnded = true));

    // Counting tensors skips the training worker, so a health check does not wait minutes for it.
    await firstProgress;
    await engine.tensorCount();
    assert.equal(trainingEnded, false, 'tensorCount answered while a worker was training');

    const result = await training;
    assert.equal(phases.at(-1), 1);
    assert.deepEqual(phases, [...phases].sort((a, b) => a - b), 'progress never goes back');
    assert.ok(typeof result.metrics.accuracy === 'number');
    for (const file of ['model.json', 'weights.bin', 'metadata.json']) {
      await fs.access(path.join(outputDir, file));
    }

    const before = await engine.tensorCount();
    const vectors = await engine.embed({ path: outputDir }, samples.map((s) => s.activations));
    await engine.detectFaces(await loadRgb(lfwImage(people[0].name, 1)));
    await engine.embed({ path: outputDir }, samples.slice(0, 3).map((s) => s.activations));
    // The first embed loads the model into a worker once; measure again after both workers hold it.
    const warm = await engine.tensorCount();
    for (let round = 0; round < 3; round++) {
      await engine.embed({ path: outputDir }, samples.map((s) => s.activations));
      await engine.detectFaces(await loadRgb(lfwImage(people[1].name, 2)));
    }
    assert.equal(await engine.tensorCount(), warm, `tensors before any model: ${before}`);

    assert.equal(vectors.length, samples.length);
    for (const vector of vectors) {
      assert.equal(vector.length, 512);
      assert.ok(Math.abs(Math.hypot(...vector) - 1) < 1e-4, 'unit norm');
    }

    let same = 0, sameCount = 0, different = 0, differentCount = 0;
    for (let i = 0; i < samples.length; i++) {
      for (let j = i + 1; j < samples.length; j++) {
        const s = cosine(vectors[i], vectors[j]);
        if (samples[i].label === samples[j].label) {
          same += s;
          sameCount++;
        } else {
          different += s;
          differentCount++;
        }
      }
    }
    assert.ok(same / sameCount > different / differentCount + 0.2, `mean same ${same / sameCount}, different ${different / differentCount}`);
  });

  test('refining the base model keeps its vectors', async () => {
    const people = lfwPeople('peopleDevTrain.txt', 4).slice(8, 12);
    const samples: Array<{ label: string; activations: Float32Array }> = [];
    for (const person of people) {
      for (let index = 1; index <= 3; index++) {
        const [face] = await engine.detectFaces(await loadRgb(lfwImage(person.name, index)));
        if (face) {
          samples.push({ label: person.name, activations: face.activations });
        }
      }
    }

    // Four people are far too few to learn a face space: a start from scratch gives vectors
    // unrelated to the base model's, a start from it keeps them close.
    const options = { branchEpochs: 3, autoencoderEpochs: 1, validationFraction: 0 };
    const refinedDir = path.join(modelsDir, 'refined', 'v1');
    const scratchDir = path.join(modelsDir, 'scratch', 'v1');
    await engine.train({ outputDir: refinedDir, samples, options, startFrom: SHIPPED_MODEL }, () => {});
    await engine.train({ outputDir: scratchDir, samples, options }, () => {});

    const activations = samples.map((s) => s.activations);
    const base = await engine.embed({ path: SHIPPED_MODEL }, activations);
    const refined = await engine.embed({ path: refinedDir }, activations);
    const scratch = await engine.embed({ path: scratchDir }, activations);
    const meanAgreement = (vectors: Float32Array[]): number => vectors.reduce((sum, v, i) => sum + cosine(v, base[i]), 0) / vectors.length;

    assert.ok(meanAgreement(refined) > 0.9, `refined model agrees with the base by ${meanAgreement(refined)}`);
    assert.ok(meanAgreement(scratch) < 0.5, `a model from scratch agrees with the base by ${meanAgreement(scratch)}`);
    const metadata = JSON.parse(await fs.readFile(path.join(refinedDir, 'metadata.json'), 'utf8'));
    assert.equal(metadata.training.startedFrom, SHIPPED_MODEL);
  });
});
