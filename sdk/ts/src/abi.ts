/**
 * Contract arguments, results and events by their declared types (docs/contracts.md,
 * "Arguments and results" and "Types"): the canonical encoding of each parameter, in order.
 * Types are the strings contract metadata carries (`u64`, `Address`, `Vec<u8>`,
 * `Option<String>`, `(Address, u128)`, …).
 */

import { type Bytes, Reader, Writer, fromHex, toHex } from "./bytes.js";

export type AbiType =
  | { kind: "uint"; bytes: 1 | 2 | 4 | 8 | 16 }
  | { kind: "i64" }
  | { kind: "bool" }
  | { kind: "unit" }
  | { kind: "string" }
  | { kind: "address" }
  | { kind: "bytes" }
  | { kind: "array"; length: number }
  | { kind: "vec"; item: AbiType }
  | { kind: "option"; item: AbiType }
  | { kind: "tuple"; items: AbiType[] }
  | { kind: "opaque"; name: string };

/** A value as the SDK takes and gives it: numbers up to u32 as `number`, larger as `bigint`. */
export type AbiValue = number | bigint | boolean | string | null | AbiValue[];

const MAX_DEPTH = 8;

/** Parses a type as metadata writes it. */
export function parseType(text: string): AbiType {
  const src = text.replace(/\s+/g, "");
  let at = 0;
  const expect = (c: string) => {
    if (src[at] !== c) throw new Error(`type ${JSON.stringify(text)}: expected "${c}" at ${at}`);
    at++;
  };
  const ident = () => {
    const m = /^[A-Za-z_][A-Za-z0-9_]*(::[A-Za-z_][A-Za-z0-9_]*)*/.exec(src.slice(at));
    if (!m) throw new Error(`type ${JSON.stringify(text)}: expected a name at ${at}`);
    at += m[0].length;
    return m[0].split("::").pop()!;
  };
  const parse = (depth: number): AbiType => {
    if (depth > MAX_DEPTH) throw new Error(`type ${JSON.stringify(text)} nests deeper than ${MAX_DEPTH}`);
    if (src[at] === "(") {
      at++;
      const items: AbiType[] = [];
      while (src[at] !== ")") {
        items.push(parse(depth + 1));
        if (src[at] === ",") at++;
        else break;
      }
      expect(")");
      return items.length === 0 ? { kind: "unit" } : { kind: "tuple", items };
    }
    if (src[at] === "[") {
      at++;
      if (ident() !== "u8") throw new Error(`type ${JSON.stringify(text)}: only [u8; N] arrays`);
      expect(";");
      const m = /^[0-9]+/.exec(src.slice(at)) ?? [""];
      at += m[0].length;
      expect("]");
      return { kind: "array", length: Number(m[0]) };
    }
    const name = ident();
    const generic = (): AbiType[] => {
      expect("<");
      const args = [parse(depth + 1)];
      while (src[at] === ",") {
        at++;
        args.push(parse(depth + 1));
      }
      expect(">");
      return args;
    };
    switch (name) {
      case "u8": return { kind: "uint", bytes: 1 };
      case "u16": return { kind: "uint", bytes: 2 };
      case "u32": return { kind: "uint", bytes: 4 };
      case "u64": return { kind: "uint", bytes: 8 };
      case "u128": return { kind: "uint", bytes: 16 };
      case "i64": return { kind: "i64" };
      case "bool": return { kind: "bool" };
      case "String": return { kind: "string" };
      case "Address": return { kind: "address" };
      case "Vec": {
        const [item] = generic() as [AbiType];
        return item.kind === "uint" && item.bytes === 1 ? { kind: "bytes" } : { kind: "vec", item };
      }
      case "Option": return { kind: "option", item: generic()[0]! };
      case "Result": return generic()[0]!;
      default:
        if (src[at] === "<") generic();
        return { kind: "opaque", name };
    }
  };
  const type = parse(0);
  if (at !== src.length) throw new Error(`type ${JSON.stringify(text)}: unexpected ${JSON.stringify(src.slice(at))}`);
  return type;
}

function bytesOf(value: AbiValue, what: string): Bytes {
  if (typeof value !== "string") throw new Error(`${what}: expected 0x hex`);
  return fromHex(value);
}

function encodeInto(w: Writer, type: AbiType, value: AbiValue, what: string): void {
  switch (type.kind) {
    case "uint": {
      if (typeof value !== "number" && typeof value !== "bigint" && typeof value !== "string") throw new Error(`${what}: expected a number`);
      const n = BigInt(typeof value === "string" ? value.replace(/_/g, "") : value);
      if (type.bytes === 16) w.u128(n);
      else if (type.bytes === 8) w.u64(n);
      else if (n < 0n || n >= 1n << BigInt(8 * type.bytes)) throw new Error(`${what}: ${n} does not fit in u${8 * type.bytes}`);
      else if (type.bytes === 4) w.u32(Number(n));
      else if (type.bytes === 2) w.u16(Number(n));
      else w.u8(Number(n));
      return;
    }
    case "i64":
      if (typeof value !== "number" && typeof value !== "bigint" && typeof value !== "string") throw new Error(`${what}: expected a number`);
      w.i64(BigInt(value));
      return;
    case "bool":
      if (typeof value !== "boolean") throw new Error(`${what}: expected true or false`);
      w.bool(value);
      return;
    case "unit":
      return;
    case "string":
      if (typeof value !== "string") throw new Error(`${what}: expected a string`);
      w.string(value);
      return;
    case "address": {
      const b = bytesOf(value, what);
      if (b.length !== 20) throw new Error(`${what}: an address is 20 bytes, not ${b.length}`);
      w.raw(b);
      return;
    }
    case "bytes":
      w.bytes(bytesOf(value, what));
      return;
    case "array": {
      const b = bytesOf(value, what);
      if (b.length !== type.length) throw new Error(`${what}: expected ${type.length} bytes, got ${b.length}`);
      w.raw(b);
      return;
    }
    case "vec":
      if (!Array.isArray(value)) throw new Error(`${what}: expected a list`);
      w.list(value, (w, item) => encodeInto(w, type.item, item, `${what}[]`));
      return;
    case "option":
      w.option(value, (w, item) => encodeInto(w, type.item, item, what));
      return;
    case "tuple":
      if (!Array.isArray(value) || value.length !== type.items.length) throw new Error(`${what}: expected a list of ${type.items.length}`);
      type.items.forEach((t, i) => encodeInto(w, t, value[i]!, `${what}.${i}`));
      return;
    case "opaque":
      w.raw(bytesOf(value, what));
      return;
  }
}

/** The canonical encoding of `value` as `type`. */
export function encodeValue(type: AbiType | string, value: AbiValue, what = "value"): Bytes {
  const w = new Writer();
  encodeInto(w, typeof type === "string" ? parseType(type) : type, value, what);
  return w.finish();
}

function decodeFrom(r: Reader, type: AbiType, what: string): AbiValue {
  switch (type.kind) {
    case "uint": {
      const v = r.uint(type.bytes, what);
      return type.bytes <= 4 ? Number(v) : v;
    }
    case "i64":
      return BigInt.asIntN(64, r.uint(8, what));
    case "bool": {
      const b = r.u8(what);
      if (b > 1) throw new Error(`${what}: ${b} is not a bool`);
      return b === 1;
    }
    case "unit":
      return null;
    case "string":
      return r.string(what);
    case "address":
      return toHex(r.take(20, what));
    case "bytes":
      return toHex(r.bytes(what));
    case "array":
      return toHex(r.take(type.length, what));
    case "vec": {
      const n = r.u32(what);
      if (n > r.remaining) throw new Error(`${what}: ${n} items in ${r.remaining} bytes`);
      return Array.from({ length: n }, () => decodeFrom(r, type.item, `${what}[]`));
    }
    case "option": {
      const tag = r.u8(what);
      if (tag > 1) throw new Error(`${what}: option tag ${tag}`);
      return tag === 1 ? decodeFrom(r, type.item, what) : null;
    }
    case "tuple":
      return type.items.map((t, i) => decodeFrom(r, t, `${what}.${i}`));
    case "opaque":
      return toHex(r.take(r.remaining, what));
  }
}

/** Decodes `bytes` as `type`; fails on trailing bytes. */
export function decodeValue(type: AbiType | string, bytes: Bytes, what = "value"): AbiValue {
  const r = new Reader(bytes);
  const value = decodeFrom(r, typeof type === "string" ? parseType(type) : type, what);
  r.end(what);
  return value;
}

/** Decodes consecutive values (an event's fields, a method's arguments). */
export function decodeFields(fields: readonly { name: string; type: string }[], bytes: Bytes): Record<string, AbiValue> {
  const r = new Reader(bytes);
  const out: Record<string, AbiValue> = {};
  for (const f of fields) out[f.name] = decodeFrom(r, parseType(f.type), f.name);
  r.end("fields");
  return out;
}
