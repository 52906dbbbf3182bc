//! The consortium in the state: organizations, members and their roles, the permission policy,
//! and the vote thresholds that governance proposals need.
//!
//! `docs/governance.md` explains the model; `docs/protocol.md` specifies the bytes.

use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::validator::{MAX_VALIDATORS, ValidatorKey};
use citychain_crypto::Address;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A set of roles, as bit flags: `admin` 1, `validator` 2, `client` 4, `regulator` 8,
/// `observer` 16, `issuer` 32. In JSON, a list of names.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Roles(pub u8);

impl Roles {
    /// No role.
    pub const NONE: Roles = Roles(0);
    /// Votes for its organization and manages its members.
    pub const ADMIN: Roles = Roles(1);
    /// Runs a validator of its organization.
    pub const VALIDATOR: Roles = Roles(2);
    /// Sends transactions on its organization's behalf.
    pub const CLIENT: Roles = Roles(4);
    /// May freeze and unfreeze accounts, where the policy allows.
    pub const REGULATOR: Roles = Roles(8);
    /// For read-only members (auditors): grants what a policy names it for, nothing by itself.
    pub const OBSERVER: Roles = Roles(16);
    /// May create asset classes and collections (granted by governance).
    pub const ISSUER: Roles = Roles(32);
    const NAMES: [(&'static str, Roles); 6] = [
        ("admin", Roles::ADMIN),
        ("validator", Roles::VALIDATOR),
        ("client", Roles::CLIENT),
        ("regulator", Roles::REGULATOR),
        ("observer", Roles::OBSERVER),
        ("issuer", Roles::ISSUER),
    ];
    const ALL_BITS: u8 = 63;

    /// Both sets of roles.
    pub const fn union(self, other: Roles) -> Roles {
        Roles(self.0 | other.0)
    }

    /// Whether the sets share a role.
    pub fn intersects(self, other: Roles) -> bool {
        self.0 & other.0 != 0
    }

    /// Whether the set holds no role.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The roles' names, in bit order.
    pub fn names(self) -> Vec<&'static str> {
        Self::NAMES
            .iter()
            .filter(|(_, r)| self.intersects(*r))
            .map(|(n, _)| *n)
            .collect()
    }

    /// Parses a comma-separated list of role names.
    pub fn parse(s: &str) -> Result<Roles, String> {
        let mut roles = Roles::NONE;
        for name in s.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let (_, r) = Self::NAMES
                .iter()
                .find(|(n, _)| *n == name)
                .ok_or_else(|| {
                    format!(
                        "unknown role {name:?}; roles are admin, validator, client, regulator, \
                         observer, issuer"
                    )
                })?;
            roles = roles.union(*r);
        }
        Ok(roles)
    }
}

impl fmt::Display for Roles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("none");
        }
        f.write_str(&self.names().join(","))
    }
}

impl Serialize for Roles {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.names().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Roles {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let names = Vec::<String>::deserialize(d)?;
        Roles::parse(&names.join(",")).map_err(serde::de::Error::custom)
    }
}

impl Encode for Roles {
    fn encode_to(&self, w: &mut Writer) {
        w.u8(self.0);
    }
}

impl Decode for Roles {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let bits = r.u8("roles")?;
        if bits & !Roles::ALL_BITS != 0 {
            return Err(r.error("roles", format!("unknown role bits in {bits:#04x}")));
        }
        Ok(Roles(bits))
    }
}

/// An organization's identifier: 1 to 32 characters from `a-z`, `0-9` and `-`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OrgId(String);

/// Longest organization id, in bytes.
pub const MAX_ORG_ID_LEN: usize = 32;
/// Longest organization name, in bytes.
pub const MAX_ORG_NAME_LEN: usize = 128;
/// Most admin keys of one organization.
pub const MAX_ORG_ADMINS: usize = 16;
/// Most organizations in a consortium.
pub const MAX_ORGS: usize = 256;

impl OrgId {
    /// An organization id, if it is 1 to `MAX_ORG_ID_LEN` characters from `a-z`, `0-9` and `-`.
    pub fn new(id: impl Into<String>) -> Result<Self, String> {
        let id = id.into();
        let ok = !id.is_empty()
            && id.len() <= MAX_ORG_ID_LEN
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if ok {
            Ok(OrgId(id))
        } else {
            Err(format!(
                "invalid organization id {id:?}: use 1 to {MAX_ORG_ID_LEN} characters from a-z, \
                 0-9 and '-'"
            ))
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OrgId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for OrgId {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        OrgId::new(s)
    }
}

impl From<OrgId> for String {
    fn from(id: OrgId) -> String {
        id.0
    }
}

impl Encode for OrgId {
    fn encode_to(&self, w: &mut Writer) {
        w.string(&self.0);
    }
}

impl Decode for OrgId {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let s = r.string("organization id", MAX_ORG_ID_LEN)?;
        OrgId::new(s).map_err(|e| r.error("organization id", e))
    }
}

/// A member organization of the consortium.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Organization {
    /// Its id.
    pub id: OrgId,
    /// Its name, for people.
    pub name: String,
    /// Accounts that act for the organization: they vote on its behalf and may rotate these keys.
    pub admins: Vec<Address>,
    /// The consensus keys of the organization's validators.
    #[serde(default)]
    pub validators: Vec<ValidatorKey>,
}

impl Organization {
    /// Checks the bounds the encoding and governance rely on.
    pub fn validate(&self) -> Result<(), String> {
        if self.name.is_empty() || self.name.len() > MAX_ORG_NAME_LEN {
            return Err(format!(
                "organization {}: the name must be 1 to {MAX_ORG_NAME_LEN} bytes",
                self.id
            ));
        }
        if self.admins.is_empty() || self.admins.len() > MAX_ORG_ADMINS {
            return Err(format!(
                "organization {}: 1 to {MAX_ORG_ADMINS} admin keys",
                self.id
            ));
        }
        let unique: std::collections::BTreeSet<_> = self.admins.iter().collect();
        if unique.len() != self.admins.len() {
            return Err(format!(
                "organization {}: an admin is listed twice",
                self.id
            ));
        }
        Ok(())
    }
}

/// Encoding: `id || name || list<admin> || list<validator key>`.
impl Encode for Organization {
    fn encode_to(&self, w: &mut Writer) {
        w.put(&self.id)
            .string(&self.name)
            .list(&self.admins, |w, a| {
                w.put(a);
            })
            .list(&self.validators, |w, v| {
                w.put(v);
            });
    }
}

impl Decode for Organization {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Organization {
            id: OrgId::decode_from(r)?,
            name: r.string("organization name", MAX_ORG_NAME_LEN)?,
            admins: r.list("admins", MAX_ORG_ADMINS, Address::decode_from)?,
            validators: r.list(
                "organization validators",
                MAX_VALIDATORS,
                ValidatorKey::decode_from,
            )?,
        })
    }
}

/// An account's membership: its organization and roles.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Member {
    /// The member's organization.
    pub org: OrgId,
    /// What it may do.
    pub roles: Roles,
}

/// Encoding: `org || roles (u8)`.
impl Encode for Member {
    fn encode_to(&self, w: &mut Writer) {
        w.put(&self.org).put(&self.roles);
    }
}

impl Decode for Member {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Member {
            org: OrgId::decode_from(r)?,
            roles: Roles::decode_from(r)?,
        })
    }
}

/// Who may do what. Each entry is the set of roles allowed; the empty set means anyone,
/// members or not (citizens included).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, default)]
pub struct Policy {
    /// Native transfers.
    pub transfer: Roles,
    /// Deploying contracts.
    pub deploy: Roles,
    /// Calls to contracts without a rule of their own.
    pub call: Roles,
    /// Contracts that only some roles may call.
    pub contract_rules: Vec<ContractRule>,
    /// Opening governance proposals (voting is always for organization admins).
    pub propose: Roles,
    /// Whether a `regulator` may freeze and unfreeze accounts directly, without a vote.
    pub regulator_can_freeze: bool,
    /// Whether deployments need their code approved by vote first (`approve_code`).
    pub deploy_needs_approval: bool,
}

/// A contract only `roles` may call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ContractRule {
    /// The contract.
    pub contract: Address,
    /// The roles that may call it.
    pub roles: Roles,
}

/// Most per-contract rules in a policy.
pub const MAX_CONTRACT_RULES: usize = 1_024;

impl Policy {
    /// Anyone may do anything but propose, which needs an organization admin: for chains
    /// without a consortium (`citychain dev`).
    pub fn open() -> Policy {
        Policy {
            transfer: Roles::NONE,
            deploy: Roles::NONE,
            call: Roles::NONE,
            contract_rules: Vec::new(),
            propose: Roles::ADMIN,
            regulator_can_freeze: true,
            deploy_needs_approval: false,
        }
    }

    /// The default for a city consortium (`docs/governance.md`): citizens hold and move money
    /// and use contracts; members deploy; admins propose; the regulator may freeze.
    pub fn consortium() -> Policy {
        Policy {
            transfer: Roles::NONE,
            deploy: Roles::ADMIN.union(Roles::CLIENT),
            call: Roles::NONE,
            contract_rules: Vec::new(),
            propose: Roles::ADMIN,
            regulator_can_freeze: true,
            deploy_needs_approval: false,
        }
    }

    /// The roles a call to `contract` needs.
    pub fn call_roles(&self, contract: &Address) -> Roles {
        self.contract_rules
            .iter()
            .find(|r| r.contract == *contract)
            .map_or(self.call, |r| r.roles)
    }
}

impl Default for Policy {
    fn default() -> Self {
        Policy::open()
    }
}

/// Encoding: `transfer || deploy || call || list<contract || roles> || propose ||
/// regulator_can_freeze (bool) || deploy_needs_approval (bool)`, roles as one byte each.
impl Encode for Policy {
    fn encode_to(&self, w: &mut Writer) {
        w.put(&self.transfer)
            .put(&self.deploy)
            .put(&self.call)
            .list(&self.contract_rules, |w, r| {
                w.put(&r.contract).put(&r.roles);
            })
            .put(&self.propose)
            .bool(self.regulator_can_freeze)
            .bool(self.deploy_needs_approval);
    }
}

impl Decode for Policy {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Policy {
            transfer: Roles::decode_from(r)?,
            deploy: Roles::decode_from(r)?,
            call: Roles::decode_from(r)?,
            contract_rules: r.list("contract rules", MAX_CONTRACT_RULES, |r| {
                Ok(ContractRule {
                    contract: Address::decode_from(r)?,
                    roles: Roles::decode_from(r)?,
                })
            })?,
            propose: Roles::decode_from(r)?,
            regulator_can_freeze: r.bool("regulator can freeze")?,
            deploy_needs_approval: r.bool("deploy needs approval")?,
        })
    }
}

/// How many organizations must vote yes, per kind of action: more than this percentage of all
/// organizations.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, default)]
pub struct Thresholds {
    /// Organizations, members, accounts, contracts.
    pub default_percent: u8,
    /// Validator changes.
    pub validators_percent: u8,
    /// Chain parameters, the permission policy and these thresholds.
    pub rules_percent: u8,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            default_percent: 50,
            validators_percent: 66,
            rules_percent: 50,
        }
    }
}

impl Thresholds {
    /// Checks that each threshold is a percentage from 1 to 99.
    pub fn validate(&self) -> Result<(), String> {
        for (name, p) in [
            ("default_percent", self.default_percent),
            ("validators_percent", self.validators_percent),
            ("rules_percent", self.rules_percent),
        ] {
            if !(1..=99).contains(&p) {
                return Err(format!("thresholds.{name} must be between 1 and 99"));
            }
        }
        Ok(())
    }
}

/// Whether `yes` of `total` organizations is more than `percent` percent.
pub fn passes(yes: usize, total: usize, percent: u8) -> bool {
    total > 0 && (yes as u128) * 100 > (total as u128) * u128::from(percent)
}

impl Encode for Thresholds {
    fn encode_to(&self, w: &mut Writer) {
        w.u8(self.default_percent)
            .u8(self.validators_percent)
            .u8(self.rules_percent);
    }
}

impl Decode for Thresholds {
    fn decode_from(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Thresholds {
            default_percent: r.u8("default threshold")?,
            validators_percent: r.u8("validators threshold")?,
            rules_percent: r.u8("rules threshold")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_parse_print_and_reject_unknowns() {
        let r = Roles::parse("admin, regulator").expect("parses");
        assert_eq!(r, Roles(9));
        assert_eq!(r.to_string(), "admin,regulator");
        assert!(
            Roles::parse("mayor")
                .expect_err("unknown")
                .contains("mayor")
        );
        assert!(Roles::decode(&[0x80]).is_err());
        let json = serde_json::to_string(&r).expect("json");
        assert_eq!(json, r#"["admin","regulator"]"#);
        assert_eq!(serde_json::from_str::<Roles>(&json).expect("parses"), r);
    }

    #[test]
    fn thresholds_are_strictly_more_than() {
        assert!(passes(3, 5, 50));
        assert!(!passes(2, 4, 50), "half is not a majority");
        assert!(passes(2, 3, 66), "two of three is two thirds");
        assert!(!passes(66, 100, 66));
        assert!(passes(67, 100, 66));
        assert!(!passes(0, 0, 50));
    }

    #[test]
    fn consortium_types_round_trip() {
        let org = Organization {
            id: OrgId::new("transport-bureau").expect("id"),
            name: "Municipal Transport Bureau".into(),
            admins: vec![Address([1; 20])],
            validators: vec![ValidatorKey([2; 32])],
        };
        org.validate().expect("valid");
        assert_eq!(Organization::decode(&org.encode()).expect("decodes"), org);
        let p = Policy::consortium();
        assert_eq!(Policy::decode(&p.encode()).expect("decodes"), p);
        assert!(OrgId::new("Bad Id").is_err());
    }
}
