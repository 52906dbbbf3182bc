//! The chain store: block log, indexes and committed state, committed together per block.
//!
//! Committing block `h`:
//! 1. Append `(block, receipts)` to the block log and sync it. This is the one durable write
//!    per block: once it returns, the block survives a crash or power loss.
//! 2. Write the state changes, the indexes and the new head to the index database in one atomic
//!    batch, flushed to the operating system (it survives the process being killed).
//!
//! After a power loss the index database may be behind the log. [`ChainStore::open`] then
//! returns the logged blocks above its head, and the node re-executes them (checking each
//! state root against its header) before it does anything else.

use crate::{
    Error, Result,
    blocklog::{BadRecord, BlockLog, Location},
};
use citychain_crypto::{Hash, Suite};
use citychain_state::{PendingState, StateStore};
use citychain_types::{
    Block, BlockHeader, Decode, Encode, Height, Receipt,
    block::MAX_BLOCK_TXS_HARD,
    codec::{Reader, Writer},
};
use fjall::{Database, Keyspace, KeyspaceCreateOptions, PersistMode};
use parking_lot::{Mutex, RwLock};
use std::{
    collections::{HashMap, VecDeque},
    path::Path,
    sync::Arc,
};

/// Segment size of the block log.
const SEGMENT_BYTES: u64 = 256 << 20;

/// The newest committed block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Head {
    pub height: Height,
    pub hash: Hash,
    pub state_root: Hash,
    pub location: Location,
}

impl Head {
    fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.put(&self.height)
            .put(&self.hash)
            .put(&self.state_root)
            .raw(&self.location.to_bytes());
        w.into_bytes()
    }

    fn from_bytes(b: &[u8]) -> Result<Self> {
        let bad = |detail: String| Error::Decode {
            what: "head",
            detail,
        };
        let mut r = Reader::new(b);
        let height = Height::decode_from(&mut r).map_err(|e| bad(e.to_string()))?;
        let hash = Hash::decode_from(&mut r).map_err(|e| bad(e.to_string()))?;
        let state_root = Hash::decode_from(&mut r).map_err(|e| bad(e.to_string()))?;
        let loc = r.take("location", 16).map_err(|e| bad(e.to_string()))?;
        let location = Location::from_bytes(loc).ok_or_else(|| bad("location".into()))?;
        Ok(Head {
            height,
            hash,
            state_root,
            location,
        })
    }
}

/// A block as stored: with the receipts its execution produced. Shared, not copied: the
/// finalizer, the recent-block cache and every reader hold the same block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredBlock {
    pub block: Arc<Block>,
    pub receipts: Arc<Vec<Receipt>>,
}

/// Writes the stored encoding of a block and its receipts.
fn write_stored(w: &mut Writer, block: &Block, receipts: &[Receipt]) {
    w.put(block).list(receipts, |w, r| {
        w.put(r);
    });
}

impl Encode for StoredBlock {
    fn encode_to(&self, w: &mut Writer) {
        write_stored(w, &self.block, &self.receipts);
    }
}

impl Decode for StoredBlock {
    fn decode_from(r: &mut Reader<'_>) -> std::result::Result<Self, citychain_types::DecodeError> {
        Ok(StoredBlock {
            block: Arc::new(Block::decode_from(r)?),
            receipts: Arc::new(r.list("receipts", MAX_BLOCK_TXS_HARD, Receipt::decode_from)?),
        })
    }
}

/// Blocks kept decoded after their commit: whoever follows the head (a subscriber fetching
/// each new block, the console's overview, receipts of recent transactions) reads them without
/// decoding a block of thousands of transactions again.
const RECENT_BLOCKS: usize = 8;

/// Points in a commit where a fault can be injected (tests only).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommitPoint {
    /// Before the block is appended to the log.
    BeforeAppend,
    /// After the block is in the log, before the state and indexes are written.
    AfterAppend,
    /// After everything is written, before the caller acknowledges the block.
    AfterIndex,
}

/// Decides whether a commit fails at a point (returns `true` to fail).
pub type FaultInjector = std::sync::Arc<dyn Fn(CommitPoint) -> bool + Send + Sync>;

/// How the store is opened.
#[derive(Clone, Default)]
pub struct StoreOptions {
    /// Skip syncing the block log (simulations, where the process never really crashes).
    pub no_sync: bool,
    /// Fail commits at chosen points, to test crash recovery.
    pub faults: Option<FaultInjector>,
    /// Keep no account-history index (see [`ChainStore::account_txs`]): commits write less.
    pub no_account_index: bool,
}

/// What opening the store found.
pub struct Opened {
    pub store: ChainStore,
    /// Blocks in the log above the committed head: re-execute them, in order, before anything else.
    pub unexecuted: Vec<(StoredBlock, Location)>,
    /// An incomplete record at the end of the log that was cut off (never acknowledged).
    pub repaired_tail: Option<BadRecord>,
}

/// Where a transaction is in the chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TxLocation {
    pub height: Height,
    pub index: u32,
}

/// One entry of an account's history: a transaction that concerns it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccountTx {
    pub height: Height,
    pub index: u32,
    pub hash: Hash,
}

/// Durable storage of the chain.
pub struct ChainStore {
    faults: Option<FaultInjector>,
    /// `address || height -> (index || tx hash)*` for every party of every transaction (see
    /// `SignedTransaction::parties`); `None` when the index is off.
    account_index: Option<Keyspace>,
    db: Database,
    state: StateStore,
    log: BlockLog,
    blocks: Keyspace,
    hashes: Keyspace,
    txs: Keyspace,
    meta: Keyspace,
    head: RwLock<Option<Head>>,
    /// The last [`RECENT_BLOCKS`] committed blocks, oldest first.
    recent: Mutex<VecDeque<StoredBlock>>,
}

const META_HEAD: &[u8] = b"head";
const META_GENESIS: &[u8] = b"genesis";
/// The first height from which the account index holds every block (absent while it is off).
const META_ACCOUNT_INDEX_FROM: &[u8] = b"account_index_from";
/// The account index's keyspace (see [`account_index_key`]).
const ACCOUNT_INDEX: &str = "account_blocks";
/// The keyspace of earlier versions' account index (one entry per transaction and party).
const OLD_ACCOUNT_INDEX: &str = "account_txs";
/// Bytes of one transaction in an account-index value: its index in the block and its hash.
const ACCOUNT_ENTRY_BYTES: usize = 4 + 32;

impl ChainStore {
    /// Opens the store in `dir` for the chain whose genesis hash is `genesis`.
    ///
    /// Fails, naming the file and byte offset, if committed data is corrupt.
    pub fn open(dir: &Path, suite: Suite, genesis: Hash) -> Result<Opened> {
        Self::open_with(dir, suite, genesis, StoreOptions::default())
    }

    /// [`ChainStore::open`] with options.
    pub fn open_with(
        dir: &Path,
        suite: Suite,
        genesis: Hash,
        options: StoreOptions,
    ) -> Result<Opened> {
        let db = Database::builder(dir.join("index")).open()?;
        let state = StateStore::open(&db, suite)?;
        let log = BlockLog::open_with(&dir.join("blocks"), SEGMENT_BYTES, !options.no_sync)?;
        let ks = |name: &str| db.keyspace(name, KeyspaceCreateOptions::default);
        let store = ChainStore {
            faults: options.faults,
            account_index: if options.no_account_index {
                None
            } else {
                Some(ks(ACCOUNT_INDEX)?)
            },
            blocks: ks("blocks")?,
            hashes: ks("block_hashes")?,
            txs: ks("txs")?,
            meta: ks("meta")?,
            db: db.clone(),
            state,
            log,
            head: RwLock::new(None),
            recent: Mutex::new(VecDeque::with_capacity(RECENT_BLOCKS)),
        };

        match store.meta.get(META_GENESIS)? {
            Some(found) if found.as_ref() != genesis.0 => {
                return Err(Error::WrongGenesis {
                    expected: genesis.to_string(),
                    found: citychain_crypto::hex::encode(found.as_ref()),
                });
            }
            Some(_) => {}
            None => {
                store.meta.insert(META_GENESIS, genesis.0)?;
            }
        }

        let head = match store.meta.get(META_HEAD)? {
            Some(raw) => Some(Head::from_bytes(&raw)?),
            None => None,
        };
        // The head's own record must be intact: it was acknowledged.
        if let Some(h) = &head {
            store.log.read(h.location)?;
        }
        let (segment, offset) = head
            .as_ref()
            .map_or((0, 0), |h| (h.location.segment, h.location.end()));
        let (records, bad) = store.log.scan_from(segment, offset)?;

        let mut repaired_tail = None;
        if let Some(bad) = bad {
            if store.is_torn_tail(&bad)? {
                tracing::warn!(file = %bad.file.display(), offset = bad.offset, problem = %bad.problem,
                    "cutting an incomplete block record off the end of the block log (it was never acknowledged)");
                let seg = records
                    .last()
                    .map_or(segment, |r| r.location.segment)
                    .max(segment_of(&bad.file).unwrap_or(segment));
                store.log.truncate(seg, bad.offset)?;
                repaired_tail = Some(bad);
            } else {
                return Err(Error::Corrupt {
                    file: bad.file,
                    offset: bad.offset,
                    problem: format!(
                        "{}; acknowledged blocks follow it, so the log cannot be repaired automatically: restore this data directory from a backup or delete it and resync from peers",
                        bad.problem
                    ),
                });
            }
        }

        let mut unexecuted = Vec::new();
        let first = head.as_ref().map_or(0, |h| h.height.0 + 1);
        for (expected, r) in (first..).zip(records) {
            if r.height != expected {
                let file = store.log.segment_path(r.location.segment);
                return Err(Error::Corrupt {
                    file,
                    offset: r.location.offset,
                    problem: format!(
                        "record of height {} where height {expected} was expected",
                        r.height
                    ),
                });
            }
            let (_, payload) = store.log.read(r.location)?;
            let stored = StoredBlock::decode(&payload).map_err(|e| Error::Corrupt {
                file: store.log.segment_path(r.location.segment),
                offset: r.location.offset,
                problem: format!("record of height {} does not decode: {e}", r.height),
            })?;
            unexecuted.push((stored, r.location));
        }
        store.drop_old_account_index()?;
        store.start_account_index(head.as_ref())?;
        *store.head.write() = head;
        Ok(Opened {
            store,
            unexecuted,
            repaired_tail,
        })
    }

    /// Removes the account index of earlier versions (one entry per transaction and party), so
    /// that the current one starts at the next block and says so (`account_index_from`).
    fn drop_old_account_index(&self) -> Result<()> {
        if !self.db.keyspace_exists(OLD_ACCOUNT_INDEX) {
            return Ok(());
        }
        let old = self
            .db
            .keyspace(OLD_ACCOUNT_INDEX, KeyspaceCreateOptions::default)?;
        self.db.delete_keyspace(old)?;
        self.meta.remove(META_ACCOUNT_INDEX_FROM)?;
        tracing::info!(
            "removed the account index of an earlier version; the new one covers blocks from the next one on"
        );
        Ok(())
    }

    /// Records from which height the account index is complete: kept while it stays on, set to
    /// the next block when it is turned on (blocks from before are not indexed), cleared when
    /// it is off, so that a gap is never hidden.
    fn start_account_index(&self, head: Option<&Head>) -> Result<()> {
        match (&self.account_index, self.meta.get(META_ACCOUNT_INDEX_FROM)?) {
            (Some(_), None) => {
                let next = head.map_or(0, |h| h.height.0 + 1);
                self.meta
                    .insert(META_ACCOUNT_INDEX_FROM, next.to_be_bytes())?;
            }
            (None, Some(_)) => self.meta.remove(META_ACCOUNT_INDEX_FROM)?,
            _ => {}
        }
        Ok(())
    }

    /// The first height the account index covers, or `None` if it is off.
    pub fn account_index_from(&self) -> Result<Option<Height>> {
        if self.account_index.is_none() {
            return Ok(None);
        }
        Ok(self
            .meta
            .get(META_ACCOUNT_INDEX_FROM)?
            .and_then(|raw| raw.as_ref().try_into().ok().map(u64::from_be_bytes))
            .map(Height))
    }

    /// Transactions that concern `address`, newest first, strictly before `before` (a
    /// `(height, index)` position; `None`: from the newest), at most `limit`. `None` if the
    /// account index is off.
    pub fn account_txs(
        &self,
        address: &citychain_crypto::Address,
        before: Option<(Height, u32)>,
        limit: usize,
    ) -> Result<Option<Vec<AccountTx>>> {
        let Some(index) = &self.account_index else {
            return Ok(None);
        };
        if limit == 0 {
            return Ok(Some(Vec::new()));
        }
        let start = account_index_key(address, Height(0));
        let end = account_index_key(address, before.map_or(Height(u64::MAX), |(h, _)| h));
        let mut found = Vec::new();
        for entry in index.range(start..=end).rev() {
            let (key, value) = entry.into_inner()?;
            let bad = || Error::Decode {
                what: "account index entry",
                detail: format!("key of {} bytes, value of {}", key.len(), value.len()),
            };
            let height = Height(u64::from_be_bytes(
                key.get(20..28)
                    .and_then(|h| h.try_into().ok())
                    .ok_or_else(bad)?,
            ));
            if !value.len().is_multiple_of(ACCOUNT_ENTRY_BYTES) {
                return Err(bad());
            }
            for entry in value.chunks_exact(ACCOUNT_ENTRY_BYTES).rev() {
                let index = u32::from_be_bytes(entry[..4].try_into().map_err(|_| bad())?);
                if before.is_some_and(|b| (height, index) >= b) {
                    continue;
                }
                found.push(AccountTx {
                    height,
                    index,
                    hash: Hash(entry[4..].try_into().map_err(|_| bad())?),
                });
                if found.len() == limit {
                    return Ok(Some(found));
                }
            }
        }
        Ok(Some(found))
    }

    /// A bad record is an incomplete final write if it is in the last segment and nothing
    /// that looks like another record follows it.
    fn is_torn_tail(&self, bad: &BadRecord) -> Result<bool> {
        let last = self.log.segment_path(self.last_segment());
        if bad.file != last {
            return Ok(false);
        }
        let bytes = std::fs::read(&bad.file).map_err(|e| Error::io(&bad.file, e))?;
        let after = bytes.get(bad.offset as usize + 1..).unwrap_or(&[]);
        Ok(!after.windows(4).any(|w| w == b"CCBL"))
    }

    fn last_segment(&self) -> u32 {
        let mut s = 0;
        while self.log.segment_path(s + 1).exists() {
            s += 1;
        }
        s
    }

    pub fn state(&self) -> &StateStore {
        &self.state
    }

    pub fn head(&self) -> Option<Head> {
        self.head.read().clone()
    }

    /// Appends the block to the log (durably) and commits its state and indexes.
    pub fn commit(
        &self,
        block: &Arc<Block>,
        receipts: &Arc<Vec<Receipt>>,
        pending: &PendingState,
    ) -> Result<Head> {
        self.check_next(block)?;
        self.fault(CommitPoint::BeforeAppend)?;
        // Encoded from the shared block, not from a copy of it.
        let mut encoded = Writer::with_capacity(block.transactions.len() * 256 + 512);
        write_stored(&mut encoded, block, receipts);
        let location = self
            .log
            .append(block.header.height.0, &encoded.into_bytes())?;
        self.fault(CommitPoint::AfterAppend)?;
        let head = self.index(block, pending, location)?;
        let mut recent = self.recent.lock();
        if recent.len() == RECENT_BLOCKS {
            recent.pop_front();
        }
        recent.push_back(StoredBlock {
            block: block.clone(),
            receipts: receipts.clone(),
        });
        drop(recent);
        self.fault(CommitPoint::AfterIndex)?;
        Ok(head)
    }

    fn fault(&self, point: CommitPoint) -> Result<()> {
        match &self.faults {
            Some(f) if f(point) => Err(Error::Injected(point)),
            _ => Ok(()),
        }
    }

    /// Commits a block that is already in the log (replay after a crash).
    pub fn commit_logged(
        &self,
        block: &Block,
        pending: &PendingState,
        location: Location,
    ) -> Result<Head> {
        self.check_next(block)?;
        self.index(block, pending, location)
    }

    fn check_next(&self, block: &Block) -> Result<()> {
        let head = self.head.read();
        let expected = head.as_ref().map_or(0, |h| h.height.0 + 1);
        let parent_ok = head.as_ref().is_none_or(|h| h.hash == block.header.parent);
        if block.header.height.0 != expected || !parent_ok {
            return Err(Error::OutOfOrder {
                height: block.header.height.0,
                head: head
                    .as_ref()
                    .map_or("none".into(), |h| format!("{} ({})", h.height, h.hash)),
            });
        }
        Ok(())
    }

    fn index(&self, block: &Block, pending: &PendingState, location: Location) -> Result<Head> {
        let height = block.header.height;
        let hash = block.hash();
        let head = Head {
            height,
            hash,
            state_root: block.header.state_root,
            location,
        };
        let mut batch = self.db.batch().durability(Some(PersistMode::Buffer));
        self.state.write_pending(&mut batch, pending);
        batch.insert(&self.blocks, height.0.to_be_bytes(), location.to_bytes());
        batch.insert(&self.hashes, hash.0, height.0.to_be_bytes());
        // One account-index entry per account and block, listing its transactions there: a
        // busy account costs one write per block, not one per transaction.
        let mut by_account: HashMap<citychain_crypto::Address, Vec<u8>> = HashMap::new();
        for (i, tx) in block.transactions.iter().enumerate() {
            let mut v = [0u8; 12];
            v[..8].copy_from_slice(&height.0.to_be_bytes());
            v[8..].copy_from_slice(&(i as u32).to_be_bytes());
            batch.insert(&self.txs, tx.hash().0, v);
            if self.account_index.is_some() {
                for party in tx.parties() {
                    let entries = by_account.entry(party).or_default();
                    entries.extend_from_slice(&(i as u32).to_be_bytes());
                    entries.extend_from_slice(&tx.hash().0);
                }
            }
        }
        if let Some(index) = &self.account_index {
            for (account, entries) in by_account {
                batch.insert(index, account_index_key(&account, height), entries);
            }
        }
        batch.insert(&self.meta, META_HEAD, head.to_bytes());
        batch.commit()?;
        pending.detach_parent();
        *self.head.write() = Some(head.clone());
        Ok(head)
    }

    fn location(&self, height: Height) -> Result<Option<Location>> {
        Ok(self
            .blocks
            .get(height.0.to_be_bytes())?
            .and_then(|raw| Location::from_bytes(&raw)))
    }

    /// The block at `height` if it is one of the last [`RECENT_BLOCKS`] committed.
    fn recent_block(&self, height: Height) -> Option<StoredBlock> {
        self.recent
            .lock()
            .iter()
            .find(|s| s.block.header.height == height)
            .cloned()
    }

    /// The stored block (with receipts) at `height`.
    pub fn stored_block(&self, height: Height) -> Result<Option<StoredBlock>> {
        if let Some(recent) = self.recent_block(height) {
            return Ok(Some(recent));
        }
        let Some(location) = self.location(height)? else {
            return Ok(None);
        };
        let (_, payload) = self.log.read(location)?;
        StoredBlock::decode(&payload)
            .map(Some)
            .map_err(|e| Error::Corrupt {
                file: self.log.segment_path(location.segment),
                offset: location.offset,
                problem: format!("record does not decode: {e}"),
            })
    }

    /// The header of the block at `height`, without decoding its transactions and receipts
    /// (the stored record starts with it).
    pub fn header(&self, height: Height) -> Result<Option<BlockHeader>> {
        if let Some(recent) = self.recent_block(height) {
            return Ok(Some(recent.block.header.clone()));
        }
        let Some(location) = self.location(height)? else {
            return Ok(None);
        };
        let (_, payload) = self.log.read(location)?;
        BlockHeader::decode_from(&mut Reader::new(&payload))
            .map(Some)
            .map_err(|e| Error::Corrupt {
                file: self.log.segment_path(location.segment),
                offset: location.offset,
                problem: format!("record does not decode: {e}"),
            })
    }

    pub fn block(&self, height: Height) -> Result<Option<Arc<Block>>> {
        Ok(self.stored_block(height)?.map(|s| s.block))
    }

    pub fn height_of(&self, hash: &Hash) -> Result<Option<Height>> {
        Ok(self.hashes.get(hash.0)?.and_then(|raw| {
            raw.as_ref()
                .try_into()
                .ok()
                .map(u64::from_be_bytes)
                .map(Height)
        }))
    }

    pub fn tx_location(&self, hash: &Hash) -> Result<Option<TxLocation>> {
        Ok(self.txs.get(hash.0)?.and_then(|raw| {
            let height = u64::from_be_bytes(raw.get(..8)?.try_into().ok()?);
            let index = u32::from_be_bytes(raw.get(8..12)?.try_into().ok()?);
            Some(TxLocation {
                height: Height(height),
                index,
            })
        }))
    }

    /// Bytes used on disk by the index database.
    pub fn disk_space(&self) -> Result<u64> {
        Ok(self.db.disk_space()?)
    }

    pub fn log(&self) -> &BlockLog {
        &self.log
    }
}

/// `address || height`, big-endian so that an account's entries sort by height. The value
/// lists the account's transactions in that block: `index (u32) || tx hash`, by index.
fn account_index_key(address: &citychain_crypto::Address, height: Height) -> [u8; 28] {
    let mut key = [0u8; 28];
    key[..20].copy_from_slice(&address.0);
    key[20..].copy_from_slice(&height.0.to_be_bytes());
    key
}

fn segment_of(path: &Path) -> Option<u32> {
    path.file_name()?
        .to_str()?
        .strip_prefix("seg-")?
        .strip_suffix(".log")?
        .parse()
        .ok()
}
