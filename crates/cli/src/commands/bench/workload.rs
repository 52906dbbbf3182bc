//! What the load generator sends: each workload's set-up (funded accounts, a token contract,
//! an asset minted to the accounts, distributions to claim) and the transactions it signs.

use super::{Workload, apps};
use anyhow::{Context as _, bail};
use citychain_client::{ChainInfo, Client, api::*};
use citychain_crypto::{Address, SecretKey};
use citychain_types::{
    Amount, Encode, Gas, Nonce, Payload, SignedTransaction, TimestampMs, Transaction,
    asset::{AssetId, AssetTx, OfferId, Value},
};
use std::{path::Path, time::Duration};

/// Which transaction a payload is for: account `account` sends it with `nonce`, and it is that
/// account's `seq`-th transaction of its workload (nonces run on across the phases of a
/// comparison; `seq` counts only the workload's own).
#[derive(Clone, Copy)]
pub(super) struct Slot {
    pub account: usize,
    pub nonce: u64,
    pub seq: u64,
}

/// The payload of each slot.
pub(super) type PayloadOf = Box<dyn Fn(Slot) -> Payload + Sync>;

/// A workload ready to sign: its payloads and the gas limit its transactions carry.
pub(super) struct Load {
    payload: PayloadOf,
    gas_limit: Gas,
}

/// What the workloads' set-up shares: the node, the funding key and the sending accounts.
pub(super) struct Setup<'a> {
    pub client: &'a Client,
    pub info: &'a ChainInfo,
    pub funder: &'a SecretKey,
    pub keys: &'a [SecretKey],
    pub batch: usize,
    pub token_wasm: &'a Path,
    /// The asset the asset workloads share, once created.
    asset: Option<AssetId>,
    /// The traceability contract the custody workloads share, once set up.
    trace: Option<Address>,
    /// Transactions each account sent during set-up (its workload nonces start after them).
    pub(super) account_nonces: u64,
}

impl<'a> Setup<'a> {
    pub fn new(
        client: &'a Client,
        info: &'a ChainInfo,
        funder: &'a SecretKey,
        keys: &'a [SecretKey],
        batch: usize,
        token_wasm: &'a Path,
    ) -> Self {
        Setup {
            client,
            info,
            funder,
            keys,
            batch,
            token_wasm,
            asset: None,
            trace: None,
            account_nonces: 0,
        }
    }

    /// How many nonces each account used in set-up.
    pub fn account_nonces_used(&self) -> u64 {
        self.account_nonces
    }

    /// Sets `workload` up for `per_account` transactions from each account.
    pub async fn prepare(
        &mut self,
        workload: Workload,
        per_account: usize,
        say: &impl Fn(&str),
    ) -> anyhow::Result<Load> {
        let addresses: Vec<Address> = self.keys.iter().map(|k| k.public_key().address()).collect();
        let next = move |i: usize| addresses[(i + 1) % addresses.len()];
        let (payload, gas_limit): (PayloadOf, Gas) = match workload {
            Workload::Transfer => (
                Box::new(move |s: Slot| Payload::Transfer {
                    to: next(s.account),
                    amount: Amount(1),
                }),
                Gas(50_000),
            ),
            Workload::Token => {
                let token = self.setup_token(say).await?;
                (
                    Box::new(move |s: Slot| {
                        let mut a = next(s.account).0.to_vec();
                        a.extend_from_slice(&1u128.to_be_bytes());
                        Payload::Call {
                            contract: token,
                            method: "transfer".into(),
                            args: a,
                            value: Amount(0),
                        }
                    }),
                    Gas(500_000),
                )
            }
            Workload::Ship | Workload::Receive => {
                let trace = match self.trace {
                    Some(c) => c,
                    None => {
                        let c = self.custody(per_account, say).await?;
                        self.trace = Some(c);
                        c
                    }
                };
                let payload = match workload {
                    Workload::Ship => apps::ship(trace, next),
                    _ => apps::receive(trace, self.keys.len()),
                };
                (payload, Gas(2_000_000))
            }
            Workload::Rides => (apps::rides(self.transit(say).await?), Gas(30_000_000)),
            Workload::Invoice => (
                apps::invoice(self.invoices(say).await?, next),
                Gas(2_000_000),
            ),
            Workload::Cert => {
                let registry = self.certificates(say).await?;
                (
                    apps::certificate(registry, self.info.suite, next),
                    Gas(2_000_000),
                )
            }
            Workload::Asset | Workload::Offer | Workload::Claim => {
                let asset = match self.asset {
                    Some(a) => a,
                    None => {
                        let a = self.setup_asset(say).await?;
                        self.asset = Some(a);
                        a
                    }
                };
                let payload = match workload {
                    Workload::Asset => asset_payload(asset, next),
                    Workload::Offer => offer_payload(asset, self.info.suite, self.keys),
                    _ => {
                        say(&format!(
                            "making {per_account} distributions to the holders"
                        ));
                        self.distribute(asset, per_account).await?;
                        claim_payload(asset, self.keys)
                    }
                };
                (payload, Gas(100_000))
            }
        };
        Ok(Load { payload, gas_limit })
    }

    /// Creates an asset issued by the funder and mints each account plenty of it.
    async fn setup_asset(&self, say: &impl Fn(&str)) -> anyhow::Result<AssetId> {
        let (client, info, funder, keys, batch) =
            (self.client, self.info, self.funder, self.keys, self.batch);
        say(&format!(
            "creating an asset and minting it to {} accounts",
            keys.len()
        ));
        let from = funder.public_key().address();
        let mut nonce = client.next_nonce(&from).await?;
        let create = signed(
            info,
            funder,
            nonce,
            AssetTx::Create {
                symbol: "BENCH".into(),
                name: "Bench asset".into(),
                decimals: 0,
                supply_cap: None,
                metadata: Default::default(),
                rule: Default::default(),
            },
        );
        let asset = AssetId::derive(info.suite, &from, nonce);
        submit_in_waves(
            client,
            &[create],
            batch,
            "asset creation (does --key have the issuer role?)",
        )
        .await?;
        nonce = Nonce(nonce.0 + 1);
        let mut mints = Vec::with_capacity(keys.len());
        for k in keys {
            mints.push(signed(
                info,
                funder,
                nonce,
                AssetTx::Mint {
                    asset,
                    to: k.public_key().address(),
                    amount: Amount(1_000_000_000),
                },
            ));
            nonce = Nonce(nonce.0 + 1);
        }
        submit_in_waves(client, &mints, batch, "minting").await?;
        Ok(asset)
    }

    /// Makes `count` distributions of native currency to the holders of `asset` (a fresh asset,
    /// so their record points are 0 to `count - 1`).
    async fn distribute(&self, asset: AssetId, count: usize) -> anyhow::Result<()> {
        let (client, info, funder, holders) =
            (self.client, self.info, self.funder, self.keys.len());
        let from = funder.public_key().address();
        let mut nonce = client.next_nonce(&from).await?;
        let until = crate::commands::asset::days_from_now(1);
        let mut txs = Vec::with_capacity(count);
        for _ in 0..count {
            txs.push(signed(
                info,
                funder,
                nonce,
                AssetTx::Distribute {
                    asset,
                    total: Value::Native {
                        amount: Amount(1_000 * holders as u128),
                    },
                    claim_until_ms: until,
                },
            ));
            nonce = Nonce(nonce.0 + 1);
        }
        submit_in_waves(client, &txs, 500, "distribution").await
    }

    /// Deploys the token with the funder as holder and gives each account tokens to send.
    async fn setup_token(&self, say: &impl Fn(&str)) -> anyhow::Result<Address> {
        let (client, info, funder, keys) = (self.client, self.info, self.funder, self.keys);
        let code = std::fs::read(self.token_wasm).with_context(|| {
            format!(
                "reading the token contract {} (build it with: cd contracts && cargo build \
             --release --target wasm32-unknown-unknown)",
                self.token_wasm.display()
            )
        })?;
        say(&format!(
            "deploying the token and giving {} accounts tokens",
            keys.len()
        ));
        let mut init = citychain_types::codec::Writer::new();
        init.string("Bench Token")
            .string("BENCH")
            .u8(0)
            .u128(u128::from(u64::MAX));
        let from = funder.public_key().address();
        let mut nonce = client.next_nonce(&from).await?;
        let deploy = Transaction {
            chain_id: info.chain_id.clone(),
            sender: funder.public_key(),
            nonce,
            gas_limit: Gas(40_000_000),
            payload: Payload::Deploy {
                code,
                init_args: init.into_bytes(),
            },
        }
        .sign(funder);
        let hash = client.submit(&deploy).await?;
        let receipt = client
            .wait_for_receipt(hash, Duration::from_secs(120))
            .await?;
        if !receipt.receipt.is_success() {
            bail!("deploying the token failed: {}", receipt.receipt.reason);
        }
        let token = Address(
            receipt
                .receipt
                .output
                .as_slice()
                .try_into()
                .context("the deploy receipt carries no address")?,
        );
        nonce = Nonce(nonce.0 + 1);
        let mut handouts = Vec::new();
        for k in keys {
            let mut a = k.public_key().address().0.to_vec();
            a.extend_from_slice(&1_000_000u128.to_be_bytes());
            handouts.push(
                Transaction {
                    chain_id: info.chain_id.clone(),
                    sender: funder.public_key(),
                    nonce,
                    gas_limit: Gas(500_000),
                    payload: Payload::Call {
                        contract: token,
                        method: "transfer".into(),
                        args: a,
                        value: Amount(0),
                    },
                }
                .sign(funder),
            );
            nonce = Nonce(nonce.0 + 1);
        }
        submit_in_waves(client, &handouts, self.batch, "token handout").await?;
        Ok(token)
    }
}

/// An asset operation signed by `key` with `nonce`.
fn signed(
    info: &citychain_client::ChainInfo,
    key: &SecretKey,
    nonce: Nonce,
    op: AssetTx,
) -> SignedTransaction {
    Transaction {
        chain_id: info.chain_id.clone(),
        sender: key.public_key(),
        nonce,
        gas_limit: Gas(100_000),
        payload: Payload::Asset { op },
    }
    .sign(key)
}

fn asset_payload(asset: AssetId, next: impl Fn(usize) -> Address + Sync + 'static) -> PayloadOf {
    Box::new(move |s: Slot| Payload::Asset {
        op: AssetTx::Transfer {
            asset,
            to: next(s.account),
            amount: Amount(1),
        },
    })
}

/// An account's even transactions offer 1 unit for 1 native unit; its odd ones take the offer
/// the previous account made with the nonce before (its id is known before it runs; every
/// account sends the same number of each phase's transactions, so the two share a phase).
fn offer_payload(asset: AssetId, suite: citychain_crypto::Suite, keys: &[SecretKey]) -> PayloadOf {
    let addresses: Vec<Address> = keys.iter().map(|k| k.public_key().address()).collect();
    let deadline = TimestampMs(crate::commands::asset::days_from_now(1).0);
    Box::new(move |s: Slot| {
        let op = if s.seq.is_multiple_of(2) {
            AssetTx::MakeOffer {
                give: Value::Token {
                    asset,
                    amount: Amount(1),
                },
                want: Value::Native { amount: Amount(1) },
                partial: false,
                taker: None,
                deadline_ms: deadline,
            }
        } else {
            let maker = addresses[(s.account + addresses.len() - 1) % addresses.len()];
            AssetTx::TakeOffer {
                offer: OfferId::derive(suite, &maker, Nonce(s.nonce - 1)),
                amount: Amount(1),
            }
        };
        Payload::Asset { op }
    })
}

/// An account's `n`-th claim is its part of distribution `n`.
fn claim_payload(asset: AssetId, keys: &[SecretKey]) -> PayloadOf {
    let addresses: Vec<Address> = keys.iter().map(|k| k.public_key().address()).collect();
    Box::new(move |s: Slot| Payload::Asset {
        op: AssetTx::Claim {
            asset,
            record: s.seq,
            holder: addresses[s.account],
        },
    })
}

/// Signs `total` transactions of `load`: up to `per_account` from each account, with nonces
/// from `first_nonce` and workload sequence numbers from `first_seq`, ordered by nonce and then
/// account so that early batches carry early nonces.
pub(super) fn sign_phase(
    keys: &[SecretKey],
    chain_id: &citychain_types::ChainId,
    load: &Load,
    per_account: usize,
    total: usize,
    first_nonce: u64,
    first_seq: u64,
) -> Vec<SignedTransaction> {
    let mut slots = Vec::with_capacity(total);
    'outer: for n in 0..per_account as u64 {
        for account in 0..keys.len() {
            if slots.len() == total {
                break 'outer;
            }
            slots.push(Slot {
                account,
                nonce: first_nonce + n,
                seq: first_seq + n,
            });
        }
    }
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let chunk = slots.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = slots
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .map(|&slot| {
                            let key = &keys[slot.account];
                            Transaction {
                                chain_id: chain_id.clone(),
                                sender: key.public_key(),
                                nonce: Nonce(slot.nonce),
                                gas_limit: load.gas_limit,
                                payload: (load.payload)(slot),
                            }
                            .sign(key)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("signing thread panicked"))
            .collect()
    })
}

/// Submits one sender's consecutive transactions in waves of 2,000 (the mempool's per-sender
/// window), waiting for each wave's last receipt; fails on any rejection or failed receipt.
pub(super) async fn submit_in_waves(
    client: &Client,
    txs: &[SignedTransaction],
    batch: usize,
    what: &str,
) -> anyhow::Result<()> {
    for wave in txs.chunks(2_000) {
        for chunk in wave.chunks(batch) {
            let entries = client
                .rpc()
                .tx_submit_batch(
                    chunk
                        .iter()
                        .map(|t| citychain_crypto::hex::encode(t.encode()))
                        .collect(),
                )
                .await?;
            if let Some(e) = entries.iter().find_map(|e| e.error.clone()) {
                bail!("{what} transaction rejected ({}): {}", e.code, e.message);
            }
        }
        let last = wave.last().expect("chunks are never empty").hash();
        let receipt = client
            .wait_for_receipt(last, Duration::from_secs(120))
            .await?;
        if !receipt.receipt.is_success() {
            bail!("{what} failed: {}", receipt.receipt.reason);
        }
    }
    Ok(())
}

/// Creates `count` fresh accounts and funds each from `funder`, waiting for the commits.
pub(super) async fn fund_accounts(
    client: &Client,
    info: &ChainInfo,
    funder: &SecretKey,
    count: usize,
    batch: usize,
) -> anyhow::Result<Vec<SecretKey>> {
    let keys: Vec<SecretKey> = (0..count)
        .map(|_| SecretKey::generate(info.suite))
        .collect::<Result<_, _>>()?;
    let mut nonce = client.next_nonce(&funder.public_key().address()).await?;
    let mut funding = Vec::new();
    for k in &keys {
        funding.push(
            Transaction {
                chain_id: info.chain_id.clone(),
                sender: funder.public_key(),
                nonce,
                gas_limit: Gas(100_000),
                payload: Payload::Transfer {
                    to: k.public_key().address(),
                    amount: Amount(1_000_000_000),
                },
            }
            .sign(funder),
        );
        nonce = Nonce(nonce.0 + 1);
    }
    submit_in_waves(client, &funding, batch, "funding").await?;

    Ok(keys)
}
