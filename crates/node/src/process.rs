//! Running a node as an operating-system process: tokio runtime, real TCP p2p, the API server.
//!
//! Start-up, in order:
//! 1. open the chain store (a torn last block record is cut off and reported; corrupt committed
//!    data stops the node with the file and byte offset);
//! 2. commit the genesis block on a fresh data directory;
//! 3. re-execute blocks the log holds above the committed state (after a power loss);
//! 4. start p2p, consensus and the finalizer, then the API server.

use crate::{
    Error, Result,
    api::{NodeService, health::NodeEndpoints},
    consensus::{
        self, ConsensusKey, ConsensusSecret,
        engine::{self, Channels, EngineConfig, Timeouts, channel},
        guard::{VOTE_RECORD_FILE, VoteRecord, VotingProblem},
    },
    wiring,
};
use citychain_crypto::Hash;
use citychain_mempool::MempoolConfig;
use citychain_rpc::ServerConfig;
use citychain_storage::StoreOptions;
use citychain_types::{Genesis, Height, ValidatorKey};
use commonware_cryptography::{ChaCha20Poly1305, Signer as _};
use commonware_p2p::{AddressableManager as _, authenticated::lookup};
use commonware_parallel::Rayon;
use commonware_runtime::{
    Metrics as _, Quota, Runner as _, Supervisor as _, telemetry::metrics::MetricsExt as _,
    tokio as cw_tokio,
};
use commonware_stream::{
    cups::{self, Cups},
    sake::{self, Sake},
};
use commonware_utils::{NZU32, NZUsize, ordered::Map};
use std::{net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};
use tracing::{error, info, warn};

/// Everything a node process needs.
#[derive(Clone)]
pub struct NodeConfig {
    pub data_dir: PathBuf,
    pub genesis: Genesis,
    /// This node's consensus key (it votes in the epochs whose validator set holds it).
    pub signer: ConsensusSecret,
    pub p2p_listen: SocketAddr,
    /// Where to reach each validator, this one included.
    pub validators: Vec<(ValidatorKey, SocketAddr)>,
    /// Non-voting nodes allowed to connect (they dial us; we do not dial them).
    pub full_nodes: Vec<(ValidatorKey, SocketAddr)>,
    pub rpc_listen: SocketAddr,
    pub verify_threads: usize,
    pub worker_threads: usize,
    pub mempool: MempoolConfig,
    /// Keep the account-history index (`tx_listByAccount`, the console's account pages).
    pub account_index: bool,
}

/// What a started node reports.
#[derive(Clone, Debug)]
pub struct Ready {
    pub rpc_addr: SocketAddr,
    pub height: Height,
    pub genesis_hash: Hash,
}

/// The p2p tracker's per-peer connection gauge (one sample per connected peer).
const CONNECTED_PEER_METRIC: &str = "p2p_tracker_directory_connected{";

/// Largest p2p message: a whole block plus consensus framing.
const MAX_MESSAGE_BYTES: u32 = (consensus::MAX_BLOCK_BYTES + (1 << 20)) as u32;

/// The namespace of consensus signatures: `citychain/consensus/v1/ || genesis hash`.
pub fn consensus_namespace(genesis: &Genesis) -> Vec<u8> {
    [b"citychain/consensus/v1/".as_slice(), &genesis.hash().0].concat()
}

/// The namespace of p2p handshakes: `citychain/p2p/v1/ || genesis hash`.
pub fn p2p_namespace(genesis: &Genesis) -> Vec<u8> {
    [b"citychain/p2p/v1/".as_slice(), &genesis.hash().0].concat()
}

/// Runs a node until it is interrupted (Ctrl-C or SIGTERM) or fails.
pub fn run(config: NodeConfig, on_ready: impl FnOnce(Ready) + Send + 'static) -> Result<()> {
    let data_dir = config.data_dir.clone();
    explain_disk_full_panics(data_dir.clone());
    run_node(config, on_ready).map_err(|e| {
        let text = e.to_string();
        if is_disk_full(&text) {
            Error::Storage(explain_disk_full(text, &data_dir))
        } else {
            e
        }
    })
}

/// Whether a failure's text says a write found the disk full.
fn is_disk_full(text: &str) -> bool {
    text.contains("No space left on device")
        || text.contains("os error 28")
        || text.contains("StorageFull")
}

/// Whether the disk holding `dir` refuses a small write for lack of space.
fn disk_is_full(dir: &std::path::Path) -> bool {
    use std::io::Write;
    let probe = dir.join(".space-probe");
    let full = std::fs::File::create(&probe)
        .and_then(|mut f| f.write_all(&[0u8; 64 * 1024]).and_then(|()| f.sync_all()))
        .is_err_and(|e| {
            e.kind() == std::io::ErrorKind::StorageFull || e.raw_os_error() == Some(28)
        });
    let _ = std::fs::remove_file(&probe);
    full
}

/// Adds what a full disk means for this node, and what to do, to an error that reports one.
fn explain_disk_full(error: String, data_dir: &std::path::Path) -> String {
    if !is_disk_full(&error) {
        return error;
    }
    format!(
        "{error}\nthe disk holding {} is full: the node stopped rather than go on without \
         writing. Nothing acknowledged is lost (a block is reported committed only once it is \
         on disk). Free space on that disk and start the node again; it resumes from its last \
         committed block.",
        data_dir.display()
    )
}

/// Consensus's storage panics when a write fails; when the panic is a full disk, say so in
/// words an operator can act on before the usual panic report.
fn explain_disk_full_panics(data_dir: PathBuf) {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info
            .payload()
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| info.payload().downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        // commonware reports a failed write without its cause ("WriteFailed"): ask the disk.
        if is_disk_full(&payload) || (payload.contains("Write") && disk_is_full(&data_dir)) {
            let error = format!("error: {payload} (No space left on device)");
            eprintln!("{}", explain_disk_full(error, &data_dir));
            std::process::exit(1);
        }
        previous(info);
    }));
}

fn run_node(config: NodeConfig, on_ready: impl FnOnce(Ready) + Send + 'static) -> Result<()> {
    let runtime = cw_tokio::Config::new()
        .with_worker_threads(config.worker_threads.max(2))
        .with_storage_directory(config.data_dir.join("consensus"))
        .with_catch_panics(false);
    cw_tokio::Runner::new(runtime).start(|context| async move {
        let strategy = Rayon::new(NZUsize!(config.verify_threads.max(1))).map_err(|e| Error::Resources(format!("thread pool: {e}")))?;
        let (chain, genesis_block) = wiring::open_chain(
            &config.data_dir,
            &config.genesis,
            config.mempool.clone(),
            strategy,
            StoreOptions {
                no_account_index: !config.account_index,
                ..StoreOptions::default()
            },
        )?;
        let me = config.signer.public_key();
        // Whether it votes is decided per epoch (logged as each epoch starts).
        info!(key = %consensus::validator_key(&me), "starting");
        let my_key = consensus::validator_key(&me);
        if !config.validators.iter().chain(&config.full_nodes).any(|(k, _)| *k == my_key) {
            warn!(key = %my_key, "this node's key is in neither [[validators]] nor [[full_nodes]] of its configuration; peers only accept keys they list");
        }

        // commonware's listener panics if it cannot bind; say why instead.
        std::net::TcpListener::bind(config.p2p_listen)
            .map_err(|e| Error::Resources(format!("cannot listen for peers on {}: {e}", config.p2p_listen)))?;
        std::net::TcpListener::bind(config.rpc_listen)
            .map_err(|e| Error::Resources(format!("cannot serve the API on {}: {e}", config.rpc_listen)))?;

        // Authenticated, encrypted links to the other validators only.
        let handshake = Cups::<_, ChaCha20Poly1305>::new(
            Sake {
                signer: config.signer.clone(),
                synchrony_bound: Duration::from_secs(10),
                max_handshake_age: Duration::from_secs(30),
                version: sake::Version::V1,
            },
            cups::Version::V1,
        );
        let p2p_config = lookup::Config::local(
            handshake,
            &p2p_namespace(&config.genesis),
            config.p2p_listen,
            // Everyone listed, plus this node (commonware counts it; it need not be listed).
            NZUsize!(config.validators.len() + config.full_nodes.len() + 1),
            MAX_MESSAGE_BYTES,
            NZUsize!(4_096),
        );
        let (mut network, oracle) = lookup::Network::new(context.child("p2p"), p2p_config);
        // Validators are primary peers (dialed); full nodes are secondary (accepted when they dial).
        let peer_map = |list: &[(ValidatorKey, SocketAddr)]| -> Result<Map<ConsensusKey, commonware_p2p::Address>> {
            let mut peers = Vec::new();
            for (key, addr) in list {
                let key = consensus::consensus_key(key).ok_or_else(|| Error::Config(format!("peer key {key} is invalid")))?;
                peers.push((key, commonware_p2p::Address::from(*addr)));
            }
            peers.try_into().map_err(|e| Error::Config(format!("peer list: {e:?}")))
        };
        // Every listed peer may connect; each epoch's validators are the primary peers (the
        // orchestrator tells the oracle as epochs start).
        let address_book = peer_map(&config.validators)?
            .into_iter()
            .chain(peer_map(&config.full_nodes)?)
            .collect::<Vec<_>>();
        let peer_sets = AddressBookPeers { oracle: oracle.clone(), address_book };
        // Per-peer message rates: generous for votes, modest for bulk data. Each channel's inbound
        // mailbox holds one burst from every peer, so these also bound memory.
        let channels = Channels {
            votes: network.register(channel::VOTES, Quota::per_second(NZU32!(2_048))),
            certificates: network.register(channel::CERTIFICATES, Quota::per_second(NZU32!(1_024))),
            consensus_fetch: network.register(channel::CONSENSUS_FETCH, Quota::per_second(NZU32!(256))),
            blocks: network.register(channel::BLOCKS, Quota::per_second(NZU32!(256))),
            backfill: network.register(channel::BACKFILL, Quota::per_second(NZU32!(256))),
        };
        let transactions = network.register(channel::TRANSACTIONS, Quota::per_second(NZU32!(512)));
        let p2p = network.start();

        let interval = Duration::from_millis(config.genesis.params.empty_block_interval_ms);
        let voting_problem = VotingProblem::default();
        let started = wiring::start(
            context.child("node"),
            chain.clone(),
            genesis_block,
            EngineConfig {
                signer: config.signer.clone(),
                misbehaviour: None,
                namespace: consensus_namespace(&config.genesis),
                partition_prefix: "citychain".into(),
                timeouts: Timeouts::for_interval(interval),
                peer_provider: oracle.clone(),
                blocker: oracle.clone(),
                strategy: Rayon::new(NZUsize!(config.verify_threads.max(1))).map_err(|e| Error::Resources(format!("thread pool: {e}")))?,
                monitor: None::<engine::NoMonitor>,
                peer_sets: Box::new(peer_sets),
                vote_record: VoteRecord::open(&config.data_dir.join(VOTE_RECORD_FILE), true).map_err(Error::VoteRecord)?,
                problem: voting_problem.clone(),
                storage_location: config.data_dir.join("consensus").display().to_string(),
            },
            channels,
            transactions,
        )
        .await?;
        let finalized_tip = started.finalized_tip.clone();

        // Connected peers, as commonware's p2p tracker reports them in its metrics.
        let peers_context = context.child("peers");
        let peers: Arc<dyn Fn() -> usize + Send + Sync> = Arc::new(move || {
            peers_context.encode().lines().filter(|l| l.starts_with(CONNECTED_PEER_METRIC)).count()
        });
        let service = NodeService::new(chain.clone(), started.marshal.clone(), finalized_tip.clone(), peers.clone(), started.relay.clone());
        let metrics_context = context.child("api");
        let height =
            metrics_context.gauge("committed_height", "Height of the newest committed block");
        let pending =
            metrics_context.gauge("mempool_pending", "Transactions waiting in the mempool");
        let endpoints = Arc::new(NodeEndpoints {
            chain: chain.clone(),
            metrics: Box::new(move || metrics_context.encode()),
            finalized_tip: finalized_tip.clone(),
            peers,
            configured_peers: config
                .validators
                .iter()
                .chain(&config.full_nodes)
                .filter(|(k, _)| *k != my_key)
                .count(),
            height,
            pending,
            voting_problem: voting_problem.clone(),
        });
        let (rpc_addr, rpc) =
            citychain_rpc::serve(
                ServerConfig::new(config.rpc_listen),
                service.methods(),
                citychain_rpc::http::plain_routes(endpoints).merge(citychain_rpc::console::routes()),
            )
                .await
                .map_err(|e| Error::Resources(format!("cannot serve the API on {}: {e}", config.rpc_listen)))?;
        let head = chain.store.head().ok_or_else(|| Error::Storage("no head after start-up".into()))?;
        on_ready(Ready {
            rpc_addr,
            height: head.height,
            genesis_hash: config.genesis.hash(),
        });

        let mut handles = started.consensus;
        handles.push(started.relay_task);
        handles.push(p2p);
        let consensus_stopped = futures::future::select_all(handles);
        let result = tokio::select! {
            _ = shutdown_signal() => {
                info!("shutting down");
                Ok(())
            }
            r = started.finalizer => match r {
                Ok(Err(e)) => Err(e),
                Ok(Ok(())) => Err(Error::Stopped("the finalizer stopped".into())),
                Err(e) => Err(Error::Stopped(format!("the finalizer failed: {e:?}"))),
            },
            (r, i, _) = consensus_stopped => match voting_problem.get() {
                Some(why) => Err(Error::ConsensusRecords(why)),
                None => {
                    error!(actor = i, result = ?r, "a consensus actor stopped");
                    Err(Error::Stopped("consensus stopped unexpectedly".into()))
                }
            }
        };
        let _ = rpc.stop();
        result
    })
}

/// Tracks each epoch's peers on the lookup network: the epoch's validators as primary peers,
/// every other peer in the configuration as secondary.
struct AddressBookPeers {
    oracle: lookup::Oracle<ConsensusKey>,
    address_book: Vec<(ConsensusKey, commonware_p2p::Address)>,
}

impl consensus::epochs::PeerSets for AddressBookPeers {
    fn enter_epoch(&mut self, epoch: u64, validators: &[ConsensusKey]) {
        for v in validators {
            if !self.address_book.iter().any(|(k, _)| k == v) {
                warn!(epoch, validator = %consensus::validator_key(v), "a validator of this epoch has no address in this node's configuration; add it to [[validators]] to reach it");
            }
        }
        let (primary, secondary): (Vec<_>, Vec<_>) = self
            .address_book
            .iter()
            .cloned()
            .partition(|(k, _)| validators.contains(k));
        match (Map::try_from(primary), Map::try_from(secondary)) {
            (Ok(primary), Ok(secondary)) => {
                let _ = self.oracle.track(
                    epoch,
                    commonware_p2p::AddressableTrackedPeers { primary, secondary },
                );
            }
            _ => error!(epoch, "the configured peers list a key twice"),
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => return std::future::pending().await,
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
