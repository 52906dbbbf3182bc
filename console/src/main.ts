// The console's shell: header (navigation, search, language, the genesis this page trusts),
// and a router from the location's hash to a page.

import { RpcError } from "../../sdk/ts/src/index.js";
import { genesisMismatch, loadTrust, pinGenesis, pinnedGenesis } from "./chain.js";
import { h, replace, short } from "./dom.js";
import { type Lang, lang, setLang, t } from "./i18n.js";
import { account } from "./pages/account.js";
import { block } from "./pages/block.js";
import { contract } from "./pages/contract.js";
import { governance, inbox } from "./pages/governance.js";
import { overview } from "./pages/overview.js";
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
    h("nav", { "aria-label": "main" }, h("a", { href: "#/" }, t("Overview")), h("a", { href: "#/governance" }, t("Governance"))),
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

async function route(): Promise<void> {
  leave?.();
  leave = undefined;
  const [path, search] = location.hash.replace(/^#/, "").split("?") as [string, string | undefined];
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  const query = new URLSearchParams(search ?? "");
  replace(main, h("p", { class: "loading" }, t("Loading"), "…"));
  try {
    switch (parts[0]) {
      case undefined:
        await overview(main, (stop) => (leave = stop));
        break;
      case "block":
        await block(main, parts[1] ?? "latest");
        break;
      case "tx":
        await tx(main, parts[1] ?? "");
        break;
      case "account":
        await account(main, parts[1] ?? "", query);
        break;
      case "contract":
        await contract(main, parts[1] ?? "");
        break;
      case "governance":
        await governance(main);
        break;
      case "inbox":
        await inbox(main, parts[1] ?? "");
        break;
      case "notfound":
        throw new NotFound(parts[1] ?? "");
      default:
        throw new NotFound(path);
    }
  } catch (e) {
    showError(e);
  }
  document.title = `${main.querySelector("h1")?.textContent ?? ""} · ${t("citychain console")}`;
}

function showError(e: unknown): void {
  let message: string;
  if (e instanceof NotFound) message = t("Nothing matches {q}.", { q: e.what });
  else if (e instanceof RpcError) message = e.code === -32001 || e.code === -32602 ? t("Nothing matches {q}.", { q: e.message }) : t("The node answered with an error: {e}", { e: e.message });
  else message = t("Cannot reach the node: {e}", { e: (e as Error).message });
  const notFound = e instanceof NotFound || (e instanceof RpcError && (e.code === -32001 || e.code === -32602));
  replace(main, h("h1", {}, notFound ? t("Not found") : t("Error")), h("p", { class: "error", role: "alert" }, message));
}

setLang(lang());
document.body.append(header, main);
renderHeader();
window.addEventListener("hashchange", () => void route());
void route();
