/** The repository root, an absolute path ending in a separator. */
export const root: string;
/** The file whose modification time is when the last build began. */
export const stamp: string;
/** The projects `npm start` and `npm run seed` run, relative to the root (every one but the benchmark). */
export const runtimeProjects: string[];
/** The generator scripts `npm run build` runs, relative to the root. */
export function generatorScripts(): string[];
/** The TypeScript files `project` compiles into dist/ (tests, their helpers and declarations left out), absolute. */
export function compiledSources(project: string): string[];
/** True when an input changed after `stampFile` (default: the build stamp) or it is missing. */
export function isStale(stampFile?: string): boolean;
