//! An open-loop load client: `GET /` at a fixed rate over keep-alive connections, each
//! request's latency taken from when it was *due*, not from when it was written, so a server
//! that stalls is charged for every request it held up (wrk2's correction for coordinated
//! omission). Prints one JSON line with the achieved rate and the latency percentiles.
//!
//! `openloop --port PORT --rate R [--conns N] [--duration S] [--warmup S] [--dump PATH]`
//! (`--dump`: one line per request, when it was due after the warm-up and its latency, in ns)
//!
//! Written here because wrk2 is not packaged by Debian and the benchmark harness must run on
//! a fresh machine with what it can install; `oha -q` corrects for coordinated omission too,
//! but spends several times the CPU per request on a one-core client budget.
//!
//! One thread, edge-triggered `mio` polling; each connection carries at most one request at
//! a time (no pipelining, as wrk2). A request that falls due while every connection is busy
//! waits in a queue, and that wait is part of its latency. The client spins on `poll` with a
//! zero timeout whenever the next request is due within 2 ms, so its own sleeps add nothing.
use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use mio::net::TcpStream as MioStream;
use mio::{Events, Interest, Poll, Token};

const REQUEST: &[u8] = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

fn arg<T: std::str::FromStr>(name: &str) -> Option<T> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(|v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{name} takes a number, not {v:?}"))
        })
}

/// One keep-alive connection and the request it carries.
struct Conn {
    stream: MioStream,
    buf: Vec<u8>,
    /// When the request in flight was due.
    due: Option<Instant>,
    open: bool,
}

/// Counts kept while the load runs.
#[derive(Default)]
struct Tally {
    /// Latencies in nanoseconds of the requests due after the warm-up.
    latencies: Vec<u64>,
    /// When each of those requests was due, in nanoseconds after the warm-up; kept only
    /// for `--dump`.
    dues: Option<Vec<u64>>,
    errors: u64,
}

/// Splits whole responses off the front of `buf`: the status of each (200 expected).
fn take_responses(buf: &mut Vec<u8>) -> io::Result<Vec<u16>> {
    let mut statuses = Vec::new();
    loop {
        let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
            return Ok(statuses);
        };
        let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
        let status: u16 = head
            .get(9..12)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| io::Error::other(format!("bad status line in {head:?}")))?;
        let len: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .ok_or_else(|| io::Error::other("an answer without Content-Length"))?;
        if buf.len() < end + 4 + len {
            return Ok(statuses);
        }
        buf.drain(..end + 4 + len);
        statuses.push(status);
    }
}

fn connect(addr: SocketAddr, n: usize, poll: &Poll) -> io::Result<Vec<Conn>> {
    (0..n)
        .map(|i| {
            let s = TcpStream::connect(addr)?;
            s.set_nodelay(true)?;
            s.set_nonblocking(true)?;
            let mut stream = MioStream::from_std(s);
            poll.registry()
                .register(&mut stream, Token(i), Interest::READABLE)?;
            Ok(Conn {
                stream,
                buf: Vec::with_capacity(4096),
                due: None,
                open: true,
            })
        })
        .collect()
}

/// Reads what `conn` has; each whole answer frees the connection and records a latency.
fn on_readable(conn: &mut Conn, measured_from: Instant, tally: &mut Tally) -> bool {
    let mut chunk = [0u8; 16 * 1024];
    loop {
        match conn.stream.read(&mut chunk) {
            Ok(0) => {
                conn.open = false;
                tally.errors += 1;
                return false;
            }
            Ok(n) => conn.buf.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => {
                conn.open = false;
                tally.errors += 1;
                return false;
            }
        }
    }
    let now = Instant::now();
    match take_responses(&mut conn.buf) {
        Ok(statuses) => {
            let mut freed = false;
            for status in statuses {
                if status != 200 {
                    tally.errors += 1;
                }
                if let Some(due) = conn.due.take() {
                    if due >= measured_from {
                        tally.latencies.push((now - due).as_nanos() as u64);
                        if let Some(dues) = &mut tally.dues {
                            dues.push((due - measured_from).as_nanos() as u64);
                        }
                    }
                    freed = true;
                }
            }
            freed
        }
        Err(_) => {
            conn.open = false;
            tally.errors += 1;
            false
        }
    }
}

/// CLOCK_MONOTONIC now, in nanoseconds (what `Instant` reads, but as a number).
fn monotonic_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 * p / 100.0).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i] as f64 / 1000.0
}

fn main() -> io::Result<()> {
    let port: u16 = arg("--port").expect("--port PORT");
    let rate: f64 = arg("--rate").expect("--rate REQUESTS_PER_SECOND");
    let conns: usize = arg("--conns").unwrap_or(64);
    let duration: f64 = arg("--duration").unwrap_or(5.0);
    let warmup: f64 = arg("--warmup").unwrap_or(1.0);
    assert!(
        rate > 0.0 && conns > 0 && duration > 0.0,
        "rate, conns and duration must be > 0"
    );

    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let mut poll = Poll::new()?;
    let mut conns = connect(addr, conns, &poll)?;
    let mut free: Vec<usize> = (0..conns.len()).rev().collect();
    let mut waiting: VecDeque<Instant> = VecDeque::new();
    let mut events = Events::with_capacity(1024);
    let dump: Option<String> = arg("--dump");
    let mut tally = Tally {
        dues: dump.as_ref().map(|_| Vec::new()),
        ..Tally::default()
    };

    let interval = Duration::from_secs_f64(1.0 / rate);
    let start = Instant::now();
    let start_mono = monotonic_ns();
    let measured_from = start + Duration::from_secs_f64(warmup);
    let stop_sending = measured_from + Duration::from_secs_f64(duration);
    let give_up = stop_sending + Duration::from_secs(10);
    let mut next_due = start;
    let mut scheduled = 0u64;
    let mut most_waiting = 0usize;

    loop {
        let now = Instant::now();
        while next_due <= now && next_due < stop_sending {
            waiting.push_back(next_due);
            if next_due >= measured_from {
                scheduled += 1;
            }
            next_due += interval;
        }
        most_waiting = most_waiting.max(waiting.len());
        while !waiting.is_empty() {
            let Some(i) = free.pop() else { break };
            let conn = &mut conns[i];
            if !conn.open {
                continue;
            }
            // A 35-byte request always fits an idle connection's socket buffer.
            match conn.stream.write(REQUEST) {
                Ok(n) if n == REQUEST.len() => conn.due = waiting.pop_front(),
                _ => {
                    conn.open = false;
                    tally.errors += 1;
                }
            }
        }
        let in_flight = conns.iter().filter(|c| c.due.is_some()).count();
        if now >= stop_sending && waiting.is_empty() && in_flight == 0 {
            break;
        }
        if now >= give_up || conns.iter().all(|c| !c.open) {
            break;
        }
        let until_next = next_due.saturating_duration_since(now);
        let timeout = if !waiting.is_empty() || until_next < Duration::from_millis(2) {
            Duration::ZERO
        } else {
            until_next - Duration::from_millis(1)
        };
        poll.poll(&mut events, Some(timeout))?;
        for event in events.iter() {
            let i = event.token().0;
            if on_readable(&mut conns[i], measured_from, &mut tally) {
                free.push(i);
            }
        }
    }

    if let (Some(path), Some(dues)) = (dump, &tally.dues) {
        let mut out = io::BufWriter::new(std::fs::File::create(path)?);
        // CLOCK_MONOTONIC at the end of the warm-up, to line the dump up with a trace
        // (`perf record -k CLOCK_MONOTONIC`).
        writeln!(
            out,
            "# measured_from_monotonic_ns {}",
            start_mono + (warmup * 1e9) as u64
        )?;
        for (due, latency) in dues.iter().zip(&tally.latencies) {
            writeln!(out, "{due} {latency}")?;
        }
        out.flush()?;
    }
    let mut lat = std::mem::take(&mut tally.latencies);
    lat.sort_unstable();
    let unfinished = scheduled.saturating_sub(lat.len() as u64);
    println!(
        "{{\"rate\": {rate}, \"conns\": {}, \"duration_s\": {duration}, \"scheduled\": {scheduled}, \
         \"completed\": {}, \"achieved_rps\": {:.1}, \"p10_us\": {:.1}, \"p25_us\": {:.1}, \"p50_us\": {:.1}, \"p75_us\": {:.1}, \"p90_us\": {:.1}, \
         \"p99_us\": {:.1}, \"p999_us\": {:.1}, \"max_us\": {:.1}, \"errors\": {}, \
         \"unfinished\": {unfinished}, \"most_waiting\": {most_waiting}}}",
        conns.len(),
        lat.len(),
        lat.len() as f64 / duration,
        percentile(&lat, 10.0),
        percentile(&lat, 25.0),
        percentile(&lat, 50.0),
        percentile(&lat, 75.0),
        percentile(&lat, 90.0),
        percentile(&lat, 99.0),
        percentile(&lat, 99.9),
        percentile(&lat, 100.0),
        tally.errors,
    );
    Ok(())
}
