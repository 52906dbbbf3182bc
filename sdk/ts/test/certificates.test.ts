// Certificate links: the vector of docs/apps/certificates.md, and live verification of a
// certificate issued with the CLI on a dev node (a changed value, a suspension and another
// chain's genesis fail).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { Citychain, TrustRoot, certificates, fromHex, genesisContractAddress, openKeyFile, toHex } from "../src/index.js";
import { type DevNode, citychainBin, readJson, startDev } from "./helpers.js";

const VECTOR_LINK =
  "citychain-cert:AQAAAA1jaXR5Y2hhaW4tZGV2EREREREREREREREREREREREREREAAAAAAAAABwAAAAEAAAAGZGVncmVlAAAAFUJTYyBDaXZpbCBFbmdpbmVlcmluZyIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIi";

test("the documented link vector: decoding, encoding and both commitments", () => {
  const d = certificates.parseLink(VECTOR_LINK);
  assert.equal(d.chainId, "citychain-dev");
  assert.equal(d.contract, "0x" + "11".repeat(20));
  assert.equal(d.id, 7n);
  assert.deepEqual(d.fields.map((f) => [f.name, f.value, toHex(f.salt)]), [["degree", "BSc Civil Engineering", "0x" + "22".repeat(32)]]);
  assert.equal(certificates.encodeLink(d), VECTOR_LINK);
  assert.equal(toHex(certificates.commitment("ed25519", d.fields[0]!)), "0xac5d95bf5e46bbe8ccd5acba0c5df417367c76df24ef6278acae85e18569c040");
  assert.equal(toHex(certificates.commitment("sm2", d.fields[0]!)), "0x6a3ebaccecb99fa4e81cd26dcbaa66d592c14e8162c08de0e49fa027a395f01b");
  assert.throws(() => certificates.parseLink("citychain-cert:!!"), /base64url/);
  assert.throws(() => certificates.parseLink("https://example/x"), /starts with citychain-cert:/);
  assert.throws(() => certificates.parseLink(VECTOR_LINK.slice(0, -4)), /needs|trailing/);
  assert.throws(() => certificates.parseLink(certificates.encodeLink({ ...d, fields: [d.fields[0]!, d.fields[0]!] })), /twice/);
});

let node: DevNode;
before(async () => {
  node = await startDev();
});
after(() => node?.stop());

test("a link issued by the CLI verifies; a changed value, a suspension and another genesis fail", async () => {
  const chain = new Citychain(node.url);
  const key = (name: string) => node.banner.accounts.find((a: { name: string }) => a.name === name).key_file as string;
  const addr = (name: string) => node.banner.accounts.find((a: { name: string }) => a.name === name).address as string;
  const certs = await chain.contract(toHex(genesisContractAddress("ed25519", "certificates")));
  const alice = openKeyFile(readJson(key("alice")));
  const bob = openKeyFile(readJson(key("bob")));
  assert.equal((await certs.call(alice, "register_issuer", { issuer: addr("bob"), name: "Municipal Education Bureau" })).receipt.receipt.status, "success");
  assert.equal((await certs.call(bob, "define_type", { type_id: "degree", name: "University degree", transferable: false })).receipt.receipt.status, "success");
  const holderFile = join(node.dir, "carol-degree.json");
  const cli = (...args: string[]) => JSON.parse(execFileSync(citychainBin, [...args, "--json"], { encoding: "utf8" }));
  cli("cert", "issue", "--rpc", node.url, "--key", key("bob"), "--holder", addr("carol"), "--type", "degree", "--field", "name=Carol Chen", "--field", "degree=BSc Civil Engineering", "--valid-until", "2100-01-01", "--out", holderFile);
  const link: string = cli("cert", "disclose", holderFile, "--field", "degree").link;

  const genesis = readJson(join(node.dir, "genesis.json"));
  const trust = new TrustRoot(genesis);
  const report = await certificates.verifyLink(chain, trust, genesis, link);
  assert.ok(report.ok, JSON.stringify(report.checks));
  assert.deepEqual(report.checks.map((c) => c.name), ["chain", "finality", "contract", "certificate", "fields", "issuer", "type", "status", "validity"]);
  assert.equal(report.issuer?.name, "Municipal Education Bureau");
  assert.equal(report.type?.name, "University degree");
  assert.equal(report.holder, addr("carol"));
  assert.deepEqual(report.fields, [{ name: "degree", value: "BSc Civil Engineering" }]);

  const d = certificates.parseLink(link);
  const forged = certificates.encodeLink({ ...d, fields: [{ ...d.fields[0]!, value: "PhD Civil Engineering" }] });
  const bad = await certificates.verifyLink(chain, trust, genesis, forged);
  assert.ok(!bad.ok);
  assert.match(bad.checks.find((c) => c.name === "fields")!.detail, /degree does not match/);

  const other = { ...genesis, genesis_time_ms: genesis.genesis_time_ms + 1 };
  const elsewhere = await certificates.verifyLink(chain, new TrustRoot(other), other, link);
  assert.ok(!elsewhere.ok);
  assert.equal(elsewhere.checks.find((c) => c.name === "finality")?.ok, false);

  await certs.call(bob, "suspend", { id: d.id, reason: "under review" });
  const suspended = await certificates.verifyLink(chain, trust, genesis, link);
  assert.ok(!suspended.ok);
  assert.match(suspended.checks.find((c) => c.name === "status")!.detail, /suspended .*under review/);
  assert.equal(toHex(fromHex(d.contract)), d.contract);
});
