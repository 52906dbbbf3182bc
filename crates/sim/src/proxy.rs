//! A fault-injecting TCP proxy for links between real node processes (`tc netem` stand-in).
//!
//! Point a node's peer address at a [`Proxy`] in front of the real peer; then delay, drop or
//! corrupt the bytes crossing it, or cut it, while the nodes run. Faults apply per chunk read
//! from a socket, in both directions. Because node links are encrypted and authenticated, a
//! dropped or altered chunk breaks the stream: the receiver must notice, close the connection
//! and dial again, which is exactly what these faults test.

use parking_lot::Mutex;
use std::{
    io,
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream, tcp::OwnedWriteHalf},
    runtime::Handle,
    sync::{mpsc, watch},
};

/// What the proxy does to the traffic; the default forwards everything untouched.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LinkFaults {
    /// Added to every chunk, in both directions (order is kept).
    pub delay: Duration,
    /// Probability that a chunk is silently discarded.
    pub loss: f64,
    /// Probability that one byte of a chunk is flipped.
    pub corrupt: f64,
    /// Refuse new connections and close the open ones.
    pub cut: bool,
}

/// Counters since the proxy started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProxyStats {
    pub connections: u64,
    pub bytes: u64,
    pub dropped_chunks: u64,
    pub corrupted_chunks: u64,
    pub refused: u64,
}

#[derive(Default)]
struct Counters {
    connections: AtomicU64,
    bytes: AtomicU64,
    dropped: AtomicU64,
    corrupted: AtomicU64,
    refused: AtomicU64,
}

struct Shared {
    faults: Mutex<LinkFaults>,
    /// Bumped on every cut: open connections watch it and close.
    cuts: watch::Sender<u64>,
    counters: Counters,
    rng: Mutex<u64>,
}

impl Shared {
    /// splitmix64: fault decisions need no cryptographic randomness.
    fn random(&self) -> u64 {
        let mut state = self.rng.lock();
        *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = *state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn chance(&self, p: f64) -> bool {
        p > 0.0 && (self.random() as f64 / u64::MAX as f64) < p
    }
}

/// A listening proxy in front of one target; stops when dropped.
pub struct Proxy {
    addr: SocketAddr,
    target: SocketAddr,
    shared: Arc<Shared>,
    accept: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// Listens on `listen` (port 0 picks a free one) and forwards to `target`, on `runtime`.
    pub fn start(
        runtime: &Handle,
        listen: SocketAddr,
        target: SocketAddr,
        seed: u64,
    ) -> io::Result<Proxy> {
        let std_listener = std::net::TcpListener::bind(listen)?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        let shared = Arc::new(Shared {
            faults: Mutex::new(LinkFaults::default()),
            cuts: watch::channel(0).0,
            counters: Counters::default(),
            rng: Mutex::new(seed),
        });
        let accept_shared = shared.clone();
        let accept = runtime.spawn(async move {
            let listener = match TcpListener::from_std(std_listener) {
                Ok(l) => l,
                Err(e) => {
                    tracing::warn!(%e, "proxy cannot listen");
                    return;
                }
            };
            loop {
                let Ok((inbound, _)) = listener.accept().await else {
                    continue;
                };
                let shared = accept_shared.clone();
                if shared.faults.lock().cut {
                    shared.counters.refused.fetch_add(1, Ordering::Relaxed);
                    continue; // dropping the socket closes it
                }
                tokio::spawn(async move {
                    if let Ok(outbound) = TcpStream::connect(target).await {
                        shared.counters.connections.fetch_add(1, Ordering::Relaxed);
                        link(inbound, outbound, shared).await;
                    }
                });
            }
        });
        Ok(Proxy {
            addr,
            target,
            shared,
            accept,
        })
    }

    /// Where peers should connect.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn target(&self) -> SocketAddr {
        self.target
    }

    /// Changes the faults; cutting also closes every open connection.
    pub fn set(&self, faults: LinkFaults) {
        *self.shared.faults.lock() = faults;
        if faults.cut {
            self.shared.cuts.send_modify(|n| *n += 1);
        }
    }

    pub fn faults(&self) -> LinkFaults {
        *self.shared.faults.lock()
    }

    pub fn stats(&self) -> ProxyStats {
        let c = &self.shared.counters;
        ProxyStats {
            connections: c.connections.load(Ordering::Relaxed),
            bytes: c.bytes.load(Ordering::Relaxed),
            dropped_chunks: c.dropped.load(Ordering::Relaxed),
            corrupted_chunks: c.corrupted.load(Ordering::Relaxed),
            refused: c.refused.load(Ordering::Relaxed),
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.shared.cuts.send_modify(|n| *n += 1);
    }
}

/// Pumps both directions until either side closes or the link is cut.
async fn link(inbound: TcpStream, outbound: TcpStream, shared: Arc<Shared>) {
    let _ = inbound.set_nodelay(true);
    let _ = outbound.set_nodelay(true);
    let (in_read, in_write) = inbound.into_split();
    let (out_read, out_write) = outbound.into_split();
    let mut cut = shared.cuts.subscribe();
    cut.mark_unchanged();
    tokio::select! {
        _ = pump(in_read, out_write, shared.clone()) => {}
        _ = pump(out_read, in_write, shared.clone()) => {}
        _ = cut.changed() => {}
    }
}

/// Reads chunks from one side and writes them, faults applied, to the other.
async fn pump(mut from: tokio::net::tcp::OwnedReadHalf, to: OwnedWriteHalf, shared: Arc<Shared>) {
    // A writer task delivers chunks at their due time, so a delay does not slow reading.
    let (queue, mut due) = mpsc::unbounded_channel::<(Instant, Vec<u8>)>();
    let writer = tokio::spawn(async move {
        let mut to = to;
        while let Some((at, chunk)) = due.recv().await {
            tokio::time::sleep_until(at.into()).await;
            if to.write_all(&chunk).await.is_err() {
                return;
            }
        }
        let _ = to.shutdown().await;
    });
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let faults = *shared.faults.lock();
        let counters = &shared.counters;
        counters.bytes.fetch_add(n as u64, Ordering::Relaxed);
        if shared.chance(faults.loss) {
            counters.dropped.fetch_add(1, Ordering::Relaxed);
            continue;
        }
        let mut chunk = buf[..n].to_vec();
        if shared.chance(faults.corrupt) {
            let at = (shared.random() % n as u64) as usize;
            chunk[at] ^= 0x20;
            counters.corrupted.fetch_add(1, Ordering::Relaxed);
        }
        if queue.send((Instant::now() + faults.delay, chunk)).is_err() {
            break;
        }
    }
    drop(queue);
    let _ = writer.await;
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn echo_server() -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            while let Ok((mut s, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut buf = [0u8; 1024];
                    while let Ok(n) = s.read(&mut buf).await {
                        if n == 0 || s.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
        addr
    }

    async fn round_trip(addr: SocketAddr, msg: &[u8]) -> io::Result<Vec<u8>> {
        let mut s = TcpStream::connect(addr).await?;
        s.write_all(msg).await?;
        let mut got = vec![0u8; msg.len()];
        tokio::time::timeout(Duration::from_secs(1), s.read_exact(&mut got))
            .await
            .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "no echo"))??;
        Ok(got)
    }

    #[tokio::test]
    async fn forwards_delays_corrupts_and_cuts() {
        let target = echo_server().await;
        let any: SocketAddr = "127.0.0.1:0".parse().expect("addr");
        let proxy = Proxy::start(&Handle::current(), any, target, 1).expect("proxy");

        assert_eq!(
            round_trip(proxy.addr(), b"hello").await.expect("echo"),
            b"hello"
        );

        proxy.set(LinkFaults {
            delay: Duration::from_millis(150),
            ..Default::default()
        });
        let started = Instant::now();
        assert_eq!(
            round_trip(proxy.addr(), b"slow").await.expect("echo"),
            b"slow"
        );
        // Both directions are delayed.
        assert!(started.elapsed() >= Duration::from_millis(300));

        // Corruption: what arrives differs from what was sent, in exactly one byte.
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let sink = Proxy::start(
            &Handle::current(),
            any,
            listener.local_addr().expect("addr"),
            2,
        )
        .expect("proxy");
        sink.set(LinkFaults {
            corrupt: 1.0,
            ..Default::default()
        });
        let sent = [7u8; 64];
        let mut client = TcpStream::connect(sink.addr()).await.expect("connect");
        client.write_all(&sent).await.expect("write");
        let (mut server, _) = listener.accept().await.expect("accept");
        let mut got = [0u8; 64];
        server.read_exact(&mut got).await.expect("read");
        let differing = sent.iter().zip(got).filter(|(a, b)| **a != *b).count();
        assert!(differing >= 1, "nothing was corrupted");
        assert_eq!(differing as u64, sink.stats().corrupted_chunks);

        proxy.set(LinkFaults {
            loss: 1.0,
            ..Default::default()
        });
        assert!(round_trip(proxy.addr(), b"lost").await.is_err());

        // An open connection is closed by a cut, and new ones are refused.
        proxy.set(LinkFaults::default());
        let mut open = TcpStream::connect(proxy.addr()).await.expect("connect");
        open.write_all(b"a").await.expect("write");
        let mut one = [0u8; 1];
        open.read_exact(&mut one)
            .await
            .expect("echo before the cut");
        proxy.set(LinkFaults {
            cut: true,
            ..Default::default()
        });
        let mut rest = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(5), open.read_to_end(&mut rest))
            .await
            .expect("the cut closes the connection");
        assert!(rest.is_empty());
        assert!(round_trip(proxy.addr(), b"refused").await.is_err());
        assert!(proxy.stats().refused >= 1);

        proxy.set(LinkFaults::default());
        assert_eq!(
            round_trip(proxy.addr(), b"healed").await.expect("echo"),
            b"healed"
        );
    }
}
