//! The genesis ceremony of docs/deploy.md: organizations make keys, one writes the genesis from
//! their public keys, everyone checks its hash.

use crate::harness::APPLICATIONS;
use std::process::Command;

fn citychain(args: &[&str], dir: &std::path::Path) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_citychain"))
        .args(args)
        .current_dir(dir)
        .env("CITYCHAIN_PASSPHRASE", "correct horse battery staple")
        .output()
        .expect("run citychain");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

#[test]
fn genesis_from_key_files_and_public_keys_has_one_checkable_hash() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let mut public_keys = Vec::new();
    for org in ["gov", "bank", "court", "univ"] {
        let (ok, _, err) = citychain(&["keys", "new", "--out", &format!("{org}.key")], d);
        assert!(ok, "{err}");
        let (ok, out, err) = citychain(&["--json", "keys", "show", &format!("{org}.key")], d);
        assert!(ok, "{err}");
        public_keys.push(json(&out)["public_key"].as_str().expect("key").to_string());
    }
    // Two organizations hand over key files' public parts, two their public keys as text.
    let (ok, out, err) = citychain(
        &[
            "--json",
            "genesis",
            "new",
            "--chain-id",
            "city-main",
            "--validator",
            "gov=gov.key",
            "--validator",
            "bank=bank.key",
            "--validator",
            &format!("court={}", public_keys[2]),
            "--validator",
            &format!("univ={}", public_keys[3]),
            "--account",
            "0x8fa13e12c08cf23322105415c1471f2cc1280079=1000000",
            "--org",
            "gov=0x8fa13e12c08cf23322105415c1471f2cc1280079",
            "--org",
            "bank=0x00112233445566778899aabbccddeeff00112233",
            "--org-validator",
            "gov=gov",
            "--org-validator",
            "bank=bank",
            "--member",
            "0x7777777777777777777777777777777777777777=gov:regulator,observer",
            "--out",
            "genesis.json",
        ],
        d,
    );
    assert!(ok, "{err}");
    let written = json(&out);
    assert_eq!(written["validators"], 4);
    let consortium: serde_json::Value =
        json(&std::fs::read_to_string(d.join("genesis.json")).expect("genesis"));
    assert_eq!(consortium["organizations"][0]["id"], "gov");
    assert_eq!(
        consortium["organizations"][1]["validators"][0].as_str(),
        Some(public_keys[1].trim_start_matches("ed25519:"))
    );
    assert_eq!(consortium["members"][2]["roles"][0], "regulator");
    assert_eq!(
        consortium["policy"]["deploy"][0], "admin",
        "the consortium policy"
    );
    // A member of an organization nobody declared is refused with the reason.
    let (ok, _, err) = citychain(
        &[
            "genesis",
            "new",
            "--chain-id",
            "city-main",
            "--validator",
            "gov=gov.key",
            "--member",
            "0x7777777777777777777777777777777777777777=nowhere:client",
            "--out",
            "bad.json",
        ],
        d,
    );
    assert!(!ok);
    assert!(err.contains("unknown organization nowhere"), "{err}");
    for (i, v) in consortium["validators"]
        .as_array()
        .expect("validators")
        .iter()
        .enumerate()
    {
        let key = public_keys[i].trim_start_matches("ed25519:");
        assert_eq!(v["consensus_key"].as_str(), Some(key), "validator {i}");
    }

    let (ok, out, err) = citychain(&["--json", "genesis", "hash", "genesis.json"], d);
    assert!(ok, "{err}");
    assert_eq!(json(&out)["genesis_hash"], written["genesis_hash"]);

    // Someone edits a balance: the hash every organization compares changes.
    let text = std::fs::read_to_string(d.join("genesis.json")).expect("genesis");
    assert!(text.contains("\"1000000\""));
    std::fs::write(
        d.join("tampered.json"),
        text.replacen("\"1000000\"", "\"9000000\"", 1),
    )
    .expect("write");
    let (ok, out, err) = citychain(&["--json", "genesis", "hash", "tampered.json"], d);
    assert!(ok, "{err}");
    assert_ne!(json(&out)["genesis_hash"], written["genesis_hash"]);

    // Refusals, with reasons.
    for (validators, out, reason) in [
        (&["a=gov.key"][..], "genesis.json", "exists"),
        (&["a=nope"][..], "g2.json", "neither a key file nor"),
        (&["a=gov.key", "b=gov.key"][..], "g3.json", "twice"),
    ] {
        let mut args = vec!["genesis", "new", "--chain-id", "x"];
        for v in validators {
            args.extend(["--validator", v]);
        }
        args.extend(["--out", out]);
        let (ok, _, err) = citychain(&args, d);
        assert!(!ok && err.contains(reason), "{err}");
    }
    assert!(!d.join("g2.json").exists() && !d.join("g3.json").exists());
}

/// `genesis new --apps` deploys the city's applications at genesis; `genesis hash` builds the
/// genesis state and lists them; a contract whose `init` fails stops the ceremony at once, with
/// the reason, instead of at the first node's start.
#[test]
fn a_genesis_with_applications_is_checked_by_building_its_state() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let (ok, _, err) = citychain(&["keys", "new", "--out", "v.key"], d);
    assert!(ok, "{err}");
    let admin = "0x8fa13e12c08cf23322105415c1471f2cc1280079";
    let base = [
        "genesis",
        "new",
        "--chain-id",
        "city-main",
        "--validator",
        "v=v.key",
    ];
    let (ok, _, err) = citychain(
        &[
            &base[..],
            &["--apps", "--contracts-admin", admin, "--out", "g.json"],
        ]
        .concat(),
        d,
    );
    assert!(ok, "{err}");
    let (ok, out, err) = citychain(&["--json", "genesis", "hash", "g.json"], d);
    assert!(ok, "{err}");
    let report = json(&out);
    let names: Vec<&str> = report["contracts"]
        .as_array()
        .expect("contracts")
        .iter()
        .map(|c| c["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, APPLICATIONS);
    assert!(
        report["state_root"].as_str().is_some_and(|r| r.len() == 66),
        "{report}"
    );

    // The token without its init arguments: refused, saying which contract and why.
    let token = d.join("token.wasm");
    let genesis: serde_json::Value =
        json(&std::fs::read_to_string(d.join("g.json")).expect("genesis"));
    let code = genesis["contracts"]
        .as_array()
        .expect("contracts")
        .iter()
        .find(|c| c["name"] == "city-credit")
        .expect("the token")["code"]
        .as_str()
        .expect("hex code")
        .to_string();
    std::fs::write(&token, citychain_crypto::hex::decode(&code).expect("hex")).expect("write");
    let (ok, _, err) = citychain(
        &[
            &base[..],
            &[
                "--contract",
                "credit=token.wasm",
                "--contracts-admin",
                admin,
                "--out",
                "bad.json",
            ],
        ]
        .concat(),
        d,
    );
    assert!(!ok);
    assert!(
        err.contains("the genesis state cannot be built") && err.contains("credit"),
        "{err}"
    );
    assert!(!d.join("bad.json").exists(), "nothing written");
    // With its arguments it deploys.
    let mut init = citychain_types::codec::Writer::new();
    init.string("Bond").string("BND").u8(0).u128(1_000);
    let init = format!(
        "credit={}",
        citychain_crypto::hex::encode(init.into_bytes())
    );
    let (ok, _, err) = citychain(
        &[
            &base[..],
            &[
                "--contract",
                "credit=token.wasm",
                "--contract-init",
                &init,
                "--contracts-admin",
                admin,
                "--out",
                "good.json",
            ],
        ]
        .concat(),
        d,
    );
    assert!(ok, "{err}");
}
