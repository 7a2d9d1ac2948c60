// The run page with a big log in Debian's Chromium (playwright-core, the copy Microsoft.Playwright's NuGet package
// carries, so nothing is downloaded): signs in, opens /runs/RUN#job=build, and measures the time to the first log row
// drawn, to the whole log held (every line arrived), the rows in the DOM, the page's JS heap, a search over the whole
// log to the match drawn. The baseline, in the same run: the same page with a run of 6 log lines (SMALL). 5 rounds
// each; prints the medians and the ratio.
// Usage: node logpage.cjs PLAYWRIGHT_PACKAGE_DIR URL PASSWORD BIG_RUN LINES SMALL_RUN
const [pkg, url, password, run, lines, small] = process.argv.slice(2);
const { chromium } = require(pkg);

const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

(async () => {
  const browser = await chromium.launch({ executablePath: process.env.CATALYTIC_TEST_CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
  const measure = async (run, lines, needle) => {
  const rounds = [];
  for (let round = 0; round < 5; round++) {
    const context = await browser.newContext({ baseURL: url, viewport: { width: 1280, height: 860 } });
    const page = await context.newPage();
    await page.goto('/sign-in');
    await page.fill('#user', 'admin');
    await page.fill('#password', password);
    await Promise.all([page.waitForURL(u => !u.pathname.startsWith('/sign-in')), page.click('button[type=submit]')]);
    const cdp = await context.newCDPSession(page);
    const start = Date.now();
    await page.goto(`/runs/${run}#job=build`);
    await page.locator('.log-line').first().waitFor();
    const first = Date.now() - start;
    await page.waitForFunction(n => window.catalyticLog && window.catalyticLog.lines.length >= n, lines, { timeout: 600000, polling: 50 });
    const whole = Date.now() - start;
    const rows = await page.locator('.log-line').count();
    await cdp.send('HeapProfiler.collectGarbage');
    const { usedSize } = await cdp.send('Runtime.getHeapUsage');
    const searchStart = Date.now();
    await page.fill('input[type=search]', needle);
    await page.locator('.log-tools .count').filter({ hasText: '1 of 1' }).waitFor();
    await page.locator('.log-line.current').filter({ hasText: needle }).waitFor();
    const search = Date.now() - searchStart;
    rounds.push({ first, whole, rows, heap: usedSize / 1e6, search });
    await context.close();
  }
  const m = k => median(rounds.map(r => r[k]));
  console.log(`run ${run}, log of ${lines} lines (5 rounds, medians): first rows drawn ${m('first')} ms; whole log held ${m('whole')} ms; ` +
    `${m('rows')} rows in the DOM; JS heap ${m('heap').toFixed(1)} MB after GC; search to the match drawn ${m('search')} ms`);
  return { first: m('first'), heap: m('heap') };
  };
  const base = await measure(small, 6, 'build step 3');
  const big = await measure(run, Number(lines), '123456 compiled');
  console.log(`ratio big / small log: first rows ${(big.first / base.first).toFixed(1)}x, JS heap ${(big.heap / base.heap).toFixed(1)}x`);
  await browser.close();
})().catch(e => { console.error(e); process.exit(1); });
