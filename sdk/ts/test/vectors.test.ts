// The SDK against the test vectors of docs/protocol.md: an outsider's implementation must
// produce the same bytes, hashes and verdicts.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  PublicKey,
  SecretKey,
  TrustRoot,
  concat,
  contractAddress,
  decodeAccount,
  encodeHeader,
  encodeTransaction,
  framed,
  fromHex,
  genesisHash,
  hash,
  headerHash,
  signTransaction,
  toHex,
  utf8,
  varint,
  verifyProof,
} from "../src/index.js";
import { vectors } from "./helpers.js";

const v = vectors();

for (const suite of ["ed25519", "sm2"] as const) {
  test(`a ${suite} transfer encodes, hashes and signs as the vector says`, () => {
    const t = v[`transfer_${suite}`];
    const key = new SecretKey(suite, fromHex(t.secret_key));
    assert.equal(key.publicKey.toString(), t.public_key);
    assert.equal(toHex(key.publicKey.address()), t.address);
    const fields = { chainId: t.chain_id, nonce: t.nonce, gasLimit: t.gas_limit, payload: { type: "transfer" as const, to: fromHex(t.to), amount: t.amount } };
    assert.equal(toHex(encodeTransaction(fields, key)), t.tx_bytes);
    assert.equal(toHex(framed("citychain/tx/v1", fromHex(t.tx_bytes))), t.signing_message);
    const signed = signTransaction(fields, key);
    assert.equal(toHex(signed.hash), t.tx_hash);
    if (suite === "ed25519") {
      assert.equal(signed.hex, t.signed_tx_bytes, "Ed25519 signatures are deterministic");
    } else {
      // SM2 signatures are randomized: ours must verify, and so must the vector's.
      assert.notEqual(signed.hex, t.signed_tx_bytes);
      assert.ok(key.publicKey.verify(fromHex(t.signing_message), signed.bytes.subarray(-64)));
    }
    assert.ok(key.publicKey.verify(fromHex(t.signing_message), fromHex(t.signature)));
    const wrong = fromHex(t.signature);
    wrong[10]! ^= 1;
    assert.ok(!key.publicKey.verify(fromHex(t.signing_message), wrong));
  });
}

test("the header vector's bytes and hash", () => {
  const h = v.header;
  assert.equal(toHex(encodeHeader(h.header)), h.header_bytes);
  assert.equal(toHex(headerHash(h.header)), h.hash);
});

test("account proofs: inclusion, exclusion, and a wrong value fails", () => {
  const p = v.account_proof;
  const root = fromHex(p.state_root);
  assert.ok(verifyProof("ed25519", root, fromHex(p.key), fromHex(p.value), p.proof));
  assert.ok(verifyProof("ed25519", root, concat(Uint8Array.of(1), fromHex(p.absent_address)), null, p.absent_proof));
  assert.ok(!verifyProof("ed25519", root, fromHex(p.key), new Uint8Array(24), p.proof));
  assert.ok(!verifyProof("ed25519", root, fromHex(p.key), null, p.proof), "a present key is not absent");
  assert.deepEqual(decodeAccount(fromHex(p.value)), { nonce: 2n, balance: 2000n });
});

test("the finality vector: namespace, message and signature", () => {
  const f = v.finality;
  const namespace = concat(utf8("citychain/consensus/v1/"), fromHex(f.genesis_hash));
  assert.equal(toHex(namespace), f.namespace);
  const message = concat(varint(f.epoch), varint(f.view), varint(f.parent_view), fromHex(f.block_hash));
  assert.equal(toHex(message), f.message);
  const signed = framed(concat(namespace, utf8("_FINALIZE")), message);
  assert.equal(toHex(signed), f.signed_bytes);
  assert.ok(new PublicKey("ed25519", fromHex(f.validator_key)).verify(signed, fromHex(f.signature)));
});

test("the genesis vector hashes as documented", () => {
  const g = v.consortium_genesis;
  assert.equal(toHex(genesisHash(g.genesis)), g.genesis_hash);
  const root = new TrustRoot(g.genesis);
  assert.equal(toHex(root.genesisHash), g.genesis_hash);
  assert.equal(root.validators(0)?.length, g.genesis.validators.length);
});

test("deployments, calls and asset transfers encode as the vectors say", () => {
  const c = v.contracts;
  const ed = v.transfer_ed25519;
  const key = new SecretKey("ed25519", fromHex(ed.secret_key));
  const deploy = signTransaction(
    { chainId: ed.chain_id, nonce: c.deploy_nonce, gasLimit: 1_000_000, payload: { type: "deploy", code: fromHex(c.code), initArgs: Uint8Array.of(1, 2) } },
    key,
  );
  assert.equal(deploy.hex, c.deploy_signed_tx_bytes);
  assert.equal(toHex(deploy.hash), c.deploy_tx_hash);
  const call = signTransaction(
    {
      chainId: ed.chain_id,
      nonce: c.deploy_nonce + 1,
      gasLimit: 200_000,
      payload: { type: "call", contract: fromHex(c.contract_address), method: "transfer", args: fromHex("0xaaaaaaaa"), value: 5 },
    },
    key,
  );
  assert.equal(call.hex, c.call_signed_tx_bytes);
  assert.equal(toHex(call.hash), c.call_tx_hash);
  assert.equal(toHex(contractAddress("ed25519", key.publicKey.address(), c.deploy_nonce)), c.contract_address);

  const a = v.assets;
  const issuer = new SecretKey("ed25519", fromHex(ed.secret_key));
  assert.equal(toHex(issuer.publicKey.address()), a.issuer);
  const transfer = signTransaction(
    {
      chainId: ed.chain_id,
      nonce: 13,
      gasLimit: 100_000,
      payload: { type: "asset_transfer", asset: fromHex(a.asset_id_nonce_9), to: fromHex("0x00112233445566778899aabbccddeeff00112233"), amount: 1000 },
    },
    issuer,
  );
  assert.equal(transfer.hex, a.transfer_signed_tx_bytes);
  assert.equal(toHex(transfer.hash), a.transfer_tx_hash);
});
