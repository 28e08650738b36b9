import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ACTIVATION_LENGTH } from '../../src/engine/mmdfr/layout.js';
import { readStrangers, writeStrangers } from '../../src/engine/mmdfr/strangers.js';

test('stranger set round trip and checks', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'facematch-strangers-'));
  try {
    assert.equal(await readStrangers(dir), null, 'a folder without a set');

    const faces = [0.25, -1.5, 3].map((scale) => Float32Array.from({ length: ACTIVATION_LENGTH }, (_, i) => scale * Math.sin(i)));
    await writeStrangers(dir, faces, 'test faces');
    const read = await readStrangers(dir);
    assert.equal(read?.length, 3);
    read!.forEach((face, f) => face.forEach((v, i) => assert.ok(Math.abs(v - faces[f][i]) <= 3 * 2 ** -11, `face ${f} value ${i}`)));

    const info = JSON.parse(await fs.readFile(path.join(dir, 'strangers.json'), 'utf8'));
    await fs.writeFile(path.join(dir, 'strangers.json'), JSON.stringify({ ...info, activationLength: 1792 }));
    await assert.rejects(readStrangers(dir), /describes 1792-float activations, but this engine makes 3840/);

    await fs.writeFile(path.join(dir, 'strangers.json'), JSON.stringify({ ...info, count: 4 }));
    await assert.rejects(readStrangers(dir), /strangers.json expects 4 faces/);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
