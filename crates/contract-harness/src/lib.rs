//! A contract test harness: a real chain state (fjall in a temporary directory), the real
//! executor, and funded accounts, without consensus or networking. Each transaction is executed
//! as its own block and committed, exactly as a node would.
//!
//! ```no_run
//! use citychain_contract_harness::TestChain;
//! let mut chain = TestChain::new();
//! let code = std::fs::read("token.wasm").unwrap();
//! let token = chain.deploy(0, &code, &[]).expect("deploys");
//! let receipt = chain.call(0, &token, "mint", &[], 0);
//! assert!(receipt.is_success(), "{}", receipt.reason);
//! ```

use citychain_crypto::{Address, Hash, SecretKey, Suite};
use citychain_execution::{
    BlockContext, BlockInfo, Executor, InvalidTx, contracts, execute_block, genesis_writes,
};
use citychain_state::{StateStore, StateView};
use citychain_types::{
    Account, Amount, ChainId, ChainParams, Gas, Genesis, GenesisAccount, GenesisMember, Height,
    Nonce, OrgId, Organization, Payload, Policy, Receipt, Roles, SignedTransaction, TimestampMs,
    Transaction, Validator, ValidatorKey, layout,
};

pub use citychain_execution::contracts::QueryOutcome;

/// The gas limit of the harness's transactions and queries unless told otherwise.
pub const DEFAULT_GAS: Gas = Gas(20_000_000);
/// What each harness account holds at genesis.
pub const INITIAL_BALANCE: u128 = 1_000_000_000_000;
/// Labels of the harness accounts, in index order.
pub const ACCOUNT_LABELS: [&str; 6] = ["alice", "bob", "carol", "dave", "erin", "frank"];

/// The organizations of [`TestChain::consortium`], whose admins are accounts 0, 1 and 2.
pub const CONSORTIUM_ORGS: [&str; 3] = ["agency", "bank", "court"];

/// A single-node chain for tests.
pub struct TestChain {
    _dir: tempfile::TempDir,
    db: fjall::Database,
    store: StateStore,
    view: StateView,
    ctx: BlockContext,
    keys: Vec<SecretKey>,
    height: u64,
    time_ms: u64,
    genesis: Genesis,
    /// Gas limit of the next transactions.
    pub gas_limit: Gas,
}

impl Default for TestChain {
    fn default() -> Self {
        Self::new()
    }
}

/// The consensus key of a validator named `label` (deterministic; for tests only).
pub fn validator_key(label: &str) -> ValidatorKey {
    let key = SecretKey::insecure_from_label(Suite::Ed25519, &format!("validator {label}"));
    ValidatorKey(
        key.public_key()
            .as_bytes()
            .try_into()
            .expect("Ed25519 keys are 32 bytes"),
    )
}

impl TestChain {
    /// A chain with the default parameters and six funded Ed25519 accounts, no consortium.
    pub fn new() -> Self {
        Self::with(Suite::Ed25519, ChainParams::default())
    }

    /// A chain of `suite` with `params`.
    pub fn with(suite: Suite, params: ChainParams) -> Self {
        Self::with_genesis(suite, params, |_, _| {})
    }

    /// A consortium of three organizations (`agency`, `bank`, `court`, admins alice, bob and
    /// carol), erin a regulator of `court`, dave and frank citizens, under
    /// [`Policy::consortium`].
    pub fn consortium() -> Self {
        Self::consortium_with(|_| {})
    }

    /// [`TestChain::consortium`] with a further `edit` of its genesis.
    pub fn consortium_with(edit: impl FnOnce(&mut Genesis)) -> Self {
        Self::with_genesis(Suite::Ed25519, ChainParams::default(), |genesis, keys| {
            let addr = |i: usize| keys[i].public_key().address();
            for (i, id) in CONSORTIUM_ORGS.iter().enumerate() {
                let org = OrgId::new(*id).expect("valid id");
                genesis.organizations.push(Organization {
                    id: org.clone(),
                    name: format!("The {id}"),
                    admins: vec![addr(i)],
                    validators: Vec::new(),
                });
                genesis.members.push(GenesisMember {
                    account: addr(i),
                    org,
                    roles: Roles::ADMIN,
                });
            }
            genesis.members.push(GenesisMember {
                account: addr(4),
                org: OrgId::new("court").expect("valid id"),
                roles: Roles::REGULATOR,
            });
            genesis.policy = Policy::consortium();
            edit(genesis);
        })
    }

    /// A chain whose genesis `edit` adjusts (given the harness keys) before it is committed.
    pub fn with_genesis(
        suite: Suite,
        params: ChainParams,
        edit: impl FnOnce(&mut Genesis, &[SecretKey]),
    ) -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let db = fjall::Database::builder(dir.path())
            .open()
            .expect("open the state database");
        let store = StateStore::open(&db, suite).expect("open the state store");
        let keys: Vec<SecretKey> = ACCOUNT_LABELS
            .iter()
            .map(|l| SecretKey::insecure_from_label(suite, l))
            .collect();
        let mut genesis = Genesis {
            chain_id: ChainId::new("harness").expect("valid chain id"),
            suite,
            genesis_time_ms: TimestampMs(1_764_000_000_000),
            params,
            validators: vec![Validator {
                name: "harness".into(),
                consensus_key: validator_key("harness"),
            }],
            accounts: keys
                .iter()
                .map(|k| GenesisAccount {
                    address: k.public_key().address(),
                    balance: Amount(INITIAL_BALANCE),
                })
                .collect(),
            organizations: Vec::new(),
            members: Vec::new(),
            policy: citychain_types::Policy::default(),
            thresholds: citychain_types::Thresholds::default(),
            epoch_blocks: citychain_types::DEFAULT_EPOCH_BLOCKS,
            contracts: Vec::new(),
        };
        edit(&mut genesis, &keys);
        genesis.validate().expect("a valid harness genesis");
        let ctx = BlockContext::of(&genesis);
        let mut chain = TestChain {
            _dir: dir,
            db,
            view: StateView::committed(store.clone(), None),
            store,
            ctx,
            keys,
            height: 0,
            time_ms: genesis.genesis_time_ms.0,
            gas_limit: DEFAULT_GAS,
            genesis,
        };
        let writes = genesis_writes(&chain.genesis, &chain.view).expect("a valid genesis");
        chain.commit(writes);
        chain
    }

    /// The genesis this chain started from.
    pub fn genesis(&self) -> &Genesis {
        &self.genesis
    }

    fn commit(&mut self, writes: citychain_state::WriteSet) {
        let pending = self.view.apply(writes).expect("apply a block's writes");
        let mut batch = self.db.batch();
        self.store.write_pending(&mut batch, &pending);
        batch.commit().expect("commit a block");
        pending.detach_parent();
        self.view = StateView::committed(self.store.clone(), Some(pending.version()));
    }

    pub fn suite(&self) -> Suite {
        self.ctx.suite
    }

    pub fn chain_id(&self) -> &ChainId {
        &self.ctx.chain_id
    }

    /// The committed state, for the execution crate's typed readers.
    pub fn view(&self) -> &StateView {
        &self.view
    }

    /// The key of harness account `index` (0 = alice, 1 = bob, 2 = carol, 3 = dave).
    pub fn key(&self, index: usize) -> &SecretKey {
        &self.keys[index]
    }

    pub fn address(&self, index: usize) -> Address {
        self.keys[index].public_key().address()
    }

    pub fn account(&self, address: &Address) -> Account {
        citychain_execution::read::account(&self.view, address).expect("a readable account")
    }

    pub fn balance(&self, address: &Address) -> Amount {
        self.account(address).balance
    }

    /// A raw value of `contract`'s storage.
    pub fn storage(&self, contract: &Address, key: &[u8]) -> Option<Vec<u8>> {
        self.view
            .get(&layout::contract_storage_key(contract, key))
            .expect("read contract storage")
    }

    /// The current value of state key `key` with its Merkle proof against [`Self::state_root`].
    pub fn prove(&self, key: &[u8]) -> (Option<Vec<u8>>, citychain_types::proof::StateProof) {
        let version = self.view.version().expect("genesis is committed");
        self.store.prove(key, version).expect("prove a key")
    }

    /// The governance audit trail between two block times (ms, end excluded).
    pub fn audit_trail(
        &self,
        from_ms: u64,
        to_ms: u64,
    ) -> Vec<citychain_types::proposal::AuditEntry> {
        citychain_execution::native::governance::audit_trail(&self.view, from_ms, to_ms, usize::MAX)
            .expect("the audit trail is readable")
    }

    pub fn state_root(&self) -> Hash {
        self.view.root().expect("the state root")
    }

    pub fn height(&self) -> u64 {
        self.height
    }

    /// Moves the clock forward (each block also advances it by one second).
    pub fn advance_time(&mut self, ms: u64) {
        self.time_ms += ms;
    }

    pub fn time_ms(&self) -> u64 {
        self.time_ms
    }

    /// Signs `payload` from account `from` with its next nonce.
    pub fn sign(&self, from: usize, payload: Payload) -> SignedTransaction {
        let key = &self.keys[from];
        Transaction {
            chain_id: self.ctx.chain_id.clone(),
            sender: key.public_key(),
            nonce: self.account(&key.public_key().address()).nonce,
            gas_limit: self.gas_limit,
            payload,
        }
        .sign(key)
    }

    /// Signs `payload` from account `from` with nonce `nonce` (for blocks of several
    /// transactions from one sender).
    pub fn sign_with_nonce(&self, from: usize, nonce: u64, payload: Payload) -> SignedTransaction {
        let key = &self.keys[from];
        Transaction {
            chain_id: self.ctx.chain_id.clone(),
            sender: key.public_key(),
            nonce: Nonce(nonce),
            gas_limit: self.gas_limit,
            payload,
        }
        .sign(key)
    }

    /// Executes `txs` as the next block and computes its state root, as a validator verifying
    /// it would, but keeps nothing: the receipts, or why the block is invalid.
    pub fn dry_run(&self, txs: &[SignedTransaction]) -> Result<(Vec<Receipt>, Hash), String> {
        let info = BlockInfo {
            height: Height(self.height + 1),
            timestamp: TimestampMs(self.time_ms + 1_000),
        };
        let out =
            execute_block(&self.view, self.ctx.clone(), info, txs).map_err(|e| e.to_string())?;
        let pending = self.view.apply(out.writes).map_err(|e| e.to_string())?;
        let root = pending.root();
        pending.detach_parent();
        Ok((out.receipts, root))
    }

    /// Executes `txs` as the next block and commits it, or says why the block is invalid (and
    /// commits nothing).
    pub fn try_block(&mut self, txs: &[SignedTransaction]) -> Result<Vec<Receipt>, String> {
        let info = BlockInfo {
            height: Height(self.height + 1),
            timestamp: TimestampMs(self.time_ms + 1_000),
        };
        let out =
            execute_block(&self.view, self.ctx.clone(), info, txs).map_err(|e| e.to_string())?;
        self.height += 1;
        self.time_ms += 1_000;
        self.commit(out.writes);
        Ok(out.receipts)
    }

    /// Executes `txs` as the next block and commits it; panics if the block is invalid.
    pub fn execute(&mut self, txs: &[SignedTransaction]) -> Vec<Receipt> {
        self.height += 1;
        self.time_ms += 1_000;
        let info = BlockInfo {
            height: Height(self.height),
            timestamp: TimestampMs(self.time_ms),
        };
        let out = execute_block(&self.view, self.ctx.clone(), info, txs)
            .unwrap_or_else(|e| panic!("the block is invalid: {e}"));
        self.commit(out.writes);
        out.receipts
    }

    /// Runs `tx` in its own block if it is valid; otherwise returns why not and changes nothing
    /// (the block is not made).
    pub fn try_execute(&mut self, tx: &SignedTransaction) -> Result<Receipt, InvalidTx> {
        let info = BlockInfo {
            height: Height(self.height + 1),
            timestamp: TimestampMs(self.time_ms + 1_000),
        };
        let mut exec =
            Executor::new(&self.view, self.ctx.clone(), info).expect("the state is readable");
        let receipt = exec.apply(tx).expect("the state is readable")?.clone();
        self.height += 1;
        self.time_ms += 1_000;
        self.commit(exec.finish().expect("the state is readable").writes);
        Ok(receipt)
    }

    /// Like [`Self::submit`], but an invalid transaction (a permission error…) is returned.
    pub fn try_submit(&mut self, from: usize, payload: Payload) -> Result<Receipt, InvalidTx> {
        let tx = self.sign(from, payload);
        self.try_execute(&tx)
    }

    /// Runs one transaction from `from` in its own block.
    pub fn submit(&mut self, from: usize, payload: Payload) -> Receipt {
        let tx = self.sign(from, payload);
        self.execute(&[tx]).remove(0)
    }

    /// Deploys `code`; the contract's address, or the failed receipt.
    pub fn deploy(
        &mut self,
        from: usize,
        code: &[u8],
        init_args: &[u8],
    ) -> Result<Address, Receipt> {
        let receipt = self.submit(
            from,
            Payload::Deploy {
                code: code.to_vec(),
                init_args: init_args.to_vec(),
            },
        );
        if !receipt.is_success() {
            return Err(receipt);
        }
        let mut a = [0u8; 20];
        a.copy_from_slice(&receipt.output);
        Ok(Address(a))
    }

    /// The address the next deployment from `from` gets.
    pub fn next_contract_address(&self, from: usize) -> Address {
        let deployer = self.address(from);
        let nonce: Nonce = self.account(&deployer).nonce;
        layout::contract_address(self.suite(), &deployer, nonce)
    }

    /// Calls `method` of `contract` from account `from` in a transaction.
    pub fn call(
        &mut self,
        from: usize,
        contract: &Address,
        method: &str,
        args: &[u8],
        value: u128,
    ) -> Receipt {
        self.submit(
            from,
            Payload::Call {
                contract: *contract,
                method: method.into(),
                args: args.to_vec(),
                value: Amount(value),
            },
        )
    }

    /// A read-only call as `caller` would see it now; nothing is kept.
    pub fn query(
        &self,
        caller: &Address,
        contract: &Address,
        method: &str,
        args: &[u8],
    ) -> QueryOutcome {
        contracts::query(
            &self.view,
            self.env(caller),
            contract,
            method,
            args,
            self.gas_limit,
        )
        .expect("the state is readable")
    }

    /// The environment a query by `caller` runs in now.
    fn env(&self, caller: &Address) -> contracts::Env {
        contracts::Env {
            suite: self.suite(),
            height: self.height,
            timestamp_ms: self.time_ms,
            origin: *caller,
            attached: Vec::new(),
        }
    }

    /// [`Self::query`] stopped at wall-clock `deadline`.
    pub fn query_until(
        &self,
        caller: &Address,
        contract: &Address,
        method: &str,
        args: &[u8],
        deadline: std::time::Instant,
    ) -> QueryOutcome {
        contracts::query_until(
            &self.view,
            self.env(caller),
            contract,
            method,
            args,
            self.gas_limit,
            deadline,
        )
        .expect("the state is readable")
    }
}

/// Arguments written with the canonical encoding: `args(|w| { w.u64(7).string("x"); })`.
pub fn args(f: impl FnOnce(&mut citychain_types::codec::Writer)) -> Vec<u8> {
    let mut w = citychain_types::codec::Writer::new();
    f(&mut w);
    w.into_bytes()
}

impl TestChain {
    /// Calls `method` of `contract` from account `from` with `value` attached: its output, or
    /// its revert reason.
    pub fn try_call(
        &mut self,
        from: usize,
        contract: &Address,
        method: &str,
        args: &[u8],
        value: u128,
    ) -> Result<Vec<u8>, String> {
        let r = self.call(from, contract, method, args, value);
        if r.is_success() {
            Ok(r.output)
        } else {
            Err(r.reason)
        }
    }

    /// A read-only call's output as account 0 sees it; panics with the reason if it fails.
    pub fn query_output(&self, contract: &Address, method: &str, args: &[u8]) -> Vec<u8> {
        let q = self.query(&self.address(0), contract, method, args);
        assert!(
            q.status == citychain_types::Status::Success,
            "{method}: {}",
            q.reason
        );
        q.output
    }
}

/// The repository's `contracts/` workspace.
pub fn contracts_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../contracts")
}

/// Builds the contracts in `contracts/` for wasm32 (once per process) and returns the code of
/// `name` (`token`, `notary`, `approval`).
///
/// Needs the `wasm32-unknown-unknown` target (`rustup target add wasm32-unknown-unknown`).
pub fn contract_code(name: &str) -> Vec<u8> {
    static BUILT: std::sync::OnceLock<Result<std::path::PathBuf, String>> =
        std::sync::OnceLock::new();
    let out = BUILT
        .get_or_init(|| {
            let dir = contracts_dir();
            let status = std::process::Command::new(env!("CARGO"))
                .args([
                    "build",
                    "--release",
                    "--locked",
                    "--target",
                    "wasm32-unknown-unknown",
                    "--manifest-path",
                ])
                .arg(dir.join("Cargo.toml"))
                // From inside, so cargo reads contracts/.cargo/config.toml (the stack size).
                .current_dir(&dir)
                // The contracts have their own workspace, target directory and flags.
                .env_remove("CARGO_TARGET_DIR")
                .env_remove("RUSTFLAGS")
                .env_remove("CARGO_ENCODED_RUSTFLAGS")
                .env_remove("CARGO_BUILD_TARGET")
                .status()
                .map_err(|e| format!("cannot run cargo: {e}"))?;
            if !status.success() {
                return Err(format!(
                    "building the contracts failed ({status}); is the wasm32-unknown-unknown \
                     target installed?"
                ));
            }
            Ok(dir.join("target/wasm32-unknown-unknown/release"))
        })
        .as_ref()
        .unwrap_or_else(|e| panic!("{e}"));
    let path = out.join(format!("{name}.wasm"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
