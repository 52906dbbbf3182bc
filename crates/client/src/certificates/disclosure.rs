//! What a holder discloses: fields with their salts, the link that carries them, and the
//! holder's file they are cut from.

use super::{CertError, LINK_SCHEME, LINK_VERSION, MAX_FIELDS, MAX_LINK, MAX_NAME, MAX_VALUE};
use base64::Engine as _;
use citychain_crypto::{Address, Hash, Suite};
use citychain_types::{
    ChainId, Decode, DecodeError,
    codec::{Reader, Writer},
};
use serde::{Deserialize, Serialize};

/// One field the holder discloses: its value and the salt its commitment was made with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisclosedField {
    /// The field's name (`degree`).
    pub name: String,
    /// Its value (`BSc Civil Engineering`).
    pub value: String,
    /// The 32-byte salt, hex with `0x`.
    #[serde(with = "hex_salt")]
    pub salt: [u8; 32],
}

impl DisclosedField {
    /// A field with a fresh random salt.
    pub fn new_salted(name: String, value: String) -> Result<Self, String> {
        let mut salt = [0u8; 32];
        getrandom::fill(&mut salt).map_err(|e| format!("no randomness for the salt: {e}"))?;
        Ok(DisclosedField { name, value, salt })
    }

    /// The commitment the certificate stores for this field.
    pub fn commitment(&self, suite: Suite) -> Hash {
        commitment(suite, &self.salt, &self.name, &self.value)
    }
}

mod hex_salt {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub(super) fn serialize<S: Serializer>(salt: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&citychain_crypto::hex::encode(salt))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let text = String::deserialize(d)?;
        let bytes = citychain_crypto::hex::decode(&text).map_err(D::Error::custom)?;
        bytes
            .try_into()
            .map_err(|_| D::Error::custom("a salt is 32 bytes"))
    }
}

/// `H(salt || u32_be(len name) || name || u32_be(len value) || value)` with the chain's hash.
pub fn commitment(suite: Suite, salt: &[u8; 32], name: &str, value: &str) -> Hash {
    let mut w = Writer::new();
    w.raw(salt).string(name).string(value);
    suite.hash(&w.into_bytes())
}

/// What a holder discloses: which certificate, on which chain, and some of its fields. Its
/// canonical encoding, base64url without padding after [`LINK_SCHEME`], is the link.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disclosure {
    /// The chain's id (`citychain-dev`).
    pub chain_id: ChainId,
    /// The certificates contract.
    pub contract: Address,
    /// The certificate's id.
    pub id: u64,
    /// The fields disclosed (possibly none: the certificate's existence and status only).
    pub fields: Vec<DisclosedField>,
}

impl Disclosure {
    /// `version (u8) || chain id (string) || contract (20 bytes) || id (u64) || fields`, each
    /// field `name (string) || value (string) || salt (32 bytes)` (`docs/protocol.md` §1).
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.u8(LINK_VERSION)
            .string(self.chain_id.as_str())
            .put(&self.contract)
            .u64(self.id)
            .list(&self.fields, |w, f| {
                w.string(&f.name).string(&f.value).raw(&f.salt);
            });
        w.into_bytes()
    }

    /// The inverse of [`Disclosure::encode`]; refuses trailing bytes and a field named twice.
    pub fn decode(bytes: &[u8]) -> Result<Self, CertError> {
        let link = |e: DecodeError| CertError::Link(e.to_string());
        let mut r = Reader::new(bytes);
        let version = r.u8("version").map_err(link)?;
        if version != LINK_VERSION {
            return Err(CertError::Link(format!(
                "version {version}; this client reads version {LINK_VERSION}"
            )));
        }
        let chain_id = ChainId::new(
            r.string("chain id", citychain_types::MAX_CHAIN_ID_LEN)
                .map_err(link)?,
        )
        .map_err(CertError::Link)?;
        let contract = Address::decode_from(&mut r).map_err(link)?;
        let id = r.u64("id").map_err(link)?;
        let fields = r
            .list("fields", MAX_FIELDS, |r| {
                Ok(DisclosedField {
                    name: r.string("field name", MAX_NAME)?,
                    value: r.string("field value", MAX_VALUE)?,
                    salt: r.array("salt")?,
                })
            })
            .map_err(link)?;
        r.finish("disclosure").map_err(link)?;
        for (i, f) in fields.iter().enumerate() {
            if fields[..i].iter().any(|g| g.name == f.name) {
                return Err(CertError::Link(format!("field {} appears twice", f.name)));
            }
        }
        Ok(Disclosure {
            chain_id,
            contract,
            id,
            fields,
        })
    }

    /// The link: `citychain-cert:` and the base64url (no padding) of [`Disclosure::encode`].
    pub fn to_link(&self) -> String {
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(self.encode());
        format!("{LINK_SCHEME}{payload}")
    }

    /// Reads a link (surrounding white space is ignored).
    pub fn from_link(link: &str) -> Result<Self, CertError> {
        let link = link.trim();
        if link.len() > MAX_LINK {
            return Err(CertError::Link(format!(
                "{} characters; a link has at most {MAX_LINK}",
                link.len()
            )));
        }
        let payload = link
            .strip_prefix(LINK_SCHEME)
            .ok_or_else(|| CertError::Link(format!("it does not start with {LINK_SCHEME}")))?;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|e| CertError::Link(format!("its payload is not base64url: {e}")))?;
        Disclosure::decode(&bytes)
    }
}

/// The holder's file: every field's value and salt, kept private; disclosures are cut from it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct HolderFile {
    /// [`HOLDER_FORMAT`].
    pub format: String,
    /// The certificate; `id` is `None` while the issuing transaction is pending.
    pub chain_id: ChainId,
    /// The certificates contract.
    pub contract: Address,
    /// The certificate's id, once issued.
    pub id: Option<u64>,
    /// Every field.
    pub fields: Vec<DisclosedField>,
}

impl HolderFile {
    /// The disclosure of the fields named in `names` (all of them if `names` is empty and
    /// `all` is set), refusing a name the certificate does not have.
    pub fn disclose(&self, names: &[String], all: bool) -> Result<Disclosure, CertError> {
        let id = self.id.ok_or_else(|| {
            CertError::File(
                "the holder file has no certificate id: the issuing transaction did not commit"
                    .into(),
            )
        })?;
        let fields = if all {
            self.fields.clone()
        } else {
            names
                .iter()
                .map(|n| {
                    self.fields
                        .iter()
                        .find(|f| &f.name == n)
                        .cloned()
                        .ok_or_else(|| {
                            CertError::File(format!(
                                "the certificate has no field {n}; it has {}",
                                self.fields
                                    .iter()
                                    .map(|f| f.name.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ))
                        })
                })
                .collect::<Result<_, _>>()?
        };
        Ok(Disclosure {
            chain_id: self.chain_id.clone(),
            contract: self.contract,
            id,
            fields,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Disclosure {
        Disclosure {
            chain_id: ChainId::new("citychain-dev").expect("a valid id"),
            contract: Address([0x11; 20]),
            id: 7,
            fields: vec![DisclosedField {
                name: "degree".into(),
                value: "BSc Civil Engineering".into(),
                salt: [0x22; 32],
            }],
        }
    }

    #[test]
    fn links_round_trip() {
        let d = sample();
        let link = d.to_link();
        assert!(link.starts_with(LINK_SCHEME));
        assert_eq!(Disclosure::from_link(&link), Ok(d.clone()));
        assert_eq!(Disclosure::from_link(&format!("  {link}\n")), Ok(d));
    }

    #[test]
    fn bad_links_are_refused_with_a_reason() {
        let d = sample();
        let mut twice = d.clone();
        twice.fields.push(twice.fields[0].clone());
        let mut bytes = d.encode();
        bytes[0] = 2;
        let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
        for (link, says) in [
            ("https://example.invalid/x".to_string(), "does not start"),
            (format!("{LINK_SCHEME}!!"), "base64url"),
            (format!("{LINK_SCHEME}{}", b64(&bytes)), "version 2"),
            (
                format!("{LINK_SCHEME}{}", b64(&[d.encode(), vec![0]].concat())),
                "trailing",
            ),
            (twice.to_link(), "appears twice"),
            (format!("{LINK_SCHEME}{}", b64(&d.encode()[..30])), ""),
        ] {
            let err = Disclosure::from_link(&link).expect_err(&link).to_string();
            assert!(err.contains(says), "{link}: {err}");
        }
    }

    #[test]
    fn commitments_follow_the_documented_formula() {
        let salt = [7u8; 32];
        let mut pre = salt.to_vec();
        pre.extend_from_slice(&5u32.to_be_bytes());
        pre.extend_from_slice(b"grade");
        pre.extend_from_slice(&5u32.to_be_bytes());
        pre.extend_from_slice(b"first");
        for suite in [Suite::Ed25519, Suite::Sm2] {
            assert_eq!(commitment(suite, &salt, "grade", "first"), suite.hash(&pre));
        }
    }

    /// The vector of `docs/apps/certificates.md`, "The link".
    #[test]
    fn the_documented_vector_holds() {
        let d = sample();
        assert_eq!(
            d.to_link(),
            "citychain-cert:AQAAAA1jaXR5Y2hhaW4tZGV2EREREREREREREREREREREREREREAAAAAAAAABwAAAAEAAAAGZGVncmVlAAAAFUJTYyBDaXZpbCBFbmdpbmVlcmluZyIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIi"
        );
        let f = &d.fields[0];
        assert_eq!(
            f.commitment(Suite::Ed25519).to_string(),
            "0xac5d95bf5e46bbe8ccd5acba0c5df417367c76df24ef6278acae85e18569c040"
        );
        assert_eq!(
            f.commitment(Suite::Sm2).to_string(),
            "0x6a3ebaccecb99fa4e81cd26dcbaa66d592c14e8162c08de0e49fa027a395f01b"
        );
    }
}
