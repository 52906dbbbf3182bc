//! Governance transactions, proposals and the audit trail.

use crate::{
    ChainParams, Height, TimestampMs,
    codec::{Decode, DecodeError, Encode, Reader, Writer},
    governance::{MAX_ORG_ADMINS, MAX_ORGS, Member, OrgId, Organization, Policy, Thresholds},
    validator::Validator,
};
use citychain_crypto::Address;
use serde::{Deserialize, Serialize};

/// Longest proposal title, in bytes.
pub const MAX_TITLE_LEN: usize = 256;

/// What a contract lifecycle action does.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum ContractOp {
    /// Refuses calls until unfrozen; storage is kept.
    Freeze,
    /// Lets a frozen contract run again.
    Unfreeze,
    /// Refuses calls for good.
    Revoke,
    /// Replaces the contract's code (storage is kept); the code must pass deployment checks.
    Upgrade {
        #[serde(with = "citychain_crypto::hex::serde_bytes")]
        #[cfg_attr(
            feature = "schema",
            schemars(with = "citychain_crypto::schema::HexBytes")
        )]
        /// The new WASM code.
        code: Vec<u8>,
    },
    /// Hands the contract's admin role to another account.
    SetAdmin {
        /// The new admin.
        admin: Address,
    },
}

/// A change the consortium votes on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum GovAction {
    /// Tag 1.
    AddOrganization {
        /// The new organization (with no validators yet).
        organization: Organization,
    },
    /// Tag 2. Its members lose their roles.
    RemoveOrganization {
        /// The organization to remove.
        org: OrgId,
    },
    /// Tag 3. Adds a member or changes its roles.
    SetMember {
        /// The account.
        account: Address,
        /// Its organization and roles.
        member: Member,
    },
    /// Tag 4.
    RemoveMember {
        /// The account that stops being a member.
        account: Address,
    },
    /// Tag 5. Effective from the next epoch.
    AddValidator {
        /// The organization that runs it.
        org: OrgId,
        /// Its name and consensus key.
        validator: Validator,
    },
    /// Tag 6. Effective from the next epoch.
    RemoveValidator {
        /// The consensus key of the validator to remove.
        validator: crate::ValidatorKey,
    },
    /// Tag 7.
    SetParams {
        /// The new chain parameters, whole.
        params: ChainParams,
    },
    /// Tag 8.
    SetPolicy {
        /// The new permission policy, whole.
        policy: Policy,
    },
    /// Tag 9.
    SetThresholds {
        /// The new vote thresholds.
        thresholds: Thresholds,
    },
    /// Tag 10.
    Contract {
        /// The contract acted on.
        contract: Address,
        /// What is done to it.
        action: ContractOp,
    },
    /// Tag 11. A frozen account can send nothing.
    FreezeAccount {
        /// The account to freeze.
        account: Address,
    },
    /// Tag 12.
    UnfreezeAccount {
        /// The account to unfreeze.
        account: Address,
    },
    /// Tag 13. Replaces an organization's admin keys (e.g. after a key is lost).
    SetOrgAdmins {
        /// The organization.
        org: OrgId,
        /// Its new admin accounts (they replace the old ones).
        admins: Vec<Address>,
    },
    /// Tag 14. Approves (or withdraws approval of) contract code for deployment, for chains
    /// whose policy says deployments need approval.
    ApproveCode {
        /// The hash of the code, in the chain's suite.
        code_hash: citychain_crypto::Hash,
        /// Approve (`true`) or withdraw approval.
        approved: bool,
    },
    /// Tag 15. Executes a court order on assets (a forced transfer, a reissue after a lost
    /// key); the case id goes into the audit trail.
    CourtOrder {
        /// The case and what it orders.
        order: crate::asset::CourtOrder,
    },
}

/// The vote a kind of action needs (`Thresholds`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThresholdKind {
    /// Anything not below: `default_percent` of the organizations.
    Default,
    /// Validator set changes: `validators_percent`.
    Validators,
    /// Parameters, policy and thresholds: `rules_percent`.
    Rules,
}

impl GovAction {
    /// The action's name, as in JSON and the audit trail.
    pub fn kind(&self) -> &'static str {
        match self {
            GovAction::AddOrganization { .. } => "add_organization",
            GovAction::RemoveOrganization { .. } => "remove_organization",
            GovAction::SetMember { .. } => "set_member",
            GovAction::RemoveMember { .. } => "remove_member",
            GovAction::AddValidator { .. } => "add_validator",
            GovAction::RemoveValidator { .. } => "remove_validator",
            GovAction::SetParams { .. } => "set_params",
            GovAction::SetPolicy { .. } => "set_policy",
            GovAction::SetThresholds { .. } => "set_thresholds",
            GovAction::Contract { .. } => "contract",
            GovAction::FreezeAccount { .. } => "freeze_account",
            GovAction::UnfreezeAccount { .. } => "unfreeze_account",
            GovAction::SetOrgAdmins { .. } => "set_org_admins",
            GovAction::ApproveCode { .. } => "approve_code",
            GovAction::CourtOrder { .. } => "court_order",
        }
    }

    /// Which threshold the action needs.
    pub fn threshold_kind(&self) -> ThresholdKind {
        match self {
            GovAction::AddValidator { .. } | GovAction::RemoveValidator { .. } => {
                ThresholdKind::Validators
            }
            GovAction::SetParams { .. }
            | GovAction::SetPolicy { .. }
            | GovAction::SetThresholds { .. } => ThresholdKind::Rules,
            _ => ThresholdKind::Default,
        }
    }
}

impl Encode for GovAction {
    fn encode_to(&self, w: &mut Writer) {
        match self {
            GovAction::AddOrganization { organization } => {
                w.u8(1).put(organization);
            }
            GovAction::RemoveOrganization { org } => {
                w.u8(2).put(org);
            }
            GovAction::SetMember { account, member } => {
                w.u8(3).put(account).put(member);
            }
            GovAction::RemoveMember { account } => {
                w.u8(4).put(account);
            }
            GovAction::AddValidator { org, validator } => {
                w.u8(5).put(org).put(validator);
            }
            GovAction::RemoveValidator { validator } => {
                w.u8(6).put(validator);
            }
            GovAction::SetParams { params } => {
                w.u8(7).put(params);
            }
            GovAction::SetPolicy { policy } => {
                w.u8(8).put(policy);
            }
            GovAction::SetThresholds { thresholds } => {
                w.u8(9).put(thresholds);
            }
            GovAction::Contract { contract, action } => {
                w.u8(10).put(contract);
                match action {
                    ContractOp::Freeze => w.u8(1),
                    ContractOp::Unfreeze => w.u8(2),
                    ContractOp::Revoke => w.u8(3),
                    ContractOp::Upgrade { code } => w.u8(4).bytes(code),
                    ContractOp::SetAdmin { admin } => w.u8(5).put(admin),
                };
            }
            GovAction::FreezeAccount { account } => {
                w.u8(11).put(account);
            }
            GovAction::UnfreezeAccount { account } => {
                w.u8(12).put(account);
            }
            GovAction::SetOrgAdmins { org, admins } => {
                w.u8(13).put(org).list(admins, |w, a| {
                    w.put(a);
                });
            }
            GovAction::ApproveCode {
                code_hash,
                approved,
            } => {
                w.u8(14).put(code_hash).bool(*approved);
            }
            GovAction::CourtOrder { order } => {
                w.u8(15).put(order);
            }
        }
    }
}

impl Decode for GovAction {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(match r.u8("governance action")? {
            1 => GovAction::AddOrganization {
                organization: Organization::decode_from(r)?,
            },
            2 => GovAction::RemoveOrganization {
                org: OrgId::decode_from(r)?,
            },
            3 => GovAction::SetMember {
                account: Address::decode_from(r)?,
                member: Member::decode_from(r)?,
            },
            4 => GovAction::RemoveMember {
                account: Address::decode_from(r)?,
            },
            5 => GovAction::AddValidator {
                org: OrgId::decode_from(r)?,
                validator: Validator::decode_from(r)?,
            },
            6 => GovAction::RemoveValidator {
                validator: crate::ValidatorKey::decode_from(r)?,
            },
            7 => GovAction::SetParams {
                params: ChainParams::decode_from(r)?,
            },
            8 => GovAction::SetPolicy {
                policy: Policy::decode_from(r)?,
            },
            9 => GovAction::SetThresholds {
                thresholds: Thresholds::decode_from(r)?,
            },
            10 => GovAction::Contract {
                contract: Address::decode_from(r)?,
                action: match r.u8("contract action")? {
                    1 => ContractOp::Freeze,
                    2 => ContractOp::Unfreeze,
                    3 => ContractOp::Revoke,
                    4 => ContractOp::Upgrade {
                        code: r
                            .bytes("contract code", crate::limits::MAX_TX_BYTES_HARD)?
                            .to_vec(),
                    },
                    5 => ContractOp::SetAdmin {
                        admin: Address::decode_from(r)?,
                    },
                    other => {
                        return Err(r.error(
                            "contract action",
                            format!("unknown contract action {other}"),
                        ));
                    }
                },
            },
            11 => GovAction::FreezeAccount {
                account: Address::decode_from(r)?,
            },
            12 => GovAction::UnfreezeAccount {
                account: Address::decode_from(r)?,
            },
            13 => GovAction::SetOrgAdmins {
                org: OrgId::decode_from(r)?,
                admins: r.list("admins", MAX_ORG_ADMINS, Address::decode_from)?,
            },
            14 => GovAction::ApproveCode {
                code_hash: citychain_crypto::Hash::decode_from(r)?,
                approved: r.bool("approved")?,
            },
            15 => GovAction::CourtOrder {
                order: crate::asset::CourtOrder::decode_from(r)?,
            },
            other => {
                return Err(r.error(
                    "governance action",
                    format!("unknown governance action {other}"),
                ));
            }
        })
    }
}

/// The governance payload (`Payload::Governance`, tag `0x04`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum GovTx {
    /// Sub-tag 1: opens a proposal, open for votes until `deadline_ms` (block time).
    Propose {
        /// What the proposal is about, for people.
        title: String,
        /// What executes if it passes.
        action: GovAction,
        /// Block time after which votes are no longer counted.
        deadline_ms: TimestampMs,
    },
    /// Sub-tag 2: the sender's organization votes (the sender must be one of its admins).
    Vote {
        /// The proposal's id.
        proposal: u64,
        /// For (`true`) or against.
        approve: bool,
    },
    /// Sub-tag 3: an organization replaces its own admin keys (signed by a current admin).
    RotateAdmins {
        /// The organization's new admin accounts.
        admins: Vec<Address>,
    },
    /// Sub-tag 4: a regulator freezes (`true`) or unfreezes an account, if the policy allows.
    Regulate {
        /// The account.
        account: Address,
        /// Freeze (`true`) or unfreeze.
        freeze: bool,
    },
}

impl Encode for GovTx {
    fn encode_to(&self, w: &mut Writer) {
        match self {
            GovTx::Propose {
                title,
                action,
                deadline_ms,
            } => {
                w.u8(1).string(title).put(action).put(deadline_ms);
            }
            GovTx::Vote { proposal, approve } => {
                w.u8(2).u64(*proposal).bool(*approve);
            }
            GovTx::RotateAdmins { admins } => {
                w.u8(3).list(admins, |w, a| {
                    w.put(a);
                });
            }
            GovTx::Regulate { account, freeze } => {
                w.u8(4).put(account).bool(*freeze);
            }
        }
    }
}

impl Decode for GovTx {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(match r.u8("governance operation")? {
            1 => GovTx::Propose {
                title: r.string("proposal title", MAX_TITLE_LEN)?,
                action: GovAction::decode_from(r)?,
                deadline_ms: TimestampMs::decode_from(r)?,
            },
            2 => GovTx::Vote {
                proposal: r.u64("proposal id")?,
                approve: r.bool("approve")?,
            },
            3 => GovTx::RotateAdmins {
                admins: r.list("admins", MAX_ORG_ADMINS, Address::decode_from)?,
            },
            4 => GovTx::Regulate {
                account: Address::decode_from(r)?,
                freeze: r.bool("freeze")?,
            },
            other => {
                return Err(r.error(
                    "governance operation",
                    format!("unknown governance operation {other}"),
                ));
            }
        })
    }
}

/// Where a proposal stands. Codes are stable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProposalStatus {
    /// 0: open for votes.
    Open,
    /// 1: approved and its action applied.
    Executed,
    /// 2: enough organizations voted no that it can no longer pass.
    Rejected,
    /// 3: the deadline passed first.
    Expired,
    /// 4: approved, but the action could not be applied (the reason says why).
    Failed,
}

impl ProposalStatus {
    /// The status's byte in the encoding.
    pub const fn code(self) -> u8 {
        match self {
            ProposalStatus::Open => 0,
            ProposalStatus::Executed => 1,
            ProposalStatus::Rejected => 2,
            ProposalStatus::Expired => 3,
            ProposalStatus::Failed => 4,
        }
    }
}

/// One organization's vote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Vote {
    /// The organization that voted.
    pub org: OrgId,
    /// The admin account that cast it.
    pub voter: Address,
    /// For (`true`) or against.
    pub approve: bool,
    /// The height of the block with the vote.
    pub height: Height,
    /// That block's time.
    pub time_ms: TimestampMs,
}

/// A proposal and its whole history, stored forever under `0x09 || id`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Proposal {
    /// Its id, from 0 in order of proposal.
    pub id: u64,
    /// What it is about, for people.
    pub title: String,
    /// What executes if it passes.
    pub action: GovAction,
    /// The account that proposed it.
    pub proposer: Address,
    /// The height of the block that opened it.
    pub created_height: Height,
    /// That block's time.
    pub created_ms: TimestampMs,
    /// Block time after which votes are no longer counted.
    pub deadline_ms: TimestampMs,
    /// The organizations' votes, in order.
    pub votes: Vec<Vote>,
    /// Where it stands.
    pub status: ProposalStatus,
    /// Why it failed or was rejected; empty otherwise.
    pub outcome: String,
    /// When it was decided (executed, rejected, failed or found expired).
    pub decided_ms: Option<TimestampMs>,
}

/// Longest outcome text, in bytes.
pub const MAX_OUTCOME_LEN: usize = 512;

impl Encode for Proposal {
    fn encode_to(&self, w: &mut Writer) {
        w.u64(self.id)
            .string(&self.title)
            .put(&self.action)
            .put(&self.proposer)
            .put(&self.created_height)
            .put(&self.created_ms)
            .put(&self.deadline_ms)
            .list(&self.votes, |w, v| {
                w.put(&v.org)
                    .put(&v.voter)
                    .bool(v.approve)
                    .put(&v.height)
                    .put(&v.time_ms);
            })
            .u8(self.status.code())
            .string(&self.outcome)
            .option(self.decided_ms.as_ref(), |w, t| {
                w.put(t);
            });
    }
}

impl Decode for Proposal {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Proposal {
            id: r.u64("proposal id")?,
            title: r.string("proposal title", MAX_TITLE_LEN)?,
            action: GovAction::decode_from(r)?,
            proposer: Address::decode_from(r)?,
            created_height: Height::decode_from(r)?,
            created_ms: TimestampMs::decode_from(r)?,
            deadline_ms: TimestampMs::decode_from(r)?,
            votes: r.list("votes", MAX_ORGS, |r| {
                Ok(Vote {
                    org: OrgId::decode_from(r)?,
                    voter: Address::decode_from(r)?,
                    approve: r.bool("approve")?,
                    height: Height::decode_from(r)?,
                    time_ms: TimestampMs::decode_from(r)?,
                })
            })?,
            status: match r.u8("proposal status")? {
                0 => ProposalStatus::Open,
                1 => ProposalStatus::Executed,
                2 => ProposalStatus::Rejected,
                3 => ProposalStatus::Expired,
                4 => ProposalStatus::Failed,
                other => {
                    return Err(r.error("proposal status", format!("unknown status {other}")));
                }
            },
            outcome: r.string("proposal outcome", MAX_OUTCOME_LEN)?,
            decided_ms: r.option("decided at", TimestampMs::decode_from)?,
        })
    }
}

/// One line of the audit trail, stored under `0x0a || time_ms || sequence`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AuditEntry {
    /// The block time of the event.
    pub time_ms: TimestampMs,
    /// The height of its block.
    pub height: Height,
    /// `proposed`, `voted`, `executed`, `rejected`, `expired`, `failed`, `rotated_admins`,
    /// `regulator_freeze`, `regulator_unfreeze`.
    pub event: String,
    /// The account that caused it.
    pub actor: Address,
    /// The proposal concerned, if any.
    pub proposal: Option<u64>,
    /// The action's kind (`set_policy`, `freeze_account`…), if any.
    pub action: String,
    /// What changed, for humans.
    pub detail: String,
}

impl Encode for AuditEntry {
    fn encode_to(&self, w: &mut Writer) {
        w.put(&self.time_ms)
            .put(&self.height)
            .string(&self.event)
            .put(&self.actor)
            .option(self.proposal.as_ref(), |w, p| {
                w.u64(*p);
            })
            .string(&self.action)
            .string(&self.detail);
    }
}

impl Decode for AuditEntry {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(AuditEntry {
            time_ms: TimestampMs::decode_from(r)?,
            height: Height::decode_from(r)?,
            event: r.string("audit event", 32)?,
            actor: Address::decode_from(r)?,
            proposal: r.option("audit proposal", |r| r.u64("proposal id"))?,
            action: r.string("audit action", 32)?,
            detail: r.string("audit detail", MAX_OUTCOME_LEN)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn governance_transactions_round_trip() {
        let txs = vec![
            GovTx::Propose {
                title: "admit the port authority".into(),
                action: GovAction::AddOrganization {
                    organization: Organization {
                        id: OrgId::new("port").expect("id"),
                        name: "Port Authority".into(),
                        admins: vec![Address([3; 20])],
                        validators: vec![],
                    },
                },
                deadline_ms: TimestampMs(99),
            },
            GovTx::Vote {
                proposal: 4,
                approve: true,
            },
            GovTx::RotateAdmins {
                admins: vec![Address([5; 20])],
            },
            GovTx::Regulate {
                account: Address([6; 20]),
                freeze: true,
            },
            GovTx::Propose {
                title: "upgrade".into(),
                action: GovAction::Contract {
                    contract: Address([7; 20]),
                    action: ContractOp::Upgrade { code: vec![0, 1] },
                },
                deadline_ms: TimestampMs(5),
            },
        ];
        for tx in txs {
            assert_eq!(GovTx::decode(&tx.encode()).expect("decodes"), tx);
            let json = serde_json::to_string(&tx).expect("json");
            assert_eq!(serde_json::from_str::<GovTx>(&json).expect("parses"), tx);
        }
        assert!(GovTx::decode(&[9]).is_err());
    }
}
