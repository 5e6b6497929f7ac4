//! Per-shard metrics: counted requests, connections, parse errors and timeouts, served in
//! Prometheus's text format at `metrics_path` and read with `ServerHandle::metrics`.
#![allow(clippy::unwrap_used)]

mod support;

use std::time::{Duration, Instant};

use support::*;
use typhoon_server::RunningServer;

const CLIENTS: usize = 8;
const REQUESTS: usize = 50;

/// `GET path` on a keep-alive connection: the response.
fn get(reader: &mut Reader, path: &str) -> RawResponse {
    reader.send(format!("GET {path} HTTP/1.1\r\nHost: t\r\n\r\n").as_bytes());
    reader.response().unwrap()
}

/// The value of series `name{labels}` in a scrape, exactly as written; panics if absent.
fn value(text: &str, name: &str, labels: &str) -> f64 {
    let series = format!("{name}{{{labels}}} ");
    let line = text
        .lines()
        .find(|l| l.starts_with(&series))
        .unwrap_or_else(|| panic!("no series {series:?} in\n{text}"));
    line[series.len()..].parse().unwrap()
}

/// Scrapes the endpoint on a fresh connection (closed after the answer).
fn scrape(server: &RunningServer) -> String {
    let response = exchange(
        server,
        b"GET /metrics HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
    )
    .unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(
        response.header("content-type"),
        Some("text/plain; version=0.0.4")
    );
    String::from_utf8(response.body).unwrap()
}

#[test]
fn scraped_counters_sum_to_what_the_clients_saw() {
    let mut config = test_config();
    config.metrics_path = Some("/metrics".into());
    let server = start(config, 2);
    // Each client learns its connection's shard, then makes REQUESTS requests, one in
    // five to a path that answers 404; it keeps its connection open for the scrape.
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let mut reader = Reader::new(connect(&server));
            std::thread::spawn(move || {
                let shard: usize = String::from_utf8(get(&mut reader, "/shard").body)
                    .unwrap()
                    .parse()
                    .unwrap();
                let (mut ok, mut missing) = (1, 0);
                for i in 0..REQUESTS {
                    let path = if i % 5 == 4 { "/nope" } else { "/" };
                    match get(&mut reader, path).status {
                        200 => ok += 1,
                        404 => missing += 1,
                        other => panic!("{path} answered {other}"),
                    }
                }
                (reader, shard, ok, missing)
            })
        })
        .collect();
    let clients: Vec<_> = clients.into_iter().map(|c| c.join().unwrap()).collect();
    let mut expected = [[0u64; 2]; 2]; // [shard][2xx, 4xx]
    for (_, shard, ok, missing) in &clients {
        expected[*shard][0] += ok;
        expected[*shard][1] += missing;
    }
    // A malformed request: answered 400 by the codec, on whichever shard took it.
    let bad = exchange(
        &server,
        b"GET / HTTP/1.1\r\nHost: t\r\nNo colon here\r\n\r\n",
    )
    .unwrap();
    assert_eq!(bad.status, 400);
    let served: u64 = expected.iter().flatten().sum();
    assert_eq!(served, (CLIENTS * (REQUESTS + 1)) as u64);

    // The bad connection and earlier scrapes' connections close as the server sees their
    // ends: scrape until the gauge settles (scrapes are not counted as requests).
    let deadline = Instant::now() + Duration::from_secs(5);
    let text = loop {
        let text = scrape(&server);
        let open: f64 = (0..2)
            .map(|s| value(&text, "typhoon_open_connections", &format!("shard=\"{s}\"")))
            .sum();
        // The clients' connections and this scrape's own.
        if open == (CLIENTS + 1) as f64 || Instant::now() > deadline {
            assert_eq!(open, (CLIENTS + 1) as f64, "{text}");
            break text;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let count = |name: &str, labels: String| value(&text, name, &labels) as u64;
    let mut four_xx = 0;
    let mut parse_errors = 0;
    let mut observed = 0;
    for (shard, expected) in expected.iter().enumerate() {
        let s = format!("shard=\"{shard}\"");
        assert_eq!(
            count("typhoon_requests_total", format!("{s},class=\"2xx\"")),
            expected[0],
            "shard {shard}:\n{text}"
        );
        let shard_4xx = count("typhoon_requests_total", format!("{s},class=\"4xx\""));
        let shard_parse = count("typhoon_parse_errors_total", s.clone());
        // The 400 is the only 4xx the clients did not tally, and a parse error.
        assert_eq!(shard_4xx, expected[1] + shard_parse, "{text}");
        for class in ["1xx", "3xx", "5xx"] {
            assert_eq!(
                count("typhoon_requests_total", format!("{s},class=\"{class}\"")),
                0
            );
        }
        // Every request the service answered took a measured time.
        let histogram = count("typhoon_request_duration_seconds_count", s.clone());
        assert_eq!(histogram, expected[0] + expected[1], "{text}");
        assert_eq!(
            count(
                "typhoon_request_duration_seconds_bucket",
                format!("{s},le=\"+Inf\"")
            ),
            histogram
        );
        let accepted = count("typhoon_connections_accepted_total", s.clone());
        if expected[0] > 0 {
            assert!(count("typhoon_bytes_read_total", s.clone()) > 0, "{text}");
            assert!(
                count("typhoon_bytes_written_total", s.clone()) > 0,
                "{text}"
            );
            assert!(accepted > 0);
        }
        four_xx += shard_4xx;
        parse_errors += shard_parse;
        observed += histogram;
    }
    assert!(parse_errors >= 1, "{text}");
    assert_eq!(four_xx, expected[0][1] + expected[1][1] + parse_errors);
    assert_eq!(observed, served);
    assert!(text.contains("# TYPE typhoon_request_duration_seconds histogram\n"));

    // The handle reads the same counters, scrapes still not counted.
    let snapshot = server.handle().metrics();
    assert_eq!(snapshot.shards.len(), 2);
    assert_eq!(snapshot.requests(), served + parse_errors);
    assert_eq!(snapshot.responses(2), expected[0][0] + expected[1][0]);
    drop(clients);
    server.stop().unwrap();
}

#[test]
fn without_metrics_path_the_service_answers() {
    let server = start(test_config(), 1);
    let response = exchange(&server, b"GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n").unwrap();
    assert_eq!(response.status, 404);
    assert_eq!(server.handle().metrics().responses(4), 1);
    server.stop().unwrap();
}

#[test]
fn deadlines_are_counted_by_kind() {
    let mut config = test_config();
    config.header_timeout = Duration::from_millis(200);
    config.idle_timeout = Duration::from_millis(200);
    let server = start(config, 1);
    // Half a head: 408 at the header deadline.
    let timed_out = exchange(&server, b"GET / HTTP/1.1\r\nHost: t\r\n").unwrap();
    assert_eq!(timed_out.status, 408);
    // A keep-alive connection left idle: closed at the idle deadline.
    let mut idle = Reader::new(connect(&server));
    assert_eq!(get(&mut idle, "/").status, 200);
    assert!(idle.closed());
    let deadline = Instant::now() + Duration::from_secs(5);
    let metrics = loop {
        let metrics = server.handle().metrics();
        if metrics.shards[0].open_connections == 0 || Instant::now() > deadline {
            break metrics;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let shard = &metrics.shards[0];
    assert_eq!(shard.timeouts.head, 1, "{shard:?}");
    assert_eq!(shard.timeouts.idle, 1, "{shard:?}");
    assert_eq!(shard.responses, [0, 1, 0, 1, 0], "{shard:?}");
    assert_eq!(shard.parse_errors, 0, "a timeout is not a parse error");
    assert_eq!(shard.accepted_connections, 2);
    assert_eq!(shard.open_connections, 0);
    server.stop().unwrap();
}
