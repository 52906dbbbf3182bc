//! `citychain cert`: issue e-certificates with salted field commitments, cut disclosures from
//! a holder's file, and verify a disclosure against the chain (`docs/apps/certificates.md`).

use super::{DEFAULT_RPC, send::SendArgs};
use crate::output;
use anyhow::{Context as _, bail};
use citychain_client::{
    Client,
    certificates::{
        self as certs, DisclosedField, Disclosure, Expectations, HOLDER_FORMAT, HolderFile,
        LINK_SCHEME, Presentation, Verdict,
    },
    time::{parse_utc, rfc3339},
    verify::TrustRoot,
};
use citychain_crypto::{Address, Hash, Suite};
use citychain_types::{Genesis, Payload, codec::Reader, layout};
use clap::{Args, Subcommand, ValueEnum};
use serde::Serialize;
use std::{
    path::{Path, PathBuf},
    time::Instant,
};

#[derive(Subcommand)]
pub enum CertCommand {
    /// Issue a certificate (as a registered issuer): draws a random salt per field, sends the
    /// fields' commitments (never their values) to the certificates contract, and writes the
    /// holder's file of values and salts, which you hand to the holder.
    Issue(IssueArgs),
    /// Disclose some fields of a certificate from its holder's file: as a link (also the
    /// payload of a QR code), as a presentation file that verifies offline, or as a W3C
    /// Verifiable Credential.
    Disclose(DiscloseArgs),
    /// Verify a disclosed certificate: a link (the proofs are fetched from --rpc and checked
    /// here), or a presentation or credential file (offline, against --genesis). Checks the
    /// finality of the proven block, the contract's code, the disclosed fields against their
    /// commitments, the issuer's authority when it issued, the status and validity now.
    /// Exits non-zero unless every check passes.
    Verify(VerifyArgs),
}

#[derive(Args)]
pub struct IssueArgs {
    #[command(flatten)]
    send: SendArgs,
    /// The certificates contract (default: the genesis application `certificates`).
    #[arg(long)]
    contract: Option<Address>,
    /// The holder's account.
    #[arg(long)]
    holder: Address,
    /// One of your types (`citychain contract call … define_type` defines one).
    #[arg(long = "type", value_name = "TYPE_ID")]
    type_id: String,
    /// A field, NAME=VALUE; repeat for each (1 to 32).
    #[arg(long = "field", value_name = "NAME=VALUE", required = true)]
    fields: Vec<String>,
    /// Start of validity: YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or milliseconds (default: now).
    #[arg(long)]
    valid_from: Option<String>,
    /// End of validity (excluded), in the same forms.
    #[arg(long)]
    valid_until: String,
    /// The holder's file to write (values and salts: give it to the holder only).
    #[arg(long)]
    out: PathBuf,
}

#[derive(Clone, Copy, ValueEnum)]
enum Form {
    /// `citychain-cert:…`: compact, also a QR code's payload; the verifier needs a node.
    Link,
    /// The link as a QR code: drawn in the terminal (for a dark background), or an SVG file
    /// to print with --out.
    Qr,
    /// A JSON file with the proofs: verifies offline against the genesis.
    Presentation,
    /// A W3C Verifiable Credential 2.0 whose proof is the presentation.
    Credential,
}

#[derive(Args)]
pub struct DiscloseArgs {
    /// The holder's file `cert issue` wrote.
    holder_file: PathBuf,
    /// A field to disclose; repeat for each. None: the certificate's existence and status only.
    #[arg(long = "field", value_name = "NAME")]
    fields: Vec<String>,
    /// Disclose every field.
    #[arg(long, conflicts_with = "fields")]
    all: bool,
    /// What to produce.
    #[arg(long, value_enum, default_value = "link")]
    form: Form,
    /// Write it to this file (default: print it).
    #[arg(long)]
    out: Option<PathBuf>,
    /// With --form qr: encode the link as a page of this node's web console
    /// (`URL/#/cert/LINK`, e.g. http://10.0.0.5:8545), so that a phone's camera opens the page
    /// that verifies it, in the phone's browser.
    #[arg(long, value_name = "URL")]
    console: Option<String>,
    /// The node that provides the proofs (presentation and credential).
    #[arg(long, default_value = DEFAULT_RPC)]
    rpc: String,
}

#[derive(Args)]
pub struct VerifyArgs {
    /// A `citychain-cert:` link, or a presentation or credential file.
    input: String,
    /// The chain's genesis document you trust (required for files; for a link, default: ask
    /// the node, and say so).
    #[arg(long)]
    genesis: Option<PathBuf>,
    /// The node to ask for a link's proofs; nothing it says is trusted.
    #[arg(long, default_value = DEFAULT_RPC)]
    rpc: String,
    /// Check validity at this time instead of now (YYYY-MM-DD, …Z, or milliseconds).
    #[arg(long)]
    at: Option<String>,
    /// Refuse proofs of a state older than this many seconds (a revocation after the proven
    /// block is not in the proof).
    #[arg(long)]
    max_age: Option<u64>,
}

pub async fn run(cmd: CertCommand, json: bool) -> anyhow::Result<()> {
    match cmd {
        CertCommand::Issue(args) => issue(args, json).await,
        CertCommand::Disclose(args) => disclose(args, json).await,
        CertCommand::Verify(args) => verify(args, json).await,
    }
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

fn time_arg(name: &str, text: &str) -> anyhow::Result<u64> {
    parse_utc(text).map_err(|e| anyhow::anyhow!("--{name}: {e}"))
}

/// The certificates contract: the one given, or the genesis application's address.
fn contract_or_default(given: Option<Address>, suite: Suite) -> Address {
    given.unwrap_or_else(|| layout::genesis_contract_address(suite, "certificates"))
}

/// Reads `NAME=VALUE` fields, refusing what the contract would refuse, before anything is sent.
fn parse_fields(fields: &[String]) -> anyhow::Result<Vec<(String, String)>> {
    if fields.len() > certs::MAX_FIELDS {
        bail!(
            "{} fields; a certificate has at most {}",
            fields.len(),
            certs::MAX_FIELDS
        );
    }
    let mut out: Vec<(String, String)> = Vec::new();
    for f in fields {
        let (name, value) = f
            .split_once('=')
            .with_context(|| format!("--field {f:?} is not NAME=VALUE"))?;
        if name.is_empty() || name.len() > certs::MAX_NAME {
            bail!("field name {name:?} must be 1 to {} bytes", certs::MAX_NAME);
        }
        if value.len() > certs::MAX_VALUE {
            bail!(
                "field {name}'s value is {} bytes; at most {} fit a link",
                value.len(),
                certs::MAX_VALUE
            );
        }
        if out.iter().any(|(n, _)| n == name) {
            bail!("field {name} is given twice");
        }
        out.push((name.into(), value.into()));
    }
    Ok(out)
}

#[derive(Serialize)]
struct Issued {
    id: u64,
    contract: Address,
    holder: Address,
    holder_file: PathBuf,
    tx_hash: Hash,
}

async fn issue(args: IssueArgs, json: bool) -> anyhow::Result<()> {
    let fields = parse_fields(&args.fields)?;
    let valid_from = match &args.valid_from {
        Some(t) => time_arg("valid-from", t)?,
        None => now_ms(),
    };
    let valid_until = time_arg("valid-until", &args.valid_until)?;
    if valid_until <= valid_from {
        bail!(
            "--valid-until {} is not after --valid-from {}",
            rfc3339(valid_until),
            rfc3339(valid_from)
        );
    }
    if args.out.exists() {
        bail!(
            "{} exists; the holder's file is never overwritten (its salts would be lost)",
            args.out.display()
        );
    }
    let client = Client::connect(&args.send.rpc)?;
    let chain = client.chain_info().await?;
    let contract = contract_or_default(args.contract, chain.suite);
    let mut holder = HolderFile {
        format: HOLDER_FORMAT.into(),
        chain_id: chain.chain_id,
        contract,
        id: None,
        fields: fields
            .into_iter()
            .map(|(n, v)| DisclosedField::new_salted(n, v).map_err(anyhow::Error::msg))
            .collect::<anyhow::Result<_>>()?,
    };
    // The salts are on disk before the commitments are sent: a crash after sending must not
    // leave a certificate nobody can disclose.
    output::write_private(&args.out, &serde_json::to_string_pretty(&holder)?)?;
    let commitments: Vec<(String, Hash)> = holder
        .fields
        .iter()
        .map(|f| (f.name.clone(), f.commitment(chain.suite)))
        .collect();
    let call = Payload::Call {
        contract,
        method: "issue".into(),
        args: certs::issue_args(
            &args.holder,
            &args.type_id,
            valid_from,
            valid_until,
            &commitments,
        ),
        value: Default::default(),
    };
    let (hash, receipt) = match super::send::send_tx(&args.send, call).await {
        Ok(sent) => sent,
        Err(e) => {
            eprintln!(
                "{} keeps the salts; if the transaction commits after all, its receipt's output \
                 is the certificate id (`citychain tx get HASH`): write it into the file's \"id\"",
                args.out.display()
            );
            return Err(e);
        }
    };
    let r = &receipt.receipt;
    if !r.is_success() {
        let _ = std::fs::remove_file(&args.out);
        bail!("the certificate was not issued: {}", r.reason);
    }
    let id = Reader::new(&r.output)
        .u64("certificate id")
        .context("the receipt does not carry the certificate's id")?;
    holder.id = Some(id);
    output::replace_private(&args.out, &serde_json::to_string_pretty(&holder)?)?;
    let issued = Issued {
        id,
        contract,
        holder: args.holder,
        holder_file: args.out.clone(),
        tx_hash: hash,
    };
    if json {
        return output::json(&issued);
    }
    println!("issued certificate {id} to {}", args.holder);
    output::rows(&[
        ("contract", contract.to_string()),
        ("transaction", hash.to_string()),
        ("block", receipt.inclusion.height.to_string()),
        (
            "holder file",
            format!(
                "{} (every value and salt: give it to the holder only)",
                args.out.display()
            ),
        ),
    ]);
    Ok(())
}

fn read_holder_file(path: &Path) -> anyhow::Result<HolderFile> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let file: HolderFile = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a certificate holder's file", path.display()))?;
    if file.format != HOLDER_FORMAT {
        bail!(
            "{} is {:?}, not a {HOLDER_FORMAT} file",
            path.display(),
            file.format
        );
    }
    Ok(file)
}

async fn disclose(args: DiscloseArgs, json: bool) -> anyhow::Result<()> {
    if args.console.is_some() && !matches!(args.form, Form::Qr) {
        bail!("--console makes a QR code open the console's page: use it with --form qr");
    }
    let holder = read_holder_file(&args.holder_file)?;
    let disclosure = holder.disclose(&args.fields, args.all)?;
    let text = match args.form {
        Form::Link => disclosure.to_link(),
        Form::Qr => {
            let link = match &args.console {
                Some(url) => format!(
                    "{}/#/cert/{}",
                    url.trim_end_matches('/'),
                    disclosure.to_link()
                ),
                None => disclosure.to_link(),
            };
            let code = qrcode::QrCode::with_error_correction_level(&link, qrcode::EcLevel::M)
                .context("the link does not fit a QR code (disclose fewer or shorter fields)")?;
            if args.out.is_some() {
                code.render::<qrcode::render::svg::Color<'_>>()
                    .min_dimensions(320, 320)
                    .build()
            } else {
                // Drawn for a terminal with a dark background: light modules are the blocks.
                let drawn = code
                    .render::<qrcode::render::unicode::Dense1x2>()
                    .dark_color(qrcode::render::unicode::Dense1x2::Light)
                    .light_color(qrcode::render::unicode::Dense1x2::Dark)
                    .build();
                if json {
                    return output::json(&serde_json::json!({ "link": link, "qr": drawn }));
                }
                format!("{drawn}\n{link}")
            }
        }
        Form::Presentation | Form::Credential => {
            let client = Client::connect(&args.rpc)?;
            let chain = client.chain_info().await?;
            if chain.chain_id != disclosure.chain_id {
                bail!(
                    "the node at {} runs chain {}, the certificate is on chain {}",
                    args.rpc,
                    chain.chain_id,
                    disclosure.chain_id
                );
            }
            let p = certs::fetch_presentation(&client, &disclosure).await?;
            let value = match args.form {
                Form::Credential => certs::credential(&p)?,
                _ => serde_json::to_value(&p)?,
            };
            serde_json::to_string_pretty(&value)?
        }
    };
    match &args.out {
        Some(path) => {
            std::fs::write(path, format!("{text}\n"))
                .with_context(|| format!("writing {}", path.display()))?;
            if json {
                output::json(&serde_json::json!({ "written": path }))?;
            } else {
                eprintln!("wrote {}", path.display());
            }
        }
        None if json && matches!(args.form, Form::Link) => {
            output::json(&serde_json::json!({ "link": text }))?
        }
        None => println!("{text}"),
    }
    Ok(())
}

/// A verification's report.
#[derive(Serialize)]
struct Report {
    valid: bool,
    input: &'static str,
    genesis_source: String,
    #[serde(flatten)]
    verdict: Verdict,
    /// Time spent checking (not fetching), in milliseconds.
    check_ms: f64,
}

async fn verify(args: VerifyArgs, json: bool) -> anyhow::Result<()> {
    let now = match &args.at {
        Some(t) => time_arg("at", t)?,
        None => now_ms(),
    };
    let given_genesis = args.genesis.as_deref().map(read_genesis).transpose()?;
    let (presentation, credential, genesis, genesis_source, input) =
        if args.input.trim_start().starts_with(LINK_SCHEME) {
            let disclosure = Disclosure::from_link(&args.input)?;
            let client = Client::connect(&args.rpc)?;
            let p = certs::fetch_presentation(&client, &disclosure).await?;
            let (genesis, source) = match (given_genesis, &args.genesis) {
                (Some(g), Some(path)) => (g, format!("your file {}", path.display())),
                _ => {
                    use citychain_client::api::ChainApiClient as _;
                    (
                        client.rpc().chain_get_genesis().await?,
                        format!(
                            "the node at {} (pass --genesis FILE to trust your own copy)",
                            args.rpc
                        ),
                    )
                }
            };
            (p, None, genesis, source, "link")
        } else {
            let path = PathBuf::from(&args.input);
            let text = std::fs::read_to_string(&path).with_context(|| {
                format!(
                    "{} is neither a {LINK_SCHEME} link nor a readable file",
                    args.input
                )
            })?;
            let value: serde_json::Value = serde_json::from_str(&text)
                .with_context(|| format!("{} is not JSON", path.display()))?;
            let (p, credential) = certs::read_presentation(&value)?;
            let (Some(genesis), Some(gpath)) = (given_genesis, &args.genesis) else {
                bail!(
                    "verifying a file offline needs the chain's genesis document you trust: \
                     --genesis FILE"
                );
            };
            let input = if credential.is_some() {
                "credential"
            } else {
                "presentation"
            };
            let source = format!("your file {}", gpath.display());
            (p, credential, genesis, source, input)
        };
    let started = Instant::now();
    let verdict = check(
        &genesis,
        &presentation,
        credential.as_ref(),
        now,
        args.max_age,
    );
    let report = Report {
        valid: verdict.is_valid(),
        input,
        genesis_source,
        verdict,
        check_ms: started.elapsed().as_secs_f64() * 1_000.0,
    };
    if json {
        output::json(&report)?;
    } else {
        print_report(&report);
    }
    if !report.valid {
        let failed: Vec<&str> = report
            .verdict
            .checks
            .iter()
            .filter(|c| !c.passed)
            .map(|c| c.check)
            .collect();
        bail!(
            "the certificate is NOT valid (failed: {})",
            failed.join(", ")
        );
    }
    Ok(())
}

/// Every check of `p` (and of the credential around it, if any) against `genesis`.
fn check(
    genesis: &Genesis,
    p: &Presentation,
    credential: Option<&serde_json::Value>,
    now_ms: u64,
    max_age_s: Option<u64>,
) -> Verdict {
    let mut trust = TrustRoot::from_genesis(genesis);
    let expect = Expectations {
        now_ms,
        code_hash: crate::apps::code("certificates").map(|code| genesis.suite.hash(code)),
        max_age_ms: max_age_s.map(|s| s.saturating_mul(1_000)),
    };
    let mut verdict = certs::verify_presentation(&mut trust, &genesis.chain_id, p, &expect);
    if let Some(vc) = credential
        && verdict.certificate.is_some()
    {
        certs::check_credential(vc, p, &mut verdict);
    }
    verdict
}

fn read_genesis(path: &Path) -> anyhow::Result<Genesis> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text)
        .with_context(|| format!("{} is not a genesis document", path.display()))
}

/// `s` with control characters escaped: names, reasons and values come from the chain or a
/// link, and must not drive the terminal.
fn printable(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            let escaped: Vec<char> = if c.is_control() {
                c.escape_default().collect()
            } else {
                vec![c]
            };
            escaped
        })
        .collect()
}

fn print_report(r: &Report) {
    let v = &r.verdict;
    if let Some(c) = &v.certificate {
        println!(
            "certificate of type {} held by {}, from a {}",
            printable(&c.type_id),
            c.holder,
            r.input
        );
    }
    let width = v.checks.iter().map(|c| c.check.len()).max().unwrap_or(0);
    for c in &v.checks {
        let mark = if c.passed { "ok  " } else { "FAIL" };
        println!("  {mark} {:<width$}  {}", c.check, printable(&c.detail));
    }
    if !v.disclosed.is_empty() {
        println!("disclosed fields:");
        let names: Vec<String> = v.disclosed.iter().map(|(n, _)| printable(n)).collect();
        let rows: Vec<(&str, String)> = names
            .iter()
            .zip(&v.disclosed)
            .map(|(n, (_, value))| (n.as_str(), printable(value)))
            .collect();
        output::rows(&rows);
    }
    println!("trusted genesis from {}", r.genesis_source);
    println!("checked in {:.1} ms", r.check_ms);
    println!(
        "{}",
        if r.valid {
            "VALID: every check passed"
        } else {
            "NOT VALID"
        }
    );
}
