import assert from 'node:assert/strict';

import { FacematchError } from '../../../src/errors.js';

/** Asserts that `promise` rejects with a FacematchError of `code` whose message matches `message`. */
export async function rejectsWith(promise: Promise<unknown>, code: string, message?: RegExp): Promise<FacematchError> {
  let caught: FacematchError | undefined;
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof FacematchError, `expected a FacematchError, got ${String(error)}`);
    assert.equal(error.code, code);
    if (message !== undefined) {
      assert.match(error.message, message);
    }
    caught = error;
    return true;
  });
  return caught!;
}
