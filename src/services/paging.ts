import type { Page } from '../db/types.js';
import { ErrorCode, FacematchError } from '../errors.js';

export const DEFAULT_PAGE_LIMIT = 50;
/** Default of FACEMATCH_MAX_PAGE_SIZE. */
export const MAX_PAGE_LIMIT = 500;

/**
 * Validates optional paging arguments: limit 1..maxLimit (default 50, or maxLimit when smaller),
 * offset >= 0 (default 0).
 */
export function toPage(limit: number | null | undefined, offset: number | null | undefined, maxLimit: number = MAX_PAGE_LIMIT): Page {
  const page = { limit: limit ?? Math.min(DEFAULT_PAGE_LIMIT, maxLimit), offset: offset ?? 0 };

  if (!Number.isInteger(page.limit) || page.limit < 1 || page.limit > maxLimit) {
    throw new FacematchError(ErrorCode.BAD_USER_INPUT, `limit must be an integer from 1 to ${maxLimit}; got ${page.limit}. The server sets the maximum with FACEMATCH_MAX_PAGE_SIZE.`, { limit });
  }
  if (!Number.isInteger(page.offset) || page.offset < 0) {
    throw new FacematchError(ErrorCode.BAD_USER_INPUT, `offset must be an integer of 0 or more; got ${page.offset}.`, { offset });
  }
  return page;
}
