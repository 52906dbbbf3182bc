// Measures the console against a running node: bytes transferred for the overview, and the
// time from navigation until it is interactive (head, cards and the latest blocks rendered),
// over several fresh page loads; prints each run and the medians.
//   node bench.mjs http://127.0.0.1:8545 [runs]
import { chromium } from "playwright-core";

const url = process.argv[2] ?? "http://127.0.0.1:8545";
const runs = Number(process.argv[3] ?? 7);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: ["--no-sandbox"] });
const times = [];
const weights = [];
for (let i = 0; i < runs; i++) {
  const context = await browser.newContext();
  const page = await context.newPage();
  let bytes = 0;
  page.on("response", async (r) => {
    try {
      bytes += (await r.body()).length;
    } catch {}
  });
  const start = Date.now();
  await page.goto(`${url}/`);
  await page.waitForFunction(() => document.querySelectorAll("main tbody tr").length >= 5 && Number(document.querySelector(".card .value")?.textContent) > 0);
  const ms = Date.now() - start;
  await page.waitForTimeout(300);
  times.push(ms);
  weights.push(bytes);
  console.log(`run ${i + 1}: interactive in ${ms} ms, ${(bytes / 1024).toFixed(1)} KB transferred`);
  await context.close();
}
await browser.close();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`median: interactive in ${median(times)} ms, ${(median(weights) / 1024).toFixed(1)} KB transferred (${runs} runs)`);
