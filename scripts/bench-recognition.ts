/**
 * Benchmark of the main flows on real LFW photos, through GraphQL over HTTP on 127.0.0.1 with
 * the embedded database: addImage, trainModel, faceVector and similarFaces latency.
 *
 *   npm run bench:recognition [-- --people 20 --queries 40]
 *
 * Photos come from ../shared/faces/lfw or FACEMATCH_FACES_DIR. Prints a Markdown table.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { createServer } from '../src/server.js';
import { base64Of, lfwImage, lfwPeople, skipWithoutLfw } from '../test/support/faces.js';
import { expectData } from '../test/support/graphql-client.js';
import { copyShippedModels } from '../test/support/shipped-models.js';

const { values } = parseArgs({ options: { people: { type: 'string', default: '20' }, queries: { type: 'string', default: '40' } } });
const PEOPLE = Number(values.people);
const QUERIES = Number(values.queries);

if (skipWithoutLfw) {
  console.error(skipWithoutLfw);
  process.exit(1);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function summary(name: string, millis: number[]): string {
  const sorted = [...millis].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, v) => sum + v, 0) / sorted.length;
  return `| ${name} | ${sorted.length} | ${mean.toFixed(0)} | ${percentile(sorted, 0.5).toFixed(0)} | ${percentile(sorted, 0.95).toFixed(0)} |`;
}

async function timed<T>(samples: number[], work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await work();
  samples.push(performance.now() - started);
  return result;
}

const modelsDir = await fs.mkdtemp(path.join(os.tmpdir(), 'facematch-bench-'));
await copyShippedModels(modelsDir);
const config = loadConfig({ ...process.env, FACEMATCH_PORT: '0', FACEMATCH_DATA_DIR: 'memory://', FACEMATCH_MODELS_DIR: modelsDir });
const server = await createServer(config, { logger: createLogger('warn') });
const url = await server.start();

try {
  const people = lfwPeople('peopleDevTest.txt', 4).slice(0, PEOPLE);
  const addImage: number[] = [];
  for (const person of people) {
    const { createUser } = await expectData<{ createUser: { id: string } }>(url, `mutation ($n: String!) { createUser(input: { name: $n }) { id } }`, { n: person.name });
    for (let index = 1; index <= 3; index++) {
      // faceIndex 0 keeps the largest face: some news photos show other people behind the subject.
      await timed(addImage, () => expectData(url, `mutation ($u: ID!, $i: ImageInput!) { addImage(userId: $u, image: $i, faceIndex: 0) { id } }`, { u: createUser.id, i: { base64: base64Of(lfwImage(person.name, index)) } }));
    }
  }

  const trainStarted = performance.now();
  const { trainModel } = await expectData<{ trainModel: { id: string } }>(url, `mutation { trainModel(name: "bench") { id } }`);
  for (;;) {
    const { trainingJob } = await expectData<{ trainingJob: { status: string; error: string | null } }>(url, `query ($id: ID!) { trainingJob(id: $id) { status error } }`, { id: trainModel.id });
    if (trainingJob.status === 'FAILED') throw new Error(`training failed: ${trainingJob.error}`);
    if (trainingJob.status === 'SUCCEEDED') break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const trainSeconds = (performance.now() - trainStarted) / 1000;

  const faceVector: number[] = [];
  const similarFaces: number[] = [];
  const queries = Array.from({ length: QUERIES }, (_, i) => lfwImage(people[i % people.length].name, 4));
  for (const file of queries) {
    const image = { base64: base64Of(file) };
    await timed(faceVector, () => expectData(url, `query ($i: ImageInput!) { faceVector(image: $i) { vector } }`, { i: image }));
    await timed(similarFaces, () => expectData(url, `query ($i: ImageInput!) { similarFaces(image: $i, topK: 5) { matches { similarity } } }`, { i: image }));
  }

  const { engineInfo } = await expectData<{ engineInfo: { backend: string; workers: number } }>(url, `{ engineInfo { backend workers } }`);
  console.log(`Machine: ${os.cpus().length} x ${os.cpus()[0].model}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, backend ${engineInfo.backend}, ${engineInfo.workers} engine workers`);
  console.log(`Photos: LFW 250x250 JPEG, ${people.length} people x 3 enrolled, ${QUERIES} sequential queries\n`);
  console.log('| operation | requests | mean ms | p50 ms | p95 ms |');
  console.log('|---|---|---|---|---|');
  console.log(summary('addImage', addImage));
  console.log(summary('faceVector', faceVector));
  console.log(summary('similarFaces (topK 5)', similarFaces));
  console.log(`\ntrainModel on ${people.length * 3} faces, default options: ${trainSeconds.toFixed(1)} s from the mutation to SUCCEEDED (training, re-embedding, activation)`);
} finally {
  await server.stop();
  await fs.rm(modelsDir, { recursive: true, force: true });
}
