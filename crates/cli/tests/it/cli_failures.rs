//! The CLI's exit status and messages when something fails: a committed but failed
//! transaction, damaged or unknown key files, no terminal to ask a passphrase on; and `--json`
//! where the README promises it.

use crate::harness::DevNode;
use std::process::{Command, Output, Stdio};

fn run(args: &[&str], dir: &std::path::Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_citychain"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("run citychain")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_failed_transfer_fails_the_command_in_text_and_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = DevNode::start(dir.path(), &[]);
    let rpc = node.banner.rpc_url.clone();
    let key = node.account("alice").key_file.display().to_string();
    let bob = node.account("bob").address.to_string();
    let too_much = "1000000000000000000000000000000000";
    for json in [false, true] {
        let mut args = vec![
            "tx", "transfer", "--rpc", &rpc, "--key", &key, "--to", &bob, "--amount", too_much,
        ];
        if json {
            args.insert(0, "--json");
        }
        let out = run(&args, dir.path());
        assert!(!out.status.success(), "json={json}: {}", text(&out.stdout));
        assert!(
            text(&out.stderr).contains("InsufficientBalance"),
            "json={json}: {}",
            text(&out.stderr)
        );
        if json {
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
            assert_eq!(
                v["receipt"]["receipt"]["status"], "insufficient_balance",
                "{v}"
            );
        }
    }
    // A good one still exits 0.
    let out = run(
        &[
            "tx", "transfer", "--rpc", &rpc, "--key", &key, "--to", &bob, "--amount", "5",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn damaged_or_unknown_key_files_are_refused_by_keys_show() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let out = Command::new(env!("CARGO_BIN_EXE_citychain"))
        .args(["keys", "new", "--out", "k.json"])
        .current_dir(d)
        .env("CITYCHAIN_PASSPHRASE", "a long enough passphrase")
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let good: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("k.json")).expect("read"))
            .expect("json");
    let write = |name: &str, v: &serde_json::Value| {
        let path = d.join(name);
        std::fs::write(&path, v.to_string()).expect("write");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        }
    };
    let mut future = good.clone();
    future["citychain_key"] = serde_json::json!(99);
    write("future.json", &future);
    let mut cut = good.clone();
    let ciphertext = good["ciphertext"].as_str().expect("ciphertext").to_string();
    cut["ciphertext"] = serde_json::json!(ciphertext[..ciphertext.len() - 8].to_string());
    write("cut.json", &cut);
    let mut garbled = good.clone();
    garbled["ciphertext"] = serde_json::json!(format!("zz{}", &ciphertext[2..]));
    write("garbled.json", &garbled);
    for (file, expected) in [
        ("future.json", "unsupported key file version 99"),
        ("cut.json", "damaged ciphertext"),
        ("garbled.json", "damaged ciphertext"),
    ] {
        let out = run(&["keys", "show", file], d);
        assert!(!out.status.success(), "{file}: {}", text(&out.stdout));
        assert!(
            text(&out.stderr).contains(expected),
            "{file}: {}",
            text(&out.stderr)
        );
    }
    assert!(run(&["keys", "show", "k.json"], d).status.success());
}

#[test]
fn without_a_terminal_or_passphrase_keys_new_says_what_to_set() {
    // `setsid` detaches the command from any controlling terminal, as under a service manager.
    if Command::new("setsid").arg("--version").output().is_err() {
        eprintln!("setsid is not installed; skipping");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new("setsid")
        .arg("--wait")
        .arg(env!("CARGO_BIN_EXE_citychain"))
        .args(["keys", "new", "--out", "k.json"])
        .current_dir(dir.path())
        .env_remove("CITYCHAIN_PASSPHRASE")
        .stdin(Stdio::null())
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("CITYCHAIN_PASSPHRASE"), "{err}");
    assert!(!err.contains("os error 6"), "{err}");
    assert!(!dir.path().join("k.json").exists());
}

#[test]
fn testnet_init_prints_json_with_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run(
        &[
            "--json",
            "testnet",
            "init",
            "--dir",
            "tn",
            "--validators",
            "4",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    assert_eq!(v["validators"], 4);
    assert_eq!(v["nodes"].as_array().expect("nodes").len(), 4);
    assert!(
        v["genesis_hash"]
            .as_str()
            .is_some_and(|h| h.starts_with("0x")),
        "{v}"
    );
}

#[test]
fn output_into_a_closed_pipe_ends_the_command_quietly() {
    // `citychain keys new … | head -0`: the reader is gone before the command prints.
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_citychain"))
        .args(["keys", "new", "--json", "--out"])
        .arg(dir.path().join("k.json"))
        .env("CITYCHAIN_PASSPHRASE", "a passphrase")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{:?}: {stderr}", out.status);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        dir.path().join("k.json").exists(),
        "the key was still written"
    );
}
