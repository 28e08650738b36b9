import path from 'node:path';
import { defaultLfwDir, parseOptions, requireFiles, wholeNumberOption } from '../command-line.js';
import { loadConfig } from '../config.js';
import { createEngine } from '../engine/index.js';
import { writeStrangers } from '../engine/mmdfr/strangers.js';
import { createLogger } from '../logger.js';
import { ActivationCache } from './activation-cache.js';
import { defaultEvalDirs } from './lfw-eval.js';
import { evenSubset, lfwImagePath, readPeople } from './lfw-dataset.js';

export const STRANGERS_USAGE = `Usage: facematch build-strangers [options]

Builds the stranger set that trained models calibrate their thresholds against: the trunk
activations of one face each of LFW DevTrain people with a single photo. Those people never
train a model (training takes people with two or more photos) and are not DevTest people.

Options:
  --lfw DIR     LFW folder with images/ and peopleDevTrain.txt (default $FACEMATCH_FACES_DIR/lfw, else ../shared/faces/lfw)
  --count N     people to take, spread evenly over the list (default 300)
  --out DIR     folder to write strangers.json and strangers.bin (default models/strangers,
                which replaces the shipped set); training ignores a set of fewer than 20
`;

/** Runs the `build-strangers` command and returns its exit code. */
export async function runStrangersCommand(args: string[]): Promise<number> {
  const values = parseOptions(args, {
    lfw: { type: 'string', default: defaultLfwDir() },
    count: { type: 'string', default: '300' },
    out: { type: 'string', default: path.join('models', 'strangers') },
    help: { type: 'boolean', default: false },
  });
  if (values.help) {
    process.stdout.write(STRANGERS_USAGE);
    return 0;
  }
  const count = wholeNumberOption('count', values.count, 1);
  const lfwDir = path.resolve(values.lfw!);
  await requireFiles(lfwDir, ['peopleDevTrain.txt', 'images'], '--lfw');

  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const people = evenSubset((await readPeople(lfwDir, 'peopleDevTrain.txt')).filter((p) => p.images === 1), count);
  const keys = people.map((p) => lfwImagePath(p.name, 1));

  // The evaluation's activation cache is shared, so photos it already saw are not run again.
  const cache = await ActivationCache.open(defaultEvalDirs(config.dataDir).cacheDir);
  const engine = await createEngine(config.engine, logger);
  try {
    await cache.fill(engine, lfwDir, keys, { concurrency: engine.workers, logger });
  } finally {
    await engine.close();
  }

  const faces = keys.map((key) => cache.get(key)).filter((activations): activations is Float32Array => Boolean(activations));
  const missed = people.length - faces.length;
  const source = `LFW peopleDevTrain.txt: the first photo of ${faces.length} people with one photo, spread evenly over the list` +
    (missed > 0 ? ` (${missed} more showed no face)` : '');
  const out = path.resolve(values.out!);
  await writeStrangers(out, faces, source);
  process.stdout.write(`Wrote ${faces.length} strangers to ${out}\n`);
  return 0;
}
