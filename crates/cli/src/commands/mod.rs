pub mod asset;
pub mod bench;
pub mod cert;
pub mod contract;
pub mod dev;
pub mod events;
pub mod genesis;
pub mod gov;
pub mod keys;
pub mod nft;
pub mod node;
pub mod offer;
pub mod query;
pub mod send;
pub mod testnet;
pub mod trace;
pub mod tx;
pub mod vault;

use std::future::Future;

/// Default API address of a local node.
pub const DEFAULT_RPC: &str = "http://127.0.0.1:8545";

/// Runs an async command on a small runtime.
pub fn block_on(f: impl Future<Output = anyhow::Result<()>>) -> anyhow::Result<()> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?
        .block_on(f)
}

/// Logging to stderr; `RUST_LOG` overrides the default filter.
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new("warn,citychain_node=info,citychain_cli=info")
    });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Resolves on Ctrl-C, SIGTERM or SIGHUP: what should stop a command that runs until stopped.
pub async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut hup)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) else {
            let _ = tokio::signal::ctrl_c().await;
            return;
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
            _ = hup.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}

/// Reads a passphrase from the terminal without echo.
pub fn prompt_passphrase(prompt: &str) -> std::io::Result<String> {
    // rpassword reads from the controlling terminal, which a service or a detached job does
    // not have ("No such device or address"): say what to do instead.
    if cfg!(unix) && std::fs::File::open("/dev/tty").is_err() {
        return Err(std::io::Error::other(format!(
            "no terminal to ask for a passphrase on; set {} to pass it",
            citychain_crypto::keystore::PASSPHRASE_ENV
        )));
    }
    rpassword::prompt_password(prompt)
}
