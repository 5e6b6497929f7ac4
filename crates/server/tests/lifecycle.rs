//! Startup and shutdown: ports, shard counts, pinning, graceful drain.
#![allow(clippy::unwrap_used)]

mod support;

use std::time::{Duration, Instant};

use support::*;
use typhoon_server::{allowed_cpus, Error, Factory, HttpServer, ShardInfo};

#[test]
fn a_second_server_on_a_busy_port_fails() {
    let server = start(test_config(), 1);
    let port = addr(&server).port();
    let mut second = HttpServer::with_config(Factory(|_: &ShardInfo| TestService), test_config());
    let err = second.bind_addr(port, "127.0.0.1").unwrap_err();
    assert!(matches!(err, Error::PortInUse { .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.contains(&format!("port {port} is already in use")) && !text.contains('\n'),
        "{text}"
    );
    server.stop().unwrap();
}

#[test]
fn sharing_a_port_must_be_asked_for() {
    let server = start(test_config(), 1);
    let port = addr(&server).port();
    let mut config = test_config();
    config.reuse_port = true;
    let mut second = HttpServer::with_config(Factory(|_: &ShardInfo| TestService), config);
    second
        .bind_addr(port, "127.0.0.1")
        .expect("reuse_port joins on purpose");
    server.stop().unwrap();
}

#[test]
fn more_shards_than_cpus_is_one_clear_error() {
    let cpus = allowed_cpus().unwrap().len();
    let mut server = HttpServer::with_config(Factory(|_: &ShardInfo| TestService), test_config());
    server.bind_addr(0, "127.0.0.1").unwrap();
    let err = server.start_background(cpus + 1).unwrap_err();
    assert!(matches!(err, Error::TooManyShards { .. }), "{err}");
    assert!(!err.to_string().contains('\n'));
    assert!(
        format!("{err:?}").starts_with("cannot start"),
        "Debug is the sentence too"
    );
}

#[test]
fn start_before_bind_is_a_usage_error() {
    let server = HttpServer::with_config(Factory(|_: &ShardInfo| TestService), test_config());
    assert!(matches!(
        server.start_background(1).unwrap_err(),
        Error::Usage(_)
    ));
}

/// The allowed CPU list of every thread named `typhoon-shard-*`.
fn shard_threads_cpus() -> Vec<String> {
    let mut pinned = Vec::new();
    for task in std::fs::read_dir("/proc/self/task").unwrap() {
        let task = task.unwrap().path();
        let (Ok(name), Ok(status)) = (
            std::fs::read_to_string(task.join("comm")),
            std::fs::read_to_string(task.join("status")),
        ) else {
            continue; // the thread ended meanwhile
        };
        if name.trim().starts_with("typhoon-shard-") {
            let cpus = status
                .lines()
                .find(|l| l.starts_with("Cpus_allowed_list:"))
                .unwrap();
            pinned.push(cpus.split(':').nth(1).unwrap().trim().to_owned());
        }
    }
    pinned
}

#[test]
fn each_shard_is_pinned_to_its_own_cpu_and_serves() {
    let cpus = allowed_cpus().unwrap();
    if cpus.len() < 2 {
        eprintln!("skipped: needs 2 allowed CPUs, have {}", cpus.len());
        return;
    }
    let server = start(test_config(), 2);
    // Each shard thread's allowed CPU list is exactly one CPU, and they differ. A thread
    // a shard has just spawned (its blocking pool's) carries the shard's name until it
    // names itself: read again until only the two shards have it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let mut pinned = shard_threads_cpus();
    while pinned.len() != 2 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(10));
        pinned = shard_threads_cpus();
    }
    pinned.sort();
    assert_eq!(pinned, vec![cpus[0].to_string(), cpus[1].to_string()]);
    // Both shards answer: SO_REUSEPORT spreads connections across their listeners.
    let mut seen = [false, false];
    for _ in 0..200 {
        let response = exchange(
            &server,
            b"GET /shard HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        )
        .unwrap();
        let shard: usize = String::from_utf8(response.body).unwrap().parse().unwrap();
        seen[shard] = true;
        if seen == [true, true] {
            break;
        }
    }
    assert_eq!(seen, [true, true], "both shards served");
    server.stop().unwrap();
}

#[test]
fn stop_drains_in_flight_requests_and_closes_idle_ones() {
    let server = start(test_config(), 1);
    let mut idle = Reader::new(connect(&server));
    idle.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(idle.response().unwrap().status, 200);
    let mut busy = Reader::new(connect(&server));
    busy.send(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
    wait_slow_started(1);
    let started = Instant::now();
    let handle = server.handle().clone();
    let waiter = std::thread::spawn(move || server.wait());
    handle.stop();
    let response = busy.response().unwrap();
    assert_eq!(
        (response.status, response.body.as_slice()),
        (200, &b"slow"[..]),
        "in-flight request finished"
    );
    assert_eq!(response.header("connection"), Some("close"));
    assert!(idle.closed(), "idle keep-alive connection was closed");
    waiter.join().unwrap().unwrap();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(
        std::net::TcpStream::connect(handle.local_addrs()[0]).is_err(),
        "no longer accepting"
    );
}

#[test]
fn shutdown_deadline_bounds_a_stuck_connection() {
    let mut config = test_config();
    config.shutdown_timeout = Duration::from_millis(300);
    let server = start(config, 1);
    let mut stuck = Reader::new(connect(&server));
    stuck.send(b"GET / HTTP/1.1\r\nHost: x\r\nX-Partial: "); // a head that never completes
    let started = Instant::now();
    server.stop().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "stopped after {:?}",
        started.elapsed()
    );
}

#[test]
fn unpinned_shards_keep_the_whole_affinity_mask() {
    let cpus = allowed_cpus().unwrap();
    let mut config = test_config();
    config.pin = false;
    let server = start(config, cpus.len().min(2));
    let mask = |path: &std::path::Path| {
        let status = std::fs::read_to_string(path.join("status")).unwrap();
        status
            .lines()
            .find(|l| l.starts_with("Cpus_allowed_list:"))
            .unwrap()
            .split(':')
            .nth(1)
            .unwrap()
            .trim()
            .to_owned()
    };
    let process = mask(std::path::Path::new("/proc/self"));
    // As in the pinned test: a thread a shard has just spawned carries the shard's name
    // until it names itself, so read again until only the shards have it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let mut shards = shard_threads_cpus();
    while shards.len() != cpus.len().min(2) && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(10));
        shards = shard_threads_cpus();
    }
    assert_eq!(shards.len(), cpus.len().min(2), "{shards:?}");
    for shard in shards {
        assert_eq!(
            shard, process,
            "an unpinned shard may run on every allowed CPU"
        );
    }
    assert_serves(&server);
    server.stop().unwrap();
}
