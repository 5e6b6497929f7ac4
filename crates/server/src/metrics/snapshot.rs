//! What [`ServerHandle::metrics`](crate::ServerHandle::metrics) returns: every shard's
//! counters, copied at one moment.

use std::time::Duration;

use super::BUCKETS_NS;

/// Every shard's counters as they were when read, by shard id.
///
/// Counters only grow (but `open_connections`) from the server's start; each number is
/// exact, but shards are read one after another, not at one instant.
///
/// # Examples
///
/// ```no_run
/// # fn main() -> typhoon_server::Result<()> {
/// use typhoon_server::{Factory, HttpServer, Response, ShardInfo};
/// # struct Hello;
/// # impl typhoon_server::Service for Hello {
/// #     async fn call(&self, _r: typhoon_http1::Request, out: typhoon_server::Responder) { out.send(Response::new(200, "")) }
/// # }
/// let running = HttpServer::new(Factory(|_: &ShardInfo| Hello)).listen_background(0)?;
/// // … clients come and go …
/// let metrics = running.handle().metrics();
/// for shard in &metrics.shards {
///     println!("shard {}: {} requests, {} open", shard.shard, shard.requests(), shard.open_connections);
/// }
/// println!("2xx in all: {}", metrics.responses(2));
/// print!("{}", metrics.to_prometheus()); // what the metrics endpoint serves
/// running.stop()?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MetricsSnapshot {
    /// One entry per shard, in shard id order.
    pub shards: Vec<ShardSnapshot>,
}

impl MetricsSnapshot {
    /// Final responses over every shard (what a load generator counts as requests).
    ///
    /// # Examples
    ///
    /// ```
    /// let none = typhoon_server::MetricsSnapshot::default();
    /// assert_eq!(none.requests(), 0);
    /// ```
    pub fn requests(&self) -> u64 {
        self.shards.iter().map(ShardSnapshot::requests).sum()
    }

    /// Responses of status class `class` (1 for 1xx … 5 for 5xx) over every shard; 0 for
    /// another `class`.
    ///
    /// # Examples
    ///
    /// ```
    /// let none = typhoon_server::MetricsSnapshot::default();
    /// assert_eq!(none.responses(2), 0);
    /// ```
    pub fn responses(&self, class: u16) -> u64 {
        self.shards.iter().map(|s| s.responses_of(class)).sum()
    }
}

/// One shard's counters.
///
/// # Examples
///
/// ```
/// let shard = typhoon_server::ShardSnapshot::default();
/// assert_eq!(shard.requests(), 0);
/// assert_eq!(shard.latency.count(), 0);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ShardSnapshot {
    /// The shard's id.
    pub shard: usize,
    /// Final responses by status class: `[1xx, 2xx, 3xx, 4xx, 5xx]`. These include the
    /// server's own answers to bad requests and timeouts (400, 408, 413, 431 …) and the
    /// `101` of an upgrade; not interim `100 Continue`s, nor the metrics endpoint's own
    /// answers.
    pub responses: [u64; 5],
    /// Connections open now.
    pub open_connections: u64,
    /// Connections accepted since the start.
    pub accepted_connections: u64,
    /// Bytes received from clients (HTTP and upgraded connections alike).
    pub bytes_read: u64,
    /// Bytes sent to clients.
    pub bytes_written: u64,
    /// Requests the HTTP/1.1 codec refused, answered 4xx by the server itself (a bad
    /// request line or header, a head too large, a body over the limit …) and closed.
    pub parse_errors: u64,
    /// Connections a deadline ended.
    pub timeouts: Timeouts,
    /// How long requests took, from their head read to their response queued for the
    /// socket.
    pub latency: LatencyHistogram,
}

impl ShardSnapshot {
    /// Final responses in all classes.
    ///
    /// # Examples
    ///
    /// ```
    /// let shard = typhoon_server::ShardSnapshot { responses: [0, 5, 0, 2, 1], ..Default::default() };
    /// assert_eq!(shard.requests(), 8);
    /// ```
    pub fn requests(&self) -> u64 {
        self.responses.iter().sum()
    }

    /// Responses of status class `class` (1 for 1xx … 5 for 5xx); 0 for another `class`.
    ///
    /// # Examples
    ///
    /// ```
    /// let shard = typhoon_server::ShardSnapshot { responses: [0, 5, 0, 2, 1], ..Default::default() };
    /// assert_eq!(shard.responses_of(4), 2);
    /// ```
    pub fn responses_of(&self, class: u16) -> u64 {
        match class {
            1..=5 => self.responses[usize::from(class) - 1],
            _ => 0,
        }
    }
}

/// Connections ended by each deadline of [`ServerConfig`](crate::ServerConfig).
///
/// # Examples
///
/// ```
/// let t = typhoon_server::Timeouts { idle: 1, head: 2, ..Default::default() };
/// assert_eq!(t.total(), 3);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timeouts {
    /// Keep-alive connections closed by `idle_timeout` (no answer is owed).
    pub idle: u64,
    /// Request heads cut by `header_timeout`: answered 408 and closed.
    pub head: u64,
    /// Request bodies cut by `body_timeout` (408 and close, or the handler's answer to a
    /// streamed body's timeout).
    pub body: u64,
    /// Clients that stopped reading a response for `write_timeout`: closed.
    pub write: u64,
}

impl Timeouts {
    /// All kinds together.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(typhoon_server::Timeouts::default().total(), 0);
    /// ```
    pub fn total(&self) -> u64 {
        self.idle + self.head + self.body + self.write
    }
}

/// A request-duration histogram in Prometheus's shape: cumulative counts per upper bound.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// let h = typhoon_server::LatencyHistogram::default();
/// assert_eq!(h.bounds().len(), 16);
/// assert_eq!(h.bounds()[0], Duration::from_micros(100));
/// assert_eq!(h.count(), 0);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct LatencyHistogram {
    /// Requests that took at most each of [`bounds`](Self::bounds), cumulative, and last
    /// (`+Inf`) all of them: one more entry than `bounds`.
    pub buckets: Vec<u64>,
    /// The time all of them took together.
    pub sum: Duration,
}

impl Default for LatencyHistogram {
    fn default() -> Self {
        Self {
            buckets: vec![0; BUCKETS_NS.len() + 1],
            sum: Duration::ZERO,
        }
    }
}

impl LatencyHistogram {
    /// The buckets' upper bounds: 100 µs, 250 µs, 500 µs, 1 ms … 5 s, 10 s.
    pub fn bounds(&self) -> [Duration; 16] {
        BUCKETS_NS.map(Duration::from_nanos)
    }

    /// Requests observed.
    pub fn count(&self) -> u64 {
        self.buckets.last().copied().unwrap_or(0)
    }
}
