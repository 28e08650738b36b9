import path from 'node:path';

import type { ModelRecord } from '../domain.js';

/**
 * Folder of a trained model version, relative to the models folder: `<name>/v<version>-<id>`,
 * where `<id>` is the first 8 characters of the version's id. Two databases that share a models
 * folder both number their first "staff" model 1; the id keeps their files apart.
 */
export function versionFolder(model: Pick<ModelRecord, 'id' | 'name' | 'version'>): string {
  return path.join(model.name, `v${model.version}-${model.id.slice(0, 8)}`);
}
