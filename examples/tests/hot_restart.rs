//! hello's zero-downtime restart as an operator runs it: `--handover PATH` processes
//! taking each other's listening sockets over; `--takeover` with nobody there; systemd's
//! socket activation (`LISTEN_FDS`).
#![allow(clippy::unwrap_used)]

mod support;

use std::process::{Command, Stdio};
use std::time::Duration;

use support::{example, port_of, Program};

fn handover_path(name: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!(
        "typhoon-hello-{}-{name}.handover",
        std::process::id()
    ));
    let _ = std::fs::remove_file(&path);
    path
}

fn get(port: u16) -> String {
    ureq::get(&format!("http://127.0.0.1:{port}/"))
        .call()
        .unwrap()
        .into_string()
        .unwrap()
}

#[test]
fn a_new_hello_takes_over_and_the_old_one_exits_zero() {
    let path = handover_path("chain");
    let path_arg = path.to_str().unwrap();
    let mut old = Program::spawn("hello", &["--port", "0", "--handover", path_arg]);
    let port = port_of(&old.wait_listening(1)[0]);
    assert_eq!(get(port), "good boy");
    // The path appears once the server serves handovers (after it listens).
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !path.exists() {
        assert!(std::time::Instant::now() < deadline, "no handover path");
        std::thread::sleep(Duration::from_millis(10));
    }

    // Another port on purpose: the sockets are taken over, so --port is not used.
    let mut new = Program::spawn(
        "hello",
        &["--port", "1", "--handover", path_arg, "--shards", "2"],
    );
    let lines = new.wait_listening(2);
    assert!(lines.iter().all(|l| port_of(l) == port), "{lines:?}");
    assert!(old.wait_exit(Duration::from_secs(10)).success());
    assert_eq!(get(port), "good boy");

    sigterm(new.pid());
    assert!(new.wait_exit(Duration::from_secs(10)).success());
    assert!(!path.exists(), "the last one removes its handover path");
}

#[test]
fn takeover_with_nobody_there_fails_with_one_line() {
    let path = handover_path("nobody");
    let output = Command::new(example("hello"))
        .args(["--takeover", path.to_str().unwrap()])
        .stdout(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(!output.status.success());
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("nothing to take over at"), "{stderr}");
}

#[test]
fn a_socket_passed_by_systemd_is_served_without_binding() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let fd = std::os::fd::AsRawFd::as_raw_fd(&listener);
    // As systemd does: the socket at fd 3, LISTEN_PID naming the process that runs hello
    // (sh's pid, kept by exec). hello would fail to bind --port: the listener holds it.
    let mut command = Command::new("sh");
    command
        .args(["-c", "LISTEN_PID=$$ LISTEN_FDS=1 exec \"$0\" \"$@\""])
        .arg(example("hello"))
        .args(["--port", &port.to_string()]);
    // SAFETY: dup2 and fcntl are async-signal-safe; `fd` stays open in the parent until
    // the spawn. At fd 3 already, dup2 would do nothing and leave it close-on-exec.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut command, move || {
            let placed = if fd == 3 {
                libc::fcntl(3, libc::F_SETFD, 0)
            } else {
                libc::dup2(fd, 3)
            };
            if placed < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut program = Program::from_command(command);
    program.wait_listening(1);
    drop(listener);
    assert_eq!(get(port), "good boy");
    sigterm(program.pid());
    assert!(program.wait_exit(Duration::from_secs(10)).success());
}

fn sigterm(pid: i32) {
    // SAFETY: sends a signal to our own child process.
    unsafe { libc::kill(pid, libc::SIGTERM) };
}
