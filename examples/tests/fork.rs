//! `multiprocess --model fork`, Tornado's layout, as a user runs it: forked children on the
//! parent's socket, a killed child restarted with its task id, SIGTERM stopping them all.
#![allow(clippy::unwrap_used)]

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use support::{port_of, Program};

/// The first stderr line containing `needle` not taken yet (20 s at most).
fn line_with(program: &Program, needle: &str) -> String {
    program
        .take_line(needle, Duration::from_secs(20))
        .unwrap_or_else(|| panic!("no log line with {needle:?} within 20 s"))
}

/// The pid in `started child 1 (pid 1234)`.
fn pid_of(line: &str) -> i32 {
    let rest = line.split("(pid ").nth(1).unwrap();
    rest.split(')').next().unwrap().parse().unwrap()
}

/// One request on a new connection; true for `200` with `good boy`.
fn good_boy(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let mut text = String::new();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .is_ok()
        && stream.read_to_string(&mut text).is_ok()
        && text.starts_with("HTTP/1.1 200")
        && text.ends_with("good boy")
}

/// utime + stime of process `pid`, in clock ticks.
fn ticks(pid: i32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap()
        .split_whitespace()
        .collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

/// The CPUs the `typhoon-shard-0` thread of process `pid` may run on.
fn shard_cpus(pid: i32) -> String {
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).unwrap() {
        let task = task.unwrap().path();
        let name = std::fs::read_to_string(task.join("comm")).unwrap_or_default();
        if name.trim() == "typhoon-shard-0" {
            let status = std::fs::read_to_string(task.join("status")).unwrap();
            let line = status
                .lines()
                .find(|l| l.starts_with("Cpus_allowed_list:"))
                .unwrap();
            return line.split(':').nth(1).unwrap().trim().to_owned();
        }
    }
    panic!("process {pid} has no typhoon-shard-0 thread")
}

fn alive(pid: i32) -> bool {
    // SAFETY: signal 0 only checks that the process exists.
    unsafe { libc::kill(pid, 0) == 0 }
}

/// Clients sending requests until `stop`, each on a new connection: every accept is a new
/// race between the children on the shared socket (keep-alive connections made at once
/// could all go to whichever child accepted first).
fn load(port: u16, stop: Arc<AtomicBool>) -> Vec<std::thread::JoinHandle<()>> {
    (0..8)
        .map(|_| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    good_boy(port);
                }
            })
        })
        .collect()
}

fn two_cpus() -> bool {
    let cpus = typhoon::httpserver::allowed_cpus().map_or(1, |c| c.len());
    if cpus < 2 {
        eprintln!("skipped: needs 2 CPUs, this process may use {cpus}");
    }
    cpus >= 2
}

#[test]
fn two_forked_children_serve_a_killed_one_comes_back_and_sigterm_stops_all() {
    if !two_cpus() {
        return;
    }
    let mut program = Program::spawn(
        "multiprocess",
        &["--port", "0", "--model", "fork", "--shards", "2"],
    );
    let mut pids = [0; 2];
    for _ in 0..2 {
        let line = line_with(&program, "started child ");
        let id: usize = line.split("started child ").nth(1).unwrap()[..1]
            .parse()
            .unwrap();
        pids[id] = pid_of(&line);
    }
    let port = port_of(&program.wait_listening(2)[0]);
    assert_ne!(pids[0], pids[1]);
    assert!(pids.iter().all(|&p| p != program.pid()));
    let cpus = [shard_cpus(pids[0]), shard_cpus(pids[1])];
    assert_ne!(
        cpus[0], cpus[1],
        "each child pinned to its own CPU: {cpus:?}"
    );

    // Both children accept from the shared socket: each burns CPU on requests.
    let before = pids.map(ticks);
    let stop = Arc::new(AtomicBool::new(false));
    let clients = load(port, stop.clone());
    let deadline = Instant::now() + Duration::from_secs(20);
    while !(0..2).all(|k| ticks(pids[k]) > before[k] + 5) {
        assert!(Instant::now() < deadline, "a child stayed idle under load");
        std::thread::sleep(Duration::from_millis(50));
    }
    stop.store(true, Ordering::Relaxed);
    clients.into_iter().for_each(|c| c.join().unwrap());

    // kill -9 child 1: the other keeps answering, the parent forks task 1 again.
    // SAFETY: signalling a child of the program we started.
    assert_eq!(unsafe { libc::kill(pids[1], libc::SIGKILL) }, 0);
    for _ in 0..20 {
        assert!(good_boy(port), "a request failed after the kill");
    }
    let died = line_with(&program, "killed by signal 9, restarting");
    assert!(
        died.contains(&format!("child 1 (pid {})", pids[1])),
        "{died}"
    );
    let again = line_with(&program, "started child 1 ");
    let restarted = pid_of(&again);
    assert!(restarted != pids[1] && alive(restarted), "{again}");
    program.wait_listening(1);
    assert_eq!(
        shard_cpus(restarted),
        cpus[1],
        "the same task id, the same CPU"
    );
    for _ in 0..20 {
        assert!(good_boy(port), "a request failed after the restart");
    }

    // SIGTERM to the parent: the children drain and exit, then the parent exits 0.
    // SAFETY: signalling the program we started.
    assert_eq!(unsafe { libc::kill(program.pid(), libc::SIGTERM) }, 0);
    let status = program.wait_exit(Duration::from_secs(15));
    assert_eq!(status.code(), Some(0), "{status:?}");
    assert!(
        !alive(pids[0]) && !alive(restarted),
        "children outlived the parent"
    );
}

#[test]
fn past_max_restarts_the_parent_exits_non_zero_with_one_sentence() {
    let mut program = Program::spawn(
        "multiprocess",
        &[
            "--port",
            "0",
            "--model",
            "fork",
            "--shards",
            "1",
            "--max-restarts",
            "0",
        ],
    );
    let child = pid_of(&line_with(&program, "started child 0 "));
    program.wait_listening(1);
    // SAFETY: signalling a child of the program we started.
    assert_eq!(unsafe { libc::kill(child, libc::SIGKILL) }, 0);
    let status = program.wait_exit(Duration::from_secs(15));
    assert!(!status.success(), "{status:?}");
    let last = line_with(&program, "too many child restarts");
    assert_eq!(
        last,
        format!(
            "Error: too many child restarts (1, max_restarts is 0): child 0 (pid {child}) \
             killed by signal 9; giving up (the log above says why the children died)"
        )
    );
}
