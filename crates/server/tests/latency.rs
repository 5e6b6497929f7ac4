//! An idle shard answers at once (issue 18): one request at a time on a keep-alive
//! connection, fresh connections one after another, and requests after seconds of silence,
//! each answered in well under 5 ms (medians: loose bounds for a busy CI machine).
//!
//! These are not benchmarks: they catch a shard that sleeps until a timer instead of being
//! woken by its sockets (it used to answer every ~16 ms, 62 requests/s on one connection),
//! and a handler's timer that fires late because the shard waits in its ring or is busy.

#![allow(clippy::unwrap_used)]

mod support;

use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

use support::{connect, start, test_config, Reader};
use typhoon_server::RunningServer;

const REQUEST: &[u8] = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";
const BOUND: Duration = Duration::from_millis(5);
/// A client's pause between requests: long enough for the shard to run out of work and go
/// to sleep (it spins for microseconds first), so each sample measures a wakeup. Without
/// it, a fast client's next request arrives while the shard still spins.
const THINK: Duration = Duration::from_millis(2);

/// The time from writing one request to reading its whole answer.
fn round_trip(reader: &mut Reader) -> Duration {
    let started = Instant::now();
    reader.send(REQUEST);
    let response = reader.response().expect("an answer");
    let took = started.elapsed();
    assert_eq!(response.body, b"good boy");
    took
}

/// A connection with Nagle's algorithm off, as wrk and browsers use.
fn client(server: &RunningServer) -> Reader {
    let stream: TcpStream = connect(server);
    stream.set_nodelay(true).unwrap();
    Reader::new(stream)
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn describe(samples: &[Duration]) -> String {
    let mut sorted = samples.to_vec();
    sorted.sort();
    format!(
        "median {:?}, p90 {:?}, max {:?} over {}",
        sorted[sorted.len() / 2],
        sorted[sorted.len() * 9 / 10],
        sorted[sorted.len() - 1],
        sorted.len()
    )
}

#[test]
fn sequential_keep_alive_requests_are_answered_at_once() {
    let server = start(test_config(), 1);
    let mut reader = client(&server);
    round_trip(&mut reader); // the connection is up and the shard has served once
    let samples: Vec<_> = (0..200)
        .map(|_| {
            thread::sleep(THINK);
            round_trip(&mut reader)
        })
        .collect();
    let summary = describe(&samples);
    eprintln!("keep-alive round trips: {summary}");
    assert!(median(samples) < BOUND, "keep-alive round trips: {summary}");
    server.stop().unwrap();
}

#[test]
fn fresh_connections_one_after_another_are_answered_at_once() {
    let server = start(test_config(), 1);
    let samples: Vec<_> = (0..200)
        .map(|_| {
            thread::sleep(THINK);
            let started = Instant::now();
            let mut reader = client(&server);
            round_trip(&mut reader);
            started.elapsed()
        })
        .collect();
    let summary = describe(&samples);
    eprintln!("connect + request: {summary}");
    assert!(median(samples) < BOUND, "connect + request: {summary}");
    server.stop().unwrap();
}

#[test]
fn requests_after_idle_seconds_are_answered_at_once() {
    let server = start(test_config(), 1);
    let mut kept = client(&server);
    round_trip(&mut kept);
    let mut samples = Vec::new();
    for _ in 0..3 {
        // Long enough for every spin to end and the shard to sleep in the kernel.
        thread::sleep(Duration::from_secs(3));
        samples.push(round_trip(&mut kept));
        let started = Instant::now();
        round_trip(&mut client(&server));
        samples.push(started.elapsed());
    }
    let summary = describe(&samples);
    eprintln!("after 3 s idle: {summary}");
    assert!(median(samples) < BOUND, "after 3 s idle: {summary}");
    server.stop().unwrap();
}

#[test]
fn a_handler_timer_fires_on_time_while_the_shard_waits_for_sockets() {
    // `/slow` awaits a 300 ms glommio timer while nothing else happens on the shard: it
    // waits in its own ring then, and must still hand its sleep back to glommio in time.
    let server = start(test_config(), 1);
    let mut reader = client(&server);
    round_trip(&mut reader);
    let mut samples = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        reader.send(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_eq!(reader.response().expect("an answer").body, b"slow");
        samples.push(started.elapsed());
    }
    let summary = describe(&samples);
    eprintln!("/slow (a 300 ms timer): {summary}");
    let took = median(samples);
    assert!(
        took >= Duration::from_millis(300),
        "answered before its timer: {summary}"
    );
    assert!(
        took < Duration::from_millis(400),
        "the timer fired late: {summary}"
    );
    server.stop().unwrap();
}

#[test]
fn a_handler_timer_fires_on_time_while_other_clients_keep_the_shard_busy() {
    // Four clients send requests back to back, so the shard's driver always has work and
    // never sleeps: glommio's timers must still fire.
    let server = start(test_config(), 1);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let busy: Vec<_> = (0..4)
        .map(|_| {
            let mut reader = client(&server);
            let stop = stop.clone();
            thread::spawn(move || {
                let mut n = 0u64;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    round_trip(&mut reader);
                    n += 1;
                }
                n
            })
        })
        .collect();
    let mut reader = client(&server);
    let mut samples = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        reader.send(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_eq!(reader.response().expect("an answer").body, b"slow");
        samples.push(started.elapsed());
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let served: u64 = busy.into_iter().map(|t| t.join().unwrap()).sum();
    let summary = describe(&samples);
    eprintln!("/slow beside {served} other requests: {summary}");
    assert!(served > 100, "the other clients were not served: {served}");
    // glommio's default preemption (100 ms) made this 345-400 ms.
    assert!(
        median(samples) < Duration::from_millis(340),
        "the timer fired late: {summary}"
    );
    server.stop().unwrap();
}

#[test]
fn a_shard_that_polls_before_sleeping_still_answers_and_keeps_its_timers() {
    // With `idle_spin` the shard polls its ring between requests: back-to-back requests
    // keep the window open (each one caught while polling), timers still fire, and after
    // idle seconds (the window closed, the shard asleep) a request still wakes it.
    let mut config = test_config();
    config.idle_spin = Duration::from_micros(50);
    let server = start(config, 1);
    let mut reader = client(&server);
    let samples: Vec<_> = (0..2000).map(|_| round_trip(&mut reader)).collect();
    let summary = describe(&samples);
    eprintln!("back to back, polling: {summary}");
    assert!(median(samples) < BOUND, "back to back, polling: {summary}");

    let started = Instant::now();
    reader.send(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(reader.response().expect("an answer").body, b"slow");
    let took = started.elapsed();
    assert!(
        (Duration::from_millis(300)..Duration::from_millis(400)).contains(&took),
        "a 300 ms timer took {took:?}"
    );

    thread::sleep(Duration::from_secs(2));
    let after_idle = round_trip(&mut reader);
    assert!(after_idle < BOUND, "after 2 s idle: {after_idle:?}");
    server.stop().unwrap();
}
