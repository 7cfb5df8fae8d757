/**
 * The matrix's HTML page as a maintainer sees it: rendered by a real
 * headless browser (Debian's chromium, driven by playwright-core), checked
 * by what is visible: a column per loader, a known-bug cell with its word
 * and the corpus file it links, the link going to a file that exists, and
 * the bug's section with the command that reproduces it there.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runBin, tempDir } from '../cli/test-helpers.ts';
import { sharedLoaders } from '../native/loaders.ts';

const CHROMIUM = process.env.DLMSPEC_CHROMIUM ?? '/usr/bin/chromium';
const { loaders } = sharedLoaders();
const hasBrowser = existsSync(CHROMIUM);
if (!hasBrowser && process.env.CI === 'true') throw new Error(`CI=true: no browser at ${CHROMIUM} (apt-get install chromium, as .ci/run does)`);
if (!hasBrowser) console.warn(`matrix/html.browser.test.ts: skipped: no browser at ${CHROMIUM} (apt-get install chromium, or DLMSPEC_CHROMIUM=PATH)`);

const of = (label: string) => loaders.find((l) => l.label === label);
const old = of('2.36');
const fixed = of('2.42');

describe.skipIf(!hasBrowser || old === undefined || fixed === undefined)('the matrix page in a headless browser', () => {
  let browser: Browser;
  let page: string;
  beforeAll(async () => {
    const out = await tempDir('dlmspec-matrix-html-');
    const r = await runBin(['matrix', old!.dir, fixed!.dir, '--runs', '60', '--audit-runs', '20', '--out', out, '--quiet'], { timeoutMs: 300_000 });
    if (r.code !== 0) throw new Error(`dlmspec matrix: ${r.stdout}${r.stderr}`);
    page = join(out, 'matrix.html');
    // As root in a sandbox, with no network: the flags the machine's own check starts it with.
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 300_000);
  afterAll(async () => browser?.close());

  test('a column per loader; the known bug of 2.36 is a visible cell that links its corpus file, fixed in 2.42; its section says how to reproduce it', async () => {
    const tab = await browser.newPage();
    await tab.goto(pathToFileURL(page).href);
    const headers = (await tab.locator('table.matrix thead th').allInnerTexts()).map((t) => t.trim());
    expect(headers).toEqual(['rule', 'behaviour', '2.36', '2.42']);

    const row = tab.locator('table.matrix tr', { has: tab.locator('td.rule', { hasText: 'GLIBC-CLOSE-FORCE-FIRST' }) });
    const cells = row.locator('td.c');
    await expect.poll(() => cells.count()).toBe(2);
    const bug = cells.nth(0);
    expect(await bug.isVisible()).toBe(true);
    expect((await bug.innerText()).trim()).toBe('known bug');
    expect(await bug.getAttribute('class')).toContain('known-bug');
    const link = bug.locator('a');
    const href = await link.getAttribute('href');
    expect(href).toMatch(/corpus\/glibc-close-force-first(-[a-z]+)?\.json$/);
    expect(existsSync(fileURLToPath(new URL(href!, pathToFileURL(page))))).toBe(true);
    // The cell is coloured apart from one that holds.
    const colour = (l: typeof bug) => l.evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(await colour(bug)).not.toBe(await colour(tab.locator('table.matrix tr', { has: tab.locator('td.rule', { hasText: /^NS1$/ }) }).locator('td.c').nth(0)));
    expect((await cells.nth(1).innerText()).trim()).toBe('fixed (2.37)');

    // The bug's own link goes to its section, which names the fix and the command for 2.36.
    await row.locator('td.rule a').click();
    const section = tab.locator('section#glibc-close-force-first');
    expect(await section.isVisible()).toBe(true);
    const text = await section.innerText();
    expect(text).toContain('fixed in 2.37 by 1df71d32fe5f (bug 28937)');
    expect(text).toMatch(/# 2\.36\s+npx dlmspec repro corpus\/glibc-close-force-first\.json --out \/tmp\/repro && make -C \/tmp\/repro run RTLD=\S*glibc-2\.36\/lib\/ld-linux-x86-64\.so\.2/);
    expect(new URL(tab.url()).hash).toBe('#glibc-close-force-first');
    await tab.close();
  }, 120_000);
});
