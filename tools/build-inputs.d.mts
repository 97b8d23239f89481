/** The repository root, an absolute path ending in a separator. */
export const root: string;
/** The file whose modification time is when the last build began. */
export const stamp: string;
/** The generator scripts `npm run build` runs, relative to the root. */
export function generatorScripts(): string[];
/** True when an input changed after `stampFile` (default: the build stamp) or it is missing. */
export function isStale(stampFile?: string): boolean;
