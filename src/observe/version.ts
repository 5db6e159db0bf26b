import { readFileSync } from 'node:fs';

/** mesolith's version, from its package.json (two levels above the compiled `dist/src/observe/`). */
export const VERSION: string = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
