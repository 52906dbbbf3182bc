/**
 * A JSON-RPC 2.0 client with one typed method per API method (the table is generated from
 * docs/openrpc.json), over `fetch`; subscriptions over a WebSocket (the browser's, or any
 * WHATWG-compatible constructor passed in).
 */

import type { Methods, Subscriptions } from "./generated/api.js";
import { SUBSCRIPTIONS } from "./generated/api.js";

/** An error object the node answered with. */
export class RpcError extends Error {
  override name = "RpcError";
  constructor(
    readonly method: string,
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(`${method}: ${message} (${code})`);
  }
}

export type MethodName = keyof Methods;

/** Most calls in one JSON-RPC batch a node takes (`docs/protocol.md` §9). */
export const MAX_BATCH = 100;
export type Params<M extends MethodName> = Methods[M]["params"];
export type Result<M extends MethodName> = Methods[M]["result"];

export interface RpcOptions {
  /** Rejects a call that takes longer (milliseconds; default 30,000). */
  timeoutMs?: number;
  /** A WebSocket constructor for subscriptions (default: `globalThis.WebSocket`). */
  WebSocket?: typeof WebSocket;
  /** A fetch implementation (default: `globalThis.fetch`). */
  fetch?: typeof fetch;
}

interface Answer {
  id?: number | string | null;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
  method?: string;
  params?: { subscription: string; result: unknown };
}

export class RpcClient {
  private nextId = 1;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(
    readonly url: string,
    private readonly options: RpcOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** Calls `method` with its positional parameters. */
  async call<M extends MethodName>(method: M, ...params: Params<M>): Promise<Result<M>> {
    const [answer] = await this.send([{ method, params: trimTrailingUndefined(params) }]);
    return unwrap(method, answer!) as Result<M>;
  }

  /** The node's OpenRPC description of its API (`rpc.discover`). */
  async discover(): Promise<Record<string, unknown>> {
    const [answer] = await this.send([{ method: "rpc.discover", params: [] }]);
    return unwrap("rpc.discover", answer!) as Record<string, unknown>;
  }

  /**
   * Several calls as JSON-RPC batches (of at most 100, the node's limit; more are sent as
   * several batches at once); each result or error in order.
   */
  async batch(calls: { method: MethodName; params: unknown[] }[]): Promise<({ ok: true; result: unknown } | { ok: false; error: RpcError })[]> {
    const chunks = [];
    for (let i = 0; i < calls.length; i += MAX_BATCH) chunks.push(calls.slice(i, i + MAX_BATCH));
    const answers = (await Promise.all(chunks.map((chunk) => this.send(chunk.map((c) => ({ method: c.method, params: trimTrailingUndefined(c.params) })))))).flat();
    return answers.map((a, i) => {
      try {
        return { ok: true as const, result: unwrap(calls[i]!.method, a) };
      } catch (e) {
        return { ok: false as const, error: e as RpcError };
      }
    });
  }

  private async send(calls: { method: string; params: unknown[] }[]): Promise<Answer[]> {
    const first = this.nextId;
    this.nextId += calls.length;
    const body = calls.map((c, i) => ({ jsonrpc: "2.0", id: first + i, method: c.method, params: c.params }));
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    let response: Response;
    try {
      response = await this.fetchImpl(this.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body.length === 1 ? body[0] : body),
        signal: controller.signal,
      });
    } catch (e) {
      throw new Error(`cannot reach the node at ${this.url}: ${(e as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
    if (!response.ok) throw new Error(`${this.url} answered HTTP ${response.status}: ${(await response.text()).slice(0, 200)}`);
    const json = (await response.json()) as Answer | Answer[];
    const answers = Array.isArray(json) ? json : [json];
    const byId = new Map(answers.map((a) => [a.id, a]));
    return body.map((b) => byId.get(b.id) ?? { id: b.id, error: { code: -32603, message: "no answer in the batch" } });
  }

  /**
   * Subscribes over a WebSocket; `onItem` gets each notification's item. Returns a function that
   * unsubscribes and closes the socket.
   */
  async subscribe<S extends keyof Subscriptions>(
    method: S,
    params: unknown[],
    onItem: (item: Subscriptions[S]["item"]) => void,
    onClose?: (reason: string) => void,
  ): Promise<() => void> {
    const Socket = this.options.WebSocket ?? globalThis.WebSocket;
    if (!Socket) throw new Error("no WebSocket implementation: pass one in the options");
    const socket = new Socket(this.url.replace(/^http/, "ws"));
    const { notification, unsubscribe } = SUBSCRIPTIONS[method];
    await new Promise<void>((resolve, reject) => {
      socket.onopen = () => resolve();
      socket.onerror = () => reject(new Error(`cannot open a WebSocket to ${this.url}`));
    });
    const id = this.nextId++;
    const subscription = await new Promise<string>((resolve, reject) => {
      socket.onmessage = (event: MessageEvent) => {
        const message = JSON.parse(String(event.data)) as Answer;
        if (message.id === id) {
          if (message.error) reject(new RpcError(method, message.error.code, message.error.message, message.error.data));
          else resolve(message.result as string);
        }
      };
      socket.send(JSON.stringify({ jsonrpc: "2.0", id, method, params }));
    });
    socket.onmessage = (event: MessageEvent) => {
      const message = JSON.parse(String(event.data)) as Answer;
      if (message.method === notification && message.params?.subscription === subscription) {
        onItem(message.params.result as Subscriptions[S]["item"]);
      }
    };
    socket.onclose = (event: CloseEvent) => onClose?.(event.reason || "closed");
    return () => {
      if (socket.readyState === 1) {
        socket.send(JSON.stringify({ jsonrpc: "2.0", id: this.nextId++, method: unsubscribe, params: [subscription] }));
      }
      socket.close();
    };
  }
}

function unwrap(method: string, answer: Answer): unknown {
  if (answer.error) throw new RpcError(method, answer.error.code, answer.error.message, answer.error.data);
  return answer.result;
}

/** Omitted trailing optional parameters are left out rather than sent as null. */
function trimTrailingUndefined(params: readonly unknown[]): unknown[] {
  const out = [...params];
  while (out.length > 0 && out[out.length - 1] === undefined) out.pop();
  return out.map((p) => (p === undefined ? null : p));
}
