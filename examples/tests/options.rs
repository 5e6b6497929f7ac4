//! The tutorial's options program as a user runs it: flags, `--help`, `--config`, the
//! environment, and one-sentence failures with exit status 2.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

/// `target/<profile>/examples/options`: cargo builds a package's examples before its tests.
fn program() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let path = exe
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("examples/options");
    assert!(
        path.exists(),
        "{} is missing: run `cargo build --examples`",
        path.display()
    );
    path
}

/// `examples/<name>`, absolute.
fn here(name: &str) -> String {
    format!("{}/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// The running example; its stdout and stderr lines arrive on channels.
struct Server {
    child: Child,
    stdout: Receiver<String>,
    stderr: Receiver<String>,
}

fn lines(read: impl std::io::Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(read).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

impl Server {
    fn spawn(args: &[&str], env: &[(&str, &str)]) -> Server {
        let mut child = Command::new(program())
            .args(args)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = lines(child.stdout.take().unwrap());
        let stderr = lines(child.stderr.take().unwrap());
        Server {
            child,
            stdout,
            stderr,
        }
    }

    /// The port from the shard's `listening on 0.0.0.0:PORT` line.
    fn port(&self) -> u16 {
        loop {
            let line = self
                .stderr
                .recv_timeout(Duration::from_secs(20))
                .expect("the program logs its shard");
            if let Some(addrs) = line.split("listening on ").nth(1) {
                let first = addrs.split(", ").next().unwrap();
                return first.rsplit(':').next().unwrap().parse().unwrap();
            }
        }
    }

    fn first_stdout_line(&self) -> String {
        self.stdout.recv_timeout(Duration::from_secs(20)).unwrap()
    }

    /// SIGTERM, then the exit status.
    fn terminate(&mut self) -> std::process::ExitStatus {
        // SAFETY: signalling our own child process.
        assert_eq!(
            unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) },
            0
        );
        let deadline = Instant::now() + Duration::from_secs(12);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "no exit after SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn body(port: u16) -> String {
    ureq::get(&format!("http://127.0.0.1:{port}/"))
        .call()
        .unwrap()
        .into_string()
        .unwrap()
}

fn run(args: &[&str]) -> Output {
    Command::new(program()).args(args).output().unwrap()
}

/// Runs the example with bad input: exit status 2, one `error:` line, nothing started.
fn fails(args: &[&str]) -> String {
    let output = run(args);
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    assert!(output.stdout.is_empty(), "{args:?}: started anyway");
    stderr.trim_end().to_owned()
}

#[test]
fn serves_good_boy_on_the_given_port_and_prints_itcast() {
    let mut server = Server::spawn(&["--port=0", "--itcast=python,c++,java"], &[]);
    assert_eq!(server.first_stdout_line(), r#"["python", "c++", "java"]"#);
    assert_eq!(body(server.port()), "good boy");
    assert_eq!(server.terminate().code(), Some(0));
}

#[test]
fn reads_the_config_file_below_the_command_line() {
    let config = format!("--config={}", here("options.toml"));
    // The file says port = 8000; the command line's --port=0 wins wherever it stands.
    let mut server = Server::spawn(&[&config, "--port", "0"], &[]);
    assert_eq!(server.first_stdout_line(), r#"["python", "c++"]"#);
    assert_eq!(body(server.port()), "good boy");
    assert_eq!(server.terminate().code(), Some(0));
}

#[test]
fn reads_typhoon_environment_variables() {
    let mut server = Server::spawn(&[], &[("TYPHOON_PORT", "0"), ("TYPHOON_ITCAST", "go")]);
    assert_eq!(server.first_stdout_line(), r#"["go"]"#);
    assert_eq!(body(server.port()), "good boy");
    assert_eq!(server.terminate().code(), Some(0));
}

#[test]
fn help_prints_the_options_by_group_and_exits_zero() {
    let output = run(&["--help"]);
    assert_eq!(output.status.code(), Some(0));
    let help = String::from_utf8(output.stdout).unwrap();
    assert!(
        help.starts_with(
            "Usage: options [OPTIONS]\n\nOptions:\n      --help  show this help information\n"
        ),
        "{help}"
    );
    for line in [
        "examples/options.rs options:",
        "      --config <PATH>        path to a TOML config file.",
        "      --itcast <STRING,...>  itcast subjects.",
        "      --port <INT>           run server on the given port. [default: 8000]",
        "crates/options/src/logging.rs options:",
        "      --logging <debug|info|warning|error|none>",
        "      --log-file-prefix <PATH>",
    ] {
        assert!(help.lines().any(|l| l == line), "{line:?} missing:\n{help}");
    }
}

#[test]
fn bad_flags_are_one_sentence_and_exit_two() {
    assert_eq!(
        fails(&["--port=abc"]),
        "error: invalid value 'abc' for --port: expected an integer from 0 to 65535"
    );
    assert_eq!(
        fails(&["--port"]),
        "error: option '--port' requires a value"
    );
    assert_eq!(
        fails(&["--nope=1"]),
        "error: unrecognized command line option '--nope' (did you mean '--port'?)"
    );
}

#[test]
fn bad_config_files_are_one_sentence_and_exit_two() {
    assert_eq!(
        fails(&["--config=/no/such.toml"]),
        "error: cannot read config file /no/such.toml: No such file or directory (os error 2)"
    );
    let dir = std::env::temp_dir().join(format!("typhoon-options-example-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let syntax = dir.join("syntax.toml");
    std::fs::write(&syntax, "port = 8000\nitcast = ['python' 'c++']\n").unwrap();
    let message = fails(&[&format!("--config={}", syntax.display())]);
    assert!(
        message.starts_with(&format!(
            "error: config file {} is not valid TOML at line 2, column ",
            syntax.display()
        )),
        "{message}"
    );
    let typed = dir.join("typed.toml");
    std::fs::write(&typed, "port = 'eighty'\n").unwrap();
    assert_eq!(
        fails(&[&format!("--config={}", typed.display())]),
        format!(
            "error: invalid value 'eighty' for option 'port' in config file {}: expected an \
             integer from 0 to 65535",
            typed.display()
        )
    );
}
