//! Builds the city's applications (`contracts/`, for wasm32) so that `citychain dev` and
//! `citychain testnet init` can deploy them at genesis from the binary alone.
//!
//! Without the wasm32 target the binary is built without them (a warning says so, and the
//! commands that need them say how to get them) rather than not at all.

use std::{path::Path, process::Command};

/// The contracts the binary carries (crate names in `contracts/`).
const APPS: &[&str] = &[
    "token",
    "notary",
    "approval",
    "asset_escrow",
    "certificates",
    "permits",
    "grants",
    "invoices",
    "wages",
    "transit",
    "datashare",
    "trace",
];

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let contracts = Path::new(&manifest).join("../../contracts");
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    for watched in ["Cargo.toml", "Cargo.lock", ".cargo/config.toml", "sdk"] {
        println!(
            "cargo:rerun-if-changed={}",
            contracts.join(watched).display()
        );
    }
    for app in APPS {
        println!("cargo:rerun-if-changed={}", contracts.join(app).display());
    }
    let built = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args([
            "build",
            "--release",
            "--locked",
            "--target",
            "wasm32-unknown-unknown",
        ])
        .args(APPS.iter().flat_map(|a| ["-p", a]))
        // From inside, so cargo reads contracts/.cargo/config.toml; the contracts have their
        // own workspace, target directory and flags.
        .current_dir(&contracts)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET")
        // Under `cargo clippy` the outer build lints; the contracts are only built.
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        .env_remove("CLIPPY_ARGS")
        .status();
    let ok = matches!(built, Ok(s) if s.success());
    if !ok {
        println!(
            "cargo:warning=the city applications were not built (is the wasm32-unknown-unknown \
             target installed? `rustup target add wasm32-unknown-unknown`); this citychain \
             binary starts chains without them"
        );
    }
    for app in APPS {
        let code = if ok {
            let path = contracts.join(format!("target/wasm32-unknown-unknown/release/{app}.wasm"));
            std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        } else {
            Vec::new()
        };
        std::fs::write(Path::new(&out).join(format!("{app}.wasm")), code)
            .expect("write into OUT_DIR");
    }
}
