import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { serveCluster } from '../../src/http/index.js';
import { LocalCluster } from '../../src/index.js';
import { tasksModule } from '../fixtures/tasks.js';
import { CHROMIUM_ARGS, ensureChromium } from './chromium.js';

/** test-output/ at the top of the repository (this file runs from dist/test/http/). */
const OUTPUT = fileURLToPath(new URL('../../../test-output/', import.meta.url));

test('the web view shows agents, a launched task changing state, and a crash with its recovery, live', async () => {
  const executablePath = ensureChromium();
  const profile = mkdtempSync(join(tmpdir(), 'mesolith-chromium-'));
  const cluster = await LocalCluster.start({ agents: 2 });
  const server = await serveCluster(cluster, { port: 0, pollMs: 200 });
  const browser = await chromium.launchPersistentContext(profile, { executablePath, args: CHROMIUM_ARGS, headless: true, viewport: { width: 1280, height: 900 } });
  try {
    const page = browser.pages()[0] ?? (await browser.newPage());
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(server.url);
    await page.waitForSelector('#connection:text("live")');
    await page.waitForSelector('tr[data-agent-id="agent-1"] td.status-active');
    assert.is(await page.locator('#agents tr[data-agent-id]').count(), 2);

    const fw = await cluster.registerFramework({ name: 'browser', checkpoint: true });
    const launched = await fw.launch({ taskId: 'web-task', cpus: 0.5, mem: 64, run: { kind: 'js', module: tasksModule, export: 'untilKilled' } });
    await fw.waitFor(launched.taskId, 'TASK_RUNNING');
    await page.waitForSelector('tr[data-task-id="web-task"] td.TASK_RUNNING');
    await page.waitForSelector('#task-states [data-state="TASK_RUNNING"]:text("TASK_RUNNING 1")');

    const recovered = cluster.nextRecovery(launched.agentId);
    await cluster.crashAgent(launched.agentId);
    await recovered;
    await page.waitForSelector('#events li[data-event="agent.crashed"]');
    const recovery = await page.locator('#events li[data-event="agent.recovered"]').first().textContent({ timeout: 10_000 });
    assert.match(recovery ?? '', /recovered in \d+ ms: 1 executors reconnected, 0 lost — read \d+ ms, reconnect \d+ ms, reregister \d+ ms/);
    await page.waitForSelector(`tr[data-agent-id="${launched.agentId}"] td:text("1 executors back")`);

    fw.kill(launched.taskId);
    await fw.waitFor(launched.taskId, 'TASK_KILLED');
    await page.waitForSelector('tr[data-task-id="web-task"] td.TASK_KILLED');
    await page.waitForSelector('#frameworks div:text("browser (framework-1)")');

    mkdirSync(OUTPUT, { recursive: true });
    const screenshot = join(OUTPUT, 'web-view.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    console.log(`web view screenshot: ${screenshot}`);
    assert.equal(problems, [], 'no script errors on the page');
  } finally {
    await browser.close();
    await server.close();
    await cluster.stop();
    rmSync(profile, { recursive: true, force: true });
  }
});

test.run();
