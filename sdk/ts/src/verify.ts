/**
 * Checking what a node says without trusting it (docs/protocol.md §5–§8): the genesis hash,
 * header hashes, finality certificates (with validator sets learned epoch by epoch) and
 * Merkle proofs of state values against a final header's state root.
 */

import { ed25519 } from "@noble/curves/ed25519.js";
import { type Bytes, Reader, Writer, concat, equal, framed, fromHex, toHex, utf8, varint } from "./bytes.js";
import { type Suite, SUITE_TAG, hash } from "./crypto.js";
import type { BlockHeader, Genesis, HeaderInfo, ProofInfo, StateProof } from "./generated/api.js";

/** A verification failed; the message says which check and why. */
export class VerifyError extends Error {
  override name = "VerifyError";
}

const fail = (message: string): never => {
  throw new VerifyError(message);
};

// --- Headers (§5) ---

export function encodeHeader(h: BlockHeader): Bytes {
  return new Writer()
    .string(h.chain_id)
    .u64(h.height)
    .raw(fromHex(h.parent, 32))
    .u64(h.timestamp)
    .u64(h.epoch)
    .u64(h.view)
    .u64(h.parent_view)
    .raw(fromHex(h.proposer, 32))
    .raw(fromHex(h.tx_root, 32))
    .u32(h.tx_count)
    .raw(fromHex(h.state_root, 32))
    .raw(fromHex(h.receipts_root, 32))
    .u64(h.gas_used)
    .u8(SUITE_TAG[h.suite])
    .finish();
}

export function headerHash(h: BlockHeader): Bytes {
  return hash(h.suite, framed("citychain/header/v1", encodeHeader(h)));
}

// --- Genesis (§8) ---

const WASM_U32 = ["max_code_bytes", "max_memory_pages", "max_call_depth", "max_recursion_depth", "max_output_bytes", "max_key_bytes", "max_value_bytes"] as const;
const WASM_U8 = ["instruction_gas", "memory_access_gas", "call_instruction_gas"] as const;
const WASM_GAS = ["host_call_gas", "instantiate_gas", "deploy_byte_gas", "storage_read_gas", "storage_read_byte_gas", "storage_write_gas", "storage_write_byte_gas", "event_gas", "event_byte_gas", "call_gas", "hash_gas", "hash_byte_gas", "verify_gas", "instantiate_byte_gas", "instantiate_item_gas", "memory_page_gas", "load_byte_gas", "load_function_gas", "storage_step_gas"] as const;
const ROLE_BITS: Record<string, number> = { admin: 1, validator: 2, client: 4, regulator: 8, observer: 16, issuer: 32 };

/**
 * `value` with every field present: a document's defaults are the node's, which this SDK does
 * not repeat, so hash the genesis as `chain_getGenesis` returns it (complete).
 */
function complete<T extends object>(value: T, what: string, keys: readonly string[]): Required<T> {
  const record = value as Record<string, unknown>;
  for (const k of keys) if (record[k] === undefined || record[k] === null) fail(`the genesis document's ${what}.${k} is missing`);
  return value as Required<T>;
}
const PARAM_KEYS = ["block_gas_limit", "max_tx_gas", "max_block_txs", "max_tx_bytes", "fee_price", "tx_base_gas", "tx_byte_gas", "transfer_gas", "empty_block_interval_ms", "wasm"];
const POLICY_KEYS = ["transfer", "deploy", "call", "contract_rules", "propose", "regulator_can_freeze", "deploy_needs_approval"];
const THRESHOLD_KEYS = ["default_percent", "validators_percent", "rules_percent"];

const roles = (names: readonly string[]) => names.reduce((bits, n) => bits | (ROLE_BITS[n] ?? fail(`unknown role ${n}`)), 0);

/** The genesis document's canonical bytes. */
export function encodeGenesis(g: Genesis): Bytes {
  const w = new Writer().string(g.chain_id).u8(SUITE_TAG[g.suite]).u64(g.genesis_time_ms);
  const p = complete(g.params ?? fail("the genesis document has no params"), "params", PARAM_KEYS);
  const wasm = complete(p.wasm as unknown as Record<string, number>, "params.wasm", [...WASM_U32, ...WASM_U8, "bytes_per_gas", ...WASM_GAS]);
  w.u8(3).u64(p.block_gas_limit).u64(p.max_tx_gas).u32(p.max_block_txs).u32(p.max_tx_bytes);
  w.u128(p.fee_price).u64(p.tx_base_gas).u64(p.tx_byte_gas).u64(p.transfer_gas).u64(p.empty_block_interval_ms);
  for (const k of WASM_U32) w.u32(wasm[k]!);
  for (const k of WASM_U8) w.u8(wasm[k]!);
  w.u32(wasm["bytes_per_gas"]!);
  for (const k of WASM_GAS) w.u64(wasm[k]!);
  w.list(g.validators, (w, v) => w.string(v.name).raw(fromHex(v.consensus_key, 32)));
  w.list(g.accounts, (w, a) => w.raw(fromHex(a.address, 20)).u128(a.balance));
  w.list(g.organizations ?? [], (w, o) =>
    w
      .string(o.id)
      .string(o.name)
      .list(o.admins, (w, a) => w.raw(fromHex(a, 20)))
      .list(o.validators ?? [], (w, v) => w.raw(fromHex(v, 32))),
  );
  w.list(g.members ?? [], (w, m) => w.raw(fromHex(m.account, 20)).string(m.org).u8(roles(m.roles)));
  const policy = complete(g.policy ?? { transfer: [], deploy: [], call: [], contract_rules: [], propose: ["admin"], regulator_can_freeze: true, deploy_needs_approval: false }, "policy", POLICY_KEYS);
  w.u8(roles(policy.transfer)).u8(roles(policy.deploy)).u8(roles(policy.call));
  w.list(policy.contract_rules, (w, r) => w.raw(fromHex(r.contract, 20)).u8(roles(r.roles)));
  w.u8(roles(policy.propose)).bool(policy.regulator_can_freeze).bool(policy.deploy_needs_approval);
  const t = complete(g.thresholds ?? { default_percent: 50, validators_percent: 66, rules_percent: 50 }, "thresholds", THRESHOLD_KEYS);
  w.u8(t.default_percent).u8(t.validators_percent).u8(t.rules_percent);
  w.u64(g.epoch_blocks ?? 600);
  w.list(g.contracts ?? [], (w, c) =>
    w.string(c.name).bytes(fromHex(c.code)).bytes(fromHex(c.init_args ?? "0x")).raw(fromHex(c.admin, 20)),
  );
  return w.finish();
}

export function genesisHash(g: Genesis): Bytes {
  return hash(g.suite, framed("citychain/genesis/v1", encodeGenesis(g)));
}

// --- State proofs (§6) ---

const PLACEHOLDER = utf8("SPARSE_MERKLE_PLACEHOLDER_HASH__");
const bit = (h: Bytes, i: number) => (h[i >> 3]! >> (7 - (i & 7))) & 1;

/**
 * Whether `proof` shows that `key` holds `value` (or, with `value` null, that it is absent)
 * in the state whose root is `root`.
 */
export function verifyProof(suite: Suite, root: Bytes, key: Bytes, value: Bytes | null, proof: StateProof): boolean {
  const siblings = proof.siblings.map((s) => fromHex(s, 32));
  const n = siblings.length;
  if (n > 256) return false;
  const keyHash = hash(suite, key);
  const leaf = proof.leaf;
  if (value !== null) {
    if (!leaf || !equal(fromHex(leaf.key_hash), keyHash) || !equal(fromHex(leaf.value_hash), hash(suite, value))) return false;
  } else if (leaf) {
    const other = fromHex(leaf.key_hash);
    if (equal(other, keyHash)) return false;
    for (let i = 0; i < n; i++) if (bit(other, i) !== bit(keyHash, i)) return false;
  }
  let current = leaf
    ? hash(suite, concat(utf8("JMT::LeafNode"), fromHex(leaf.key_hash), fromHex(leaf.value_hash)))
    : PLACEHOLDER;
  siblings.forEach((sibling, i) => {
    current = bit(keyHash, n - 1 - i)
      ? hash(suite, concat(utf8("JMT::IntrnalNode"), sibling, current))
      : hash(suite, concat(utf8("JMT::IntrnalNode"), current, sibling));
  });
  return equal(current, root);
}

/** An account's proven value: nonce and balance. */
export function decodeAccount(value: Bytes): { nonce: bigint; balance: bigint } {
  const r = new Reader(value);
  const nonce = r.u64("nonce");
  const balance = r.uint(16, "balance");
  r.end("account");
  return { nonce, balance };
}

export const accountKey = (address: Bytes) => concat(Uint8Array.of(0x01), address);
export const epochValidatorsKey = (epoch: number | bigint) => new Writer().u8(0x02).raw(utf8("epoch")).u64(epoch).finish();

/** `list<Validator { name: string, consensus_key: [u8; 32] }>`: the keys, sorted by bytes. */
export function decodeValidatorKeys(value: Bytes): Bytes[] {
  const r = new Reader(value);
  const count = r.u32("validators");
  if (count > 1024) fail(`${count} validators`);
  const keys: Bytes[] = [];
  for (let i = 0; i < count; i++) {
    r.string("validator name");
    keys.push(r.take(32, "consensus key").slice());
  }
  r.end("validator set");
  return sortKeys(keys);
}

const compare = (a: Bytes, b: Bytes) => {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
};
const sortKeys = (keys: Bytes[]) => [...keys].sort(compare);

/** Signatures a certificate of `n` validators needs: `n - floor((n - 1) / 3)`. */
export const quorum = (n: number) => n - Math.floor((n - 1) / 3);

/** What verification trusts: a genesis document, extended epoch by epoch. */
export class TrustRoot {
  readonly genesisHash: Bytes;
  readonly suite: Suite;
  readonly epochBlocks: number;
  private readonly epochs = new Map<number, Bytes[]>();
  private readonly finalizeNamespace: Bytes;

  constructor(genesis: Genesis) {
    this.genesisHash = genesisHash(genesis);
    this.suite = genesis.suite;
    this.epochBlocks = genesis.epoch_blocks ?? 600;
    this.epochs.set(0, sortKeys(genesis.validators.map((v) => fromHex(v.consensus_key, 32))));
    this.finalizeNamespace = concat(utf8("citychain/consensus/v1/"), this.genesisHash, utf8("_FINALIZE"));
  }

  get latestEpoch(): number {
    return Math.max(...this.epochs.keys());
  }

  validators(epoch: number): Bytes[] | undefined {
    return this.epochs.get(epoch);
  }

  /**
   * Checks that `info` (a `chain_getHeader` result) is final: its hash, the chain of
   * descendants to the finalized block, and a quorum of its epoch's validators' signatures.
   * Returns the verified header.
   */
  verifyHeader(info: HeaderInfo): BlockHeader {
    const header = info.header;
    const own = headerHash(header);
    if (!equal(own, fromHex(info.hash, 32))) fail(`the header hashes to ${toHex(own)}, not to the claimed ${info.hash}`);
    if (header.suite !== this.suite) fail(`the header is of a ${header.suite} chain, the genesis of a ${this.suite} one`);
    const f = info.finality ?? fail(`block ${header.height} has no finality certificate (yet)`);
    let last = header;
    let lastHash = own;
    for (const d of f.descendants) {
      if (!equal(fromHex(d.parent, 32), lastHash) || d.height !== last.height + 1) fail(`descendant ${d.height} does not link to block ${last.height}`);
      last = d;
      lastHash = headerHash(d);
    }
    if (!equal(lastHash, fromHex(f.finalized_hash, 32))) fail("the certificate is for another block");
    if (f.epoch !== last.epoch || f.view !== last.view || f.parent_view !== last.parent_view) fail("the certificate's round does not match the header");
    const keys = this.epochs.get(f.epoch) ?? fail(`the validators of epoch ${f.epoch} are not known yet (learn epochs 1 to ${f.epoch} first)`);
    if (new Set(f.signers).size !== f.signers.length || f.signers.length !== f.signatures.length) fail("malformed signer list");
    if (f.signers.length < quorum(keys.length)) fail(`${f.signers.length} signers of ${keys.length}; a quorum is ${quorum(keys.length)}`);
    const message = framed(this.finalizeNamespace, concat(varint(f.epoch), varint(f.view), varint(f.parent_view), lastHash));
    f.signers.forEach((index, i) => {
      const key = keys[index] ?? fail(`signer ${index} is not a validator of epoch ${f.epoch}`);
      if (!ed25519.verify(fromHex(f.signatures[i]!, 64), message, key, { zip215: true })) fail(`the signature of validator ${index} does not verify`);
    });
    return header;
  }

  /** Checks a proof (a `state_get*Proof` result) against a verified header; returns the value. */
  verifyValue(header: BlockHeader, key: Bytes, info: ProofInfo): Bytes | null {
    if (info.height !== header.height) fail(`the proof is at height ${info.height}, the header at ${header.height}`);
    if (!equal(fromHex(info.key), key)) fail("the proof is for another key");
    if (!equal(fromHex(info.state_root, 32), fromHex(header.state_root, 32))) fail("the proof's state root is not the header's");
    const value = info.value === null || info.value === undefined ? null : fromHex(info.value);
    if (!verifyProof(this.suite, fromHex(header.state_root, 32), key, value, info.proof)) fail("the Merkle proof does not verify");
    return value;
  }

  /** Learns `epoch`'s validators (the next unknown epoch) from a `chain_getEpochRecords` entry. */
  learnEpoch(epoch: number, header: HeaderInfo, proof: ProofInfo): void {
    if (epoch !== this.latestEpoch + 1) fail(`expected the record of epoch ${this.latestEpoch + 1}, got ${epoch}`);
    const verified = this.verifyHeader(header);
    const expected = epoch * this.epochBlocks - 1;
    if (verified.height !== expected) fail(`epoch ${epoch}'s record is in block ${expected}, not ${verified.height}`);
    const value = this.verifyValue(verified, epochValidatorsKey(epoch), proof) ?? fail(`block ${expected} records no set for epoch ${epoch}`);
    this.epochs.set(epoch, decodeValidatorKeys(value));
  }
}
