//! Starting one node instance (or a twin pair) on the simulated network with the production
//! wiring.

use super::*;

/// Opens a slot's chain (with its armed commit crash and clock skew).
pub(super) fn open(
    world: &World,
    slot: &Slot,
) -> (
    Arc<Chain<Sequential>>,
    citychain_node::consensus::ConsensusBlock,
) {
    let crash = slot.commit_crash.clone();
    let options = StoreOptions {
        no_sync: true,
        faults: Some(Arc::new(move |point| {
            let mut armed = crash.lock();
            if *armed == Some(point) {
                *armed = None;
                return true;
            }
            false
        })),
        no_account_index: false,
    };
    let (chain, genesis_block) = wiring::open_chain(
        &slot.dir,
        &world.genesis,
        MempoolConfig::default(),
        Sequential,
        options,
    )
    .expect("open the node's chain");
    chain.set_clock_skew_ms(slot.skew_ms);
    (chain, genesis_block)
}

pub(super) type SimEngineConfig = EngineConfig<
    simulated::Manager<ConsensusKey, Ctx>,
    simulated::Control<ConsensusKey, Ctx>,
    Sequential,
    NodeVotes,
>;

pub(super) fn engine_config(
    world: &World,
    slot: &Slot,
    chain: &Chain<Sequential>,
) -> SimEngineConfig {
    let key = world.keys[slot.validator].clone();
    let me = key.public_key();
    let stale = world.scenario.stale == Some(slot.validator);
    let canary = world
        .scenario
        .canary
        .then(|| canary_validators(world, slot.validator));
    let misbehaviour = if stale {
        Some(Misbehaviour::VoteWhenRemoved)
    } else {
        canary.clone().map(Misbehaviour::FixedValidators)
    };
    let namespace = citychain_node::consensus_namespace(&world.genesis);
    EngineConfig {
        signer: key.clone(),
        misbehaviour,
        namespace: namespace.clone(),
        partition_prefix: slot.label.clone(),
        timeouts: Timeouts::for_interval(Duration::from_millis(
            world.scenario.empty_block_interval_ms,
        )),
        peer_provider: world.oracle.manager(),
        blocker: world.oracle.control(me),
        strategy: Sequential,
        peer_sets: Box::new(SimPeers {
            manager: world.oracle.manager(),
            everyone: world.keys.iter().map(|k| k.public_key()).collect(),
        }),
        vote_record: VoteRecord::open(&slot.dir.join(VOTE_RECORD_FILE), false)
            .expect("open the node's vote record"),
        problem: VotingProblem::default(),
        storage_location: format!("partitions {}-*", slot.label),
        // The stale node's engine indexes votes by its own claimed sets: its view is not
        // recorded.
        monitor: (!stale).then(|| NodeVotes {
            book: world.votes.clone(),
            schemes: EpochSchemes::new(&namespace, key, chain.store.clone(), canary),
        }),
    }
}

/// Tracks each epoch's validators as the simulated network's primary peers (the network is
/// shared: the first node to enter an epoch registers its set; epoch 0's is registered at start).
pub(super) struct SimPeers {
    pub(super) manager: simulated::Manager<ConsensusKey, Ctx>,
    pub(super) everyone: Vec<ConsensusKey>,
}

impl epochs::PeerSets for SimPeers {
    fn enter_epoch(&mut self, epoch: u64, validators: &[ConsensusKey]) {
        if epoch == 0 {
            return;
        }
        let secondary = self
            .everyone
            .iter()
            .filter(|k| !validators.contains(k))
            .cloned();
        let _ = commonware_p2p::Manager::track(
            &mut self.manager,
            epoch,
            commonware_p2p::TrackedPeers::new(
                commonware_utils::ordered::Set::from_iter_dedup(validators.iter().cloned()),
                commonware_utils::ordered::Set::from_iter_dedup(secondary),
            ),
        );
    }
}

/// Registers a validator's six channels (replacing any earlier registration of its key).
pub(super) async fn register(
    world: &World,
    validator: usize,
) -> Vec<(
    simulated::Sender<ConsensusKey, Ctx>,
    simulated::Receiver<ConsensusKey>,
)> {
    let control = world.oracle.control(world.keys[validator].public_key());
    let quota = Quota::per_second(NZU32!(100_000));
    let mut registered = Vec::new();
    for c in [
        channel::VOTES,
        channel::CERTIFICATES,
        channel::CONSENSUS_FETCH,
        channel::BLOCKS,
        channel::BACKFILL,
        channel::TRANSACTIONS,
    ] {
        registered.push(
            control
                .register(c, quota)
                .await
                .expect("register a simulated channel"),
        );
    }
    registered
}

/// A receiver that delivers what `liar` sends with its last byte flipped, as if the liar had
/// served corrupt data.
#[derive(Debug)]
pub(super) struct Tampered<R> {
    pub(super) inner: R,
    pub(super) liar: Option<ConsensusKey>,
    pub(super) corrupted: Arc<std::sync::atomic::AtomicUsize>,
}

impl<R: Receiver<PublicKey = ConsensusKey>> Receiver for Tampered<R> {
    type Error = R::Error;
    type PublicKey = ConsensusKey;

    async fn recv(&mut self) -> Result<(ConsensusKey, IoBuf), R::Error> {
        let (from, message) = self.inner.recv().await?;
        if self.liar.as_ref() != Some(&from) || message.is_empty() {
            return Ok((from, message));
        }
        let mut bytes = message.as_ref().to_vec();
        if let Some(last) = bytes.last_mut() {
            *last ^= 0x01;
        }
        self.corrupted
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok((from, bytes.into()))
    }

    fn capacity(&self) -> std::num::NonZeroUsize {
        self.inner.capacity()
    }
}

/// Starts an honest node.
pub(super) async fn start(context: &Ctx, world: &Arc<World>, slot: &mut Slot) {
    assert!(slot.side.is_none(), "twin halves start in pairs");
    let (chain, genesis_block) = open(world, slot);
    slot.started = true;
    // The full node hears the liar's answers to its sync requests corrupted.
    let liar = world
        .scenario
        .liar
        .filter(|_| slot.validator >= world.scenario.validators)
        .map(|v| world.keys[v].public_key());
    let it = register(world, slot.validator)
        .await
        .into_iter()
        .zip([
            channel::VOTES,
            channel::CERTIFICATES,
            channel::CONSENSUS_FETCH,
            channel::BLOCKS,
            channel::BACKFILL,
            channel::TRANSACTIONS,
        ])
        .map(|((sender, inner), c)| {
            let liar = liar.clone().filter(|_| c == channel::BACKFILL);
            (
                sender,
                Tampered {
                    inner,
                    liar,
                    corrupted: world.corrupted.clone(),
                },
            )
        });
    run_slot(context, world, slot, chain, genesis_block, it).await;
}

/// Launches `slot`'s node on its six registered channels (consensus five, then transactions).
pub(super) async fn run_slot<S, R>(
    context: &Ctx,
    world: &Arc<World>,
    slot: &mut Slot,
    chain: Arc<Chain<Sequential>>,
    genesis_block: citychain_node::consensus::ConsensusBlock,
    channels: impl IntoIterator<Item = (S, R)>,
) where
    S: Sender<PublicKey = ConsensusKey>,
    R: Receiver<PublicKey = ConsensusKey>,
{
    let mut it = channels.into_iter();
    let mut next = || it.next().expect("six channels");
    let channels = Channels {
        votes: next(),
        certificates: next(),
        consensus_fetch: next(),
        blocks: next(),
        backfill: next(),
    };
    let transactions = next();
    let ((relay, marshal), root, stopped) = launch(
        context.child("node"),
        chain.clone(),
        genesis_block,
        engine_config(world, slot, &chain),
        channels,
        transactions,
        slot.label.clone(),
    )
    .await;
    slot.running = Some(Running {
        chain,
        relay,
        marshal,
        root,
        stopped,
    });
}

/// Starts both halves of a twin: one registration of the shared key, split by recipient group.
pub(super) async fn start_twins(
    context: &Ctx,
    world: &Arc<World>,
    slots: &mut [Slot],
    validator: usize,
) {
    let (group_a, group_b) = world.twin_groups.clone();
    let keys: Vec<ConsensusKey> = world.keys.iter().map(|k| k.public_key()).collect();
    let to_keys = |g: &BTreeSet<usize>| g.iter().map(|&i| keys[i].clone()).collect::<Vec<_>>();
    let (a_keys, b_keys) = (to_keys(&group_a), to_keys(&group_b));
    let forward = move |origin: SplitOrigin, _: &Recipients<ConsensusKey>, _: &IoBuf| match origin {
        SplitOrigin::Primary => Some(Recipients::Some(a_keys.clone())),
        SplitOrigin::Secondary => Some(Recipients::Some(b_keys.clone())),
    };
    let route_keys = keys.clone();
    let route = move |(sender, _): &(ConsensusKey, IoBuf)| {
        let i = route_keys.iter().position(|k| k == sender);
        match i.map(|i| (group_a.contains(&i), group_b.contains(&i))) {
            Some((true, true)) => SplitTarget::Both,
            Some((true, false)) => SplitTarget::Primary,
            Some((false, true)) => SplitTarget::Secondary,
            _ => SplitTarget::None,
        }
    };
    let (mut primary, mut secondary) = (Vec::new(), Vec::new());
    for (i, (s, r)) in register(world, validator).await.into_iter().enumerate() {
        let (sa, sb) = s.split_with(forward.clone());
        let (ra, rb) = r.split_with(
            context.child("twin_split").with_attribute("channel", i),
            route.clone(),
        );
        primary.push((sa, ra));
        secondary.push((sb, rb));
    }
    for (side, halves) in [(Side::Primary, primary), (Side::Secondary, secondary)] {
        let slot = slots
            .iter_mut()
            .find(|s| s.validator == validator && s.side == Some(side))
            .expect("twin slot");
        let (chain, genesis_block) = open(world, slot);
        slot.started = true;
        run_slot(context, world, slot, chain, genesis_block, halves).await;
    }
}

/// Starts every stopped node of `validator` (a twin restarts as a pair).
pub(super) async fn start_validator(
    context: &Ctx,
    world: &Arc<World>,
    slots: &mut [Slot],
    validator: usize,
) {
    if world.scenario.twins.contains(&validator) {
        for slot in slots.iter_mut().filter(|s| s.validator == validator) {
            crash(slot).await;
        }
        start_twins(context, world, slots, validator).await;
    } else if let Some(slot) = slots
        .iter_mut()
        .find(|s| s.validator == validator && s.running.is_none())
    {
        start(context, world, slot).await;
    }
}

/// Starts a node under one root task: when it stops (a commit crash), everything it runs stops.
pub(super) async fn launch<S, R, M>(
    context: Ctx,
    chain: Arc<Chain<Sequential>>,
    genesis_block: citychain_node::consensus::ConsensusBlock,
    engine_config: EngineConfig<
        simulated::Manager<ConsensusKey, Ctx>,
        simulated::Control<ConsensusKey, Ctx>,
        Sequential,
        M,
    >,
    channels: Channels<S, R>,
    transactions: (S, R),
    label: String,
) -> ((RelayHandle, Marshal), Handle<()>, Arc<AtomicBool>)
where
    S: Sender<PublicKey = ConsensusKey>,
    R: Receiver<PublicKey = ConsensusKey>,
    M: Reporter<Activity = Activity<Scheme, ConsensusDigest>>,
{
    let (relay_tx, relay_rx) = futures::channel::oneshot::channel();
    let stopped = Arc::new(AtomicBool::new(false));
    let stopped_flag = stopped.clone();
    let root = context.spawn(move |context| async move {
        let started = match wiring::start(
            context,
            chain,
            genesis_block,
            engine_config,
            channels,
            transactions,
        )
        .await
        {
            Ok(s) => s,
            Err(e) => panic!("{label} failed to start: {e}"),
        };
        let _ = relay_tx.send((started.relay.clone(), started.marshal.clone()));
        // A commit crash ends the finalizer; the node dies with it and the harness restarts it.
        let result = started.finalizer.await;
        debug!(node = %label, ?result, "node stopped");
        stopped_flag.store(true, Ordering::Release);
    });
    let relay = relay_rx.await.expect("the node starts");
    (relay, root, stopped)
}
