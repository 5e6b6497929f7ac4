//! Running the example programs as a user does: real processes, ports read from their logs.
#![allow(dead_code, clippy::unwrap_used)]

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

/// `target/<profile>/examples/<name>`: cargo builds a package's examples before its tests.
pub fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("examples")
        .join(name);
    assert!(
        dir.exists(),
        "{} is missing: run `cargo build --examples`",
        dir.display()
    );
    dir
}

/// A running example; its stderr lines arrive on a channel.
pub struct Program {
    pub child: Child,
    pub lines: Receiver<String>,
    /// Lines read while looking for another one, kept in order for the next look: the
    /// processes of a program (the fork model's parent and children) log in no set order.
    skipped: RefCell<VecDeque<String>>,
}

impl Program {
    pub fn spawn(name: &str, args: &[&str]) -> Program {
        let mut command = Command::new(example(name));
        command.args(args);
        Program::from_command(command)
    }

    /// Runs `command` (an example, or a shell that execs one) with its stderr read.
    pub fn from_command(mut command: Command) -> Program {
        let mut child = command
            .env("RUST_LOG", "info")
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Program {
            child,
            lines,
            skipped: RefCell::new(VecDeque::new()),
        }
    }

    /// The first line containing `needle` not taken yet, waiting up to `limit` for it.
    /// Lines read on the way are kept for later calls.
    pub fn take_line(&self, needle: &str, limit: Duration) -> Option<String> {
        let mut skipped = self.skipped.borrow_mut();
        if let Some(at) = skipped.iter().position(|l| l.contains(needle)) {
            return skipped.remove(at);
        }
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self.lines.recv_timeout(left).ok()?;
            if line.contains(needle) {
                return Some(line);
            }
            skipped.push_back(line);
        }
    }

    /// Waits for `shards` "listening on" lines; returns them.
    pub fn wait_listening(&self, shards: usize) -> Vec<String> {
        (0..shards)
            .map(|_| {
                self.take_line("listening on", Duration::from_secs(20))
                    .expect("the program logs its shards")
            })
            .collect()
    }

    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    pub fn wait_exit(&mut self, limit: Duration) -> std::process::ExitStatus {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the program did not exit within {limit:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Program {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The port from a line like `shard 0 on CPU 0 listening on 0.0.0.0:8888, [::]:8888`.
pub fn port_of(line: &str) -> u16 {
    let addrs = line.split("listening on ").nth(1).unwrap();
    addrs
        .split(", ")
        .next()
        .unwrap()
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}
