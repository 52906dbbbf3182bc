/**
 * E-certificates (docs/apps/certificates.md): the disclosure link, field commitments, and the
 * verifier's checks in the documented order, each against a header verified final against the
 * trusted genesis. A page or a program shows the result; nothing is taken on the node's word.
 */

import { decodeValue } from "./abi.js";
import { type Bytes, Reader, Writer, concat, equal, fromHex, toHex, utf8 } from "./bytes.js";
import type { Citychain } from "./client.js";
import { type Suite, hash } from "./crypto.js";
import type { BlockHeader, Genesis } from "./generated/api.js";
import { genesisContractAddress } from "./transaction.js";
import type { TrustRoot } from "./verify.js";

export const LINK_PREFIX = "citychain-cert:";
const MAX_LINK = 4096;

export interface DisclosedField {
  name: string;
  value: string;
  salt: Bytes;
}

export interface Disclosure {
  chainId: string;
  contract: string;
  id: bigint;
  fields: DisclosedField[];
}

function base64urlDecode(text: string): Bytes {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error("the link is not base64url");
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4);
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

function base64urlEncode(bytes: Bytes): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Reads a `citychain-cert:` link; refuses another version, a name twice and trailing bytes. */
export function parseLink(link: string): Disclosure {
  const text = link.trim();
  if (!text.startsWith(LINK_PREFIX)) throw new Error(`a certificate link starts with ${LINK_PREFIX}`);
  if (text.length > MAX_LINK) throw new Error(`a certificate link is at most ${MAX_LINK} characters`);
  const r = new Reader(base64urlDecode(text.slice(LINK_PREFIX.length)));
  const version = r.u8("version");
  if (version !== 1) throw new Error(`unsupported certificate link version ${version}`);
  const chainId = r.string("chain id");
  const contract = toHex(r.take(20, "contract"));
  const id = r.u64("certificate id");
  const count = r.u32("fields");
  if (count > 32) throw new Error(`${count} fields; at most 32`);
  const fields: DisclosedField[] = [];
  for (let i = 0; i < count; i++) {
    const name = r.string("field name");
    const value = r.string("field value");
    const salt = r.take(32, "salt").slice();
    if (name.length === 0 || utf8(name).length > 64 || utf8(value).length > 1024) throw new Error(`field ${JSON.stringify(name)} is out of bounds`);
    if (fields.some((f) => f.name === name)) throw new Error(`field ${JSON.stringify(name)} is disclosed twice`);
    fields.push({ name, value, salt });
  }
  r.end("certificate link");
  return { chainId, contract, id, fields };
}

export function encodeLink(d: Disclosure): string {
  const w = new Writer().u8(1).string(d.chainId).raw(fromHex(d.contract, 20)).u64(d.id);
  w.list(d.fields, (w, f) => w.string(f.name).string(f.value).raw(f.salt));
  return LINK_PREFIX + base64urlEncode(w.finish());
}

/** `H(salt || u32 len || name || u32 len || value)`. */
export function commitment(suite: Suite, field: DisclosedField): Bytes {
  return hash(suite, concat(field.salt, new Writer().string(field.name).string(field.value).finish()));
}

export interface Check {
  name: "chain" | "finality" | "contract" | "certificate" | "fields" | "issuer" | "type" | "status" | "validity";
  ok: boolean;
  detail: string;
}

export interface CertificateReport {
  ok: boolean;
  checks: Check[];
  header?: BlockHeader;
  issuer?: { address: string; name: string };
  holder?: string;
  type?: { id: string; name: string };
  issuedAtMs?: number;
  validFromMs?: number;
  validUntilMs?: number;
  status?: { code: number; reason: string; changedAtMs: number };
  fields: { name: string; value: string }[];
}

const contractKey = (contract: Bytes, key: Bytes) => concat(Uint8Array.of(0x05), contract, key);

/**
 * Verifies a disclosure link against `trust` (a trust root of the genesis the verifier holds)
 * with proofs fetched from `chain`, following docs/apps/certificates.md's order. The expected
 * contract code is the genesis's `certificates` application unless `codeHash` says otherwise.
 */
export async function verifyLink(
  chain: Citychain,
  trust: TrustRoot,
  genesis: Genesis,
  link: string,
  options: { now?: number; codeHash?: string } = {},
): Promise<CertificateReport> {
  const d = parseLink(link);
  const now = options.now ?? Date.now();
  const report: CertificateReport = { ok: false, checks: [], fields: d.fields.map(({ name, value }) => ({ name, value })) };
  const check = (name: Check["name"], ok: boolean, detail: string) => {
    report.checks.push({ name, ok, detail });
    return ok;
  };
  if (!check("chain", d.chainId === genesis.chain_id, `the link is for chain ${d.chainId}; the trusted genesis is of ${genesis.chain_id}`)) return report;

  // A final header: the node's committed head, or the block before it while its certificate is on the way.
  const status = await chain.rpc.call("chain_status");
  let header: BlockHeader | undefined;
  let failure = "";
  for (const height of [status.height, status.height - 1, status.height - 2].filter((h) => h >= 0)) {
    try {
      header = await chain.verifiedHeader(trust, height);
      break;
    } catch (e) {
      failure = (e as Error).message;
    }
  }
  if (!check("finality", header !== undefined, header ? `block ${header.height} is final: its certificate verifies against the genesis` : failure)) return report;
  report.header = header!;
  const suite = trust.suite;
  const contract = fromHex(d.contract, 20);
  const prove = async (key: Bytes): Promise<Bytes | null> => trust.verifyValue(header!, key, await chain.rpc.call("state_getKeyProof", toHex(key), header!.height));

  const info = await prove(concat(Uint8Array.of(0x03), contract));
  const reference = genesis.contracts?.find((c) => c.name === "certificates");
  const expected = options.codeHash ?? (reference ? toHex(hash(suite, fromHex(reference.code))) : null);
  const codeHash = info ? toHex(info.subarray(0, 32)) : null;
  const contractOk = codeHash !== null && expected !== null && codeHash === expected;
  const contractNote = d.contract === toHex(genesisContractAddress(suite, "certificates")) ? " (the genesis's certificates application)" : "";
  if (!check("contract", contractOk, !info ? `no contract at ${d.contract}` : expected === null ? "the genesis has no certificates application to compare the contract's code with" : contractOk ? `${d.contract}${contractNote} runs the certificates contract (code ${codeHash})` : `${d.contract} runs code ${codeHash}, not the certificates contract ${expected}`)) return report;

  const recordBytes = await prove(contractKey(contract, new Writer().raw(utf8("c")).u64(d.id).finish()));
  if (!check("certificate", recordBytes !== null, recordBytes ? `certificate ${d.id} is recorded` : `no certificate ${d.id} in ${d.contract}`)) return report;
  const [[issuer, holder, typeId, issuedAt], [validFrom, validUntil], [statusCode, reason, changedAt], committed] = decodeValue(
    "((Address, Address, String, u64), (u64, u64), (u8, String, u64), Vec<(String, [u8; 32])>)",
    recordBytes!,
    "certificate record",
  ) as [[string, string, string, bigint], [bigint, bigint], [number, string, bigint], [string, string][]];
  report.holder = holder;
  report.issuedAtMs = Number(issuedAt);
  report.validFromMs = Number(validFrom);
  report.validUntilMs = Number(validUntil);
  report.status = { code: statusCode, reason, changedAtMs: Number(changedAt) };

  const wrong = d.fields.filter((f) => {
    const recorded = committed.find(([name]) => name === f.name);
    return !recorded || !equal(fromHex(recorded[1]), commitment(suite, f));
  });
  check("fields", d.fields.length > 0 && wrong.length === 0, wrong.length ? `${wrong.map((f) => f.name).join(", ")} ${wrong.length === 1 ? "does" : "do"} not match the commitments recorded` : d.fields.length === 1 ? "the disclosed field matches its commitment" : `${d.fields.length} disclosed fields match their commitments`);

  const issuerBytes = await prove(contractKey(contract, concat(utf8("i"), fromHex(issuer, 20))));
  if (issuerBytes) {
    const [name, registered, retired] = decodeValue("(String, u64, u64)", issuerBytes, "issuer record") as [string, bigint, bigint];
    report.issuer = { address: issuer, name };
    const inTenure = registered <= issuedAt && (retired === 0n || issuedAt <= retired);
    check("issuer", inTenure, inTenure ? `${name} (${issuer}) was a registered issuer when it issued` : `${name} (${issuer}) was not a registered issuer at the issue time`);
  } else {
    check("issuer", false, `${issuer} is not a registered issuer`);
  }
  const typeBytes = await prove(contractKey(contract, concat(utf8("t"), fromHex(issuer, 20), new Writer().string(typeId).finish())));
  if (typeBytes) {
    const [name] = decodeValue("(String, bool)", typeBytes, "type record") as [string, boolean];
    report.type = { id: typeId, name };
    check("type", true, `${name} (${typeId})`);
  } else {
    check("type", false, `the issuer defines no type ${typeId}`);
  }
  const statusNames = ["valid", "suspended", "revoked"];
  check("status", statusCode === 0, statusCode === 0 ? "not suspended or revoked" : `${statusNames[statusCode] ?? `status ${statusCode}`} at ${new Date(Number(changedAt)).toISOString()}: ${reason}`);
  const valid = BigInt(now) >= validFrom && BigInt(now) < validUntil;
  check("validity", valid, valid ? `valid until ${new Date(Number(validUntil)).toISOString()}` : BigInt(now) < validFrom ? `not valid before ${new Date(Number(validFrom)).toISOString()}` : `expired at ${new Date(Number(validUntil)).toISOString()}`);
  report.ok = report.checks.every((c) => c.ok);
  return report;
}
