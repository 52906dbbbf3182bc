// The console's shell: header (navigation, search, language, the genesis this page trusts),
// and a router from the location's hash to a page.

import { RpcError } from "../../sdk/ts/src/index.js";
import { genesisMismatch, loadTrust, pinGenesis, pinnedGenesis } from "./chain.js";
import { h, replace, short } from "./dom.js";
import { type Lang, lang, setLang, t } from "./i18n.js";
import { account } from "./pages/account.js";
import { asset, collection, item, offer } from "./pages/assets.js";
import { block } from "./pages/block.js";
import { cert } from "./pages/cert.js";
import { contract } from "./pages/contract.js";
import { dataset, datasets } from "./pages/datashare.js";
import { governance, inbox } from "./pages/governance.js";
import { grant, grants } from "./pages/grants.js";
import { overview } from "./pages/overview.js";
import { permit, permits } from "./pages/permits.js";
import { trace } from "./pages/trace.js";
import { resolve } from "./pages/search.js";
import { NotFound, tx } from "./pages/tx.js";

const main = h("main", { id: "main", tabindex: "-1" });
const header = h("header", {});
let leave: (() => void) | undefined;

function renderHeader(): void {
  const search = h("input", { type: "search", id: "search", name: "q", placeholder: t("Height, hash, address or certificate link"), "aria-label": t("Search"), autocomplete: "off" });
  const genesis = h("div", { class: "genesis" });
  const language = h(
    "select",
    { id: "lang", "aria-label": t("Language"), onchange: (e: Event) => { setLang((e.target as HTMLSelectElement).value as Lang); renderHeader(); void route(); } },
    h("option", { value: "en", selected: lang() === "en" }, "English"),
    h("option", { value: "zh", selected: lang() === "zh" }, "中文"),
  );
  replace(
    header,
    h("a", { class: "brand", href: "#/" }, t("citychain console")),
    h("nav", { "aria-label": "main" }, h("a", { href: "#/" }, t("Overview")), h("a", { href: "#/governance" }, t("Governance")), h("a", { href: "#/cert" }, t("Certificates")), h("a", { href: "#/permits" }, t("Permits")), h("a", { href: "#/grants" }, t("Grants")), h("a", { href: "#/data" }, t("Data"))),
    h(
      "form",
      { role: "search", class: "search", onsubmit: (e: Event) => { e.preventDefault(); void go(search.value); } },
      search,
      h("button", { type: "submit" }, t("Search")),
    ),
    language,
    genesis,
  );
  void loadTrust().then(
    (trust) => {
      const pinned = pinnedGenesis();
      replace(
        genesis,
        t("Genesis hash"), " ", short(trust.hash, 6), " ",
        pinned === trust.hash
          ? h("span", { class: "pinned" }, "📌 ", t("Pinned"))
          : h("button", { type: "button", class: "link", onclick: () => { pinGenesis(trust.hash); renderHeader(); void route(); } }, t("Pin this genesis")),
      );
      if (genesisMismatch(trust)) {
        genesis.append(h("p", { class: "error", role: "alert" }, t("This node's genesis {g} differs from the one you pinned ({p}). Nothing it shows is verified.", { g: trust.hash, p: pinned ?? "" })));
      }
    },
    () => {},
  );
}

async function go(query: string): Promise<void> {
  const target = await resolve(query).catch(() => null);
  location.hash = target ?? `#/notfound/${encodeURIComponent(query)}`;
}

let generation = 0;

async function route(): Promise<void> {
  leave?.();
  leave = undefined;
  // Each visit renders into its own element: a slower earlier page that finishes late writes
  // into its own, detached one, never over the current page.
  const current = ++generation;
  const view = h("div", {});
  replace(main, view);
  const onLeave = (stop: () => void) => {
    if (current === generation) leave = stop;
    else stop();
  };
  const [path, search] = location.hash.replace(/^#/, "").split("?") as [string, string | undefined];
  const parts = path.split("/").filter(Boolean).map(safeDecode);
  const query = new URLSearchParams(search ?? "");
  replace(view, h("p", { class: "loading" }, t("Loading"), "…"));
  try {
    switch (parts[0]) {
      case undefined:
        await overview(view, onLeave);
        break;
      case "block":
        await block(view, parts[1] ?? "latest");
        break;
      case "tx":
        await tx(view, parts[1] ?? "");
        break;
      case "account":
        await account(view, parts[1] ?? "", query);
        break;
      case "contract":
        await contract(view, parts[1] ?? "");
        break;
      case "governance":
        await governance(view);
        break;
      case "cert":
        await cert(view, parts.slice(1).join("/") || undefined);
        break;
      case "asset":
        await asset(view, parts[1] ?? "", query);
        break;
      case "collection":
        await collection(view, parts[1] ?? "");
        break;
      case "item":
        await item(view, parts[1] ?? "", parts[2] ?? "");
        break;
      case "offer":
        await offer(view, parts[1] ?? "");
        break;
      case "permits":
        await permits(view);
        break;
      case "permit":
        await permit(view, parts[1] ?? "");
        break;
      case "trace":
        await trace(view, parts.slice(1).join("/"));
        break;
      case "grants":
        await grants(view);
        break;
      case "grant":
        await grant(view, parts[1] ?? "");
        break;
      case "data":
        await datasets(view, query);
        break;
      case "dataset":
        await dataset(view, parts.slice(1).join("/"));
        break;
      case "inbox":
        await inbox(view, parts[1] ?? "");
        break;
      case "notfound":
        throw new NotFound(parts[1] ?? "");
      default:
        throw new NotFound(path);
    }
  } catch (e) {
    showError(view, e);
  }
  if (current === generation) document.title = `${view.querySelector("h1")?.textContent ?? ""} · ${t("citychain console")}`;
}

/** A path segment with its %-escapes decoded (kept as typed if they are malformed). */
function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function showError(view: HTMLElement, e: unknown): void {
  let message: string;
  if (e instanceof NotFound) message = t("Nothing matches {q}.", { q: e.what });
  else if (e instanceof RpcError) message = e.code === -32001 || e.code === -32602 ? t("Nothing matches {q}.", { q: e.message }) : t("The node answered with an error: {e}", { e: e.message });
  else message = (e as Error).message;
  const notFound = e instanceof NotFound || (e instanceof RpcError && (e.code === -32001 || e.code === -32602));
  replace(view, h("h1", {}, notFound ? t("Not found") : t("Error")), h("p", { class: "error", role: "alert" }, message));
}

setLang(lang());
document.body.append(header, main);
renderHeader();
window.addEventListener("hashchange", () => void route());
void route();
