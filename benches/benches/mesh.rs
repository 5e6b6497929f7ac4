//! Cross-shard messaging on a two-shard server: `submit_to` round trips and throughput,
//! `Bus` throughput and one-way latency, measured on the shards themselves.
//!
//! `cargo bench -p typhoon-benches --bench mesh [-- --no-pin] [-- --quick]`. A plain
//! binary rather than criterion: the work must run inside a server's shards, so each
//! measurement is one HTTP request to shard 0, whose handler runs it and answers with the
//! numbers. Shard 0 sends, shard 1 receives; the two shards are pinned to two CPUs
//! unless `--no-pin`.
//!
//! "Back to back" latency includes queueing behind the messages before it; "N apart" lets
//! shard 1 go idle between messages, so each one measures a wake through its mailbox: from
//! its ring's wait at short gaps, from glommio's sleep after about 3 ms (both ended by the
//! mailbox's eventfd).
// A bench binary: its items need no docs.
#![allow(missing_docs)]

use std::cell::RefCell;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use typhoon_http1::Request;
use typhoon_server::{
    shard_id, submit_to, Bus, Factory, HttpServer, Lagged, Responder, Response, ServerConfig,
    Service, ShardInfo, Subscription,
};

thread_local! {
    /// Shard 1's subscription, made before a run starts publishing.
    static SUB: RefCell<Option<Subscription<Instant>>> = const { RefCell::new(None) };
}

/// Each shard keeps this many messages: more than a run can leave unread.
const BUS_CAPACITY: usize = 1 << 16;

struct Bench {
    bus: Bus<Instant>,
}

impl Service for Bench {
    async fn call(&self, req: Request, out: Responder) {
        let n = param(req.query(), "n");
        let gap = Duration::from_micros(param(req.query(), "gap_us") as u64);
        let body = match req.path() {
            "/id" => format!("{}", shard_id().unwrap_or(usize::MAX)),
            "/rtt" => submit_round_trips(n, gap).await,
            "/submit-throughput" => submit_throughput(n, param(req.query(), "window")).await,
            "/bus-throughput" => bus_throughput(&self.bus, n).await,
            "/bus-latency" => bus_latency(&self.bus, n, gap).await,
            _ => "not found".to_owned(),
        };
        out.send(Response::new(200, body));
    }
}

fn param(query: &str, name: &str) -> usize {
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

async fn pause(gap: Duration) {
    if !gap.is_zero() {
        glommio::timer::sleep(gap).await;
    }
}

/// `n` sequential `submit_to(1, ..)` round trips, `gap` apart.
async fn submit_round_trips(n: usize, gap: Duration) -> String {
    let mut samples = Vec::with_capacity(n);
    for _ in 0..n {
        pause(gap).await;
        let started = Instant::now();
        submit_to(1, || async {}).await.expect("shard 1 runs");
        samples.push(started.elapsed());
    }
    summary(samples)
}

/// `n` round trips to shard 1 from `window` tasks at once: submits per second.
async fn submit_throughput(n: usize, window: usize) -> String {
    let window = window.max(1);
    let started = Instant::now();
    let tasks: Vec<_> = (0..window)
        .map(|_| {
            glommio::spawn_local(async move {
                for _ in 0..n / window {
                    submit_to(1, || async {}).await.expect("shard 1 runs");
                }
            })
        })
        .collect();
    for task in tasks {
        task.await;
    }
    let took = started.elapsed();
    format!("{:.0}/s", (n / window * window) as f64 / took.as_secs_f64())
}

/// Subscribes on shard 1, then has it receive `n` messages and report each one's delay
/// from its timestamp (and how many it lost).
async fn receive_on_shard_1(
    bus: &Bus<Instant>,
    n: usize,
) -> glommio::task::JoinHandle<(Instant, Vec<Duration>, u64)> {
    let on_1 = bus.clone();
    submit_to(1, move || async move {
        let sub = on_1.subscribe().expect("on a shard");
        SUB.with(|s| *s.borrow_mut() = Some(sub));
    })
    .await
    .expect("shard 1 runs");
    let receiver = glommio::spawn_local(async move {
        submit_to(1, move || async move {
            let mut sub = SUB.with(|s| s.borrow_mut().take()).expect("subscribed");
            let mut delays = Vec::with_capacity(n);
            let mut lost = 0;
            while delays.len() as u64 + lost < n as u64 {
                match sub.recv().await {
                    Ok(sent) => delays.push(sent.elapsed()),
                    Err(Lagged(k)) => lost += k,
                }
            }
            (Instant::now(), delays, lost)
        })
        .await
        .expect("shard 1 runs")
    })
    .detach();
    // Let the receiver's job go out before the messages.
    futures_lite::future::yield_now().await;
    receiver
}

/// `n` messages published back to back from shard 0 to a subscriber on shard 1.
async fn bus_throughput(bus: &Bus<Instant>, n: usize) -> String {
    let receiver = receive_on_shard_1(bus, n).await;
    let started = Instant::now();
    for _ in 0..n {
        bus.publish(Instant::now()).await.expect("on a shard");
    }
    let Some((done, _, lost)) = receiver.await else {
        return "the receiver failed".to_owned();
    };
    let took = done.duration_since(started);
    format!(
        "{:.0} messages/s ({n} in {took:.1?}, {lost} lost)",
        n as f64 / took.as_secs_f64()
    )
}

/// `n` messages `gap` apart: the delay from `publish` on shard 0 to `recv` on shard 1.
async fn bus_latency(bus: &Bus<Instant>, n: usize, gap: Duration) -> String {
    let receiver = receive_on_shard_1(bus, n).await;
    for _ in 0..n {
        pause(gap).await;
        bus.publish(Instant::now()).await.expect("on a shard");
    }
    match receiver.await {
        Some((_, delays, 0)) => summary(delays),
        Some((_, _, lost)) => format!("{lost} lost"),
        None => "the receiver failed".to_owned(),
    }
}

fn summary(mut samples: Vec<Duration>) -> String {
    if samples.is_empty() {
        return "no samples".to_owned();
    }
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize];
    format!(
        "p50 {:>9.1?}  p99 {:>9.1?}  max {:>9.1?}  (n={})",
        at(0.5),
        at(0.99),
        at(1.0),
        samples.len()
    )
}

/// A keep-alive HTTP/1.1 connection.
struct Client {
    stream: TcpStream,
}

impl Client {
    fn get(&mut self, target: &str) -> String {
        let request = format!("GET {target} HTTP/1.1\r\nHost: bench\r\n\r\n");
        self.stream.write_all(request.as_bytes()).expect("send");
        let mut buf = Vec::new();
        let mut byte = [0u8; 1];
        while !buf.ends_with(b"\r\n\r\n") {
            assert_eq!(self.stream.read(&mut byte).expect("read"), 1, "closed");
            buf.push(byte[0]);
        }
        let head = String::from_utf8_lossy(&buf).to_ascii_lowercase();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .expect("a content-length");
        let mut body = vec![0u8; length];
        self.stream.read_exact(&mut body).expect("read the body");
        String::from_utf8_lossy(&body).into_owned()
    }
}

fn main() -> typhoon_server::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let config = ServerConfig {
        pin: !args.iter().any(|a| a == "--no-pin"),
        ..ServerConfig::default()
    };
    let bus = Bus::with_capacity(BUS_CAPACITY);
    let mut server = HttpServer::with_config(
        Factory(move |_: &ShardInfo| Bench { bus: bus.clone() }),
        config,
    );
    server.bind_addr(0, "127.0.0.1")?;
    let running = server.start_background(2)?;
    let addr = running.handle().local_addrs()[0];
    let mut shard_0 = loop {
        let mut client = Client {
            stream: TcpStream::connect(addr).expect("connect"),
        };
        if client.get("/id") == "0" {
            break client;
        }
    };
    let scale = if quick { 10 } else { 1 };
    let runs: [(&str, String); 13] = [
        (
            "submit_to round trip, back to back",
            format!("/rtt?n={}", 20_000 / scale),
        ),
        (
            "submit_to round trip, 1 ms apart",
            format!("/rtt?n={}&gap_us=1000", 1000 / scale),
        ),
        (
            "submit_to round trip, 20 ms apart",
            format!("/rtt?n={}&gap_us=20000", 200 / scale),
        ),
        (
            "submit_to throughput, 1 in flight",
            format!("/submit-throughput?n={}&window=1", 20_000 / scale),
        ),
        (
            "submit_to throughput, 64 in flight",
            format!("/submit-throughput?n={}&window=64", 200_000 / scale),
        ),
        (
            "bus throughput, shard 0 -> shard 1",
            format!("/bus-throughput?n={}", 500_000 / scale),
        ),
        (
            "bus one-way latency, back to back",
            format!("/bus-latency?n={}", 20_000 / scale),
        ),
        (
            "bus one-way latency, 200 us apart",
            format!("/bus-latency?n={}&gap_us=200", 2000 / scale),
        ),
        (
            "bus one-way latency, 500 us apart",
            format!("/bus-latency?n={}&gap_us=500", 1000 / scale),
        ),
        (
            "bus one-way latency, 1 ms apart",
            format!("/bus-latency?n={}&gap_us=1000", 1000 / scale),
        ),
        (
            "bus one-way latency, 2 ms apart",
            format!("/bus-latency?n={}&gap_us=2000", 500 / scale),
        ),
        (
            "bus one-way latency, 5 ms apart",
            format!("/bus-latency?n={}&gap_us=5000", 400 / scale),
        ),
        (
            "bus one-way latency, 20 ms apart",
            format!("/bus-latency?n={}&gap_us=20000", 200 / scale),
        ),
    ];
    for (name, target) in runs {
        println!("{name:<38} {}", shard_0.get(&target));
    }
    drop(shard_0);
    running.stop()
}
