/**
 * Debian's chromium for the browser test, installed with apt-get when missing (as root: the
 * project's machines are). playwright-core drives it; nothing is downloaded by npm.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const CHROMIUM = '/usr/bin/chromium';

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

function aptGet(...args: string[]): boolean {
  console.log(`browser test setup: apt-get ${args.join(' ')}`);
  const result = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return result.status === 0;
}

export function ensureChromium(): string {
  if (existsSync(CHROMIUM)) {
    console.log(`browser test setup: using ${CHROMIUM}`);
    return CHROMIUM;
  }
  if (process.getuid?.() !== 0) throw new Error(`${CHROMIUM} is missing and this is not root: install Debian's chromium package (apt-get install -y chromium)`);
  // A fresh machine may not have package lists yet.
  if (!aptGet('install', '-y', 'chromium') && !(aptGet('update') && aptGet('install', '-y', 'chromium'))) throw new Error('apt-get install -y chromium failed');
  if (!existsSync(CHROMIUM)) throw new Error(`apt-get installed chromium, but ${CHROMIUM} is not there`);
  console.log(`browser test setup: installed chromium (${CHROMIUM})`);
  return CHROMIUM;
}
