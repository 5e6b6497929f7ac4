//! The example programs as a user runs them: real processes, real ports, real signals.
#![allow(clippy::unwrap_used)]

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use support::{example, port_of, Program};

fn get(port: u16) -> (u16, String, Vec<(String, String)>) {
    let response = ureq::get(&format!("http://127.0.0.1:{port}/"))
        .call()
        .unwrap();
    let headers = response
        .headers_names()
        .into_iter()
        .map(|n| (n.clone(), response.header(&n).unwrap().to_owned()))
        .collect();
    (response.status(), response.into_string().unwrap(), headers)
}

fn stderr_of(name: &str, args: &[&str]) -> (std::process::ExitStatus, String) {
    let output = Command::new(example(name))
        .args(args)
        .stdout(Stdio::null())
        .output()
        .unwrap();
    (output.status, String::from_utf8(output.stderr).unwrap())
}

#[test]
fn hello_answers_good_boy() {
    let program = Program::spawn("hello", &["--port", "0"]);
    let line = program.wait_listening(1).remove(0);
    assert!(line.contains("shard 0 on CPU"), "{line}");
    let (status, body, headers) = get(port_of(&line));
    assert_eq!((status, body.as_str()), (200, "good boy"));
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    assert_eq!(header("content-length").as_deref(), Some("8"));
    assert!(header("date").is_some() && header("server").is_some());
    // IPv6 too, as Tornado's bind_sockets, where the host has it.
    if let Ok(mut stream) = TcpStream::connect(("::1", port_of(&line))) {
        stream
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut text = String::new();
        stream.read_to_string(&mut text).unwrap();
        assert!(
            text.starts_with("HTTP/1.1 200") && text.ends_with("good boy"),
            "{text}"
        );
    }
}

#[test]
fn hello_serves_per_shard_metrics_with_the_flag() {
    let program = Program::spawn("hello", &["--port", "0", "--metrics", "--shards", "2"]);
    let port = port_of(&program.wait_listening(2)[0]);
    assert_eq!(get(port).0, 200);
    let response = ureq::get(&format!("http://127.0.0.1:{port}/metrics"))
        .call()
        .unwrap();
    assert_eq!(
        response.header("content-type"),
        Some("text/plain; version=0.0.4")
    );
    let text = response.into_string().unwrap();
    for shard in ["0", "1"] {
        assert!(
            text.contains(&format!("typhoon_open_connections{{shard=\"{shard}\"}}")),
            "{text}"
        );
    }
    // Whichever shard answered `GET /` counted it; the scrape itself is not counted.
    let answered: u64 = text
        .lines()
        .filter(|l| l.starts_with("typhoon_requests_total{") && l.contains("2xx"))
        .map(|l| l.rsplit(' ').next().unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(answered, 1, "{text}");
}

#[test]
fn a_second_hello_on_the_same_port_fails_with_one_line() {
    let program = Program::spawn("hello", &["--port", "0"]);
    let port = port_of(&program.wait_listening(1)[0]).to_string();
    let (status, stderr) = stderr_of("hello", &["--port", &port]);
    assert!(!status.success());
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(&format!("port {port} is already in use")),
        "{stderr}"
    );
}

#[test]
fn too_many_shards_fails_with_one_line() {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let shards = if cpus < 64 { 64 } else { cpus + 1 }.to_string();
    let (status, stderr) = stderr_of("multiprocess", &["--port", "0", "--shards", &shards]);
    assert!(!status.success());
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(&format!("cannot start {shards} shards")),
        "{stderr}"
    );
}

/// How many distinct listening TCP sockets on `port` `pid` holds (from /proc).
fn listening_sockets(pid: i32, port: u16) -> usize {
    let mut inodes = std::collections::HashSet::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        for row in text.lines().skip(1) {
            let cols: Vec<&str> = row.split_whitespace().collect();
            let local_port = u16::from_str_radix(cols[1].rsplit(':').next().unwrap(), 16).unwrap();
            if local_port == port && cols[3] == "0A" {
                inodes.insert(cols[9].to_owned());
            }
        }
    }
    // Distinct sockets, not descriptors: each shard's keeper holds a duplicate of its
    // shard's sockets, to hand them to the shard again should it die.
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
        .filter_map(|target| {
            let t = target.to_string_lossy();
            t.strip_prefix("socket:[")
                .and_then(|s| s.strip_suffix(']'))
                .filter(|inode| inodes.contains(*inode))
                .map(str::to_owned)
        })
        .collect::<std::collections::HashSet<_>>()
        .len()
}

/// CPU ticks used by each `typhoon-shard-N` thread of `pid`, and the CPUs it may run on.
fn shard_threads(pid: i32) -> Vec<(String, u64, String)> {
    let mut shards = Vec::new();
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).unwrap() {
        let task = task.unwrap().path();
        let name = std::fs::read_to_string(task.join("comm"))
            .unwrap()
            .trim()
            .to_owned();
        if !name.starts_with("typhoon-shard-") {
            continue;
        }
        let stat = std::fs::read_to_string(task.join("stat")).unwrap();
        let fields: Vec<&str> = stat
            .rsplit(')')
            .next()
            .unwrap()
            .split_whitespace()
            .collect();
        let ticks = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
        let status = std::fs::read_to_string(task.join("status")).unwrap();
        let cpus = status
            .lines()
            .find(|l| l.starts_with("Cpus_allowed_list:"))
            .unwrap();
        shards.push((
            name,
            ticks,
            cpus.split(':').nth(1).unwrap().trim().to_owned(),
        ));
    }
    shards.sort();
    shards
}

/// Keeps `connections` keep-alive clients busy until `stop`; returns the requests served.
fn load(
    port: u16,
    connections: usize,
    stop: Arc<AtomicBool>,
) -> Vec<std::thread::JoinHandle<usize>> {
    (0..connections)
        .map(|_| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut served = 0;
                let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
                    return 0;
                };
                let mut buf = [0u8; 4096];
                while !stop.load(Ordering::Relaxed) {
                    if stream
                        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                        .is_err()
                    {
                        break;
                    }
                    match stream.read(&mut buf) {
                        Ok(n) if n > 0 && buf[..n].starts_with(b"HTTP/1.1 200") => served += 1,
                        _ => break,
                    }
                }
                served
            })
        })
        .collect()
}

#[test]
fn multiprocess_runs_two_pinned_shards_that_both_serve() {
    if std::thread::available_parallelism().map_or(1, |n| n.get()) < 2 {
        eprintln!("skipped: needs 2 CPUs");
        return;
    }
    let program = Program::spawn("multiprocess", &["--port", "0"]);
    let lines = program.wait_listening(2);
    let port = port_of(&lines[0]);
    // Each shard has its own listening socket(s) on the port: IPv4 and IPv6 per shard.
    let per_shard = lines[0]
        .split("listening on ")
        .nth(1)
        .unwrap()
        .split(", ")
        .count();
    assert_eq!(listening_sockets(program.pid(), port), 2 * per_shard);
    let before = shard_threads(program.pid());
    assert_eq!(before.len(), 2, "{before:?}");
    assert_ne!(before[0].2, before[1].2, "pinned to different CPUs");
    assert!(
        before.iter().all(|(_, _, cpus)| !cpus.contains(['-', ','])),
        "each pinned to one CPU: {before:?}"
    );
    let stop = Arc::new(AtomicBool::new(false));
    let clients = load(port, 32, stop.clone());
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let now = shard_threads(program.pid());
        if now.iter().zip(&before).all(|(n, b)| n.1 > b.1 + 5) {
            break; // every shard burned CPU on requests
        }
        assert!(
            Instant::now() < deadline,
            "a shard stayed idle under load: {before:?} → {now:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    stop.store(true, Ordering::Relaxed);
    let served: usize = clients.into_iter().map(|c| c.join().unwrap()).sum();
    assert!(served > 0);
}

#[test]
fn sigterm_under_load_exits_zero_within_the_deadline() {
    let mut program = Program::spawn("hello", &["--port", "0"]);
    let port = port_of(&program.wait_listening(1)[0]);
    let stop = Arc::new(AtomicBool::new(false));
    let clients = load(port, 16, stop.clone());
    // Wait until the load is really flowing before the signal.
    let deadline = Instant::now() + Duration::from_secs(10);
    while shard_threads(program.pid()).first().map_or(0, |s| s.1) < 5 {
        assert!(Instant::now() < deadline, "no load reached the server");
        std::thread::sleep(Duration::from_millis(20));
    }
    let sent = Instant::now();
    // SAFETY: signalling our own child process.
    assert_eq!(unsafe { libc::kill(program.pid(), libc::SIGTERM) }, 0);
    let status = program.wait_exit(Duration::from_secs(12));
    assert_eq!(status.code(), Some(0), "exit status {status:?}");
    assert!(
        sent.elapsed() < Duration::from_secs(11),
        "exited after {:?}",
        sent.elapsed()
    );
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.join().unwrap();
    }
}

#[test]
fn too_little_locked_memory_is_one_sentence() {
    let output = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -l 64 && exec {} --port 0",
            example("hello").display()
        ))
        .stdout(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(!output.status.success());
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("too little locked memory") && stderr.contains("ulimit -l"),
        "{stderr}"
    );
}
