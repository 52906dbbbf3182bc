// The console in a real browser (Debian's Chromium driven by playwright-core) against a live
// dev node started here: every page renders real chain data, updates arrive live, the page's
// own verification passes and fails a tampered answer, search, both languages, phone width,
// axe-core, no console errors, and on-chain markup shown as text. Screenshots go to
// console/screenshots/ (look at them).
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const bin = process.env.CITYCHAIN_BIN ?? join(repo, "target/debug/citychain");
const chromiumPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const shots = join(repo, "console/screenshots");
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

let node, dir, url, browser, banner;
const consoleErrors = [];
const data = {};

function cli(...args) {
  return JSON.parse(execFileSync(bin, [...args, "--json", "--rpc", url], { encoding: "utf8" }));
}
const address = (name) => banner.accounts.find((a) => a.name === name).address;
const keyFile = (name) => banner.accounts.find((a) => a.name === name).key_file;

before(async () => {
  mkdirSync(shots, { recursive: true });
  dir = mkdtempSync(join(tmpdir(), "citychain-console-"));
  node = spawn(bin, ["dev", "--json", "--data-dir", dir, "--rpc-addr", "127.0.0.1:0", "--verify-threads", "1"], { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, RUST_LOG: "warn" } });
  banner = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("citychain dev did not start")), 60_000);
    createInterface({ input: node.stdout }).on("line", (line) => {
      try {
        const b = JSON.parse(line);
        if (b.rpc_url) {
          clearTimeout(timer);
          resolve(b);
        }
      } catch {}
    });
  });
  url = banner.rpc_url;
  // Chain data for the pages: a transfer, a notarized document whose note is markup, a proposal.
  data.transfer = cli("tx", "transfer", "--key", keyFile("alice"), "--to", address("bob"), "--amount", "1234567");
  data.notary = banner.applications.find((a) => a.name === "notary").address;
  data.anchor = cli("contract", "call", data.notary, "anchor", "--key", keyFile("alice"), "--arg", `document_hash=0x${"ab".repeat(32)}`, "--arg", 'note=<script>window.pwned=1</script><img src=x onerror="window.pwned=2">');
  data.proposal = cli("gov", "propose", "--key", keyFile("alice"), "--title", "Admit bob as a client", "--action", JSON.stringify({ type: "set_member", account: address("bob"), member: { org: "city", roles: ["client"] } }));
  // A certificate: alice registers bob as an issuer, bob defines a type and issues to carol.
  const certs = banner.applications.find((a) => a.name === "certificates").address;
  cli("contract", "call", certs, "register_issuer", "--key", keyFile("alice"), "--arg", `issuer=${address("bob")}`, "--arg", "name=Municipal Education Bureau");
  cli("contract", "call", certs, "define_type", "--key", keyFile("bob"), "--arg", "type_id=degree", "--arg", "name=University degree", "--arg", "transferable=false");
  const holderFile = join(dir, "carol.json");
  cli("cert", "issue", "--key", keyFile("bob"), "--holder", address("carol"), "--type", "degree", "--field", "name=Carol Chen", "--field", "degree=BSc Civil Engineering", "--valid-until", "2100-01-01", "--out", holderFile);
  const disclose = (...args) => JSON.parse(execFileSync(bin, ["cert", "disclose", holderFile, "--json", ...args], { encoding: "utf8" }));
  data.link = disclose("--field", "degree").link;
  data.qrLink = disclose("--field", "degree", "--form", "qr", "--console", url).link;
  // A permit application waiting for carol's agency.
  const permits = banner.applications.find((a) => a.name === "permits").address;
  cli("contract", "call", certs, "register_issuer", "--key", keyFile("alice"), "--arg", `issuer=${permits}`, "--arg", "name=City Permits Office");
  cli("contract", "call", permits, "define_type", "--key", keyFile("alice"), "--arg", "type_id=construction", "--arg", "name=Construction permit", "--arg", `stages=[[["${address("carol")}"], 3600000]]`, "--arg", "consultation_ms=1000", "--arg", "validity_ms=63072000000");
  cli("contract", "call", permits, "apply", "--key", keyFile("dave"), "--arg", "type_id=construction", "--arg", "title=Riverside library extension", "--arg", `document=0x${"11".repeat(32)}`);
  // A product batch: bob's farm commissions raw milk; carol's plant recalls nothing yet.
  const traceApp = banner.applications.find((a) => a.name === "trace").address;
  cli("contract", "call", traceApp, "register_party", "--key", keyFile("alice"), "--arg", `party=${address("bob")}`, "--arg", "name=Farm 7", "--arg", "role=0", "--arg", "location=Yanqing");
  data.batch = "urn:epc:class:lgtin:0614141.107346.MILK-A";
  cli("contract", "call", traceApp, "commission", "--key", keyFile("bob"), "--arg", `code=${data.batch}`, "--arg", "product=raw milk", "--arg", "quantity=1000", "--arg", "unit=L", "--arg", "origin=Farm 7, Yanqing", "--arg", 'attributes=[["fat", "3.6%"]]', "--arg", "cold_chain=[2000, 6000]");
  // A grant programme carol reviews, and dave's application to it.
  data.grants = banner.applications.find((a) => a.name === "grants").address;
  const until = Date.now() + 86_400_000;
  cli("contract", "call", data.grants, "create_programme", "--key", keyFile("alice"), "--value", "100000", "--arg", "name=Smart river programme", "--arg", `reviewers=["${address("carol")}"]`, "--arg", "threshold=1", "--arg", "large_payment=1000000", "--arg", `apply_until_ms=${until}`);
  cli("contract", "call", data.grants, "apply", "--key", keyFile("dave"), "--arg", "programme=0", "--arg", "title=Flood sensors", "--arg", "amount=60000", "--arg", `milestones=[[5000, ${until + 1}, "installation report"], [5000, ${until + 2}, "handover"]]`);
  // A data set in the catalogue: alice registers bob's bureau, which publishes bus positions.
  const share = banner.applications.find((a) => a.name === "datashare").address;
  cli("contract", "call", share, "register_agency", "--key", keyFile("alice"), "--arg", `agency=${address("bob")}`, "--arg", "name=Transport Bureau");
  cli("contract", "call", share, "publish", "--key", keyFile("bob"), "--arg", "id=bus-gps", "--arg", "title=Bus GPS positions", "--arg", `schema_hash=0x${"ab".repeat(32)}`, "--arg", "classification=1", "--arg", "frequency=every 30 s", "--arg", "endpoint=api://transport/bus-gps/v1", "--arg", 'keywords=["transport", "GPS"]', "--arg", `approvers=["${address("bob")}"]`, "--arg", "required=1");
  // A 2-of-2 multisig of alice and carol; alice proposes (and so approves) a payment.
  data.multisig = cli("multisig", "create", "--key", keyFile("alice"), "--signer", address("alice"), "--signer", address("carol"), "--threshold", "2").receipt.output;
  cli("multisig", "propose", "--key", keyFile("alice"), data.multisig, "--payload", JSON.stringify({ type: "transfer", to: address("bob"), amount: "5" }));
  // An asset with a holder and an open offer.
  data.asset = cli("asset", "create", "--key", keyFile("alice"), "--symbol", "BOND-26", "--name", "City bond 2026", "--cap", "100000000", "--decimals", "2").receipt.output;
  cli("asset", "mint", "--key", keyFile("alice"), data.asset, "--to", address("bob"), "--amount", "500000");
  data.offer = cli("offer", "make", "--key", keyFile("bob"), "--give", `token:${data.asset}:10000`, "--want", "native:1000").receipt.output;
  browser = await chromium.launch({ executablePath: chromiumPath, args: ["--no-sandbox"] });
});

after(async () => {
  await browser?.close();
  node?.kill("SIGKILL");
  if (dir) rmSync(dir, { recursive: true, force: true });
  assert.deepEqual(consoleErrors, [], "the browser console stayed free of errors");
});

async function open(path, { width = 1280, height = 900, lang = "en", bypassCSP = false } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, locale: lang === "zh" ? "zh-CN" : "en-US", bypassCSP });
  const page = await context.newPage();
  page.on("console", (m) => m.type() === "error" && consoleErrors.push(`${path}: ${m.text()}`));
  page.on("pageerror", (e) => consoleErrors.push(`${path}: ${e}`));
  await page.goto(`${url}/${path}`);
  return page;
}

const shot = (page, name) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
const verified = (page) => page.locator(".verify.ok").first().waitFor({ timeout: 15_000 });

test("the overview shows the chain and updates live", async () => {
  const page = await open("");
  const head = page.locator(".card .value").first();
  await page.getByRole("heading", { name: /Overview/ }).waitFor();
  await page.getByText("citychain-dev").waitFor();
  const first = Number(await head.textContent());
  await page.waitForFunction((h) => Number(document.querySelector(".card .value")?.textContent) > h, first, { timeout: 10_000 });
  assert.ok((await page.locator("tbody tr").count()) >= 2, "the latest blocks are listed");
  await shot(page, "overview");
  await page.context().close();
});

test("a block page verifies the block's finality in the page", async () => {
  const page = await open(`#/block/${data.transfer.receipt?.inclusion?.height ?? 1}`);
  await verified(page);
  assert.match(await page.locator(".verify.ok").textContent(), /finality certificate of block \d+: 1 of 1 validators of epoch 0 signed/);
  await shot(page, "block");
  await page.context().close();
});

test("a transaction page decodes the call and its event with the contract's metadata; markup stays text", async () => {
  const page = await open(`#/tx/${data.anchor.receipt.tx_hash}`);
  await verified(page);
  await page.getByText('"document_hash": "0xabab').first().waitFor();
  const text = await page.locator("main").textContent();
  assert.match(text, /anchored/);
  assert.match(text, /<script>window\.pwned=1<\/script>/, "the note is shown as text");
  assert.equal(await page.evaluate(() => window.pwned), undefined, "and nothing in it ran");
  await shot(page, "transaction");
  await page.context().close();
});

test("an account page proves its balance and lists its history", async () => {
  const page = await open(`#/account/${address("bob")}`);
  await verified(page);
  assert.match(await page.locator(".verify.ok").textContent(), /Merkle proof of the value against the state root/);
  await page.locator("main table a[href^='#/tx/']").first().waitFor();
  const balance = await page.locator("dd").first().textContent();
  const bob = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "state_getAccount", params: [address("bob")] }) }).then((r) => r.json());
  assert.equal(balance.replace(/,/g, ""), bob.result.balance);
  await shot(page, "account");
  await page.context().close();
});

test("a tampered answer is shown as failing verification", async () => {
  for (const [method, tamper] of [
    ["state_getProof", (r) => ({ ...r, result: { ...r.result, value: "0x" + "00".repeat(24) } })],
    ["chain_getHeader", (r) => { r.result.finality.signatures[0] = "0x" + "11".repeat(64); return r; }],
  ]) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.route(`${url}/`, async (route) => {
      const body = route.request().postDataJSON();
      if (route.request().method() !== "POST" || body?.method !== method) return route.continue();
      const response = await route.fetch();
      await route.fulfill({ response, json: tamper(await response.json()) });
    });
    await page.goto(`${url}/#/account/${address("alice")}`);
    await page.locator(".verify.bad").waitFor({ timeout: 15_000 });
    assert.match(await page.locator(".verify.bad").textContent(), /Verification failed/);
    await page.screenshot({ path: join(shots, `tampered-${method}.png`) });
    await context.close();
  }
});

test("a contract page queries a read-only method from its metadata", async () => {
  const page = await open(`#/contract/${data.notary}`);
  await page.getByRole("heading", { name: /notary/ }).waitFor();
  const count = page.locator(".method", { hasText: "count()" });
  await count.getByRole("button").click();
  await count.locator(".result pre").waitFor();
  assert.equal((await count.locator(".result pre").textContent()).replace(/"/g, "").trim(), "1");
  const lookup = page.locator(".method", { hasText: "lookup(" });
  await lookup.locator("input").fill(`0x${"ab".repeat(32)}`);
  await lookup.getByRole("button").click();
  await lookup.getByText(/window\.pwned/).waitFor();
  await shot(page, "contract");
  await page.context().close();
});

test("an asset lists its holders with its decimals and its open offers; an offer has its page", async () => {
  const page = await open(`#/asset/${data.asset}`);
  await page.getByRole("heading", { name: /BOND-26/ }).waitFor();
  // Bob's 5,000.00 less the 100.00 his offer holds in escrow.
  const holders = page.locator("table").first();
  await holders.getByText("4,900").waitFor();
  await page.locator("main").getByText("100 ").first().waitFor();
  await shot(page, "asset");
  assert.match(await page.locator("main").textContent(), /1,000,000/);
  await page.locator(`a[href="#/offer/${data.offer}"]`).click();
  await page.getByRole("heading", { name: /Offer/ }).waitFor();
  await page.locator(`main a[href="#/account/${address("bob")}"]`).waitFor();
  assert.match(await page.locator("main").textContent(), /Gives100 /, "what it gives, with the asset's decimals");
  await shot(page, "offer");
  await page.goto(`${url}/#/account/${address("bob")}`);
  await page.locator(`a[href="#/asset/${data.asset}"]`).waitFor();
  await page.context().close();
});

test("governance lists organizations, proposals and the audit trail", async () => {
  const page = await open("#/governance");
  await page.getByText("Dev City").waitFor();
  await page.getByText("Admit bob as a client").first().waitFor();
  const members = page.locator("table", { has: page.getByRole("columnheader", { name: "Roles" }) });
  await members.locator(`a[href="#/account/${address("alice")}"]`).waitFor();
  await members.locator(`a[href="#/account/${address("bob")}"]`).waitFor();
  assert.match(await members.textContent(), /admin/);
  const trail = page.locator("table", { has: page.getByRole("columnheader", { name: "Action" }) });
  assert.match(await trail.textContent(), /proposed.*set_member Admit bob as a client/s, "the audit trail records the proposal");
  await shot(page, "governance");
  await page.context().close();
});

test("an account's inbox lists the permit steps and multisig approvals waiting for it", async () => {
  const page = await open(`#/inbox/${address("carol")}`);
  await page.getByText("Riverside library extension").waitFor({ timeout: 15_000 });
  await page.locator(`main a[href="#/account/${data.multisig}"]`).waitFor();
  assert.match(await page.locator("main").textContent(), /transfer 5/);
  await shot(page, "inbox");
  await page.goto(`${url}/#/inbox/${address("bob")}`);
  await page.getByRole("heading", { name: "Permit applications waiting for its decision" }).waitFor();
  assert.doesNotMatch(await page.locator("main").textContent(), /Riverside/);
  await page.goto(`${url}/#/inbox/${address("alice")}`);
  await page.getByRole("heading", { name: "Multisig transactions waiting for its approval" }).waitFor();
  await page.getByRole("heading", { name: "Grant reviews waiting for it" }).waitFor();
  assert.equal(await page.locator(`main a[href="#/account/${data.multisig}"]`).count(), 0, "the proposer approved already");
  await page.context().close();
});

test("a permit application shows its route, the agency it waits for and its steps", async () => {
  const page = await open("#/permits");
  await page.locator('a[href="#/permit/0"]').click();
  await page.getByRole("heading", { name: /Riverside library extension/ }).waitFor();
  const text = await page.locator("main").textContent();
  assert.match(text, /Construction permit \(construction\)/);
  assert.match(text, /in review/);
  assert.match(text, /1 \/ 1/);
  assert.ok(await page.locator(`main a[href="#/account/${address("carol")}"]`).count() >= 2, "carol is waited for and on the route");
  await page.getByRole("cell", { name: "applied" }).waitFor();
  await shot(page, "permit");
  await page.goto(`${url}/#/permit/99`);
  await page.getByText(/no application|application 99/i).waitFor();
  await page.goto(`${url}/#/permit/x`);
  await page.getByRole("heading", { name: "Not found" }).waitFor();
  await page.context().close();
});

test("a product batch's trace, found by its code, at phone width", async () => {
  const page = await open("", { width: 375, height: 740 });
  await page.locator("#search").fill(data.batch);
  await page.locator("#search").press("Enter");
  await page.getByRole("heading", { name: /raw milk/ }).waitFor();
  const text = await page.locator("main").textContent();
  assert.match(text, /1000 L/);
  assert.match(text, /2\.0 °C – 6\.0 °C/);
  assert.match(text, /ObjectEvent ADD/);
  assert.match(text, /commissioning/);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `${overflow}px wider than the screen`);
  await shot(page, "phone-trace");
  await page.context().close();
});

test("grants: the programme and the grant's milestones; the reviewer's inbox until it reviews", async () => {
  const page = await open("#/grants");
  await page.getByRole("cell", { name: "Smart river programme" }).waitFor();
  await page.locator('a[href="#/grant/0"]').click();
  await page.getByRole("heading", { name: /Flood sensors/ }).waitFor();
  const text = await page.locator("main").textContent();
  assert.match(text, /installation report/);
  assert.match(text, /handover/);
  assert.match(text, /50%/);
  await shot(page, "grant");
  await page.goto(`${url}/#/inbox/${address("carol")}`);
  await page.getByRole("cell", { name: "the award" }).waitFor({ timeout: 15_000 });
  cli("contract", "call", data.grants, "review", "--key", keyFile("carol"), "--arg", "id=0", "--arg", "approve=true", "--arg", "comment=meets the criteria");
  await page.reload();
  await page.getByRole("heading", { name: "Grant reviews waiting for it" }).waitFor();
  await page.locator("main table").last().waitFor();
  assert.doesNotMatch(await page.locator("main").textContent(), /the award/, "reviewed: no longer waiting");
  await page.context().close();
});

test("the data catalogue finds a data set by keyword and shows who approves access", async () => {
  const page = await open("#/data");
  await page.locator("#dataset-q").fill("gps");
  await page.locator("#dataset-q").press("Enter");
  await page.locator('a[href="#/dataset/bus-gps"]').click();
  await page.getByRole("heading", { name: /Bus GPS positions/ }).waitFor();
  const text = await page.locator("main").textContent();
  assert.match(text, /internal/);
  assert.match(text, /api:\/\/transport\/bus-gps\/v1/);
  assert.match(text, /Nobody has asked for it/);
  await shot(page, "dataset");
  await page.goto(`${url}/#/data?q=nothing-like-this`);
  await page.getByText("No data sets.").waitFor();
  await page.context().close();
});

test("search takes heights, hashes and addresses, and says so when nothing matches", async () => {
  const page = await open("");
  const search = async (q) => {
    await page.locator("#search").fill(q);
    await page.locator("#search").press("Enter");
  };
  await search("3");
  await page.getByRole("heading", { name: "Block 3" }).waitFor();
  await search(data.anchor.receipt.tx_hash);
  await page.getByRole("heading", { name: "Transaction" }).waitFor();
  await search(address("carol"));
  await page.getByRole("heading", { name: /Account/ }).waitFor();
  await search(data.notary);
  await page.getByRole("heading", { name: /Contract notary/ }).waitFor();
  await search(data.asset);
  await page.getByRole("heading", { name: /Asset BOND-26/ }).waitFor();
  await search(data.offer);
  await page.getByRole("heading", { name: /^Offer/ }).waitFor();
  await search("0x" + "77".repeat(32));
  await page.getByRole("heading", { name: "Not found" }).waitFor();
  await search("hello <b>world</b>");
  await page.getByText("Nothing matches hello <b>world</b>.").waitFor();
  await page.goto(`${url}/#/block/99999999`);
  await page.getByRole("heading", { name: "Not found" }).waitFor();
  await shot(page, "not-found");
  await page.context().close();
});

test("a certificate link verifies in the page; a changed value and a garbage link are refused", async () => {
  const page = await open(`#/cert/${data.link}`);
  await page.locator(".verdict.ok").waitFor({ timeout: 15_000 });
  const text = await page.locator("main").textContent();
  assert.match(text, /Valid certificate/);
  assert.match(text, /Municipal Education Bureau/);
  assert.match(text, /University degree/);
  assert.match(text, /BSc Civil Engineering/);
  assert.doesNotMatch(text, /Carol Chen/, "an undisclosed field stays hidden");
  assert.equal(await page.locator("ol.checks li.ok").count(), 9);
  await shot(page, "certificate");

  const bytes = Buffer.from(data.link.slice("citychain-cert:".length), "base64url");
  const at = bytes.indexOf(Buffer.from("BSc"));
  bytes.write("PhD", at);
  await page.goto(`${url}/#/cert/citychain-cert:${bytes.toString("base64url")}`);
  await page.locator(".verdict.bad").waitFor({ timeout: 15_000 });
  assert.match(await page.locator("ol.checks li.bad").first().textContent(), /degree does not match/);
  await shot(page, "certificate-tampered");

  await page.locator("#cert-link").fill("citychain-cert:%%%garbage");
  await page.locator("#cert-link").press("Enter");
  await page.getByText("the link is not base64url").waitFor();
  await page.context().close();

  // The QR code made with --console opens this page on a phone and verifies there.
  assert.ok(data.qrLink.startsWith(`${url}/#/cert/citychain-cert:`), data.qrLink);
  // Opened over a live overview: the slower page must not overwrite the certificate's.
  const phone = await open("", { width: 375, height: 740 });
  await phone.goto(data.qrLink);
  await phone.locator(".verdict.ok").waitFor({ timeout: 15_000 });
  await shot(phone, "phone-certificate");
  await phone.context().close();
});

test("the Chinese version, chosen by the browser's language and by the switch", async () => {
  const page = await open("", { lang: "zh" });
  await page.getByRole("heading", { name: /概览/ }).waitFor();
  await page.getByText("每秒交易数").waitFor();
  await shot(page, "overview-zh");
  await page.goto(`${url}/#/account/${address("bob")}`);
  await page.getByText("交易记录").waitFor();
  await page.locator(".verify.ok").waitFor({ timeout: 15_000 });
  assert.match(await page.locator(".verify.ok").textContent(), /已验证/);
  await page.selectOption("#lang", "en");
  await page.getByText("Transaction history").waitFor();
  await page.context().close();
});

test("phone width: pages fit the screen", async () => {
  for (const [name, path] of [["phone-overview", ""], ["phone-account", `#/account/${address("bob")}`], ["phone-transaction", `#/tx/${data.anchor.receipt.tx_hash}`]]) {
    const page = await open(path, { width: 375, height: 740 });
    await page.locator("main h1").waitFor();
    await page.waitForTimeout(500);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `${name} is ${overflow}px wider than the screen`);
    await shot(page, name);
    await page.context().close();
  }
});

test("axe-core finds no serious or critical accessibility problem", async () => {
  for (const path of ["", `#/cert/${data.link}`, `#/asset/${data.asset}`, `#/offer/${data.offer}`, `#/inbox/${address("carol")}`, "#/permit/0", "#/grants", "#/grant/0", "#/data", "#/dataset/bus-gps", `#/trace/${encodeURIComponent(data.batch)}`, `#/block/2`, `#/tx/${data.anchor.receipt.tx_hash}`, `#/account/${address("bob")}`, `#/contract/${data.notary}`, "#/governance", "#/notfound/x"]) {
    const page = await open(path, { bypassCSP: true });
    await page.locator("main h1").waitFor();
    await page.waitForTimeout(800);
    await page.addScriptTag({ content: axeSource });
    const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
    const serious = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    assert.deepEqual(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`), [], path || "overview");
    await page.context().close();
  }
});
