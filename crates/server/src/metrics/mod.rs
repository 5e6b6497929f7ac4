//! Per-shard counters for monitoring: written by their own shard only, read from anywhere.
//!
//! Each shard owns one [`ShardMetrics`] block on cache lines of its own, so shards never
//! write a line another shard writes. The owner is the only writer, so a count is a plain
//! load and store (`Relaxed`), never a locked read-modify-write: on x86 that is two `mov`s
//! where `fetch_add` is a `lock xadd`. Readers on any thread (a scrape on another shard,
//! [`ServerHandle::metrics`](crate::ServerHandle::metrics)) load each counter on its own;
//! a snapshot is therefore not one instant, only each number is exact.
//!
//! Where each is counted: connections in `conn::serve`; bytes where the socket reads and
//! sends (`sock`); status classes where a response head is encoded (`responder`, and the
//! codec's own answers in `conn`); parse errors and head/body timeouts in `conn`; streamed
//! body timeouts in `body`; write timeouts in `sock`. The request duration runs from the
//! start of the loop turn in which the request's head was read (the shard's turn clock:
//! when the shard saw the bytes) to the response being complete in the connection's write
//! buffer, which is handed to the socket in the same turn (one send per batch).

mod snapshot;
mod text;

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

pub use snapshot::{LatencyHistogram, MetricsSnapshot, ShardSnapshot, Timeouts};
pub(crate) use text::CONTENT_TYPE;

/// Upper bounds of the latency histogram's buckets, in nanoseconds (100 µs … 10 s; the
/// last bucket, `+Inf`, is implicit).
pub(crate) const BUCKETS_NS: [u64; 16] = [
    100_000,
    250_000,
    500_000,
    1_000_000,
    2_500_000,
    5_000_000,
    10_000_000,
    25_000_000,
    50_000_000,
    100_000_000,
    250_000_000,
    500_000_000,
    1_000_000_000,
    2_500_000_000,
    5_000_000_000,
    10_000_000_000,
];

/// Which deadline ended a connection's wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TimeoutKind {
    /// Keep-alive idle timeout: closed without an answer.
    Idle = 0,
    /// Header deadline: 408, then close.
    Head = 1,
    /// Body deadline: 408 and close (or the handler's answer to a streamed body's timeout).
    Body = 2,
    /// The client stopped reading a response for the write timeout: closed.
    Write = 3,
}

/// One shard's counters. Aligned to 128 bytes (two cache lines: the adjacent-line
/// prefetcher pairs them) so no other shard's block shares a line with it.
#[repr(align(128))]
#[derive(Default)]
pub(crate) struct ShardMetrics {
    /// Final responses by status class, 1xx … 5xx.
    classes: [AtomicU64; 5],
    accepted: AtomicU64,
    closed: AtomicU64,
    bytes_read: AtomicU64,
    bytes_written: AtomicU64,
    parse_errors: AtomicU64,
    timeouts: [AtomicU64; 4],
    /// Per bucket (not cumulative); the last is `+Inf`.
    latency: [AtomicU64; BUCKETS_NS.len() + 1],
    latency_sum_ns: AtomicU64,
}

/// Adds `n` to a counter only the calling shard writes.
#[inline]
fn bump(counter: &AtomicU64, n: u64) {
    counter.store(counter.load(Relaxed).wrapping_add(n), Relaxed);
}

impl ShardMetrics {
    /// A final response with `status` was encoded.
    #[inline]
    pub fn response(&self, status: u16) {
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        bump(&self.classes[class], 1);
    }

    /// A connection was accepted.
    #[inline]
    pub fn opened(&self) {
        bump(&self.accepted, 1);
    }

    /// A connection ended.
    #[inline]
    pub fn closed(&self) {
        bump(&self.closed, 1);
    }

    #[inline]
    pub fn read(&self, bytes: usize) {
        bump(&self.bytes_read, bytes as u64);
    }

    #[inline]
    pub fn written(&self, bytes: usize) {
        bump(&self.bytes_written, bytes as u64);
    }

    /// The codec refused a request (answered 4xx/5xx by the server itself).
    pub fn parse_error(&self) {
        bump(&self.parse_errors, 1);
    }

    pub fn timeout(&self, kind: TimeoutKind) {
        bump(&self.timeouts[kind as usize], 1);
    }

    /// One request took `took` from its head read to its response queued.
    #[inline]
    pub fn observe(&self, took: Duration) {
        let ns = u64::try_from(took.as_nanos()).unwrap_or(u64::MAX);
        let bucket = BUCKETS_NS
            .iter()
            .position(|&bound| ns <= bound)
            .unwrap_or(BUCKETS_NS.len());
        bump(&self.latency[bucket], 1);
        bump(&self.latency_sum_ns, ns);
    }

    /// The counters as they are now (each read on its own).
    fn snapshot(&self, shard: usize) -> ShardSnapshot {
        let load = |c: &AtomicU64| c.load(Relaxed);
        let accepted = load(&self.accepted);
        let closed = load(&self.closed);
        let mut cumulative = 0;
        let buckets = self
            .latency
            .iter()
            .map(|c| {
                cumulative += load(c);
                cumulative
            })
            .collect();
        ShardSnapshot {
            shard,
            responses: self.classes.each_ref().map(load),
            // Read apart, `closed` may be newer than `accepted`: never below zero.
            open_connections: accepted.saturating_sub(closed),
            accepted_connections: accepted,
            bytes_read: load(&self.bytes_read),
            bytes_written: load(&self.bytes_written),
            parse_errors: load(&self.parse_errors),
            timeouts: Timeouts {
                idle: load(&self.timeouts[0]),
                head: load(&self.timeouts[1]),
                body: load(&self.timeouts[2]),
                write: load(&self.timeouts[3]),
            },
            latency: LatencyHistogram {
                buckets,
                sum: Duration::from_nanos(load(&self.latency_sum_ns)),
            },
        }
    }
}

/// Every shard's counters, by shard id: one server's.
pub(crate) struct Metrics {
    shards: Vec<Arc<ShardMetrics>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics")
            .field("shards", &self.shards.len())
            .finish()
    }
}

impl Metrics {
    pub fn new(shards: usize) -> Self {
        Self {
            shards: (0..shards).map(|_| Arc::default()).collect(),
        }
    }

    /// Shard `id`'s block, which only that shard writes.
    pub fn shard(&self, id: usize) -> Arc<ShardMetrics> {
        self.shards.get(id).cloned().unwrap_or_default()
    }

    pub fn snapshot(&self) -> MetricsSnapshot {
        MetricsSnapshot {
            shards: self
                .shards
                .iter()
                .enumerate()
                .map(|(id, s)| s.snapshot(id))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_fills_whole_cache_line_pairs() {
        assert_eq!(std::mem::align_of::<ShardMetrics>(), 128);
        assert_eq!(std::mem::size_of::<ShardMetrics>() % 128, 0);
    }

    #[test]
    fn counts_land_in_their_class_bucket_and_kind() {
        let m = Metrics::new(2);
        let s = m.shard(1);
        for status in [101, 200, 204, 301, 404, 408, 500, 999] {
            s.response(status);
        }
        s.opened();
        s.opened();
        s.closed();
        s.observe(Duration::from_micros(100)); // on the bound: `le` is inclusive
        s.observe(Duration::from_micros(101));
        s.observe(Duration::from_secs(11));
        s.timeout(TimeoutKind::Head);
        let snap = m.snapshot();
        assert_eq!(snap.shards[0].requests(), 0);
        let one = &snap.shards[1];
        assert_eq!(one.responses, [1, 2, 1, 2, 2]);
        assert_eq!(one.open_connections, 1);
        assert_eq!(one.latency.buckets[0], 1);
        assert_eq!(one.latency.buckets[1], 2);
        assert_eq!(one.latency.buckets[15], 2);
        assert_eq!(one.latency.count(), 3);
        assert_eq!(one.timeouts.head, 1);
        assert_eq!(snap.requests(), 8);
    }
}
