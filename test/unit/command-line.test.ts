import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';

import { EXIT_USAGE, main } from '../../src/cli.js';
import { CommandLineError, defaultLfwDir, wholeNumberOption } from '../../src/command-line.js';

/** Runs the CLI's `main` with stderr captured; returns the exit code and what was written there. */
async function runCli(args: string[]): Promise<{ code: number; stderr: string }> {
  const chunks: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  try {
    return { code: await main(args), stderr: chunks.join('') };
  } finally {
    process.stderr.write = write;
  }
}

describe('wholeNumberOption', () => {
  test('accepts whole numbers at or above the minimum', () => {
    assert.equal(wholeNumberOption('count', '300', 1), 300);
    assert.equal(wholeNumberOption('train-people', '0', 0), 0);
  });

  test('rejects fractions, words, blanks and numbers under the minimum', () => {
    for (const value of ['1.5', 'abc', '', ' ', '-3', '0', undefined]) {
      assert.throws(() => wholeNumberOption('count', value, 1), (error: unknown) =>
        error instanceof CommandLineError && error.message.includes('pass a whole number of at least 1'), `value ${value}`);
    }
  });
});

describe('defaultLfwDir', () => {
  test('follows FACEMATCH_FACES_DIR, else ../shared/faces/lfw', () => {
    const saved = process.env.FACEMATCH_FACES_DIR;
    try {
      process.env.FACEMATCH_FACES_DIR = '/data/faces';
      assert.equal(defaultLfwDir(), '/data/faces/lfw');

      delete process.env.FACEMATCH_FACES_DIR;
      assert.equal(defaultLfwDir(), path.resolve('..', 'shared', 'faces', 'lfw'));
    } finally {
      if (saved === undefined) {
        delete process.env.FACEMATCH_FACES_DIR;
      } else {
        process.env.FACEMATCH_FACES_DIR = saved;
      }
    }
  });
});

describe('CLI command lines that need correcting', () => {
  // Each case is rejected before the engine starts or a photo is read, so none needs LFW.
  const cases: Array<{ args: string[]; says: RegExp }> = [
    { args: ['build-strangers', '--count', 'abc'], says: /Invalid --count "abc": pass a whole number of at least 1/ },
    { args: ['build-strangers', '--bogus'], says: /Unknown option '--bogus'/ },
    { args: ['build-strangers', '--count'], says: /argument missing/ },
    { args: ['build-strangers', '--lfw', '/nonexistent/lfw'], says: /\/nonexistent\/lfw\/peopleDevTrain\.txt was not found\. Point --lfw at/ },
    { args: ['eval-lfw', '--test-pairs', '0'], says: /Invalid --test-pairs "0": pass a whole number of at least 1/ },
    { args: ['eval-lfw', '--options', '{bad'], says: /Invalid --options .*: pass a JSON object/ },
    { args: ['eval-lfw', '--options', '[1, 2]'], says: /Invalid --options .*: pass a JSON object/ },
    { args: ['eval-lfw', 'stray'], says: /Unexpected argument 'stray'/ },
    { args: ['eval-lfw', '--lfw', '/nonexistent/lfw'], says: /pairsDevTrain\.txt was not found/ },
  ];

  for (const { args, says } of cases) {
    test(args.join(' '), async () => {
      const { code, stderr } = await runCli(args);

      assert.equal(code, EXIT_USAGE);
      assert.match(stderr, says);
      assert.ok(stderr.startsWith(`facematch ${args[0]}: `), stderr);
      assert.ok(stderr.trimEnd().endsWith(`See facematch ${args[0]} --help.`), stderr);
      assert.equal(stderr.trimEnd().split('\n').length, 1, `one line, no stack trace: ${stderr}`);
    });
  }
});
