// Certificate verification: paste a link (or open one from a QR code) and see, checked in
// this page against the genesis, who issued it, what it discloses and whether it is valid.

import { certificates } from "../../../sdk/ts/src/index.js";
import { chain, genesisMismatch, loadTrust, pinnedGenesis } from "../chain.js";
import { accountLink, facts, h, replace, short, time } from "../dom.js";
import { lang, t } from "../i18n.js";

export async function cert(main: HTMLElement, link: string | undefined): Promise<void> {
  const input = h("input", { id: "cert-link", name: "link", value: link ?? "", placeholder: "citychain-cert:…", autocomplete: "off", "aria-label": t("Paste a certificate link") });
  const result = h("section", { "aria-live": "polite" });
  replace(
    main,
    h("h1", {}, t("Certificate")),
    h(
      "form",
      { class: "query", onsubmit: (e: Event) => { e.preventDefault(); location.hash = `#/cert/${input.value.trim()}`; } },
      h("label", { for: "cert-link" }, t("Paste a certificate link")),
      input,
      h("button", { type: "submit" }, t("Verify")),
    ),
    result,
  );
  if (!link) return;
  replace(result, h("p", { class: "loading" }, t("Checking…")));
  try {
    const trust = await loadTrust();
    if (genesisMismatch(trust)) throw new Error(t("This node's genesis {g} differs from the one you pinned ({p}). Nothing it shows is verified.", { g: trust.hash, p: pinnedGenesis() ?? "" }));
    const report = await certificates.verifyLink(chain, trust.root, trust.genesis, link);
    const when = (ms: number | undefined) => (ms === undefined ? "—" : time(ms, lang()));
    replace(
      result,
      h("div", { class: `verdict ${report.ok ? "ok" : "bad"}`, role: "status" }, report.ok ? `✓ ${t("Valid certificate")}` : `✗ ${t("Not a valid certificate")}`),
      facts([
        [t("Type"), report.type ? report.type.name : "—"],
        [t("Issuer"), report.issuer ? [report.issuer.name, " ", accountLink(report.issuer.address)] : "—"],
        [t("Holder"), report.holder ? accountLink(report.holder) : "—"],
        [t("Issued"), when(report.issuedAtMs)],
        [t("Valid"), report.validFromMs !== undefined ? `${when(report.validFromMs)} – ${when(report.validUntilMs)}` : "—"],
        ...report.fields.map((f) => [f.name, h("strong", {}, f.value)] as [string, HTMLElement]),
      ]),
      h("h2", {}, t("Checked in this page")),
      h("ol", { class: "checks" }, ...report.checks.map((c) => h("li", { class: c.ok ? "ok" : "bad" }, c.ok ? "✓ " : "✗ ", h("strong", {}, t(c.name)), ": ", c.detail))),
      h("p", { class: "note" }, t("against genesis {g}", { g: "" }), short(trust.hash, 8), report.header ? ` · ${t("Block")} ${report.header.height}` : ""),
    );
  } catch (e) {
    replace(result, h("div", { class: "verdict bad", role: "alert" }, `✗ ${t("Not a valid certificate")}`), h("p", { class: "error" }, (e as Error).message));
  }
}
