//! A fault-injecting TCP proxy for trying faults on a running testnet by hand.
//!
//! ```sh
//! citychain-proxy --listen 127.0.0.1:27000 --target 127.0.0.1:26600 --delay-ms 50
//! ```
//! Then type commands on stdin: `cut`, `heal`, `delay MS`, `loss P`, `corrupt P`, `stats`.

use citychain_sim::proxy::{LinkFaults, Proxy};
use clap::Parser;
use std::{io::BufRead, net::SocketAddr, process::ExitCode, time::Duration};

/// Forward TCP connections from --listen to --target, delaying, dropping or corrupting bytes.
#[derive(Parser)]
struct Args {
    /// Where to accept connections.
    #[arg(long)]
    listen: SocketAddr,
    /// Where to forward them.
    #[arg(long)]
    target: SocketAddr,
    /// Delay added to every chunk, each direction.
    #[arg(long, default_value_t = 0)]
    delay_ms: u64,
    /// Probability of discarding a chunk.
    #[arg(long, default_value_t = 0.0)]
    loss: f64,
    /// Probability of flipping a byte of a chunk.
    #[arg(long, default_value_t = 0.0)]
    corrupt: f64,
}

fn apply(command: &str, faults: &mut LinkFaults) -> Result<(), String> {
    let mut words = command.split_whitespace();
    let value = |w: Option<&str>| -> Result<f64, String> {
        w.ok_or("missing value")?
            .parse::<f64>()
            .map_err(|e| e.to_string())
    };
    match words.next() {
        Some("cut") => faults.cut = true,
        Some("heal") => *faults = LinkFaults::default(),
        Some("delay") => faults.delay = Duration::from_millis(value(words.next())? as u64),
        Some("loss") => faults.loss = value(words.next())?,
        Some("corrupt") => faults.corrupt = value(words.next())?,
        Some(other) => return Err(format!("unknown command {other:?}")),
        None => {}
    }
    Ok(())
}

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let proxy = match Proxy::start(runtime.handle(), args.listen, args.target, 0) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: cannot listen on {}: {e}", args.listen);
            return ExitCode::FAILURE;
        }
    };
    let mut faults = LinkFaults {
        delay: Duration::from_millis(args.delay_ms),
        loss: args.loss,
        corrupt: args.corrupt,
        cut: false,
    };
    proxy.set(faults);
    println!(
        "forwarding {} -> {} ({faults:?}); commands: cut, heal, delay MS, loss P, corrupt P, stats",
        proxy.addr(),
        proxy.target()
    );
    for line in std::io::stdin().lock().lines().map_while(Result::ok) {
        if line.trim() == "stats" {
            println!("{:?}", proxy.stats());
            continue;
        }
        match apply(&line, &mut faults) {
            Ok(()) => {
                proxy.set(faults);
                println!("{faults:?}");
            }
            Err(e) => eprintln!("error: {e}"),
        }
    }
    ExitCode::SUCCESS
}
