/**
 * Limits of the stored run format, apart from its zod schema (schema.ts) so that code which runs in
 * the browser (downsampling for charts) can use them without bundling zod.
 */

/** Maximum points per series kept on the branch. */
export const MAX_STORED_POINTS = 1000;
