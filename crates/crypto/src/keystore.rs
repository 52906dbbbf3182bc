//! Key files: a secret key encrypted at rest, as JSON.
//!
//! The secret is encrypted with a key stretched from a passphrase by Argon2id (memory-hard),
//! under an AEAD: SM4-GCM for SM2 keys (national algorithms end to end), ChaCha20-Poly1305 for
//! Ed25519 keys. The suite and public key are bound as associated data, so a file whose header
//! was edited fails to open instead of yielding a different key.
//!
//! Dev-chain keys are the exception: they are written unencrypted, with a warning in the file,
//! because anyone may read them by design.

use crate::{Address, Error, PublicKey, Result, SecretKey, Suite};
use aes_gcm::{
    AesGcm,
    aead::{Aead, KeyInit, Payload},
};
use serde::{Deserialize, Serialize};
use std::{fs, io::Write as _, path::Path};
use zeroize::Zeroizing;

/// Format version written into every key file.
pub const KEY_FILE_VERSION: u32 = 1;

/// The environment variable read for the passphrase before prompting.
pub const PASSPHRASE_ENV: &str = "CITYCHAIN_PASSPHRASE";

const AAD_DOMAIN: &[u8] = b"citychain/keyfile/v1";
const INSECURE_WARNING: &str =
    "INSECURE DEV KEY: stored unencrypted for the local dev chain. Never use it on a real network.";

type Sm4Gcm = AesGcm<sm4::Sm4, aes_gcm::aead::consts::U12>;
/// SM4 takes a 128-bit key: the first half of the derived 256 bits.
const SM4_KEY_LEN: usize = 16;

/// Argon2id cost parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl KdfParams {
    /// 64 MiB, 3 passes: about a third of a second on a server core, costly to guess at scale.
    pub const STRONG: KdfParams = KdfParams {
        memory_kib: 64 * 1024,
        iterations: 3,
        parallelism: 1,
    };
    /// For tests only: cheap enough to run hundreds of times.
    pub const FAST_INSECURE: KdfParams = KdfParams {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    };
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct KdfSection {
    algorithm: String,
    #[serde(flatten)]
    params: KdfParams,
    salt: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct CipherSection {
    algorithm: String,
    nonce: String,
}

/// The JSON layout of a key file.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct KeyFile {
    pub citychain_key: u32,
    pub suite: Suite,
    pub public_key: PublicKey,
    pub address: Address,
    #[serde(skip_serializing_if = "Option::is_none")]
    kdf: Option<KdfSection>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cipher: Option<CipherSection>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ciphertext: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    warning: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    insecure_plaintext_secret: Option<String>,
}

impl KeyFile {
    /// Encrypts `key` under `passphrase`.
    pub fn encrypt(key: &SecretKey, passphrase: &str, params: KdfParams) -> Result<Self> {
        let public_key = key.public_key();
        let mut salt = [0u8; 16];
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut salt).map_err(|e| Error::Randomness(e.to_string()))?;
        getrandom::fill(&mut nonce).map_err(|e| Error::Randomness(e.to_string()))?;
        let wrapping = derive_key(passphrase, &salt, params)?;
        let aad = associated_data(&public_key);
        let secret = key.to_bytes();
        let payload = Payload {
            msg: secret.as_ref(),
            aad: &aad,
        };
        let (algorithm, ciphertext) = match key.suite() {
            Suite::Sm2 => (
                "sm4-gcm",
                Sm4Gcm::new_from_slice(&wrapping[..SM4_KEY_LEN])
                    .map_err(|_| Error::KeyFile("bad wrapping key length".into()))?
                    .encrypt(&nonce.into(), payload),
            ),
            Suite::Ed25519 => (
                "chacha20-poly1305",
                chacha20poly1305::ChaCha20Poly1305::new_from_slice(wrapping.as_ref())
                    .map_err(|_| Error::KeyFile("bad wrapping key length".into()))?
                    .encrypt(&nonce.into(), payload),
            ),
        };
        let ciphertext = ciphertext.map_err(|_| Error::KeyFile("encryption failed".into()))?;
        Ok(KeyFile {
            citychain_key: KEY_FILE_VERSION,
            suite: key.suite(),
            address: public_key.address(),
            public_key,
            kdf: Some(KdfSection {
                algorithm: "argon2id".into(),
                params,
                salt: crate::hex::encode(salt),
            }),
            cipher: Some(CipherSection {
                algorithm: algorithm.into(),
                nonce: crate::hex::encode(nonce),
            }),
            ciphertext: Some(crate::hex::encode(ciphertext)),
            warning: None,
            insecure_plaintext_secret: None,
        })
    }

    /// A dev-chain key stored unencrypted and labelled as such.
    pub fn insecure_plaintext(key: &SecretKey) -> Self {
        let public_key = key.public_key();
        KeyFile {
            citychain_key: KEY_FILE_VERSION,
            suite: key.suite(),
            address: public_key.address(),
            public_key,
            kdf: None,
            cipher: None,
            ciphertext: None,
            warning: Some(INSECURE_WARNING.into()),
            insecure_plaintext_secret: Some(crate::hex::encode(key.to_bytes().as_ref())),
        }
    }

    /// Whether the file holds an unencrypted dev key (no passphrase needed).
    pub fn is_insecure(&self) -> bool {
        self.insecure_plaintext_secret.is_some()
    }

    /// Recovers the secret key. `passphrase` is ignored for insecure dev keys.
    pub fn decrypt(&self, passphrase: &str) -> Result<SecretKey> {
        if self.citychain_key != KEY_FILE_VERSION {
            return Err(Error::KeyFile(format!(
                "unsupported key file version {} (this build reads version {KEY_FILE_VERSION})",
                self.citychain_key
            )));
        }
        let key = if let Some(plain) = &self.insecure_plaintext_secret {
            let secret = Zeroizing::new(crate::hex::decode(plain)?);
            SecretKey::from_bytes(self.suite, &secret)?
        } else {
            let missing = |what: &str| Error::KeyFile(format!("key file has no {what} section"));
            let kdf = self.kdf.as_ref().ok_or_else(|| missing("kdf"))?;
            let cipher = self.cipher.as_ref().ok_or_else(|| missing("cipher"))?;
            let ciphertext = crate::hex::decode(
                self.ciphertext
                    .as_ref()
                    .ok_or_else(|| missing("ciphertext"))?,
            )?;
            if kdf.algorithm != "argon2id" {
                return Err(Error::KeyFile(format!(
                    "unsupported kdf {:?}",
                    kdf.algorithm
                )));
            }
            let salt = crate::hex::decode(&kdf.salt)?;
            let nonce: [u8; 12] = crate::hex::decode_array(&cipher.nonce)?;
            let wrapping = derive_key(passphrase, &salt, kdf.params)?;
            let aad = associated_data(&self.public_key);
            let payload = Payload {
                msg: &ciphertext,
                aad: &aad,
            };
            let plain = match cipher.algorithm.as_str() {
                "sm4-gcm" => Sm4Gcm::new_from_slice(&wrapping[..SM4_KEY_LEN])
                    .map_err(|_| Error::KeyFile("bad wrapping key length".into()))?
                    .decrypt(&nonce.into(), payload),
                "chacha20-poly1305" => {
                    chacha20poly1305::ChaCha20Poly1305::new_from_slice(wrapping.as_ref())
                        .map_err(|_| Error::KeyFile("bad wrapping key length".into()))?
                        .decrypt(&nonce.into(), payload)
                }
                other => return Err(Error::KeyFile(format!("unsupported cipher {other:?}"))),
            };
            let plain = Zeroizing::new(plain.map_err(|_| Error::WrongPassphrase)?);
            SecretKey::from_bytes(self.suite, &plain)?
        };
        if key.public_key() != self.public_key {
            return Err(Error::KeyFile(
                "the secret does not match the public key recorded in the file".into(),
            ));
        }
        Ok(key)
    }

    /// Writes the file with owner-only permissions, refusing to overwrite an existing file.
    pub fn write_new(&self, path: &Path) -> Result<()> {
        let json = serde_json::to_string_pretty(self)
            .map_err(|e| Error::KeyFile(format!("cannot serialize: {e}")))?;
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let io = |e: std::io::Error| Error::Io(format!("{}: {e}", path.display()));
        let mut file = options.open(path).map_err(io)?;
        file.write_all(json.as_bytes()).map_err(io)?;
        file.write_all(b"\n").map_err(io)?;
        file.sync_all().map_err(io)
    }

    /// Reads a key file. Encrypted key files readable by group or others are refused.
    pub fn read(path: &Path) -> Result<Self> {
        let io = |e: std::io::Error| Error::Io(format!("{}: {e}", path.display()));
        let text = fs::read_to_string(path).map_err(io)?;
        let file: KeyFile = serde_json::from_str(&text).map_err(|e| {
            Error::KeyFile(format!("{}: not a citychain key file: {e}", path.display()))
        })?;
        #[cfg(unix)]
        if !file.is_insecure() {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(path).map_err(io)?.permissions().mode();
            if mode & 0o077 != 0 {
                return Err(Error::KeyFilePermissions {
                    path: path.display().to_string(),
                    mode: mode & 0o777,
                });
            }
        }
        if file.address != file.public_key.address() || file.suite != file.public_key.suite() {
            return Err(Error::KeyFile(format!(
                "{}: the address or suite does not match the public key",
                path.display()
            )));
        }
        file.check_sections()
            .map_err(|e| Error::KeyFile(format!("{}: {e}", path.display())))?;
        Ok(file)
    }

    /// Checks everything that can be checked without the passphrase: the version, that every
    /// section is present and well formed, and the ciphertext's length. (Whether the ciphertext
    /// is intact is known only on decryption: the AEAD tag covers it.)
    fn check_sections(&self) -> std::result::Result<(), String> {
        if self.citychain_key != KEY_FILE_VERSION {
            return Err(format!(
                "unsupported key file version {} (this build reads version {KEY_FILE_VERSION})",
                self.citychain_key
            ));
        }
        if let Some(plain) = &self.insecure_plaintext_secret {
            let secret = Zeroizing::new(
                crate::hex::decode(plain).map_err(|e| format!("damaged plaintext secret: {e}"))?,
            );
            let key = SecretKey::from_bytes(self.suite, &secret)
                .map_err(|e| format!("damaged plaintext secret: {e}"))?;
            if key.public_key() != self.public_key {
                return Err("the secret does not match the public key recorded in the file".into());
            }
            return Ok(());
        }
        let kdf = self.kdf.as_ref().ok_or("no kdf section")?;
        if kdf.algorithm != "argon2id" {
            return Err(format!("unsupported kdf {:?}", kdf.algorithm));
        }
        crate::hex::decode(&kdf.salt).map_err(|e| format!("damaged kdf salt: {e}"))?;
        let cipher = self.cipher.as_ref().ok_or("no cipher section")?;
        if !["sm4-gcm", "chacha20-poly1305"].contains(&cipher.algorithm.as_str()) {
            return Err(format!("unsupported cipher {:?}", cipher.algorithm));
        }
        crate::hex::decode_array::<12>(&cipher.nonce)
            .map_err(|e| format!("damaged cipher nonce: {e}"))?;
        let ciphertext = crate::hex::decode(self.ciphertext.as_deref().ok_or("no ciphertext")?)
            .map_err(|e| format!("damaged ciphertext: {e}"))?;
        // A 32-byte secret and a 16-byte authentication tag.
        if ciphertext.len() != 48 {
            return Err(format!(
                "damaged ciphertext: {} bytes where an encrypted key has 48",
                ciphertext.len()
            ));
        }
        Ok(())
    }
}

fn derive_key(passphrase: &str, salt: &[u8], params: KdfParams) -> Result<Zeroizing<[u8; 32]>> {
    let argon_params = argon2::Params::new(
        params.memory_kib,
        params.iterations,
        params.parallelism,
        Some(32),
    )
    .map_err(|e| Error::KeyFile(format!("invalid kdf parameters: {e}")))?;
    let argon = argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        argon_params,
    );
    let mut out = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(passphrase.as_bytes(), salt, out.as_mut())
        .map_err(|e| Error::KeyFile(format!("key derivation failed: {e}")))?;
    Ok(out)
}

fn associated_data(public_key: &PublicKey) -> Vec<u8> {
    let mut aad = AAD_DOMAIN.to_vec();
    aad.push(public_key.suite().tag());
    aad.extend_from_slice(public_key.as_bytes());
    aad
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encrypt_then_decrypt_in_both_suites() {
        for suite in Suite::ALL {
            let key = SecretKey::generate(suite).expect("key");
            let file = KeyFile::encrypt(&key, "correct horse", KdfParams::FAST_INSECURE)
                .expect("encrypts");
            let json = serde_json::to_string(&file).expect("json");
            assert!(
                !json.contains(&::hex::encode(key.to_bytes().as_ref())),
                "secret must not leak"
            );
            let expected_cipher = if suite == Suite::Sm2 {
                "sm4-gcm"
            } else {
                "chacha20-poly1305"
            };
            assert!(json.contains(expected_cipher));
            let back: KeyFile = serde_json::from_str(&json).expect("parses");
            let opened = back.decrypt("correct horse").expect("opens");
            assert_eq!(opened.public_key(), key.public_key());
        }
    }

    #[test]
    fn wrong_passphrase_is_a_clear_error() {
        let key = SecretKey::generate(Suite::Sm2).expect("key");
        let file = KeyFile::encrypt(&key, "right", KdfParams::FAST_INSECURE).expect("encrypts");
        let err = file.decrypt("wrong").expect_err("must fail");
        assert!(matches!(err, Error::WrongPassphrase));
        assert!(err.to_string().contains("passphrase"));
    }

    #[test]
    fn edited_public_key_fails_to_open() {
        let key = SecretKey::generate(Suite::Ed25519).expect("key");
        let mut file = KeyFile::encrypt(&key, "pw", KdfParams::FAST_INSECURE).expect("encrypts");
        file.public_key = SecretKey::generate(Suite::Ed25519)
            .expect("key")
            .public_key();
        assert!(file.decrypt("pw").is_err());
    }

    #[test]
    fn files_are_private_and_not_overwritten() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("k.json");
        let key = SecretKey::generate(Suite::Ed25519).expect("key");
        let file = KeyFile::encrypt(&key, "pw", KdfParams::FAST_INSECURE).expect("encrypts");
        file.write_new(&path).expect("writes");
        assert!(file.write_new(&path).is_err(), "must not overwrite");
        let read = KeyFile::read(&path).expect("reads");
        assert_eq!(
            read.decrypt("pw").expect("opens").public_key(),
            key.public_key()
        );

        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).expect("chmod");
            let err = KeyFile::read(&path).expect_err("world-readable key is refused");
            assert!(err.to_string().contains("0644"), "{err}");
        }
    }

    #[test]
    fn insecure_dev_keys_open_without_passphrase() {
        let key = SecretKey::insecure_from_label(Suite::Sm2, "alice");
        let file = KeyFile::insecure_plaintext(&key);
        assert!(file.is_insecure());
        let json = serde_json::to_string_pretty(&file).expect("json");
        assert!(json.contains("INSECURE DEV KEY"));
        let back: KeyFile = serde_json::from_str(&json).expect("parses");
        assert_eq!(
            back.decrypt("").expect("opens").public_key(),
            key.public_key()
        );
    }

    /// GB/T 32907-2016 Appendix A, example 1: the SM4 block cipher under our AEAD.
    #[test]
    fn sm4_matches_gbt_32907_example() {
        use aes_gcm::aead::array::Array;
        use sm4::cipher::{BlockCipherEncrypt, KeyInit as _};
        let key = ::hex::decode("0123456789abcdeffedcba9876543210").expect("hex");
        let cipher = sm4::Sm4::new_from_slice(&key).expect("16-byte key");
        let mut block = Array::try_from(&key[..]).expect("one block");
        cipher.encrypt_block(&mut block);
        assert_eq!(::hex::encode(block), "681edf34d206965e86b3e94f536e4246");
    }
}
