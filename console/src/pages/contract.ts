// A contract: its metadata from the chain, a query form per read-only method, and a storage
// lookup whose value is proven in the page.

import { type AbiValue, type Api, concat, fromHex, parseType, toHex } from "../../../sdk/ts/src/index.js";
import { checkHeader, chain, verifiedMark } from "../chain.js";
import { accountLink, amount, facts, h, replace, short } from "../dom.js";
import { lang, t } from "../i18n.js";
import { contractAt, pretty } from "./tx.js";

export async function contract(main: HTMLElement, address: string): Promise<void> {
  const info = await chain.rpc.call("contract_getInfo", address);
  const meta = info.metadata;
  replace(
    main,
    h("h1", {}, t("Contract"), " ", meta ? `${meta.name} ${meta.version}` : "", " ", h("code", { class: "wrap" }, address)),
    facts([
      [t("Status"), info.status],
      [t("Admin"), accountLink(info.admin)],
      [t("Deployer"), accountLink(info.deployer)],
      [t("Deployed at"), String(info.deployed_at)],
      [t("Code hash"), short(info.code_hash, 10)],
      [t("Code size"), t("{n} bytes", { n: info.code_size })],
      [t("Balance"), amount(info.balance, 0, lang())],
      [t("Account"), h("a", { href: `#/account/${address}` }, t("Transaction history"))],
    ]),
    h("h2", {}, t("Methods")),
    meta ? h("div", { class: "methods" }, ...meta.methods.map((m) => methodView(address, m))) : h("p", { class: "empty" }, t("This contract carries no metadata.")),
    meta && meta.events.length ? h("h2", {}, t("Events")) : "",
    meta && meta.events.length ? h("ul", {}, ...meta.events.map((e) => h("li", {}, h("code", {}, `${e.name}(${e.fields.map((f) => `${f.name}: ${f.type}`).join(", ")})`), e.doc ? ` — ${e.doc}` : ""))) : "",
    h("h2", {}, t("Storage lookup")),
    storageLookup(address),
  );
}

function methodView(address: string, m: Api.Method): HTMLElement {
  const signature = `${m.name}(${m.args.map((a) => `${a.name}: ${a.type}`).join(", ")}) -> ${m.returns}`;
  const head = h("div", { class: "method-head" }, h("code", {}, signature), " ", h("span", { class: `tag ${m.writes ? "writes" : "reads"}` }, m.writes ? t("writes") : t("read-only")));
  const box = h("div", { class: "method" }, head, m.doc ? h("p", {}, m.doc) : "");
  if (m.writes) return box;
  const inputs = m.args.map((a) => {
    const id = `arg-${m.name}-${a.name}`;
    const input = h("input", { id, name: a.name, placeholder: a.type, autocomplete: "off" });
    return { arg: a, input, row: h("label", { for: id }, `${a.name}: `, input) };
  });
  const out = h("div", { class: "result", "aria-live": "polite" });
  const form = h(
    "form",
    {
      class: "query",
      onsubmit: (e: Event) => {
        e.preventDefault();
        void (async () => {
          replace(out, t("Loading"), "…");
          try {
            const values = inputs.map(({ arg, input }) => parseInput(arg.type, input.value));
            const c = await contractAt(address);
            replace(out, pretty(await c!.query(m.name, values)));
          } catch (err) {
            replace(out, h("span", { class: "error" }, (err as Error).message));
          }
        })();
      },
    },
    ...inputs.map((i) => i.row),
    h("button", { type: "submit" }, t("Query")),
    out,
  );
  box.append(form);
  return box;
}

/** A form field as an ABI value: JSON for lists, tuples and options, text for the rest. */
function parseInput(type: string, text: string): AbiValue {
  const kind = parseType(type).kind;
  if (kind === "vec" || kind === "tuple" || kind === "option") {
    if (kind === "option" && text.trim() === "") return null;
    try {
      return JSON.parse(text) as AbiValue;
    } catch {
      if (kind === "option") return text;
      throw new Error(`${type}: write it as JSON`);
    }
  }
  if (kind === "bool") return text.trim() === "true";
  if (kind === "uint" || kind === "i64") return BigInt(text.trim().replace(/_/g, "") || "x");
  return text;
}

function storageLookup(address: string): HTMLElement {
  const input = h("input", { id: "storage-key", placeholder: "0x…", autocomplete: "off" });
  const out = h("div", { class: "result", "aria-live": "polite" });
  return h(
    "form",
    {
      class: "query",
      onsubmit: (e: Event) => {
        e.preventDefault();
        void (async () => {
          try {
            const key = concat(Uint8Array.of(0x05), fromHex(address, 20), fromHex(input.value.trim()));
            const proof = await chain.rpc.call("state_getKeyProof", toHex(key));
            replace(
              out,
              h("code", { class: "wrap" }, proof.value ?? t("absent")),
              verifiedMark(async (root) => {
                const { header, lines } = await checkHeader(root, proof.height);
                root.root.verifyValue(header, key, proof);
                return [...lines, t("Merkle proof of the value against the state root of block {h}", { h: header.height })];
              }),
            );
          } catch (err) {
            replace(out, h("span", { class: "error" }, (err as Error).message));
          }
        })();
      },
    },
    h("label", { for: "storage-key" }, t("Key (hex)"), " "),
    input,
    h("button", { type: "submit" }, t("Look up")),
    out,
  );
}
