import { access } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';

/**
 * Default LFW folder of the commands that read LFW: `lfw` in FACEMATCH_FACES_DIR when set (as
 * for the tests and benchmarks), else ../shared/faces/lfw from the current folder.
 */
export function defaultLfwDir(): string {
  const facesDir = process.env.FACEMATCH_FACES_DIR;
  return facesDir ? path.resolve(facesDir, 'lfw') : path.resolve('..', 'shared', 'faces', 'lfw');
}

/** A command line the user can correct: the CLI prints the message in one line and exits with 2. */
export class CommandLineError extends Error {
  override name = 'CommandLineError';
}

/**
 * `parseArgs` with strict checking, whose errors (an unknown option, a missing value) become
 * CommandLineError instead of a TypeError with a stack trace.
 */
export function parseOptions<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T): ReturnType<typeof parseArgs<{ args: string[]; options: T }>>['values'] {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== undefined && code.startsWith('ERR_PARSE_ARGS_')) {
      const message = (error as Error).message;
      throw new CommandLineError(message.endsWith('.') ? message : `${message}.`);
    }
    throw error;
  }
}

/** Parses the option `--name` as a whole number of at least `min`. */
export function wholeNumberOption(name: string, value: string | undefined, min: number): number {
  const number = Number(value);
  if (value === undefined || value.trim() === '' || !Number.isInteger(number) || number < min) {
    throw new CommandLineError(`Invalid --${name} "${value ?? ''}": pass a whole number of at least ${min}.`);
  }
  return number;
}

/** Checks that `dir` contains each of `files` (or folders), so a wrong --lfw is reported before any work starts. */
export async function requireFiles(dir: string, files: string[], option: string): Promise<void> {
  for (const file of files) {
    try {
      await access(path.join(dir, file));
    } catch {
      const listed = `${files.slice(0, -1).join(', ')}${files.length > 1 ? ' and ' : ''}${files.at(-1)}`;
      throw new CommandLineError(`${path.join(dir, file)} was not found. Point ${option} at a folder that contains ${listed}.`);
    }
  }
}
