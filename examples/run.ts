/**
 * `npm run example -- <name>` builds, then runs examples/<name>/main.ts (compiled to
 * dist/examples/<name>/main.js) in this process. Without a known name it lists the examples.
 */
import { readdirSync } from 'node:fs';

const here = new URL('.', import.meta.url);
const examples = readdirSync(here, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && readdirSync(new URL(`${entry.name}/`, here)).includes('main.js'))
  .map((entry) => entry.name)
  .sort();
const name = process.argv[2];
if (name === undefined || !examples.includes(name)) {
  console.error(`${name === undefined ? 'which example?' : `no example "${name}".`} Run one with: npm run example -- <name>\n  ${examples.join('\n  ')}`);
  process.exit(2);
}
await import(new URL(`${name}/main.js`, here).href);
