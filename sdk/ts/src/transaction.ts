/**
 * Transactions (docs/protocol.md §3): building, encoding and signing. Transfers, deployments,
 * contract calls and asset transfers are built here; any other payload can be passed as its
 * canonical bytes (`{ type: "raw" }`), encoded by the caller from the protocol document.
 */

import { type Bytes, Writer, concat, framed, toHex } from "./bytes.js";
import { type SecretKey, type Suite, hash } from "./crypto.js";

export const TX_NAMESPACE = "citychain/tx/v1";

export type Payload =
  | { type: "transfer"; to: Bytes; amount: bigint | number | string }
  | { type: "deploy"; code: Bytes; initArgs?: Bytes }
  | { type: "call"; contract: Bytes; method: string; args?: Bytes; value?: bigint | number | string }
  | { type: "asset_transfer"; asset: Bytes; to: Bytes; amount: bigint | number | string }
  /** A payload already in its canonical encoding (tag byte first). */
  | { type: "raw"; bytes: Bytes };

export interface TransactionFields {
  chainId: string;
  nonce: bigint | number;
  gasLimit: bigint | number;
  payload: Payload;
}

function fixed(bytes: Bytes, length: number, what: string): Bytes {
  if (bytes.length !== length) throw new Error(`${what} must be ${length} bytes, not ${bytes.length}`);
  return bytes;
}

export function encodePayload(payload: Payload): Bytes {
  const w = new Writer();
  switch (payload.type) {
    case "transfer":
      return w.u8(0x01).raw(fixed(payload.to, 20, "to")).u128(payload.amount).finish();
    case "deploy":
      return w.u8(0x02).bytes(payload.code).bytes(payload.initArgs ?? new Uint8Array()).finish();
    case "call":
      if (new TextEncoder().encode(payload.method).length > 64) throw new Error("a method name is at most 64 bytes");
      return w
        .u8(0x03)
        .raw(fixed(payload.contract, 20, "contract"))
        .string(payload.method)
        .bytes(payload.args ?? new Uint8Array())
        .u128(payload.value ?? 0)
        .finish();
    case "asset_transfer":
      return w
        .u8(0x05)
        .u8(4)
        .raw(fixed(payload.asset, 20, "asset"))
        .raw(fixed(payload.to, 20, "to"))
        .u128(payload.amount)
        .finish();
    case "raw":
      return payload.bytes;
  }
}

/** The unsigned transaction's canonical bytes, for `sender`'s public key. */
export function encodeTransaction(fields: TransactionFields, sender: SecretKey): Bytes {
  if (!/^[a-z0-9-]{1,32}$/.test(fields.chainId)) throw new Error(`invalid chain id ${JSON.stringify(fields.chainId)}`);
  return new Writer()
    .string(fields.chainId)
    .raw(sender.publicKey.encode())
    .u64(fields.nonce)
    .u64(fields.gasLimit)
    .raw(encodePayload(fields.payload))
    .finish();
}

export interface SignedTransaction {
  /** `H(framed("citychain/tx/v1", tx))`, what the node calls the transaction. */
  hash: Bytes;
  /** `tx || signature`, what `tx_submit` takes (as hex). */
  bytes: Bytes;
  hex: string;
}

/** The address of a contract a deployment by `deployer` with `nonce` creates. */
export function contractAddress(suite: Suite, deployer: Bytes, nonce: bigint | number): Bytes {
  return hash(suite, framed("citychain/contract-address/v1", new Writer().raw(deployer).u64(nonce).finish())).subarray(0, 20);
}

/** The address of the contract a genesis deploys under `name` (the city's applications). */
export function genesisContractAddress(suite: Suite, name: string): Bytes {
  return hash(suite, framed("citychain/genesis-contract/v1", new TextEncoder().encode(name))).subarray(0, 20);
}

/** Signs a transaction: the signature covers `framed("citychain/tx/v1", tx)`. */
export function signTransaction(fields: TransactionFields, key: SecretKey): SignedTransaction {
  const tx = encodeTransaction(fields, key);
  const message = framed(TX_NAMESPACE, tx);
  const bytes = concat(tx, key.sign(message));
  return { hash: hash(key.suite as Suite, message), bytes, hex: toHex(bytes) };
}
