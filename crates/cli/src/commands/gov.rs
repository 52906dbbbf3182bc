//! `citychain org`, `citychain gov` and `citychain audit`: the consortium, its governance and
//! the audit trail.

use super::{
    DEFAULT_RPC,
    send::{SendArgs, send_and_report},
};
use crate::output;
use anyhow::Context as _;
use citychain_client::api::*;
use citychain_client::{Client, types::ProposalView};
use citychain_crypto::Address;
use citychain_types::{GovAction, GovTx, Payload, TimestampMs};
use clap::Subcommand;

#[derive(Subcommand)]
pub enum OrgCommand {
    /// The consortium's organizations: id, name, admin keys, validators.
    List {
        #[arg(long, default_value = DEFAULT_RPC)]
        rpc: String,
    },
    /// An account's organization, roles and frozen flag.
    Member {
        address: Address,
        #[arg(long, default_value = DEFAULT_RPC)]
        rpc: String,
    },
    /// Replace your organization's admin keys (signed by a current admin; no vote needed).
    RotateAdmins {
        #[command(flatten)]
        send: SendArgs,
        /// The new admin keys' addresses (repeat).
        #[arg(long = "admin", required = true)]
        admins: Vec<Address>,
    },
}

#[derive(Subcommand)]
pub enum GovCommand {
    /// Open a proposal. The action is JSON, e.g.
    /// '{"type":"set_member","account":"0x…","member":{"org":"agency","roles":["client"]}}';
    /// `docs/governance.md` lists every action type.
    Propose {
        #[command(flatten)]
        send: SendArgs,
        /// What the proposal is about, for the members and the audit trail (up to 256 bytes).
        #[arg(long)]
        title: String,
        /// The action as JSON, or @FILE to read it from a file.
        #[arg(long)]
        action: String,
        /// Hours the proposal stays open.
        #[arg(long, default_value_t = 72)]
        hours: u64,
    },
    /// Vote for your organization (you must be one of its admin keys).
    Vote {
        #[command(flatten)]
        send: SendArgs,
        proposal: u64,
        /// `yes` or `no`.
        #[arg(value_parser = ["yes", "no"])]
        choice: String,
    },
    /// A proposal with its votes and outcome.
    Show {
        id: u64,
        #[arg(long, default_value = DEFAULT_RPC)]
        rpc: String,
    },
    /// Proposals, oldest first.
    List {
        #[arg(long, default_value_t = 0)]
        from: u64,
        #[arg(long, default_value_t = 100)]
        limit: u32,
        #[arg(long, default_value = DEFAULT_RPC)]
        rpc: String,
    },
    /// The permission policy and the vote thresholds.
    Policy {
        #[arg(long, default_value = DEFAULT_RPC)]
        rpc: String,
    },
    /// As a regulator: freeze or unfreeze an account directly (if the policy allows).
    Regulate {
        #[command(flatten)]
        send: SendArgs,
        /// `freeze` or `unfreeze`.
        #[arg(value_parser = ["freeze", "unfreeze"])]
        what: String,
        account: Address,
    },
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Governance events (proposals, votes, outcomes, rotations, freezes) by block time.
    Trail {
        /// From this time (ms since the Unix epoch), inclusive.
        #[arg(long, default_value_t = 0)]
        from_ms: u64,
        /// Up to this time (ms), exclusive.
        #[arg(long)]
        to_ms: Option<u64>,
        #[arg(long, default_value_t = 1000)]
        limit: u32,
        #[arg(long, default_value = DEFAULT_RPC)]
        rpc: String,
    },
    /// Every frozen account.
    Frozen {
        #[arg(long, default_value = DEFAULT_RPC)]
        rpc: String,
    },
}

/// Sends `payload`, prints the receipt, and returns its output (an error if it failed).
async fn governance_tx(send: &SendArgs, op: GovTx, json: bool) -> anyhow::Result<Vec<u8>> {
    send_and_report(send, Payload::Governance { op }, json).await
}

pub async fn run_org(cmd: OrgCommand, json: bool) -> anyhow::Result<()> {
    match cmd {
        OrgCommand::List { rpc } => {
            let orgs = Client::connect(&rpc)?.rpc().org_list().await?;
            if json {
                return output::json(&orgs);
            }
            if orgs.is_empty() {
                println!("no organizations: this chain has no consortium");
            }
            for o in orgs {
                println!("{}  {}", o.id, o.name);
                for a in &o.admins {
                    println!("    admin      {a}");
                }
                for v in &o.validators {
                    println!("    validator  {v}");
                }
            }
            Ok(())
        }
        OrgCommand::Member { address, rpc } => {
            let m = Client::connect(&rpc)?.rpc().org_get_member(address).await?;
            if json {
                return output::json(&m);
            }
            let membership = m.member.as_ref().map_or_else(
                || "none (a citizen account)".to_string(),
                |m| format!("{} with roles {}", m.org, m.roles),
            );
            output::rows(&[
                ("account", m.address.to_string()),
                ("organization", membership),
                ("frozen", m.frozen.to_string()),
                ("as of height", m.height.to_string()),
            ]);
            Ok(())
        }
        OrgCommand::RotateAdmins { send, admins } => {
            governance_tx(&send, GovTx::RotateAdmins { admins }, json).await?;
            Ok(())
        }
    }
}

fn print_proposal(v: &ProposalView) {
    let p = &v.proposal;
    output::rows(&[
        ("proposal", format!("{} — {}", p.id, p.title)),
        ("action", p.action.kind().to_string()),
        ("status", format!("{:?}", v.effective_status).to_lowercase()),
        ("proposer", p.proposer.to_string()),
        (
            "open",
            format!(
                "from height {} until {} ms",
                p.created_height, p.deadline_ms.0
            ),
        ),
        (
            "votes",
            p.votes
                .iter()
                .map(|v| format!("{} {}", v.org, if v.approve { "yes" } else { "no" }))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        ("outcome", p.outcome.clone()),
    ]);
}

/// An argument given inline, or as `@FILE` to read it from a file.
fn inline_or_file(arg: String, what: &str) -> anyhow::Result<String> {
    match arg.strip_prefix('@') {
        Some(path) => {
            std::fs::read_to_string(path).with_context(|| format!("reading the {what} from {path}"))
        }
        None => Ok(arg),
    }
}

pub async fn run_gov(cmd: GovCommand, json: bool) -> anyhow::Result<()> {
    match cmd {
        GovCommand::Propose {
            send,
            title,
            action,
            hours,
        } => {
            let action: GovAction = serde_json::from_str(&inline_or_file(action, "action")?)
                .context("the action is not valid JSON for a governance action")?;
            let status = Client::connect(&send.rpc)?.status().await?;
            let deadline = TimestampMs(
                status
                    .head_timestamp_ms
                    .saturating_add(hours.saturating_mul(3_600_000)),
            );
            let output = governance_tx(
                &send,
                GovTx::Propose {
                    title,
                    action,
                    deadline_ms: deadline,
                },
                json,
            )
            .await?;
            if !json && let Ok(id) = <[u8; 8]>::try_from(output.as_slice()) {
                println!(
                    "proposal {} is open until {} ms",
                    u64::from_be_bytes(id),
                    deadline.0
                );
            }
            Ok(())
        }
        GovCommand::Vote {
            send,
            proposal,
            choice,
        } => {
            let output = governance_tx(
                &send,
                GovTx::Vote {
                    proposal,
                    approve: choice == "yes",
                },
                json,
            )
            .await?;
            if !json {
                let status = match output.first() {
                    Some(0) => "still open",
                    Some(1) => "approved and executed",
                    Some(2) => "rejected",
                    Some(4) => "approved, but the action failed (see `gov show`)",
                    _ => "unknown",
                };
                println!("proposal {proposal}: {status}");
            }
            Ok(())
        }
        GovCommand::Show { id, rpc } => {
            let v = Client::connect(&rpc)?.rpc().gov_get_proposal(id).await?;
            if json {
                return output::json(&v);
            }
            print_proposal(&v);
            Ok(())
        }
        GovCommand::List { from, limit, rpc } => {
            let list = Client::connect(&rpc)?
                .rpc()
                .gov_list_proposals(Some(from), Some(limit))
                .await?;
            if json {
                return output::json(&list);
            }
            for v in &list {
                println!(
                    "{:>5}  {:<9}  {:<20}  {}",
                    v.proposal.id,
                    format!("{:?}", v.effective_status).to_lowercase(),
                    v.proposal.action.kind(),
                    v.proposal.title
                );
            }
            Ok(())
        }
        GovCommand::Policy { rpc } => {
            let p = Client::connect(&rpc)?.rpc().gov_get_policy().await?;
            output::json(&p)
        }
        GovCommand::Regulate {
            send,
            what,
            account,
        } => {
            governance_tx(
                &send,
                GovTx::Regulate {
                    account,
                    freeze: what == "freeze",
                },
                json,
            )
            .await?;
            Ok(())
        }
    }
}

pub async fn run_audit(cmd: AuditCommand, json: bool) -> anyhow::Result<()> {
    match cmd {
        AuditCommand::Trail {
            from_ms,
            to_ms,
            limit,
            rpc,
        } => {
            let trail = Client::connect(&rpc)?
                .rpc()
                .audit_get_trail(Some(from_ms), to_ms, Some(limit))
                .await?;
            if json {
                return output::json(&trail);
            }
            for e in &trail {
                println!(
                    "{} ms  height {}  {:<18} {:<18} {}  {}{}",
                    e.time_ms.0,
                    e.height,
                    e.event,
                    e.action,
                    e.actor,
                    e.proposal
                        .map(|p| format!("proposal {p}: "))
                        .unwrap_or_default(),
                    e.detail
                );
            }
            Ok(())
        }
        AuditCommand::Frozen { rpc } => {
            let frozen = Client::connect(&rpc)?.rpc().audit_list_frozen().await?;
            if json {
                return output::json(&frozen);
            }
            for f in &frozen {
                println!("{}  frozen since height {}", f.address, f.since_height);
            }
            Ok(())
        }
    }
}

#[derive(Subcommand)]
pub enum MultisigCommand {
    /// Create an M-of-N account; prints its address. Fund it with an ordinary transfer.
    Create {
        #[command(flatten)]
        send: SendArgs,
        /// A signer's address (repeat, 2 to 16).
        #[arg(long = "signer", required = true)]
        signers: Vec<Address>,
        /// How many signers must approve.
        #[arg(long)]
        threshold: u8,
    },
    /// As a signer, propose a transaction for the account (your approval included). The
    /// transaction is a payload in JSON, e.g. '{"type":"transfer","to":"0x…","amount":"100"}'.
    Propose {
        #[command(flatten)]
        send: SendArgs,
        account: Address,
        /// The payload as JSON, or @FILE.
        #[arg(long)]
        payload: String,
    },
    /// As a signer, approve transaction ID; the approval reaching the threshold runs it.
    Approve {
        #[command(flatten)]
        send: SendArgs,
        account: Address,
        id: u64,
    },
    /// An account (signers, threshold, balance) or, with an id, one of its transactions.
    Show {
        account: Address,
        id: Option<u64>,
        #[arg(long, default_value = DEFAULT_RPC)]
        rpc: String,
    },
}

async fn multisig_tx(
    send: &SendArgs,
    op: citychain_types::multisig::MultisigTx,
    json: bool,
) -> anyhow::Result<Vec<u8>> {
    send_and_report(send, Payload::Multisig { op }, json).await
}

pub async fn run_multisig(cmd: MultisigCommand, json: bool) -> anyhow::Result<()> {
    use citychain_types::multisig::MultisigTx;
    match cmd {
        MultisigCommand::Create {
            send,
            signers,
            threshold,
        } => {
            let out = multisig_tx(&send, MultisigTx::Create { signers, threshold }, json).await?;
            if !json && let Ok(a) = <[u8; 20]>::try_from(out.as_slice()) {
                println!("multisig account {}", Address(a));
            }
            Ok(())
        }
        MultisigCommand::Propose {
            send,
            account,
            payload,
        } => {
            let payload: Payload = serde_json::from_str(&inline_or_file(payload, "payload")?)
                .context("the payload is not valid JSON for a transaction payload")?;
            let out = multisig_tx(
                &send,
                MultisigTx::Propose {
                    account,
                    payload: Box::new(payload),
                },
                json,
            )
            .await?;
            if !json && let Ok(id) = <[u8; 8]>::try_from(out.as_slice()) {
                println!(
                    "proposed as transaction {} of {account}",
                    u64::from_be_bytes(id)
                );
            }
            Ok(())
        }
        MultisigCommand::Approve { send, account, id } => {
            let out = multisig_tx(&send, MultisigTx::Approve { account, id }, json).await?;
            if !json {
                println!(
                    "{}",
                    if out == [0] {
                        "approved (it ran if this approval reached the threshold)"
                    } else {
                        "approved; the transaction ran and failed (see `multisig show`)"
                    }
                );
            }
            Ok(())
        }
        MultisigCommand::Show { account, id, rpc } => {
            let client = Client::connect(&rpc)?;
            match id {
                None => output::json(&client.rpc().multisig_get_account(account).await?),
                Some(id) => {
                    output::json(&client.rpc().multisig_get_transaction(account, id).await?)
                }
            }
        }
    }
}
