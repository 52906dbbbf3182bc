//! The workloads of the city's applications: each deploys a fresh copy of the application this
//! binary carries (the funder its admin), sets the accounts up through it, and signs one
//! application operation per transaction.

use super::workload::{PayloadOf, Setup, Slot, submit_in_waves};
use anyhow::Context as _;
use citychain_crypto::{Address, SecretKey};
use citychain_types::{Amount, Gas, Nonce, Payload, SignedTransaction, Transaction, codec::Writer};

/// Rides per batch of the `rides` workload.
pub(super) const RIDES_PER_BATCH: u64 = 100;

/// A call of `method` of `contract` with `args`, attaching nothing.
fn call(contract: Address, method: &str, args: Writer) -> Payload {
    Payload::Call {
        contract,
        method: method.into(),
        args: args.into_bytes(),
        value: Amount(0),
    }
}

impl Setup<'_> {
    /// `payload` signed by `key` with `nonce`.
    fn sign(&self, key: &SecretKey, nonce: Nonce, payload: Payload) -> SignedTransaction {
        Transaction {
            chain_id: self.info.chain_id.clone(),
            sender: key.public_key(),
            nonce,
            gas_limit: Gas(40_000_000),
            payload,
        }
        .sign(key)
    }

    /// Deploys the application contract `app` from the funder, then sends the funder's call
    /// `per_account(i, account)` for every account, in order; waits for all and returns the
    /// contract's address.
    async fn deploy_app(
        &self,
        app: &str,
        per_account: impl Fn(usize, Address) -> (&'static str, Writer),
        say: &impl Fn(&str),
    ) -> anyhow::Result<Address> {
        let code = crate::apps::code(app).with_context(|| {
            format!("this binary carries no {app} contract (built without the wasm32 target)")
        })?;
        say(&format!(
            "deploying the {app} contract and setting up {} accounts",
            self.keys.len()
        ));
        let from = self.funder.public_key().address();
        let mut nonce = self.client.next_nonce(&from).await?;
        let contract = citychain_types::layout::contract_address(self.info.suite, &from, nonce);
        let deploy = Payload::Deploy {
            code: code.to_vec(),
            init_args: Vec::new(),
        };
        submit_in_waves(
            self.client,
            &[self.sign(self.funder, nonce, deploy)],
            1,
            app,
        )
        .await?;
        let mut calls = Vec::with_capacity(self.keys.len());
        for (i, k) in self.keys.iter().enumerate() {
            nonce = Nonce(nonce.0 + 1);
            let (method, args) = per_account(i, k.public_key().address());
            calls.push(self.sign(self.funder, nonce, call(contract, method, args)));
        }
        // The funder's nonces order its calls: ids the contract hands out follow the accounts.
        submit_in_waves(self.client, &calls, self.batch, app).await?;
        Ok(contract)
    }

    /// Sends `count` calls from every account (`args(i, seq)`), using that many of its nonces.
    async fn each_account_calls(
        &mut self,
        contract: Address,
        method: &str,
        count: u64,
        args: impl Fn(usize, u64) -> Writer,
    ) -> anyhow::Result<()> {
        let mut txs = Vec::with_capacity(self.keys.len() * count as usize);
        for seq in 0..count {
            for (i, k) in self.keys.iter().enumerate() {
                let payload = call(contract, method, args(i, seq));
                txs.push(self.sign(k, Nonce(self.account_nonces + seq), payload));
            }
        }
        submit_in_waves(self.client, &txs, self.batch, method).await?;
        self.account_nonces += count;
        Ok(())
    }

    /// A certificates registry, every account an issuer with the type `bench`.
    pub(super) async fn certificates(&mut self, say: &impl Fn(&str)) -> anyhow::Result<Address> {
        let registry = self
            .deploy_app(
                "certificates",
                |i, account| {
                    let mut w = Writer::new();
                    w.put(&account).string(&format!("bench issuer {i}"));
                    ("register_issuer", w)
                },
                say,
            )
            .await?;
        self.each_account_calls(registry, "define_type", 1, |_, _| {
            let mut w = Writer::new();
            w.string("bench").string("Bench certificate").bool(false);
            w
        })
        .await?;
        Ok(registry)
    }

    /// An invoices contract, every account a registered issuer.
    pub(super) async fn invoices(&self, say: &impl Fn(&str)) -> anyhow::Result<Address> {
        self.deploy_app(
            "invoices",
            |i, account| {
                let mut w = Writer::new();
                w.put(&account)
                    .string(&format!("9111{i:014}"))
                    .string(&format!("bench seller {i}"));
                ("register_issuer", w)
            },
            say,
        )
        .await
    }

    /// A transit clearing contract with scheme `i` for account `i`: the account its clearing
    /// house, the funder and the next account its operators.
    pub(super) async fn transit(&self, say: &impl Fn(&str)) -> anyhow::Result<Address> {
        let funder = self.funder.public_key().address();
        let addresses: Vec<Address> = self.keys.iter().map(|k| k.public_key().address()).collect();
        self.deploy_app(
            "transit",
            |i, account| {
                let operators = [funder, addresses[(i + 1) % addresses.len()]];
                let mut w = Writer::new();
                w.string(&format!("bench scheme {i}"))
                    .put(&account)
                    .list(&operators, |w, a| {
                        w.put(a);
                    })
                    .u32(3_000)
                    .u8(0);
                ("create_scheme", w)
            },
            say,
        )
        .await
    }

    /// A traceability contract, every account a registered party that commissions `count`
    /// lots (one per hand-over it will make).
    pub(super) async fn custody(
        &mut self,
        count: usize,
        say: &impl Fn(&str),
    ) -> anyhow::Result<Address> {
        let trace = self
            .deploy_app(
                "trace",
                |i, account| {
                    let mut w = Writer::new();
                    w.put(&account)
                        .string(&format!("bench party {i}"))
                        .u8(0)
                        .string("");
                    ("register_party", w)
                },
                say,
            )
            .await?;
        say(&format!("commissioning {} lots", self.keys.len() * count));
        self.each_account_calls(trace, "commission", count as u64, |i, seq| {
            let mut w = Writer::new();
            w.string(&lot(i, seq))
                .string("bench goods")
                .u64(1)
                .string("pallet")
                .string("bench farm")
                .length(0)
                .u8(0);
            w
        })
        .await?;
        Ok(trace)
    }
}

/// The lot account `account` commissions for its `seq`-th hand-over.
fn lot(account: usize, seq: u64) -> String {
    format!("LOT-{account}-{seq}")
}

/// Ships account `i`'s `seq`-th lot to the next account.
pub(super) fn ship(trace: Address, next: impl Fn(usize) -> Address + Sync + 'static) -> PayloadOf {
    Box::new(move |s: Slot| {
        let mut w = Writer::new();
        w.string(&lot(s.account, s.seq))
            .put(&next(s.account))
            .string("")
            .length(0);
        call(trace, "ship", w)
    })
}

/// Receives the lot the previous account shipped in the phase before.
pub(super) fn receive(trace: Address, accounts: usize) -> PayloadOf {
    Box::new(move |s: Slot| {
        let mut w = Writer::new();
        w.string(&lot((s.account + accounts - 1) % accounts, s.seq))
            .string("")
            .length(0);
        call(trace, "receive", w)
    })
}

/// Account `i`'s `seq`-th batch for its scheme `i`: 100 rides of two legs, tickets unique.
pub(super) fn rides(transit: Address) -> PayloadOf {
    Box::new(move |s: Slot| {
        let mut w = Writer::new();
        w.u64(s.account as u64).u32(20261203);
        let first = s.seq * RIDES_PER_BATCH;
        let tickets: Vec<u64> = (first..first + RIDES_PER_BATCH).collect();
        w.list(&tickets, |w, t| {
            w.u64(*t).u64(300 + t % 500).u32(2);
            w.u8(0).u32(8_000 + (*t % 7) as u32 * 1_000);
            w.u8(1).u32(2_000 + (*t % 5) as u32 * 500);
        });
        call(transit, "submit_batch", w)
    })
}

/// Each account's `seq`-th invoice, number `account (8 digits) || seq (12 digits)`, to the
/// next account: 2.5 boxes at 12.34 and 3 drills at 399.00, 13% tax.
pub(super) fn invoice(
    invoices: Address,
    next: impl Fn(usize) -> Address + Sync + 'static,
) -> PayloadOf {
    Box::new(move |s: Slot| {
        let mut w = Writer::new();
        w.string(&format!("{:08}{:012}", s.account, s.seq))
            .string("91110105MA00XYZ12Q")
            .string("Bench buyer")
            .put(&next(s.account))
            .u32(20261203);
        let lines: [(&str, u64, u128, u128, u128); 2] = [
            ("bolts", 2_500, 1_234, 3_085, 401),
            ("drills", 3_000, 39_900, 119_700, 15_561),
        ];
        w.list(&lines, |w, (name, quantity, price, amount, tax)| {
            w.string(name)
                .string("")
                .string("piece")
                .u64(*quantity)
                .u128(*price)
                .u128(*amount)
                .u32(1_300)
                .u128(*tax);
        })
        .string("");
        call(invoices, "issue", w)
    })
}

/// Issues a certificate of type `bench` to the next account, with three fields whose
/// commitments differ per transaction (as salted ones would).
pub(super) fn certificate(
    registry: Address,
    suite: citychain_crypto::Suite,
    next: impl Fn(usize) -> Address + Sync + 'static,
) -> PayloadOf {
    Box::new(move |s: Slot| {
        let fields: Vec<(String, citychain_crypto::Hash)> = ["name", "degree", "grade"]
            .iter()
            .map(|name| {
                let seed = format!("{}/{}/{name}", s.account, s.seq);
                (name.to_string(), suite.hash(seed.as_bytes()))
            })
            .collect();
        Payload::Call {
            contract: registry,
            method: "issue".into(),
            args: citychain_client::certificates::issue_args(
                &next(s.account),
                "bench",
                0,
                u64::MAX,
                &fields,
            ),
            value: Amount(0),
        }
    })
}
