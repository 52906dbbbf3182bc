/**
 * The CLI's key files (`citychain keys new`): a secret encrypted with a key stretched from a
 * passphrase by Argon2id, under ChaCha20-Poly1305 (Ed25519 keys) or SM4-GCM (SM2 keys), with
 * `"citychain/keyfile/v1" || suite tag || public key` as associated data. Dev-chain keys are
 * stored unencrypted and say so.
 */

import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import { argon2id } from "@noble/hashes/argon2.js";
import { randomBytes } from "@noble/hashes/utils.js";
import { type Bytes, concat, fromHex, toHex, utf8 } from "./bytes.js";
import { PublicKey, SecretKey, type Suite, SUITE_TAG } from "./crypto.js";
import { sm4GcmDecrypt, sm4GcmEncrypt } from "./sm.js";

export interface KeyFile {
  citychain_key: 1;
  suite: Suite;
  public_key: string;
  address: string;
  kdf?: { algorithm: "argon2id"; memory_kib: number; iterations: number; parallelism: number; salt: string };
  cipher?: { algorithm: "chacha20-poly1305" | "sm4-gcm"; nonce: string };
  ciphertext?: string;
  warning?: string;
  insecure_plaintext_secret?: string;
}

/** Argon2id costs the CLI uses for new files: 64 MiB, 3 passes. */
export const STRONG_KDF = { memory_kib: 64 * 1024, iterations: 3, parallelism: 1 };

const associatedData = (key: PublicKey) => concat(utf8("citychain/keyfile/v1"), Uint8Array.of(SUITE_TAG[key.suite]), key.bytes);

function wrappingKey(passphrase: string, salt: Bytes, kdf: { memory_kib: number; iterations: number; parallelism: number }): Bytes {
  return argon2id(utf8(passphrase), salt, { m: kdf.memory_kib, t: kdf.iterations, p: kdf.parallelism, dkLen: 32 });
}

/** Opens a key file (parsed JSON); `passphrase` is ignored for an unencrypted dev key. */
export function openKeyFile(file: KeyFile, passphrase = ""): SecretKey {
  if (file.citychain_key !== 1) throw new Error(`unsupported key file version ${String(file.citychain_key)}`);
  const publicKey = PublicKey.parse(file.public_key);
  let secret: Bytes;
  if (file.insecure_plaintext_secret) {
    secret = fromHex(file.insecure_plaintext_secret, 32);
  } else {
    const { kdf, cipher, ciphertext } = file;
    if (!kdf || !cipher || !ciphertext) throw new Error("the key file has no kdf, cipher or ciphertext section");
    if (kdf.algorithm !== "argon2id") throw new Error(`unsupported kdf ${JSON.stringify(kdf.algorithm)}`);
    const key = wrappingKey(passphrase, fromHex(kdf.salt), kdf);
    const nonce = fromHex(cipher.nonce, 12);
    const aad = associatedData(publicKey);
    try {
      if (cipher.algorithm === "sm4-gcm") secret = sm4GcmDecrypt(key.subarray(0, 16), nonce, fromHex(ciphertext), aad);
      else if (cipher.algorithm === "chacha20-poly1305") secret = chacha20poly1305(key, nonce, aad).decrypt(fromHex(ciphertext));
      else throw new Error(`unsupported cipher ${JSON.stringify(cipher.algorithm)}`);
    } catch (e) {
      if ((e as Error).message.startsWith("unsupported")) throw e;
      throw new Error("wrong passphrase (or the file was altered)");
    }
  }
  const key = new SecretKey(file.suite, secret);
  if (key.publicKey.toString() !== publicKey.toString()) throw new Error("the secret does not match the public key recorded in the file");
  return key;
}

/** Encrypts `key` into a key file the CLI opens. */
export function writeKeyFile(key: SecretKey, passphrase: string, kdf = STRONG_KDF): KeyFile {
  const salt = randomBytes(16);
  const nonce = randomBytes(12);
  const wrapping = wrappingKey(passphrase, salt, kdf);
  const aad = associatedData(key.publicKey);
  const secret = key.exportSecret();
  const sm2 = key.suite === "sm2";
  const ciphertext = sm2 ? sm4GcmEncrypt(wrapping.subarray(0, 16), nonce, secret, aad) : chacha20poly1305(wrapping, nonce, aad).encrypt(secret);
  return {
    citychain_key: 1,
    suite: key.suite,
    public_key: key.publicKey.toString(),
    address: toHex(key.publicKey.address()),
    kdf: { algorithm: "argon2id", ...kdf, salt: toHex(salt) },
    cipher: { algorithm: sm2 ? "sm4-gcm" : "chacha20-poly1305", nonce: toHex(nonce) },
    ciphertext: toHex(ciphertext),
  };
}
