//! Real multi-process networks: `citychain testnet init`, one `citychain node` process per node,
//! every link between nodes through a fault-injecting proxy, a tracked load whose
//! acknowledgements are checked on every node, and the fork-free check.

use crate::harness::free_addr;
use citychain_client::api::*;
use citychain_client::{
    Client,
    keys::open_key_file,
    types::{BlockId, Inclusion},
};
use citychain_crypto::{Address, Hash, SecretKey};
use citychain_node::config::NodeFile;
use citychain_sim::proxy::{LinkFaults, Proxy};
use citychain_types::{Amount, Encode, Gas, Genesis, Nonce, Payload, Transaction};
use std::{
    collections::BTreeMap,
    io::{BufRead, BufReader},
    net::SocketAddr,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{
        Arc, Mutex, MutexGuard,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

/// Networks are heavy (several processes each): run one at a time.
static ONE_NETWORK_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Holds the network lock, for tests that run a network without [`Testnet`].
pub fn exclusive() -> MutexGuard<'static, ()> {
    ONE_NETWORK_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

struct NodeProcess {
    config: PathBuf,
    p2p: SocketAddr,
    rpc: SocketAddr,
    log: PathBuf,
    child: Option<Child>,
}

/// A running local network; every process is killed when it is dropped.
pub struct Testnet {
    pub dir: tempfile::TempDir,
    pub genesis: Genesis,
    runtime: tokio::runtime::Runtime,
    nodes: Vec<NodeProcess>,
    /// (from, to) -> the proxy `from` dials to reach validator `to`.
    proxies: BTreeMap<(usize, usize), Proxy>,
    passphrase: String,
    _guard: MutexGuard<'static, ()>,
}

impl Testnet {
    /// Creates (does not start) `validators` validators and `full_nodes` full nodes, with
    /// fresh ports and a proxy on every link.
    pub fn init(validators: usize, full_nodes: usize, empty_block_interval_ms: u64) -> Testnet {
        Self::init_with(validators, full_nodes, empty_block_interval_ms, &[])
    }

    /// [`Testnet::init`] with more `testnet init` arguments.
    pub fn init_with(
        validators: usize,
        full_nodes: usize,
        empty_block_interval_ms: u64,
        extra: &[&str],
    ) -> Testnet {
        let guard = exclusive();
        let dir = tempfile::tempdir().expect("tempdir");
        let out = Command::new(env!("CARGO_BIN_EXE_citychain"))
            .args(["testnet", "init", "--dir"])
            .arg(dir.path())
            .args(["--validators", &validators.to_string()])
            .args(["--full-nodes", &full_nodes.to_string()])
            .args([
                "--empty-block-interval-ms",
                &empty_block_interval_ms.to_string(),
            ])
            .args(extra)
            .output()
            .expect("run testnet init");
        assert!(
            out.status.success(),
            "testnet init failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let passphrase =
            std::fs::read_to_string(dir.path().join("passphrase")).expect("passphrase file");
        let genesis: Genesis = serde_json::from_str(
            &std::fs::read_to_string(dir.path().join("genesis.json")).expect("genesis"),
        )
        .expect("genesis json");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");

        let total = validators + full_nodes;
        let ports: Vec<(SocketAddr, SocketAddr)> =
            (0..total).map(|_| (free_addr(), free_addr())).collect();
        let mut proxies = BTreeMap::new();
        let any: SocketAddr = "127.0.0.1:0".parse().expect("addr");
        for from in 0..total {
            for to in (0..validators).filter(|to| *to != from) {
                let proxy =
                    Proxy::start(runtime.handle(), any, ports[to].0, (from * 100 + to) as u64)
                        .expect("start a proxy");
                proxies.insert((from, to), proxy);
            }
        }
        let mut nodes = Vec::new();
        for (i, (p2p, rpc)) in ports.iter().enumerate() {
            let config = dir.path().join(format!("node{i}/node.toml"));
            let mut file = NodeFile::read(&config).expect("read node config");
            // `read` resolved relative paths; keep them relative to the file.
            file.data_dir = "data".into();
            file.genesis = "../genesis.json".into();
            file.key = "node.key".into();
            file.p2p_listen = *p2p;
            file.rpc_listen = *rpc;
            file.verify_threads = 1;
            for (to, peer) in file.validators.iter_mut().enumerate() {
                peer.address = match proxies.get(&(i, to)) {
                    Some(proxy) => proxy.addr(),
                    None => *p2p,
                };
            }
            for (k, peer) in file.full_nodes.iter_mut().enumerate() {
                peer.address = ports[validators + k].0;
            }
            std::fs::remove_file(&config).expect("replace config");
            file.write(&config).expect("write node config");
            nodes.push(NodeProcess {
                config,
                p2p: *p2p,
                rpc: *rpc,
                log: dir.path().join(format!("node{i}/node.log")),
                child: None,
            });
        }
        Testnet {
            dir,
            genesis,
            runtime,
            nodes,
            proxies,
            passphrase,
            _guard: guard,
        }
    }

    /// Starts node `i` and waits until it serves its API.
    pub fn start(&mut self, i: usize) {
        assert!(self.nodes[i].child.is_none(), "node {i} is running");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.nodes[i].log)
            .expect("log file");
        let mut child = Command::new(env!("CARGO_BIN_EXE_citychain"))
            .args(["--json", "node", "--config"])
            .arg(&self.nodes[i].config)
            .env("CITYCHAIN_PASSPHRASE", &self.passphrase)
            .env("RUST_LOG", "warn,citychain_node=info")
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("start citychain node");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.contains("rpc_url") {
                    let _ = tx.send(());
                }
            }
        });
        if rx.recv_timeout(Duration::from_secs(60)).is_err() {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "node {i} did not start within 60 s; log:\n{}",
                self.log_tail(i)
            );
        }
        self.nodes[i].child = Some(child);
    }

    pub fn start_all(&mut self) {
        for i in 0..self.nodes.len() {
            self.start(i);
        }
    }

    /// SIGKILL: nothing of the node's shutdown code runs.
    pub fn kill(&mut self, i: usize) {
        if let Some(mut child) = self.nodes[i].child.take() {
            child.kill().expect("kill");
            child.wait().expect("wait");
        }
    }

    pub fn is_running(&self, i: usize) -> bool {
        self.nodes[i].child.is_some()
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn client(&self, i: usize) -> Client {
        Client::connect(&format!("http://{}", self.nodes[i].rpc)).expect("client")
    }

    /// Where node `i` really listens for peers (not through a proxy).
    pub fn p2p_addr(&self, i: usize) -> SocketAddr {
        self.nodes[i].p2p
    }

    pub fn passphrase(&self) -> &str {
        &self.passphrase
    }

    pub fn rpc_url(&self, i: usize) -> String {
        format!("http://{}", self.nodes[i].rpc)
    }

    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.runtime.block_on(f)
    }

    pub fn spawn<F>(&self, f: F) -> tokio::task::JoinHandle<F::Output>
    where
        F: std::future::Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.runtime.spawn(f)
    }

    /// The proxy node `from` reaches validator `to` through.
    pub fn proxy(&self, from: usize, to: usize) -> &Proxy {
        &self.proxies[&(from, to)]
    }

    /// Applies `faults` to both directions between `a` and `b` (where they exist).
    pub fn set_link(&self, a: usize, b: usize, faults: LinkFaults) {
        for key in [(a, b), (b, a)] {
            if let Some(p) = self.proxies.get(&key) {
                p.set(faults);
            }
        }
    }

    /// Committed height of node `i`, if it answers.
    pub fn height(&self, i: usize) -> Option<u64> {
        if !self.is_running(i) {
            return None;
        }
        let client = self.client(i);
        self.block_on(async { client.status().await.ok().map(|s| s.height) })
    }

    /// Highest committed height among running nodes other than `except`.
    pub fn tip(&self, except: Option<usize>) -> u64 {
        (0..self.len())
            .filter(|i| Some(*i) != except)
            .filter_map(|i| self.height(i))
            .max()
            .unwrap_or(0)
    }

    /// Waits until node `i` reaches `height`; returns how long it took.
    pub fn wait_for(&self, i: usize, height: u64, limit: Duration) -> Duration {
        let started = Instant::now();
        while started.elapsed() < limit {
            if self.height(i).is_some_and(|h| h >= height) {
                return started.elapsed();
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "node {i} did not reach height {height} within {limit:?} (at {:?}); log:\n{}",
            self.height(i),
            self.log_tail(i)
        );
    }

    /// Waits until every running node is at one height, at least `min`; returns it.
    pub fn converge(&self, min: u64, limit: Duration) -> u64 {
        let started = Instant::now();
        loop {
            let heights: Vec<u64> = (0..self.len()).filter_map(|i| self.height(i)).collect();
            let low = heights.iter().copied().min().unwrap_or(0);
            let high = heights.iter().copied().max().unwrap_or(0);
            if low >= min && high - low <= 1 {
                return low;
            }
            assert!(
                started.elapsed() < limit,
                "nodes did not converge within {limit:?}: heights {heights:?}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Fork-free: every running node has the same block hash and state root at every height
    /// up to `height` (and the finality certificate of each verifies against the genesis).
    pub fn assert_same_chain(&self, height: u64) {
        let clients: Vec<(usize, Client)> = (0..self.len())
            .filter(|i| self.is_running(*i))
            .map(|i| (i, self.client(i)))
            .collect();
        let mut trust = citychain_client::verify::TrustRoot::from_genesis(&self.genesis);
        self.block_on(async {
            for h in 1..=height {
                let mut first: Option<(usize, Hash, Hash)> = None;
                for (i, client) in &clients {
                    let info = client
                        .rpc()
                        .chain_get_header(BlockId::Height(h))
                        .await
                        .unwrap_or_else(|e| panic!("node {i} header {h}: {e}"));
                    let id = (info.hash, info.header.state_root);
                    match first {
                        None => first = Some((*i, id.0, id.1)),
                        Some((j, hash, root)) => assert_eq!(
                            (hash, root),
                            id,
                            "fork at height {h} between node {j} and node {i}"
                        ),
                    }
                    if let Some(f) = &info.finality {
                        // Later epochs' validators, learned through proofs from the genesis on.
                        client
                            .learn_epochs(&mut trust, f.epoch, |_| {})
                            .await
                            .unwrap_or_else(|e| panic!("node {i}: epoch {}: {e}", f.epoch));
                        citychain_client::verify::verify_header(&trust, &info).unwrap_or_else(
                            |e| panic!("node {i} serves block {h} with a bad certificate: {e}"),
                        );
                    }
                }
            }
        });
    }

    /// No lost acknowledgements: every acknowledged transaction is on every running node, in
    /// the block it was acknowledged in.
    pub fn assert_acks_kept(&self, acked: &BTreeMap<Hash, Inclusion>) {
        for i in (0..self.len()).filter(|i| self.is_running(*i)) {
            let client = self.client(i);
            self.block_on(async {
                for (hash, inclusion) in acked {
                    let receipt = client
                        .rpc()
                        .tx_get_receipt(*hash)
                        .await
                        .expect("receipt query")
                        .unwrap_or_else(|| panic!("node {i} lost acknowledged {hash}"));
                    assert_eq!(
                        receipt.inclusion.block_hash, inclusion.block_hash,
                        "node {i} has {hash} in another block"
                    );
                }
            });
        }
    }

    pub fn account_key(&self, name: &str) -> SecretKey {
        open_key_file(
            &self.dir.path().join(format!("accounts/{name}.json")),
            |_| unreachable!("testnet accounts are plaintext"),
        )
        .expect("account key")
    }

    pub fn account_file(&self, name: &str) -> PathBuf {
        self.dir.path().join(format!("accounts/{name}.json"))
    }

    pub fn node_dir(&self, i: usize) -> &Path {
        self.nodes[i].config.parent().expect("node dir")
    }

    pub fn log_tail(&self, i: usize) -> String {
        let text = std::fs::read_to_string(&self.nodes[i].log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }
}

impl Drop for Testnet {
    fn drop(&mut self) {
        for i in 0..self.nodes.len() {
            self.kill(i);
        }
    }
}

/// A client-side load that remembers what was acknowledged: transfers from one account, each
/// resubmitted (to the next running node) until some node reports it committed.
pub struct TrackedLoad {
    stop: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<BTreeMap<Hash, Inclusion>>,
}

impl TrackedLoad {
    /// Sends about `per_second` transfers from `sender` to `to`, through the nodes at `urls`.
    pub fn start(
        net: &Testnet,
        sender: SecretKey,
        to: Address,
        per_second: u64,
        urls: Vec<String>,
    ) -> TrackedLoad {
        let stop = Arc::new(AtomicBool::new(false));
        let chain_id = net.genesis.chain_id.clone();
        let flag = stop.clone();
        let task = net.spawn(async move {
            let clients: Vec<Client> = urls
                .iter()
                .map(|u| Client::connect(u).expect("client"))
                .collect();
            let tick = Duration::from_millis(200);
            let per_tick = (per_second / 5).max(1);
            let mut nonce = 0u64;
            // Signed, not yet seen committed: (hash, hex encoding).
            let mut pending: Vec<(Hash, String)> = Vec::new();
            let mut acked = BTreeMap::new();
            let mut turn = 0usize;
            let mut draining = 0;
            // After `stop`, keep resubmitting for a while so the tail gets committed too.
            while draining < 150 && !(draining > 0 && pending.is_empty()) {
                if flag.load(Ordering::Relaxed) {
                    draining += 1;
                } else {
                    for _ in 0..per_tick {
                        let tx = Transaction {
                            chain_id: chain_id.clone(),
                            sender: sender.public_key(),
                            nonce: Nonce(nonce),
                            gas_limit: Gas(100_000),
                            payload: Payload::Transfer {
                                to,
                                amount: Amount(1),
                            },
                        }
                        .sign(&sender);
                        nonce += 1;
                        pending.push((tx.hash(), citychain_crypto::hex::encode(tx.encode())));
                    }
                }
                turn += 1;
                let client = &clients[turn % clients.len()];
                let raw: Vec<String> = pending.iter().take(500).map(|(_, r)| r.clone()).collect();
                if !raw.is_empty() {
                    let _ = client.rpc().tx_submit_batch(raw.into()).await;
                }
                tokio::time::sleep(tick).await;
                let mut still = Vec::new();
                for (hash, raw) in pending.drain(..) {
                    match client.rpc().tx_get_receipt(hash).await {
                        Ok(Some(r)) => {
                            acked.insert(hash, r.inclusion);
                        }
                        _ => still.push((hash, raw)),
                    }
                }
                pending = still;
            }
            acked
        });
        TrackedLoad { stop, task }
    }

    /// Stops sending new transfers, lets the tail commit, returns the acknowledgements.
    pub fn finish(self, net: &Testnet) -> BTreeMap<Hash, Inclusion> {
        self.stop.store(true, Ordering::Relaxed);
        net.block_on(self.task).expect("load task")
    }
}
