// The SDK against live dev nodes (`citychain dev`, started here): signing in both suites,
// verification of what the node says against the genesis, contracts by method name, account
// history, subscriptions, key files shared with the CLI, and every answer checked against the
// schema docs/openrpc.json gives for it.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import Ajv from "ajv";
import {
  type Api,
  Citychain,
  RpcError,
  SecretKey,
  TrustRoot,
  accountKey,
  decodeAccount,
  fromHex,
  genesisContractAddress,
  openKeyFile,
  toHex,
  writeKeyFile,
} from "../src/index.js";
import { type DevNode, citychainBin, readJson, repo, startDev } from "./helpers.js";

let ed: DevNode;
let sm: DevNode;

before(async () => {
  [ed, sm] = await Promise.all([startDev(), startDev(["--suite", "sm2", "--bare"])]);
});
after(() => {
  ed?.stop();
  sm?.stop();
});

const devKey = (node: DevNode, name: string) => {
  const account = node.banner.accounts.find((a: { name: string }) => a.name === name);
  return openKeyFile(readJson(account.key_file));
};

/** A header of `height` with its finality certificate (it may take a block to arrive). */
async function finalHeader(chain: Citychain, height: number): Promise<Api.HeaderInfo> {
  for (let i = 0; i < 100; i++) {
    const info = await chain.rpc.call("chain_getHeader", height);
    if (info.finality) return info;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`block ${height} did not become final`);
}

for (const suite of ["ed25519", "sm2"] as const) {
  test(`${suite}: a signed transfer commits, and its effect is proven against the genesis`, async () => {
    const node = suite === "sm2" ? sm : ed;
    const chain = new Citychain(node.url);
    const alice = devKey(node, "alice");
    assert.equal(alice.suite, suite);
    const bob = node.banner.accounts.find((a: { name: string }) => a.name === "bob").address;
    const hash = await chain.send(alice, { type: "transfer", to: fromHex(bob), amount: 777n });
    const receipt = await chain.waitForReceipt(hash);
    assert.equal(receipt.receipt.status, "success", receipt.receipt.reason);

    // Trust only our copy of the genesis document, not the node.
    const genesis = readJson(join(node.dir, "genesis.json"));
    const trust = new TrustRoot(genesis);
    assert.equal(toHex(trust.genesisHash), node.banner.genesis_hash);
    const info = await finalHeader(chain, receipt.inclusion.height);
    const header = trust.verifyHeader(info);
    const proof = await chain.rpc.call("state_getProof", bob, header.height);
    const value = trust.verifyValue(header, accountKey(fromHex(bob)), proof);
    const account = await chain.rpc.call("state_getAccount", bob);
    assert.equal(decodeAccount(value!).balance, BigInt(account.balance));

    // Lies fail: another balance, another signature, another genesis.
    const forged = { ...proof, value: toHex(new Uint8Array(24)) };
    assert.throws(() => trust.verifyValue(header, accountKey(fromHex(bob)), forged), /Merkle proof/);
    const badSignature = structuredClone(info);
    const sig = fromHex(badSignature.finality!.signatures[0]!);
    sig[0]! ^= 1;
    badSignature.finality!.signatures[0] = toHex(sig);
    assert.throws(() => trust.verifyHeader(badSignature), /does not verify/);
    const otherChain = new TrustRoot({ ...genesis, genesis_time_ms: genesis.genesis_time_ms + 1 });
    assert.throws(() => otherChain.verifyHeader(info), /does not verify/);

    // Both parties' histories list it.
    const history = await chain.rpc.call("tx_listByAccount", bob);
    assert.equal(history.transactions[0]!.hash, hash);
  });
}

test("epochs: a later epoch's certificates verify once its validator set is learned from the records", async () => {
  // A chain of 4-block epochs: a dev chain whose genesis is edited before its first block.
  const first = await startDev(["--bare"]);
  first.process.kill("SIGKILL");
  await new Promise((r) => first.process.once("exit", r));
  const genesisPath = join(first.dir, "genesis.json");
  const genesis = readJson(genesisPath);
  genesis.epoch_blocks = 4;
  genesis.params.empty_block_interval_ms = 100;
  writeFileSync(genesisPath, JSON.stringify(genesis));
  for (const entry of readdirSync(first.dir)) {
    if (entry !== "genesis.json" && entry !== "dev-keys") rmSync(join(first.dir, entry), { recursive: true, force: true });
  }
  const node = await startDev([], first.dir);
  try {
    const chain = new Citychain(node.url);
    while ((await chain.rpc.call("chain_status")).height < 10) await new Promise((r) => setTimeout(r, 100));
    const info = await finalHeader(chain, 9);
    assert.ok(info.finality!.epoch >= 2, `epoch ${info.finality!.epoch}`);
    const trust = new TrustRoot(genesis);
    assert.throws(() => trust.verifyHeader(info), /validators of epoch \d+ are not known yet/);
    const header = await chain.verifiedHeader(trust, 9);
    assert.equal(header.height, 9);
    assert.ok(trust.latestEpoch >= 2);
    const alice = node.banner.accounts.find((a: { name: string }) => a.name === "alice").address;
    const account = await chain.verifiedAccount(trust, alice);
    assert.ok(account.balance > 0n);
    // A record that lies about the set is refused.
    const records = await chain.rpc.call("chain_getEpochRecords", 1, 1);
    const fresh = new TrustRoot(genesis);
    const lie = structuredClone(records[0]!);
    lie.proof.value = toHex(new Uint8Array([0, 0, 0, 0]));
    assert.throws(() => fresh.learnEpoch(1, lie.header, lie.proof), /Merkle proof/);
  } finally {
    node.stop();
  }
});

test("a contract called and queried by method name, its events and reverts decoded", async () => {
  const chain = new Citychain(ed.url);
  const alice = devKey(ed, "alice");
  const address = ed.banner.applications.find((a: { name: string }) => a.name === "notary").address;
  assert.equal(toHex(genesisContractAddress("ed25519", "notary")), address);
  const notary = await chain.contract(address);
  assert.equal(notary.metadata.name, "notary");
  const documentHash = toHex(SecretKey.generate("ed25519").publicKey.bytes);
  const before = (await notary.query("count")) as bigint;
  const { receipt, events } = await notary.call(alice, "anchor", { document_hash: documentHash, note: "城市 permit 7" });
  assert.equal(receipt.receipt.status, "success");
  assert.deepEqual(events[0]?.fields, {
    document_hash: documentHash,
    submitter: toHex(alice.publicKey.address()),
    time_ms: (events[0]?.fields as { time_ms: bigint }).time_ms,
  });
  const [submitter, , height, note] = (await notary.query("lookup", [documentHash])) as [string, bigint, bigint, string];
  assert.equal(submitter, toHex(alice.publicKey.address()));
  assert.equal(Number(height), receipt.inclusion.height);
  assert.equal(note, "城市 permit 7");
  assert.equal(await notary.query("count"), before + 1n);
  const again = await notary.call(alice, "anchor", [documentHash, "twice"]);
  assert.equal(again.receipt.receipt.status, "reverted");
  assert.match(again.receipt.receipt.reason, /already anchored by/);
  assert.equal(again.output, null);
  assert.throws(() => notary.encodeArgs("anchor", { document_hash: documentHash }), /missing argument note/);
  assert.throws(() => notary.encodeArgs("anchorr"), /has no method "anchorr"; it has anchor/);
});

test("new blocks arrive over a WebSocket subscription", async () => {
  const chain = new Citychain(ed.url);
  const seen: Api.FinalizedHeader[] = [];
  let stop = () => {};
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no blocks in 10 s")), 10_000);
    chain.rpc
      .subscribe("chain_subscribeFinalized", [], (item) => {
        seen.push(item);
        if (seen.length === 2) {
          clearTimeout(timer);
          resolve();
        }
      })
      .then((s) => (stop = s), reject);
  });
  stop();
  assert.equal(seen[1]!.header.height, seen[0]!.header.height + 1);
  assert.equal(seen[1]!.header.parent, seen[0]!.hash);
});

test("key files pass between the CLI and the SDK in both suites", async () => {
  const chain = new Citychain(ed.url);
  const passphrase = "correct horse battery";
  const env = { ...process.env, CITYCHAIN_PASSPHRASE: passphrase };
  // The CLI writes (with its strong Argon2id costs); the SDK opens.
  for (const suite of ["ed25519", "sm2"]) {
    const path = join(ed.dir, `cli-${suite}.json`);
    execFileSync(citychainBin, ["keys", "new", "--suite", suite, "--out", path], { env });
    const file = readJson(path);
    const key = openKeyFile(file, passphrase);
    assert.equal(toHex(key.publicKey.address()), file.address);
    assert.throws(() => openKeyFile(file, "wrong"), /wrong passphrase/);
  }
  // The SDK writes; the CLI signs a transfer with it.
  const key = SecretKey.generate("ed25519");
  const path = join(ed.dir, "sdk.json");
  writeFileSync(path, JSON.stringify(writeKeyFile(key, passphrase, { memory_kib: 64, iterations: 1, parallelism: 1 })), { mode: 0o600 });
  const funded = await chain.send(devKey(ed, "alice"), { type: "transfer", to: key.publicKey.address(), amount: 1_000_000n });
  await chain.waitForReceipt(funded);
  const bob = ed.banner.accounts.find((a: { name: string }) => a.name === "bob").address;
  const out = execFileSync(citychainBin, ["tx", "transfer", "--json", "--rpc", ed.url, "--key", path, "--to", bob, "--amount", "5"], { env });
  assert.match(out.toString(), /"status":\s*"success"/, out.toString());
});

test("every answer matches its schema in docs/openrpc.json; errors carry the documented codes", async () => {
  const doc = JSON.parse(readFileSync(join(repo, "docs/openrpc.json"), "utf8"));
  const served = await new Citychain(ed.url).rpc.discover();
  assert.deepEqual(served, doc, "rpc.discover serves docs/openrpc.json");
  const ajv = new Ajv.default({ strict: true, allErrors: true });
  for (const [format, max] of [["uint8", 255], ["uint16", 65535], ["uint32", 2 ** 32 - 1], ["uint64", Number.MAX_SAFE_INTEGER], ["uint", Number.MAX_SAFE_INTEGER]] as const) {
    ajv.addFormat(format, { type: "number", validate: (x: number) => Number.isInteger(x) && x >= 0 && x <= max });
  }
  ajv.addVocabulary(["components"]);
  ajv.addSchema({ $id: "api", components: doc.components });
  const resultSchema = (method: string) => {
    const schema = JSON.stringify(doc.methods.find((m: { name: string }) => m.name === method).result.schema).replaceAll('"#/components', '"api#/components');
    return ajv.compile(JSON.parse(schema));
  };
  const chain = new Citychain(ed.url);
  const bob = ed.banner.accounts.find((a: { name: string }) => a.name === "bob").address;
  const status = await chain.rpc.call("chain_status");
  const notary = ed.banner.applications.find((a: { name: string }) => a.name === "notary").address;
  const tx = (await chain.rpc.call("tx_listByAccount", bob)).transactions[0]!.hash;
  const calls: [string, unknown[]][] = [
    ["chain_status", []],
    ["chain_getBlock", [status.height, true]],
    ["chain_getBlock", ["latest"]],
    ["chain_getHeader", [1]],
    ["chain_getValidators", []],
    ["chain_getGenesis", []],
    ["tx_get", [tx]],
    ["tx_getReceipt", [tx]],
    ["tx_listByAccount", [bob, null, 2]],
    ["state_getAccount", [bob]],
    ["state_getProof", [bob]],
    ["contract_getInfo", [notary]],
    ["contract_query", [notary, "count"]],
    ["org_list", []],
    ["org_getMember", [bob]],
    ["gov_getPolicy", []],
    ["gov_listProposals", []],
    ["audit_getTrail", []],
    ["audit_listFrozen", []],
  ];
  for (const [method, params] of calls) {
    const [answer] = await chain.rpc.batch([{ method: method as Parameters<typeof chain.rpc.call>[0], params }]);
    assert.ok(answer?.ok, `${method}: ${answer?.ok ? "" : answer?.error.message}`);
    const result = answer.result;
    const validate = resultSchema(method);
    assert.ok(validate(result), `${method}: ${ajv.errorsText(validate.errors)}`);
  }
  // More calls than one batch may carry go as several batches, transparently.
  const many = await chain.rpc.batch(Array.from({ length: 250 }, (_, i) => ({ method: "chain_getHeader" as const, params: [i % 3] })));
  assert.equal(many.length, 250);
  assert.ok(many.every((a) => a.ok), "every call of a 250-call batch answered");
  const missing = await chain.rpc.call("chain_getBlock", 10_000_000).catch((e: RpcError) => e);
  assert.ok(missing instanceof RpcError && missing.code === -32001, String(missing));
  const malformed = await chain.rpc.call("state_getAccount", "0x12").catch((e: RpcError) => e);
  assert.ok(malformed instanceof RpcError && malformed.code === -32602, String(malformed));
});
