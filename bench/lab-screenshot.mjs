// Screenshot of the page's "Compare runs" panel with every run ticked (at most 10): the overlaid
// test-loss curves and a row of samples per run from one seed. Uses the Playwright driver that the
// browser tests' build ships and Debian's Chromium, like the browser tests.
//
//   node bench/lab-screenshot.mjs http://127.0.0.1:5080 docs/lab-compare.png
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const driver = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../tests/VaeWeb.E2E/bin/Debug/net10.0/.playwright/package');
const { chromium } = require(driver);

const [base = 'http://127.0.0.1:5080', out = 'docs/lab-compare.png'] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: process.env.VAEWEB_CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
const errors = [];
page.on('pageerror', (e) => errors.push(String(e)));
await page.goto(base);
await page.waitForFunction(() => window.vaeweb?.ready === true, null, { timeout: 60_000 });
const boxes = page.locator('#lab-table tbody input[type=checkbox]:not([disabled])');
const count = Math.min(10, await boxes.count());
// Oldest first, so the legend and the rows read in the order the runs were trained.
for (let i = count - 1; i >= 0; i--) await boxes.nth(i).check();
await page.waitForFunction((n) => document.querySelectorAll('#lab-samples .sample-row[data-model-version]').length === n, count, { timeout: 120_000 });
const versions = await page.$$eval('#lab-samples .sample-row', (rows) => rows.map((r) => `${r.querySelector('strong').textContent}: ${r.dataset.modelVersion} (seed ${r.dataset.seed})`));
console.log(versions.join('\n'));
await page.locator('#lab').screenshot({ path: out });
console.log(`${count} runs ticked; screenshot ${out}${errors.length ? `; page errors: ${errors.join('; ')}` : ''}`);
await browser.close();
