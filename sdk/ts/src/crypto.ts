/**
 * The two crypto suites of docs/protocol.md §2: Ed25519 with SHA-256 (ZIP-215 verification),
 * and SM2 with SM3 (GB/T 32918.2, user id "1234567812345678"). Keys, signatures, addresses.
 */

import { ed25519 } from "@noble/curves/ed25519.js";
import { weierstrass } from "@noble/curves/abstract/weierstrass.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { randomBytes } from "@noble/hashes/utils.js";
import { type Bytes, concat, fromHex, toHex, utf8 } from "./bytes.js";
import { sm3 } from "./sm.js";

export type Suite = "ed25519" | "sm2";

export const SUITE_TAG: Record<Suite, number> = { ed25519: 1, sm2: 2 };

/** The chain's hash `H`: SHA-256 or SM3. */
export function hash(suite: Suite, data: Bytes): Bytes {
  return suite === "sm2" ? sm3(data) : sha256(data);
}

// --- SM2 (the recommended curve of GB/T 32918.5) ---

const SM2 = {
  p: 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn,
  a: 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn,
  b: 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n,
  n: 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n,
  Gx: 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n,
  Gy: 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n,
  h: 1n,
};
const Sm2Point = weierstrass<bigint>(SM2);
const SM2_USER_ID = utf8("1234567812345678");

const mod = (x: bigint, m: bigint) => ((x % m) + m) % m;
const be32 = (v: bigint) => fromHex("0x" + v.toString(16).padStart(64, "0"));
const toBig = (b: Bytes) => BigInt(toHex(b));

function invert(a: bigint, m: bigint): bigint {
  let [r0, r1, s0, s1] = [mod(a, m), m, 1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  if (r0 !== 1n) throw new Error("not invertible");
  return mod(s0, m);
}

/** `e = SM3(Z_A || M)`, the digest SM2 signs. */
function sm2Digest(publicKey: Bytes, message: Bytes): bigint {
  const point = Sm2Point.fromBytes(publicKey);
  const za = sm3(
    concat(
      Uint8Array.of(0x00, 0x80),
      SM2_USER_ID,
      be32(SM2.a),
      be32(SM2.b),
      be32(SM2.Gx),
      be32(SM2.Gy),
      be32(point.x),
      be32(point.y),
    ),
  );
  return toBig(sm3(concat(za, message)));
}

function sm2Sign(secret: bigint, publicKey: Bytes, message: Bytes): Bytes {
  const e = sm2Digest(publicKey, message);
  for (;;) {
    const k = mod(toBig(randomBytes(48)), SM2.n - 1n) + 1n;
    const x1 = Sm2Point.BASE.multiply(k).x;
    const r = mod(e + x1, SM2.n);
    if (r === 0n || r + k === SM2.n) continue;
    const s = mod(invert(1n + secret, SM2.n) * (k - r * secret), SM2.n);
    if (s === 0n) continue;
    return concat(be32(r), be32(s));
  }
}

function sm2Verify(publicKey: Bytes, message: Bytes, signature: Bytes): boolean {
  if (signature.length !== 64) return false;
  const r = toBig(signature.subarray(0, 32));
  const s = toBig(signature.subarray(32));
  if (r < 1n || r >= SM2.n || s < 1n || s >= SM2.n) return false;
  const t = mod(r + s, SM2.n);
  if (t === 0n) return false;
  let point;
  try {
    point = Sm2Point.fromBytes(publicKey);
  } catch {
    return false;
  }
  const e = sm2Digest(publicKey, message);
  const sum = Sm2Point.BASE.multiplyUnsafe(s).add(point.multiplyUnsafe(t));
  if (sum.is0()) return false;
  return mod(e + sum.x, SM2.n) === r;
}

// --- Keys ---

/** A public key: its suite and raw bytes (32 for Ed25519, 33 compressed for SM2). */
export class PublicKey {
  constructor(
    readonly suite: Suite,
    readonly bytes: Bytes,
  ) {
    const length = suite === "sm2" ? 33 : 32;
    if (bytes.length !== length) throw new Error(`a ${suite} public key is ${length} bytes, not ${bytes.length}`);
    if (suite === "sm2") Sm2Point.fromBytes(bytes).assertValidity();
  }

  /** Parses `suite:0xhex`, the JSON form. */
  static parse(text: string): PublicKey {
    const [suite, hex] = text.split(":");
    if ((suite !== "ed25519" && suite !== "sm2") || hex === undefined) {
      throw new Error(`${JSON.stringify(text)} is not a public key (expected "ed25519:0x…" or "sm2:0x…")`);
    }
    return new PublicKey(suite, fromHex(hex));
  }

  toString(): string {
    return `${this.suite}:${toHex(this.bytes)}`;
  }

  /** `suite tag || key`, its canonical encoding. */
  encode(): Bytes {
    return concat(Uint8Array.of(SUITE_TAG[this.suite]), this.bytes);
  }

  /** `H("citychain/address/v1" || suite_tag || key)[0..20]`. */
  address(): Bytes {
    return addressOf(this.suite, this.bytes);
  }

  verify(message: Bytes, signature: Bytes): boolean {
    if (this.suite === "sm2") return sm2Verify(this.bytes, message, signature);
    try {
      return ed25519.verify(signature, message, this.bytes, { zip215: true });
    } catch {
      return false;
    }
  }
}

export function addressOf(suite: Suite, keyBytes: Bytes): Bytes {
  return hash(suite, concat(utf8("citychain/address/v1"), Uint8Array.of(SUITE_TAG[suite]), keyBytes)).subarray(0, 20);
}

/** A secret key: the 32-byte Ed25519 seed or SM2 scalar, as the CLI's key files hold it. */
export class SecretKey {
  readonly publicKey: PublicKey;

  constructor(
    readonly suite: Suite,
    private readonly secret: Bytes,
  ) {
    if (secret.length !== 32) throw new Error("a secret key is 32 bytes");
    if (suite === "sm2") {
      const d = toBig(secret);
      if (d < 1n || d >= SM2.n - 1n) throw new Error("not a valid SM2 secret key");
      this.publicKey = new PublicKey("sm2", Sm2Point.BASE.multiply(d).toBytes(true));
    } else {
      this.publicKey = new PublicKey("ed25519", ed25519.getPublicKey(secret));
    }
  }

  /** A new random key. */
  static generate(suite: Suite): SecretKey {
    for (;;) {
      try {
        return new SecretKey(suite, randomBytes(32));
      } catch {
        // An SM2 scalar out of range: draw again (probability about 2^-32).
      }
    }
  }

  /** Signs `message` (already framed by the caller). */
  sign(message: Bytes): Bytes {
    if (this.suite === "sm2") return sm2Sign(toBig(this.secret), this.publicKey.bytes, message);
    return ed25519.sign(message, this.secret);
  }

  /** The secret's bytes (for writing a key file). */
  exportSecret(): Bytes {
    return this.secret.slice();
  }
}

/** An address from `0x` hex (20 bytes). */
export function parseAddress(text: string): Bytes {
  return fromHex(text, 20);
}
