/**
 * A chain client on top of the RPC: sends signed transactions (nonce and chain id looked up),
 * waits for receipts, and calls contracts by method name through the metadata the chain
 * returns (no ABI to import).
 */

import { type AbiValue, decodeFields, decodeValue, encodeValue } from "./abi.js";
import { type Bytes, concat, fromHex, toHex } from "./bytes.js";
import type { SecretKey } from "./crypto.js";
import type * as Api from "./generated/api.js";
import type { ContractMetadata, ContractView, Event, ReceiptInfo } from "./generated/api.js";
import { RpcClient, type RpcOptions } from "./rpc.js";
import { type Payload, signTransaction } from "./transaction.js";
import { type TrustRoot, VerifyError, accountKey, decodeAccount } from "./verify.js";

export interface SendOptions {
  /** Gas the transaction may use (default 1,000,000). */
  gasLimit?: bigint | number;
  /** The nonce to use (default: the account's next one as the node reports it). */
  nonce?: bigint | number;
}

export class Citychain {
  readonly rpc: RpcClient;
  private chainId?: string;

  constructor(url: string, options?: RpcOptions) {
    this.rpc = new RpcClient(url, options);
  }

  async getChainId(): Promise<string> {
    this.chainId ??= (await this.rpc.call("chain_status")).chain_id;
    return this.chainId;
  }

  /** Signs `payload` with `key` and submits it; returns the transaction hash (hex). */
  async send(key: SecretKey, payload: Payload, options: SendOptions = {}): Promise<string> {
    const nonce = options.nonce ?? (await this.rpc.call("state_getAccount", toHex(key.publicKey.address()))).nonce;
    const signed = signTransaction(
      { chainId: await this.getChainId(), nonce, gasLimit: options.gasLimit ?? 1_000_000, payload },
      key,
    );
    const { hash } = await this.rpc.call("tx_submit", signed.hex);
    return hash;
  }

  /** Polls for a transaction's receipt until it is committed or `timeoutMs` passes. */
  async waitForReceipt(hash: string, timeoutMs = 30_000): Promise<ReceiptInfo> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const receipt = await this.rpc.call("tx_getReceipt", hash);
      if (receipt) return receipt;
      if (Date.now() > deadline) throw new Error(`no receipt for ${hash} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /**
   * A block's header, verified final against `trust` (learning the validator sets of the
   * epochs in between from the node's epoch records, each checked in turn).
   */
  async verifiedHeader(trust: TrustRoot, block: Api.BlockId): Promise<Api.BlockHeader> {
    const info = await this.rpc.call("chain_getHeader", block);
    if (info.finality) await this.learnEpochs(trust, info.finality.epoch);
    return trust.verifyHeader(info);
  }

  /** Learns the validator sets of the epochs up to `epoch` from the node's epoch records. */
  async learnEpochs(trust: TrustRoot, epoch: number): Promise<void> {
    while (trust.latestEpoch < epoch) {
      const records = await this.rpc.call("chain_getEpochRecords", trust.latestEpoch + 1, 64);
      if (records.length === 0) throw new VerifyError(`the node gives no record of epoch ${trust.latestEpoch + 1}`);
      for (const record of records) {
        if (record.epoch > epoch) break;
        trust.learnEpoch(record.epoch, record.header, record.proof);
      }
    }
  }

  /** An account's nonce and balance, proven against a header verified final against `trust`. */
  async verifiedAccount(trust: TrustRoot, address: string, block: Api.BlockId = "latest"): Promise<{ nonce: bigint; balance: bigint; header: Api.BlockHeader }> {
    const header = await this.verifiedHeader(trust, block);
    const proof = await this.rpc.call("state_getProof", address, header.height);
    const value = trust.verifyValue(header, accountKey(fromHex(address, 20)), proof);
    return { ...(value ? decodeAccount(value) : { nonce: 0n, balance: 0n }), header };
  }

  /** A deployed contract, with its metadata. */
  async contract(address: string): Promise<Contract> {
    return new Contract(this, await this.rpc.call("contract_getInfo", address));
  }
}

/** A decoded event: its declared name and fields, or `null` fields if the contract does not declare it. */
export interface DecodedEvent {
  topic: string;
  emitter: string;
  fields: Record<string, AbiValue> | null;
}

export class Contract {
  readonly metadata: ContractMetadata;

  constructor(
    private readonly chain: Citychain,
    readonly info: ContractView,
  ) {
    if (!info.metadata) throw new Error(`contract ${info.address} carries no metadata: encode its arguments yourself`);
    this.metadata = info.metadata;
  }

  get address(): string {
    return this.info.address;
  }

  private method(name: string) {
    const method = this.metadata.methods.find((m) => m.name === name);
    if (!method) {
      throw new Error(`${this.metadata.name} has no method ${JSON.stringify(name)}; it has ${this.metadata.methods.map((m) => m.name).join(", ")}`);
    }
    return method;
  }

  /** Encodes a method's arguments, by name (an object) or in order (an array). */
  encodeArgs(name: string, args: Record<string, AbiValue> | AbiValue[] = {}): Bytes {
    const method = this.method(name);
    const values = Array.isArray(args) ? args : method.args.map((a) => args[a.name]);
    if (!Array.isArray(args)) {
      const unknown = Object.keys(args).filter((k) => !method.args.some((a) => a.name === k));
      if (unknown.length) throw new Error(`${name} takes no argument ${unknown.join(", ")}`);
    }
    if (values.length !== method.args.length) throw new Error(`${name} takes ${method.args.length} arguments, got ${values.length}`);
    return concat(
      ...method.args.map((a, i) => {
        const value = values[i];
        if (value === undefined) throw new Error(`${name}: missing argument ${a.name}`);
        return encodeValue(a.type, value, a.name);
      }),
    );
  }

  /** Decodes an event this contract emitted (null fields for one it does not declare). */
  decodeEvent(event: Event): DecodedEvent {
    const def = this.metadata.events.find((e) => e.name === event.topic);
    return { topic: event.topic, emitter: event.emitter, fields: def ? decodeFields(def.fields, fromHex(event.data)) : null };
  }

  /** Runs a method read-only; returns its decoded result. Throws with the revert reason. */
  async query(name: string, args?: Record<string, AbiValue> | AbiValue[], caller?: string): Promise<AbiValue> {
    const method = this.method(name);
    const result = await this.chain.rpc.call("contract_query", this.address, name, toHex(this.encodeArgs(name, args)), caller ?? null);
    if (result.status !== "success") throw new Error(`${name} failed (${result.status}): ${result.reason}`);
    return decodeValue(method.returns, fromHex(result.output), `${name}'s result`);
  }

  /** Calls a method in a transaction and waits for its receipt; returns the decoded output and events. */
  async call(
    key: SecretKey,
    name: string,
    args?: Record<string, AbiValue> | AbiValue[],
    options: SendOptions & { value?: bigint | number } = {},
  ): Promise<{ receipt: ReceiptInfo; output: AbiValue | null; events: DecodedEvent[] }> {
    const method = this.method(name);
    const hash = await this.chain.send(
      key,
      { type: "call", contract: fromHex(this.address, 20), method: name, args: this.encodeArgs(name, args), value: options.value ?? 0 },
      options,
    );
    const receipt = await this.chain.waitForReceipt(hash);
    const ok = receipt.receipt.status === "success";
    return {
      receipt,
      output: ok ? decodeValue(method.returns, fromHex(receipt.receipt.output), `${name}'s result`) : null,
      events: receipt.receipt.events.map((e) => (e.emitter === this.address ? this.decodeEvent(e) : { topic: e.topic, emitter: e.emitter, fields: null })),
    };
  }
}
