//! The Prometheus text exposition format (version 0.0.4) of a [`MetricsSnapshot`].

use std::fmt::Write;

use super::{MetricsSnapshot, ShardSnapshot, BUCKETS_NS};

/// The `Content-Type` of [`MetricsSnapshot::to_prometheus`]'s text.
pub(crate) const CONTENT_TYPE: &str = "text/plain; version=0.0.4";

const CLASSES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];

/// A family with one series per shard: name, type, help, and the shard's value.
type Simple = (
    &'static str,
    &'static str,
    &'static str,
    fn(&ShardSnapshot) -> u64,
);

impl MetricsSnapshot {
    /// The snapshot in Prometheus's text format, every series labelled `shard="K"`:
    /// `typhoon_requests_total{class}`, `typhoon_open_connections`,
    /// `typhoon_connections_accepted_total`, `typhoon_bytes_read_total`,
    /// `typhoon_bytes_written_total`, `typhoon_parse_errors_total`,
    /// `typhoon_timeouts_total{kind}` and the histogram
    /// `typhoon_request_duration_seconds`. This is what the endpoint at
    /// [`ServerConfig::metrics_path`](crate::ServerConfig::metrics_path) serves.
    ///
    /// # Examples
    ///
    /// ```
    /// use typhoon_server::{MetricsSnapshot, ShardSnapshot};
    /// let snap = MetricsSnapshot {
    ///     shards: vec![ShardSnapshot { shard: 0, responses: [0, 3, 0, 1, 0], ..Default::default() }],
    /// };
    /// let text = snap.to_prometheus();
    /// assert!(text.contains("# TYPE typhoon_requests_total counter\n"));
    /// assert!(text.contains("typhoon_requests_total{shard=\"0\",class=\"2xx\"} 3\n"));
    /// ```
    pub fn to_prometheus(&self) -> String {
        let mut out = String::with_capacity(1024 + 2048 * self.shards.len());
        // Writing to a String cannot fail.
        let _ = self.write_prometheus(&mut out);
        out
    }

    fn write_prometheus(&self, out: &mut String) -> std::fmt::Result {
        family(
            out,
            "typhoon_requests_total",
            "counter",
            "Requests answered, by status class of the final response.",
        )?;
        for s in &self.shards {
            for (class, n) in CLASSES.iter().zip(s.responses) {
                writeln!(
                    out,
                    "typhoon_requests_total{{shard=\"{}\",class=\"{class}\"}} {n}",
                    s.shard
                )?;
            }
        }
        let simple: [Simple; 5] = [
            (
                "typhoon_open_connections",
                "gauge",
                "Connections open now.",
                |s| s.open_connections,
            ),
            (
                "typhoon_connections_accepted_total",
                "counter",
                "Connections accepted.",
                |s| s.accepted_connections,
            ),
            (
                "typhoon_bytes_read_total",
                "counter",
                "Bytes received from clients.",
                |s| s.bytes_read,
            ),
            (
                "typhoon_bytes_written_total",
                "counter",
                "Bytes sent to clients.",
                |s| s.bytes_written,
            ),
            (
                "typhoon_parse_errors_total",
                "counter",
                "Requests the HTTP/1.1 codec refused (answered 4xx by the server and closed).",
                |s| s.parse_errors,
            ),
        ];
        for (name, kind, help, value) in simple {
            family(out, name, kind, help)?;
            for s in &self.shards {
                writeln!(out, "{name}{{shard=\"{}\"}} {}", s.shard, value(s))?;
            }
        }
        let name = "typhoon_timeouts_total";
        family(
            out,
            name,
            "counter",
            "Connections ended by a deadline, by kind (idle, head, body, write).",
        )?;
        for s in &self.shards {
            let t = s.timeouts;
            for (kind, n) in [
                ("idle", t.idle),
                ("head", t.head),
                ("body", t.body),
                ("write", t.write),
            ] {
                writeln!(out, "{name}{{shard=\"{}\",kind=\"{kind}\"}} {n}", s.shard)?;
            }
        }
        let name = "typhoon_request_duration_seconds";
        family(
            out,
            name,
            "histogram",
            "Time from a request's head read to its response queued for the socket.",
        )?;
        for s in &self.shards {
            let h = &s.latency;
            for (bound, n) in BUCKETS_NS.iter().zip(&h.buckets) {
                let le = *bound as f64 / 1e9;
                writeln!(
                    out,
                    "{name}_bucket{{shard=\"{}\",le=\"{le}\"}} {n}",
                    s.shard
                )?;
            }
            let (id, count) = (s.shard, h.count());
            writeln!(out, "{name}_bucket{{shard=\"{id}\",le=\"+Inf\"}} {count}")?;
            writeln!(out, "{name}_sum{{shard=\"{id}\"}} {}", h.sum.as_secs_f64())?;
            writeln!(out, "{name}_count{{shard=\"{id}\"}} {count}")?;
        }
        Ok(())
    }
}

/// The `# HELP` and `# TYPE` lines that open a metric family.
fn family(out: &mut String, name: &str, kind: &str, help: &str) -> std::fmt::Result {
    writeln!(out, "# HELP {name} {help}")?;
    writeln!(out, "# TYPE {name} {kind}")
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::{LatencyHistogram, Timeouts};
    use super::*;

    fn shard(id: usize) -> ShardSnapshot {
        let mut buckets = vec![0; 17];
        for (i, b) in buckets.iter_mut().enumerate() {
            *b = 3 + i as u64 / 16; // 3 under 100 µs, one more past 10 s
        }
        ShardSnapshot {
            shard: id,
            responses: [0, 3, 0, 1, 0],
            open_connections: 2,
            accepted_connections: 5,
            bytes_read: 100,
            bytes_written: 200,
            parse_errors: 1,
            timeouts: Timeouts {
                idle: 0,
                head: 1,
                body: 0,
                write: 0,
            },
            latency: LatencyHistogram {
                buckets,
                sum: Duration::from_millis(10_500),
            },
        }
    }

    #[test]
    fn every_family_is_typed_once_and_every_series_is_labelled() {
        let text = MetricsSnapshot {
            shards: vec![shard(0), shard(1)],
        }
        .to_prometheus();
        for family in [
            "typhoon_requests_total counter",
            "typhoon_open_connections gauge",
            "typhoon_connections_accepted_total counter",
            "typhoon_bytes_read_total counter",
            "typhoon_bytes_written_total counter",
            "typhoon_parse_errors_total counter",
            "typhoon_timeouts_total counter",
            "typhoon_request_duration_seconds histogram",
        ] {
            assert_eq!(
                text.matches(&format!("# TYPE {family}\n")).count(),
                1,
                "{text}"
            );
        }
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let (series, value) = line.rsplit_once(' ').expect(line);
            assert!(series.contains("{shard=\""), "{line}");
            assert!(value.parse::<f64>().is_ok(), "{line}");
        }
        for expected in [
            "typhoon_requests_total{shard=\"1\",class=\"2xx\"} 3\n",
            "typhoon_requests_total{shard=\"0\",class=\"4xx\"} 1\n",
            "typhoon_open_connections{shard=\"1\"} 2\n",
            "typhoon_parse_errors_total{shard=\"0\"} 1\n",
            "typhoon_timeouts_total{shard=\"0\",kind=\"head\"} 1\n",
            "typhoon_request_duration_seconds_bucket{shard=\"0\",le=\"0.0001\"} 3\n",
            "typhoon_request_duration_seconds_bucket{shard=\"0\",le=\"0.00025\"} 3\n",
            "typhoon_request_duration_seconds_bucket{shard=\"0\",le=\"2.5\"} 3\n",
            "typhoon_request_duration_seconds_bucket{shard=\"1\",le=\"10\"} 3\n",
            "typhoon_request_duration_seconds_bucket{shard=\"1\",le=\"+Inf\"} 4\n",
            "typhoon_request_duration_seconds_sum{shard=\"1\"} 10.5\n",
            "typhoon_request_duration_seconds_count{shard=\"1\"} 4\n",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in\n{text}");
        }
        // A family's series stay together: all of shard 0's and 1's requests before the
        // next family's first line.
        let requests = text.find("# HELP typhoon_requests_total").unwrap();
        let next = text.find("# HELP typhoon_open_connections").unwrap();
        assert_eq!(
            text[requests..next]
                .matches("typhoon_requests_total{")
                .count(),
            10
        );
    }
}
