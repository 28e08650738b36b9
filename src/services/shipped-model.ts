/** The model shipped in the models folder, used until the first trainModel succeeds. */
export const SHIPPED_MODEL = { name: 'base', version: 'v2' };
