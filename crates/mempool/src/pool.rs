use citychain_crypto::{Address, BatchItem, Hash, verify_batch};
use citychain_execution::{
    BlockContext, InvalidTx,
    admission::{self, NonceRule},
    permissions::Rules,
    read::{self, StateRead},
};
use citychain_types::{
    Account, ChainParams, Decode, DecodeError, Encode, Nonce, SignedTransaction,
    transaction::TX_NAMESPACE,
};
use commonware_parallel::Strategy;
use futures::channel::oneshot;
use parking_lot::{Mutex, RwLock};
use std::{
    collections::{BTreeMap, HashMap},
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
};

/// The committed state the pool admits against (nonces, balances, permissions).
pub trait CommittedState: Send + Sync + 'static {
    /// The newest committed state and its height; `None` before anything is committed.
    fn latest(&self) -> Option<(u64, Box<dyn StateRead + Send + Sync>)>;
}

/// Limits of the pool.
#[derive(Clone, Debug)]
pub struct MempoolConfig {
    /// Most transactions held.
    pub max_txs: usize,
    /// Most transactions held per sender.
    pub max_per_sender: usize,
    /// How many nonces, from the sender's next one, the pool holds: `next .. next + window`
    /// (a transaction at `next + window` or beyond is refused).
    pub nonce_window: u64,
    /// Most bytes of encoded transactions held (contract deployments can be large).
    pub max_bytes: usize,
    /// Blocks a transaction may wait in the pool (behind a nonce gap, or unpayable) before it
    /// is dropped; its sender may submit it again.
    pub expiry_blocks: u64,
}

impl Default for MempoolConfig {
    fn default() -> Self {
        MempoolConfig {
            max_txs: 500_000,
            max_per_sender: 4_096,
            nonce_window: 4_096,
            max_bytes: 1 << 30,
            expiry_blocks: 600,
        }
    }
}

/// Why a transaction was not admitted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("transaction is {size} bytes; the limit is {max}")]
    TooLarge { size: usize, max: u32 },
    #[error("malformed transaction: {0}")]
    Malformed(DecodeError),
    #[error("{0}")]
    Invalid(InvalidTx),
    #[error(
        "nonce {nonce} is too far ahead of the account's next nonce {next}: the pool holds \
         nonces up to {} (a window of {window})",
        .next.0.saturating_add(.window.saturating_sub(1))
    )]
    NonceTooFarAhead {
        nonce: Nonce,
        next: Nonce,
        window: u64,
    },
    #[error("another transaction with nonce {nonce} from this sender is already pending")]
    NonceConflict { nonce: Nonce },
    #[error("this sender already has {max} pending transactions; wait for some to be included")]
    SenderFull { max: usize },
    #[error("the mempool is full ({max} transactions); try again shortly")]
    PoolFull { max: usize },
    #[error("the mempool is full ({max} bytes of transactions); try again shortly")]
    PoolBytesFull { max: usize },
}

impl Rejection {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Rejection::TooLarge { .. } => "too_large",
            Rejection::Malformed(_) => "malformed",
            Rejection::Invalid(e) => e.code(),
            Rejection::NonceTooFarAhead { .. } => "nonce_too_high",
            Rejection::NonceConflict { .. } => "nonce_conflict",
            Rejection::SenderFull { .. } => "sender_cap",
            Rejection::PoolFull { .. } | Rejection::PoolBytesFull { .. } => "mempool_full",
        }
    }
}

/// Counters for metrics and status.
#[derive(Clone, Debug, Default)]
pub struct MempoolStats {
    pub pending: usize,
    pub senders: usize,
    pub admitted: u64,
    pub rejected: u64,
    /// Dropped after waiting `expiry_blocks`.
    pub expired: u64,
}

struct Entry {
    tx: Arc<SignedTransaction>,
    seq: u64,
    /// The committed height when it was admitted.
    height: u64,
}

#[derive(Default)]
struct Pool {
    by_sender: HashMap<Address, BTreeMap<u64, Entry>>,
    by_hash: HashMap<Hash, (Address, u64)>,
    /// Arrival order: sequence number → (sender, nonce).
    arrival: BTreeMap<u64, (Address, u64)>,
    next_seq: u64,
    /// Encoded size of everything held.
    bytes: usize,
    /// The committed height last reported by [`Mempool::expire`].
    height: u64,
    /// Transactions dropped for waiting too long.
    expired: u64,
}

impl Pool {
    fn len(&self) -> usize {
        self.by_hash.len()
    }

    fn remove(&mut self, sender: &Address, nonce: u64) {
        if let Some(txs) = self.by_sender.get_mut(sender) {
            if let Some(e) = txs.remove(&nonce) {
                self.by_hash.remove(&e.tx.hash());
                self.arrival.remove(&e.seq);
                self.bytes -= e.tx.encoded_len();
            }
            if txs.is_empty() {
                self.by_sender.remove(sender);
            }
        }
    }
}

/// The transaction pool.
pub struct Mempool<S: Strategy> {
    config: MempoolConfig,
    ctx: BlockContext,
    params: RwLock<ChainParams>,
    committed: Arc<dyn CommittedState>,
    /// The permission rules as of a committed height (read once per block, not per transaction).
    rules: Mutex<Option<(u64, Rules)>>,
    strategy: S,
    pool: Mutex<Pool>,
    /// Never held while `pool` is being taken (admission takes it after `pool`).
    accounts: Mutex<AccountCache>,
    admitted: AtomicU64,
    rejected: AtomicU64,
    /// Counts insertions, so a waiter can ask for "anything new since".
    arrivals: AtomicU64,
    waiters: Mutex<Vec<oneshot::Sender<()>>>,
}

/// The committed state one submission is checked against.
struct Committed<'a> {
    height: u64,
    view: &'a (dyn StateRead + Send + Sync),
    rules: Option<Rules>,
}

/// Most accounts [`AccountCache`] holds; it is emptied when full.
const ACCOUNT_CACHE_ENTRIES: usize = 65_536;

/// Committed accounts already read at one height. The state of a committed height never
/// changes, so a sender's account is read from the store once per block, not once per
/// transaction (each read searches the store's memtable: 4% of a loaded node's time). A
/// committed block's senders are read into it as their transactions leave the pool.
#[derive(Default)]
struct AccountCache {
    height: u64,
    accounts: HashMap<Address, Account>,
}

impl AccountCache {
    fn account(
        &mut self,
        height: u64,
        view: &(dyn StateRead + Send + Sync),
        sender: &Address,
    ) -> Account {
        if self.height != height {
            self.height = height;
            self.accounts.clear();
        }
        if let Some(account) = self.accounts.get(sender) {
            return *account;
        }
        // An unreadable account counts as empty (execution decides) and is not remembered.
        let Ok(account) = read::account(view, sender) else {
            return Account::default();
        };
        if self.accounts.len() >= ACCOUNT_CACHE_ENTRIES {
            self.accounts.clear();
        }
        self.accounts.insert(*sender, account);
        account
    }
}

/// A transaction that passed the cheap checks and awaits its signature check.
struct Candidate {
    index: usize,
    tx: SignedTransaction,
    message: Vec<u8>,
}

impl<S: Strategy> Mempool<S> {
    pub fn new(
        config: MempoolConfig,
        ctx: BlockContext,
        params: ChainParams,
        committed: Arc<dyn CommittedState>,
        strategy: S,
    ) -> Self {
        Mempool {
            config,
            ctx,
            params: RwLock::new(params),
            committed,
            rules: Mutex::new(None),
            strategy,
            pool: Mutex::new(Pool::default()),
            accounts: Mutex::new(AccountCache::default()),
            admitted: AtomicU64::new(0),
            rejected: AtomicU64::new(0),
            arrivals: AtomicU64::new(0),
            waiters: Mutex::new(Vec::new()),
        }
    }

    /// Replaces the chain parameters used for admission (after they change on chain).
    pub fn set_params(&self, params: ChainParams) {
        *self.params.write() = params;
    }

    /// Admits a batch of raw transactions; returns each one's hash or why it was rejected.
    pub async fn submit(&self, raws: Vec<Vec<u8>>) -> Vec<Result<Hash, Rejection>> {
        let mut results: Vec<Option<Result<Hash, Rejection>>> =
            (0..raws.len()).map(|_| None).collect();
        let params = self.params.read().clone();
        let mut candidates = Vec::new();
        // One snapshot of the committed state for the whole batch.
        let committed = self.committed.latest();
        let state = committed.as_ref().map(|(height, view)| Committed {
            height: *height,
            view: view.as_ref(),
            rules: self.rules_at(*height, view.as_ref()),
        });
        {
            let pool = self.pool.lock();
            let mut accounts = self.accounts.lock();
            let mut batch_nonces: HashMap<Address, Vec<u64>> = HashMap::new();
            for (index, raw) in raws.iter().enumerate() {
                let checked = self.precheck(
                    &pool,
                    &mut accounts,
                    &mut batch_nonces,
                    &params,
                    state.as_ref(),
                    raw,
                );
                match checked {
                    Ok(Precheck::New(tx)) => {
                        // The signed message is the raw body (decoding accepted it whole and
                        // canonical), so it need not be encoded again.
                        let body = tx.encoded_len() - citychain_crypto::SIGNATURE_LEN;
                        let message = raw
                            .get(..body)
                            .map_or_else(|| tx.transaction().encode(), <[u8]>::to_vec);
                        candidates.push(Candidate { index, tx, message });
                    }
                    Ok(Precheck::Known(hash)) => results[index] = Some(Ok(hash)),
                    Err(e) => results[index] = Some(Err(e)),
                }
            }
        }

        // Signature checks for the whole batch, off the caller's executor.
        if !candidates.is_empty() {
            let strategy = self.strategy.clone();
            let (candidates_back, verdicts) = self
                .strategy
                .spawn(candidates.len(), move |_| {
                    let items: Vec<BatchItem<'_>> = candidates
                        .iter()
                        .map(|c| BatchItem {
                            public_key: &c.tx.transaction().sender,
                            message: &c.message,
                            signature: c.tx.signature(),
                        })
                        .collect();
                    let verdicts = verify_batch(&strategy, TX_NAMESPACE, &items);
                    drop(items);
                    (candidates, verdicts)
                })
                .await;

            let mut pool = self.pool.lock();
            let mut inserted = false;
            for (c, ok) in candidates_back.into_iter().zip(verdicts) {
                let outcome = if ok {
                    self.insert(&mut pool, c.tx)
                } else {
                    Err(Rejection::Invalid(InvalidTx::BadSignature))
                };
                inserted |= outcome.is_ok();
                results[c.index] = Some(outcome);
            }
            drop(pool);
            if inserted {
                self.wake();
            }
        }

        results
            .into_iter()
            .map(|r| {
                let r = r.expect("every transaction gets a verdict");
                match &r {
                    Ok(_) => self.admitted.fetch_add(1, Ordering::Relaxed),
                    Err(_) => self.rejected.fetch_add(1, Ordering::Relaxed),
                };
                r
            })
            .collect()
    }

    /// The permission rules at committed `height` (`None`: they cannot be read, and
    /// execution will decide).
    fn rules_at(&self, height: u64, view: &(dyn StateRead + Send + Sync)) -> Option<Rules> {
        if let Some((h, r)) = self.rules.lock().as_ref()
            && *h == height
        {
            return Some(r.clone());
        }
        match Rules::read(view, self.ctx.suite) {
            Ok(r) => {
                *self.rules.lock() = Some((height, r.clone()));
                Some(r)
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the permission rules at admission");
                None
            }
        }
    }

    fn precheck(
        &self,
        pool: &Pool,
        accounts: &mut AccountCache,
        batch_nonces: &mut HashMap<Address, Vec<u64>>,
        params: &ChainParams,
        state: Option<&Committed<'_>>,
        raw: &[u8],
    ) -> Result<Precheck, Rejection> {
        if raw.len() > params.max_tx_bytes as usize {
            return Err(Rejection::TooLarge {
                size: raw.len(),
                max: params.max_tx_bytes,
            });
        }
        let tx = SignedTransaction::decode(raw).map_err(Rejection::Malformed)?;
        admission::check_stateless(&tx, &self.ctx, params).map_err(Rejection::Invalid)?;
        let t = tx.transaction();
        if let Some((sender, nonce)) = pool.by_hash.get(&tx.hash()) {
            let same = pool
                .by_sender
                .get(sender)
                .and_then(|m| m.get(nonce))
                .is_some_and(|e| e.tx.signature() == tx.signature());
            if same {
                return Ok(Precheck::Known(tx.hash()));
            }
        }
        let sender = tx.sender();
        if let Some(Committed {
            view,
            rules: Some(rules),
            ..
        }) = state
        {
            // A state read failure is the node's problem: let execution decide.
            match admission::check_permission(*view, rules, &tx) {
                Ok(verdict) => verdict.map_err(Rejection::Invalid)?,
                Err(e) => tracing::warn!(error = %e, "cannot check permissions at admission"),
            }
        }
        let account = state.map_or_else(Account::default, |s| {
            accounts.account(s.height, s.view, &sender)
        });
        admission::check_nonce(t.nonce, account.nonce, NonceRule::NotStale)
            .map_err(Rejection::Invalid)?;
        if t.nonce.0 - account.nonce.0 >= self.config.nonce_window {
            return Err(Rejection::NonceTooFarAhead {
                nonce: t.nonce,
                next: account.nonce,
                window: self.config.nonce_window,
            });
        }
        let pending = pool.by_sender.get(&sender);
        let in_batch = batch_nonces.entry(sender).or_default();
        if pending.is_some_and(|m| m.contains_key(&t.nonce.0)) || in_batch.contains(&t.nonce.0) {
            return Err(Rejection::NonceConflict { nonce: t.nonce });
        }
        if pending.map_or(0, |m| m.len()) + in_batch.len() >= self.config.max_per_sender {
            return Err(Rejection::SenderFull {
                max: self.config.max_per_sender,
            });
        }
        if pool.len() >= self.config.max_txs {
            return Err(Rejection::PoolFull {
                max: self.config.max_txs,
            });
        }
        if pool.bytes + tx.encoded_len() > self.config.max_bytes {
            return Err(Rejection::PoolBytesFull {
                max: self.config.max_bytes,
            });
        }
        admission::pay_max_fee(params, t.gas_limit, account.balance).map_err(Rejection::Invalid)?;
        in_batch.push(t.nonce.0);
        Ok(Precheck::New(tx))
    }

    fn insert(&self, pool: &mut Pool, tx: SignedTransaction) -> Result<Hash, Rejection> {
        // Capacity may have changed while signatures were checked.
        if pool.len() >= self.config.max_txs {
            return Err(Rejection::PoolFull {
                max: self.config.max_txs,
            });
        }
        if pool.bytes + tx.encoded_len() > self.config.max_bytes {
            return Err(Rejection::PoolBytesFull {
                max: self.config.max_bytes,
            });
        }
        let sender = tx.sender();
        let nonce = tx.transaction().nonce.0;
        let hash = tx.hash();
        let txs = pool.by_sender.entry(sender).or_default();
        if txs.contains_key(&nonce) {
            return Err(Rejection::NonceConflict {
                nonce: Nonce(nonce),
            });
        }
        if txs.len() >= self.config.max_per_sender {
            return Err(Rejection::SenderFull {
                max: self.config.max_per_sender,
            });
        }
        let seq = pool.next_seq;
        pool.next_seq += 1;
        txs.insert(
            nonce,
            Entry {
                tx: Arc::new(tx),
                seq,
                height: pool.height,
            },
        );
        pool.bytes += txs[&nonce].tx.encoded_len();
        pool.by_hash.insert(hash, (sender, nonce));
        pool.arrival.insert(seq, (sender, nonce));
        self.arrivals.fetch_add(1, Ordering::Release);
        Ok(hash)
    }

    /// Up to `max` pending transactions for a proposer to try: senders in the order their
    /// oldest pending transaction arrived, taking turns, each sender's transactions in nonce
    /// order. A proposer can therefore stop at a sender's first nonce gap.
    pub fn candidates(&self, max: usize) -> Vec<Arc<SignedTransaction>> {
        let pool = self.pool.lock();
        let mut senders: Vec<&BTreeMap<u64, Entry>> = Vec::new();
        let mut seen: std::collections::HashSet<&Address> = std::collections::HashSet::new();
        let mut available = 0usize;
        for (sender, _) in pool.arrival.values() {
            if available >= max {
                break;
            }
            if seen.insert(sender)
                && let Some(txs) = pool.by_sender.get(sender)
            {
                available += txs.len();
                senders.push(txs);
            }
        }
        let mut iters: Vec<_> = senders.into_iter().map(|m| m.values()).collect();
        let mut out = Vec::with_capacity(max.min(available));
        while out.len() < max && !iters.is_empty() {
            iters.retain_mut(|it| match it.next() {
                Some(e) if out.len() < max => {
                    out.push(e.tx.clone());
                    true
                }
                _ => false,
            });
        }
        out
    }

    /// The pending transaction with this hash.
    pub fn get(&self, hash: &Hash) -> Option<Arc<SignedTransaction>> {
        let pool = self.pool.lock();
        let (s, n) = pool.by_hash.get(hash)?;
        pool.by_sender.get(s)?.get(n).map(|e| e.tx.clone())
    }

    /// Whether `tx` (same hash and signature) is pending: its signature was verified on admission.
    pub fn contains_verified(&self, tx: &SignedTransaction) -> bool {
        let pool = self.pool.lock();
        pool.by_hash
            .get(&tx.hash())
            .and_then(|(s, n)| pool.by_sender.get(s)?.get(n))
            .is_some_and(|e| e.tx.signature() == tx.signature())
    }

    /// Drops transactions made stale by a committed block: included ones and any whose nonce
    /// is now below its sender's next nonce.
    pub fn remove_committed(&self, txs: &[SignedTransaction]) {
        let mut senders: Vec<Address> = txs.iter().map(|t| t.sender()).collect();
        senders.sort_unstable();
        senders.dedup();
        let committed = self.committed.latest();
        let next: Vec<(Address, u64)> = {
            let mut accounts = self.accounts.lock();
            senders
                .iter()
                .map(|s| {
                    let account = committed
                        .as_ref()
                        .map_or_else(Account::default, |(height, view)| {
                            accounts.account(*height, view.as_ref(), s)
                        });
                    (*s, account.nonce.0)
                })
                .collect()
        };
        let mut pool = self.pool.lock();
        for tx in txs {
            if let Some((s, n)) = pool.by_hash.get(&tx.hash()).copied() {
                pool.remove(&s, n);
            }
        }
        for (sender, next_nonce) in next {
            let stale: Vec<u64> = pool
                .by_sender
                .get(&sender)
                .map(|m| m.range(..next_nonce).map(|(n, _)| *n).collect())
                .unwrap_or_default();
            for n in stale {
                pool.remove(&sender, n);
            }
        }
    }

    /// Records that `height` is committed and drops what has waited more than
    /// `expiry_blocks` since it was admitted (oldest first: arrival order is height order).
    /// Returns how many were dropped.
    pub fn expire(&self, height: u64) -> usize {
        let mut pool = self.pool.lock();
        pool.height = pool.height.max(height);
        let mut dropped = 0;
        while let Some((_, &(sender, nonce))) = pool.arrival.iter().next() {
            let admitted = pool
                .by_sender
                .get(&sender)
                .and_then(|m| m.get(&nonce))
                .map(|e| e.height);
            match admitted {
                Some(h) if h.saturating_add(self.config.expiry_blocks) < pool.height => {
                    pool.remove(&sender, nonce);
                    dropped += 1;
                }
                _ => break,
            }
        }
        pool.expired += dropped as u64;
        dropped
    }

    /// Drops a transaction that can never be included (for example, its sender can no longer
    /// pay the fee).
    pub fn remove(&self, hash: &Hash) {
        let mut pool = self.pool.lock();
        if let Some((s, n)) = pool.by_hash.get(hash).copied() {
            pool.remove(&s, n);
        }
    }

    pub fn len(&self) -> usize {
        self.pool.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn stats(&self) -> MempoolStats {
        let pool = self.pool.lock();
        MempoolStats {
            pending: pool.len(),
            senders: pool.by_sender.len(),
            admitted: self.admitted.load(Ordering::Relaxed),
            rejected: self.rejected.load(Ordering::Relaxed),
            expired: pool.expired,
        }
    }

    /// Resolves once the pool is non-empty (immediately if it already is).
    pub fn wait_for_transactions(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let (tx, rx) = oneshot::channel();
        // Check and register under the waiters lock, so an insertion cannot slip in between.
        let mut waiters = self.waiters.lock();
        if self.is_empty() {
            waiters.push(tx);
        } else {
            let _ = tx.send(());
        }
        drop(waiters);
        async move {
            let _ = rx.await;
        }
    }

    /// How many transactions have been admitted so far (for [`Self::wait_for_new`]).
    pub fn arrivals(&self) -> u64 {
        self.arrivals.load(Ordering::Acquire)
    }

    /// Resolves once a transaction is admitted after `arrivals` was read.
    pub fn wait_for_new(
        &self,
        arrivals: u64,
    ) -> impl std::future::Future<Output = ()> + Send + 'static {
        let (tx, rx) = oneshot::channel();
        let mut waiters = self.waiters.lock();
        if self.arrivals() > arrivals {
            let _ = tx.send(());
        } else {
            waiters.push(tx);
        }
        drop(waiters);
        async move {
            let _ = rx.await;
        }
    }

    fn wake(&self) {
        for w in self.waiters.lock().drain(..) {
            let _ = w.send(());
        }
    }
}

enum Precheck {
    New(SignedTransaction),
    Known(Hash),
}
