//! The load a run drives: signed transfers, their acknowledgements and what they must produce.

use super::*;
use citychain_types::asset::{AssetId, AssetTx, OfferId, Value as AssetValue};

/// Records every committed transaction as acknowledged (with the first node and height).
#[derive(Default)]
pub(super) struct Acks {
    pub(super) acked: BTreeMap<Hash, (String, u64)>,
    pub(super) scanned: HashMap<String, u64>,
}

impl Acks {
    pub(super) fn watch(&mut self, slots: &[Slot]) {
        for slot in slots.iter().filter(|s| s.side.is_none()) {
            let Some(r) = &slot.running else { continue };
            let Some(head) = r.chain.store.head() else {
                continue;
            };
            let from = self.scanned.get(&slot.label).map_or(0, |h| h + 1);
            for h in from..=head.height.0 {
                if let Ok(Some(block)) = r.chain.store.block(Height(h)) {
                    for tx in &block.transactions {
                        self.acked
                            .entry(tx.hash())
                            .or_insert_with(|| (slot.label.clone(), h));
                    }
                }
            }
            self.scanned.insert(slot.label.clone(), head.height.0);
        }
    }
}

/// The load generator's senders.
pub(super) struct LoadState {
    pub(super) next_nonce: Vec<u64>,
    /// Signed but not yet seen committed, per sender: (nonce, bytes).
    pub(super) unconfirmed: Vec<Vec<(u64, Vec<u8>, Hash)>>,
    pub(super) owed: f64,
    pub(super) turn: usize,
}

impl LoadState {
    pub(super) fn new(world: &World) -> Self {
        let senders = world.scenario.load.map_or(0, |l| l.senders);
        LoadState {
            next_nonce: vec![0; senders],
            unconfirmed: vec![Vec::new(); senders],
            owed: 0.0,
            turn: 0,
        }
    }

    pub(super) async fn step(
        &mut self,
        context: &Ctx,
        world: &World,
        slots: &[Slot],
        acks: &Acks,
        tick: Duration,
    ) {
        let live: Vec<&Running> = slots
            .iter()
            .filter(|s| s.side.is_none())
            .filter_map(|s| s.running.as_ref())
            .collect();
        if live.is_empty() {
            return;
        }
        for u in self.unconfirmed.iter_mut() {
            u.retain(|(_, _, h)| !acks.acked.contains_key(h));
        }
        world
            .governance
            .lock()
            .unconfirmed
            .retain(|(_, h)| !acks.acked.contains_key(h));
        // New transfers, at the configured rate.
        let load = world.scenario.load.unwrap_or(crate::Load {
            rate: 0,
            senders: 0,
        });
        self.owed += f64::from(load.rate) * tick.as_secs_f64();
        while self.owed >= 1.0 {
            self.owed -= 1.0;
            let i = self.turn % load.senders;
            self.turn += 1;
            let key = sender_key(&world.scenario, i);
            let nonce = self.next_nonce[i];
            let payload = if world.scenario.assets {
                asset_payload(&world.scenario, load.senders, i, nonce)
            } else {
                Payload::Transfer {
                    to: sender_key(&world.scenario, (i + 1) % load.senders)
                        .public_key()
                        .address(),
                    amount: Amount(1),
                }
            };
            let tx = Transaction {
                chain_id: world.genesis.chain_id.clone(),
                sender: key.public_key(),
                nonce: Nonce(nonce),
                gas_limit: Gas(100_000),
                payload,
            }
            .sign(&key);
            self.unconfirmed[i].push((self.next_nonce[i], tx.encode(), tx.hash()));
            self.next_nonce[i] += 1;
        }
        // Submit everything unconfirmed to a node chosen by turn (resubmission is idempotent),
        // as a client would retry against another node.
        let pick = (context
            .current()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis() as usize
            / 250)
            % live.len();
        let node = live[pick];
        let raws: Vec<Vec<u8>> = self
            .unconfirmed
            .iter()
            .flatten()
            .map(|(_, raw, _)| raw.clone())
            .chain(
                world
                    .governance
                    .lock()
                    .unconfirmed
                    .iter()
                    .map(|(raw, _)| raw.clone()),
            )
            .collect();
        if !raws.is_empty() {
            let _ = wiring::submit(&node.chain, &node.relay, raws).await;
        }
    }
}

/// The asset the asset load creates: sender 0's first transaction.
pub(crate) fn load_asset(scenario: &Scenario) -> AssetId {
    let issuer = sender_key(scenario, 0).public_key().address();
    AssetId::derive(scenario.suite, &issuer, Nonce(0))
}

/// What sender `i` sends with `nonce` in the asset load: sender 0 creates the asset and mints
/// it to every sender; then, by nonce, a native transfer, an asset transfer, an offer of one
/// unit for one native unit, and the taking of the previous sender's offer (its id is known:
/// derived from that sender and the nonce before). Whatever lands before the asset exists or
/// the offer is made fails in its receipt, identically on every node.
fn asset_payload(scenario: &Scenario, senders: usize, i: usize, nonce: u64) -> Payload {
    let asset = load_asset(scenario);
    let address = |k: usize| sender_key(scenario, k % senders).public_key().address();
    let op = match (i, nonce) {
        (0, 0) => AssetTx::Create {
            symbol: "SIM".into(),
            name: "Simulated asset".into(),
            decimals: 0,
            supply_cap: None,
            metadata: Default::default(),
            rule: Default::default(),
        },
        (0, n) if n as usize <= senders => AssetTx::Mint {
            asset,
            to: address(n as usize - 1),
            amount: Amount(1_000_000),
        },
        (_, n) => match n % 4 {
            0 => {
                return Payload::Transfer {
                    to: address(i + 1),
                    amount: Amount(1),
                };
            }
            1 => AssetTx::Transfer {
                asset,
                to: address(i + 1),
                amount: Amount(1),
            },
            2 => AssetTx::MakeOffer {
                give: AssetValue::Token {
                    asset,
                    amount: Amount(1),
                },
                want: AssetValue::Native { amount: Amount(1) },
                partial: false,
                taker: None,
                deadline_ms: TimestampMs(START_MS + 24 * 3600 * 1000),
            },
            _ => AssetTx::TakeOffer {
                offer: OfferId::derive(scenario.suite, &address(i + senders - 1), Nonce(n - 1)),
                amount: Amount(1),
            },
        },
    };
    Payload::Asset { op }
}
