import path from 'node:path';
import { CommandLineError, defaultLfwDir, parseOptions, requireFiles, wholeNumberOption } from '../command-line.js';
import { loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { defaultEvalDirs, evaluateLfw } from './lfw-eval.js';
import { markdownReport, writeRocPlot } from './report.js';

export const EVAL_USAGE = `Usage: facematch eval-lfw [options]

Runs LFW View 1 (thresholds from pairsDevTrain, measures on pairsDevTest) with an ablation of
the pretrained descriptor, each branch, the concatenated branches and the fused MM-DFR vector.
The model trains on DevTrain people only. Trunk activations are cached, so a rerun skips the CNNs.

Options:
  --lfw DIR               LFW folder with images/ and the View 1 lists (default $FACEMATCH_FACES_DIR/lfw, else ../shared/faces/lfw)
  --test-pairs N          DevTest pairs, spread evenly over the file (default 1000, all)
  --train-pairs N         DevTrain pairs for choosing thresholds (default 2200, all)
  --train-people N        DevTrain people with 2+ photos to train on, 0 for all (default 0)
  --images-per-person N   photos per training person, at most (default 10)
  --probes-per-person N   rank-1 probe photos per DevTest person, at most (default 5)
  --rank1-people N        DevTest people with 2+ photos in the rank-1 gallery, 0 for all (default 0)
  --out DIR               where lfw-eval.md and lfw-roc.png are written (default docs)
  --options JSON          training options, such as '{"branchEpochs":20}'
  --model-out DIR         also write the trained model there with float16 weights (for shipping)
`;

/** Runs the `eval-lfw` command and returns its exit code. */
export async function runEvalCommand(args: string[]): Promise<number> {
  const values = parseOptions(args, {
    lfw: { type: 'string', default: defaultLfwDir() },
    'test-pairs': { type: 'string', default: '1000' },
    'train-pairs': { type: 'string', default: '2200' },
    'train-people': { type: 'string', default: '0' },
    'images-per-person': { type: 'string', default: '10' },
    'probes-per-person': { type: 'string', default: '5' },
    'rank1-people': { type: 'string', default: '0' },
    out: { type: 'string', default: 'docs' },
    options: { type: 'string', default: '{}' },
    'model-out': { type: 'string' },
    help: { type: 'boolean', default: false },
  });
  if (values.help) {
    process.stdout.write(EVAL_USAGE);
    return 0;
  }

  // The command line is checked whole before the engine starts or any photo is read.
  // Zero means "all" for --train-people and --rank1-people only.
  const sizes = {
    testPairs: wholeNumberOption('test-pairs', values['test-pairs'], 1),
    trainPairs: wholeNumberOption('train-pairs', values['train-pairs'], 1),
    trainPeople: wholeNumberOption('train-people', values['train-people'], 0),
    imagesPerPerson: wholeNumberOption('images-per-person', values['images-per-person'], 1),
    probesPerPerson: wholeNumberOption('probes-per-person', values['probes-per-person'], 1),
    rank1People: wholeNumberOption('rank1-people', values['rank1-people'], 0),
  };
  const trainOptions = parseTrainOptions(values.options!);
  const lfwDir = path.resolve(values.lfw!);
  await requireFiles(lfwDir, ['pairsDevTrain.txt', 'pairsDevTest.txt', 'peopleDevTrain.txt', 'peopleDevTest.txt', 'images'], '--lfw');

  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const dirs = defaultEvalDirs(config.dataDir);
  const result = await evaluateLfw({
    lfwDir,
    ...dirs,
    ...sizes,
    trainOptions,
    engine: config.engine,
    logger,
  });

  const command = ['npm run eval:lfw --', ...args].join(' ').replace(/ --$/, '');
  const markdown = markdownReport(result, command);
  const outDir = path.resolve(values.out!);
  const { writeFile, mkdir } = await import('node:fs/promises');
  await mkdir(outDir, { recursive: true });
  await writeFile(path.join(outDir, 'lfw-eval.md'), `# LFW View 1 evaluation\n\n${markdown}\n![ROC curves on DevTest](lfw-roc.png)\n`);
  await writeRocPlot(result, path.join(outDir, 'lfw-roc.png'));
  process.stdout.write(markdown);

  if (values['model-out'] !== undefined) {
    const { loadTensorflow } = await import('../engine/runtime/tensorflow.js');
    const { loadArtifact, saveArtifact } = await import('../engine/mmdfr/artifact.js');
    const { tf } = await loadTensorflow(config.engine.backend);
    const { network, metadata } = await loadArtifact(tf, dirs.modelDir);
    const lfw = Object.fromEntries(result.rows.map((row) => [row.name, { accuracy: row.verification.accuracy, auc: row.verification.auc }]));
    metadata.metrics = { ...metadata.metrics, lfwView1DevTest: { command, pairs: result.testPairs, ...lfw } };
    await saveArtifact(tf, network, metadata, path.resolve(values['model-out']), { float16: true });
    process.stdout.write(`\nWrote the model to ${path.resolve(values['model-out'])}\n`);
  }
  return 0;
}

/** Parses the --options value, a JSON object of training options. */
function parseTrainOptions(json: string): Record<string, unknown> {
  const invalid = new CommandLineError(`Invalid --options ${json}: pass a JSON object such as '{"branchEpochs":20}'.`);
  let options: unknown;
  try {
    options = JSON.parse(json);
  } catch {
    throw invalid;
  }

  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw invalid;
  }
  return options as Record<string, unknown>;
}
