/** The model shipped in the models folder, used until the first trainModel succeeds. */
export const SHIPPED_MODEL = { name: 'base', version: 'v2' };

/**
 * Folder, in the models folder, of the shipped stranger set: faces of people who are never
 * enrolled. Every trained model calibrates its thresholds against them.
 */
export const SHIPPED_STRANGERS = 'strangers';
