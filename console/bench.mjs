// Measures the console against a running node: bytes transferred for the overview, and the
// time from navigation until it is interactive (head, cards and the latest blocks rendered),
// for first and repeat visits; prints each run and the medians. WebSocket traffic (the live
// updates) is not counted.
//   node bench.mjs http://127.0.0.1:8545 [runs]
import { chromium } from "playwright-core";

const url = process.argv[2] ?? "http://127.0.0.1:8545";
const runs = Number(process.argv[3] ?? 7);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: ["--no-sandbox"] });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Loads the overview in `page`; returns the time to interactive and the bytes of the responses. */
async function load(page) {
  const sizes = [];
  const count = (r) => sizes.push(r.body().then((b) => b.length, () => 0));
  page.on("response", count);
  const start = Date.now();
  await page.goto(`${url}/`);
  await page.waitForFunction(() => document.querySelectorAll("main tbody tr").length >= 5 && Number(document.querySelector(".card .value")?.textContent) > 0);
  const ms = Date.now() - start;
  await page.waitForSelector("header .genesis code");
  await page.waitForTimeout(300);
  page.off("response", count);
  const bytes = (await Promise.all(sizes)).reduce((a, b) => a + b, 0);
  return { ms, bytes };
}

// First visits: a new browser profile each time. Repeat visits: reloads in one profile (the
// genesis document is kept in the browser).
for (const kind of ["first visit", "repeat visit"]) {
  const times = [];
  const weights = [];
  const context = await browser.newContext();
  if (kind === "repeat visit") await load(await context.newPage());
  for (let i = 0; i < runs; i++) {
    const fresh = kind === "first visit" ? await browser.newContext() : context;
    const page = await fresh.newPage();
    const { ms, bytes } = await load(page);
    times.push(ms);
    weights.push(bytes);
    console.log(`${kind} ${i + 1}: interactive in ${ms} ms, ${(bytes / 1024).toFixed(1)} KB transferred`);
    await page.close();
    if (fresh !== context) await fresh.close();
  }
  await context.close();
  console.log(`${kind}, median of ${runs}: interactive in ${median(times)} ms, ${(median(weights) / 1024).toFixed(1)} KB transferred`);
}
await browser.close();
