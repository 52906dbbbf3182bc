//! Starting, stopping and killing `citychain dev` processes.

use citychain_client::Client;
use citychain_types::Genesis;
use serde::Deserialize;
use serde_json::Value;
use std::{
    io::{BufRead, BufReader},
    net::{SocketAddr, TcpListener},
    path::{Path, PathBuf},
    process::{Child, Command, ExitStatus, Stdio},
    sync::{Arc, Mutex, mpsc},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

#[derive(Clone, Debug, Deserialize)]
pub struct DevAccount {
    pub name: String,
    pub address: citychain_crypto::Address,
    pub key_file: PathBuf,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Banner {
    pub rpc_url: String,
    pub accounts: Vec<DevAccount>,
    /// The applications deployed at genesis.
    #[serde(default)]
    pub applications: Vec<DevApplication>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct DevApplication {
    pub name: String,
    pub address: citychain_crypto::Address,
}

/// A running dev node, killed (SIGKILL) when dropped.
pub struct DevNode {
    pub dir: PathBuf,
    pub banner: Banner,
    pub rpc_addr: SocketAddr,
    child: Child,
    /// The node's standard error, line by line (the newest 500).
    stderr: Arc<Mutex<Vec<String>>>,
}

/// Ports handed to test nodes come from below the kernel's ephemeral range (32768 and up), so a
/// port picked here cannot be taken by someone else's outgoing connection or port-0 bind before
/// the node binds it; a shared counter keeps this process's picks apart.
const TEST_PORTS: std::ops::Range<u16> = 20_000..32_000;

/// `n` consecutive free ports; returns the first.
pub fn free_port_block(n: u16) -> u16 {
    use std::sync::atomic::{AtomicU16, Ordering};
    static NEXT: AtomicU16 = AtomicU16::new(0);
    if NEXT.load(Ordering::Relaxed) == 0 {
        // Start somewhere different in each run, so parallel runs rarely meet.
        let seed = (std::process::id() as u16).wrapping_mul(97) % 10_000;
        let _ = NEXT.compare_exchange(
            0,
            TEST_PORTS.start + seed,
            Ordering::Relaxed,
            Ordering::Relaxed,
        );
    }
    for _ in 0..1_000 {
        let mut base = NEXT.fetch_add(n, Ordering::Relaxed);
        if base + n > TEST_PORTS.end {
            NEXT.store(TEST_PORTS.start + n, Ordering::Relaxed);
            base = TEST_PORTS.start;
        }
        if (base..base + n).all(|p| TcpListener::bind(("127.0.0.1", p)).is_ok()) {
            return base;
        }
    }
    panic!("no block of {n} free test ports");
}

pub fn free_addr() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], free_port_block(1)))
}

impl DevNode {
    /// Starts `citychain dev` on `dir` and waits for it to serve.
    pub fn start(dir: &Path, extra: &[&str]) -> DevNode {
        DevNode::start_at(dir, free_addr(), extra)
    }

    pub fn start_at(dir: &Path, rpc_addr: SocketAddr, extra: &[&str]) -> DevNode {
        let mut child = Command::new(env!("CARGO_BIN_EXE_citychain"))
            .args(["dev", "--json", "--data-dir"])
            .arg(dir)
            .args(["--rpc-addr", &rpc_addr.to_string(), "--verify-threads", "1"])
            .args(extra)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start citychain dev");
        let stdout = child.stdout.take().expect("stdout");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Ok(b) = serde_json::from_str::<Banner>(&line) {
                    let _ = tx.send(b);
                }
            }
        });
        // Keep stderr drained so the node never blocks on a full pipe, and keep its tail.
        let lines = Arc::new(Mutex::new(Vec::new()));
        let kept = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut kept = kept.lock().expect("stderr lines");
                if kept.len() >= 500 {
                    kept.remove(0);
                }
                kept.push(line);
            }
        });
        let banner = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(b) => b,
            Err(_) => {
                let _ = child.kill();
                let status = child.wait().ok();
                panic!("citychain dev did not become ready within 60 s (exit status {status:?})");
            }
        };
        DevNode {
            dir: dir.to_path_buf(),
            banner,
            rpc_addr,
            child,
            stderr: lines,
        }
    }

    /// The node process's id (to read its memory use).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn client(&self) -> Client {
        Client::connect(&self.banner.rpc_url).expect("client")
    }

    pub fn account(&self, name: &str) -> &DevAccount {
        self.banner
            .accounts
            .iter()
            .find(|a| a.name == name)
            .expect("dev account")
    }

    pub fn genesis(&self) -> Genesis {
        serde_json::from_str(
            &std::fs::read_to_string(self.dir.join("genesis.json")).expect("genesis file"),
        )
        .expect("genesis json")
    }

    /// Waits up to `limit` for the node to exit by itself.
    pub fn wait_for_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        None
    }

    /// What the node wrote to standard error so far (its newest 500 lines).
    pub fn stderr(&self) -> String {
        self.stderr.lock().expect("stderr lines").join("\n")
    }

    /// SIGKILL: no shutdown code runs.
    pub fn kill(mut self) {
        self.child.kill().expect("kill");
        self.child.wait().expect("wait");
    }
}

impl Drop for DevNode {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs an async test body on a runtime.
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(f)
}

/// Waits until the node's committed height reaches `height`.
pub async fn wait_for_height(client: &Client, height: u64) {
    for _ in 0..600 {
        if client
            .status()
            .await
            .map(|s| s.height >= height)
            .unwrap_or(false)
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("height {height} not reached within 60 s");
}

/// Waits until `node`'s committed height reaches `height`; on a timeout, the panic shows what
/// the node wrote to standard error, which a bare timeout would hide.
pub async fn wait_for_node_height(node: &DevNode, height: u64) {
    let client = node.client();
    for _ in 0..600 {
        if client
            .status()
            .await
            .map(|s| s.height >= height)
            .unwrap_or(false)
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "height {height} not reached within 60 s; the node said:\n{}",
        node.stderr()
    );
}

/// Runs `citychain --json ARGS`; returns the parsed stdout, or panics with stdout and stderr.
pub fn citychain_json(args: &[&str]) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_citychain"))
        .arg("--json")
        .args(args)
        .output()
        .expect("run citychain");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "citychain {args:?} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}

/// One HTTP/1.1 exchange on a fresh connection: the status and the whole response. Write and
/// read errors are tolerated (a server may answer an oversized body early and close).
pub fn http(addr: SocketAddr, head: &str, body: &[u8]) -> (u16, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    s.write_all(head.as_bytes()).expect("write");
    let _ = s.write_all(body);
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    let status = out
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, out)
}

/// `POST /` with a JSON body: the status and the whole response (headers included).
pub fn http_post(addr: SocketAddr, body: &[u8]) -> (u16, String) {
    let head = format!(
        "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    http(addr, &head, body)
}

/// `GET path`: the status and the response body.
pub fn http_get(addr: SocketAddr, path: &str) -> (u16, String) {
    let head = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    let (status, out) = http(addr, &head, &[]);
    (
        status,
        out.split("\r\n\r\n").nth(1).unwrap_or("").to_string(),
    )
}

/// A dev node with its applications, driven through `citychain contract`.
pub struct Dev {
    pub node: DevNode,
    pub rpc: String,
}

impl Dev {
    pub fn start(dir: &std::path::Path) -> Dev {
        let node = DevNode::start(dir, &[]);
        let rpc = node.banner.rpc_url.clone();
        Dev { node, rpc }
    }

    pub fn app(&self, name: &str) -> String {
        self.node
            .banner
            .applications
            .iter()
            .find(|a| a.name == name)
            .unwrap_or_else(|| panic!("the dev chain deploys {name}"))
            .address
            .to_string()
    }

    pub fn addr(&self, who: &str) -> String {
        self.node.account(who).address.to_string()
    }

    pub fn key(&self, who: &str) -> String {
        self.node
            .account(who)
            .key_file
            .to_str()
            .expect("utf-8")
            .to_string()
    }

    pub fn call_args(
        &self,
        who: &str,
        contract: &str,
        method: &str,
        args: &[String],
    ) -> Vec<String> {
        let mut all: Vec<String> = [
            "contract",
            "call",
            "--rpc",
            &self.rpc,
            "--key",
            &self.key(who),
            contract,
            method,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for a in args {
            all.extend(["--arg".to_string(), a.clone()]);
        }
        all
    }

    /// `contract call`; its JSON (receipt, returned, events).
    pub fn call(&self, who: &str, contract: &str, method: &str, args: &[String]) -> Value {
        let all = self.call_args(who, contract, method, args);
        citychain_json(&all.iter().map(String::as_str).collect::<Vec<_>>())
    }

    /// `contract call` that must fail; its stderr.
    pub fn refused(&self, who: &str, contract: &str, method: &str, args: &[String]) -> String {
        let all = self.call_args(who, contract, method, args);
        let out = Command::new(env!("CARGO_BIN_EXE_citychain"))
            .args(&all)
            .output()
            .expect("run citychain");
        assert!(!out.status.success(), "{method} should fail");
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    pub fn query(&self, contract: &str, method: &str, args: &[String]) -> Value {
        let mut all: Vec<String> = ["contract", "query", "--rpc", &self.rpc, contract, method]
            .iter()
            .map(|s| s.to_string())
            .collect();
        for a in args {
            all.extend(["--arg".to_string(), a.clone()]);
        }
        // One return value (a tuple for several).
        citychain_json(&all.iter().map(String::as_str).collect::<Vec<_>>())["returned"][0].clone()
    }

    pub fn balance(&self, who: &str) -> u128 {
        let account = citychain_json(&["query", "account", &self.addr(who), "--rpc", &self.rpc]);
        account["balance"]
            .as_str()
            .expect("a balance")
            .parse()
            .expect("a number")
    }
}

/// The applications `citychain dev`, `testnet init` and `genesis new --apps` deploy, in order.
pub const APPLICATIONS: [&str; 12] = [
    "certificates",
    "permits",
    "grants",
    "invoices",
    "wages",
    "transit",
    "datashare",
    "trace",
    "notary",
    "approval",
    "asset-escrow",
    "city-credit",
];

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_millis() as u64
}
