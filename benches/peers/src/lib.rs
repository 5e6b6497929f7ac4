//! Shared bits of the peer servers: the `--port N` and `--workers N` arguments and the
//! answer body.

/// The body every server in the comparison answers `GET /` with.
pub const BODY: &str = "good boy";

/// `--port N` (or `--port=N`) from the command line; 0 (the kernel picks) when absent.
pub fn port_arg() -> u16 {
    num_arg("--port").unwrap_or(0)
}

/// `--workers N` (or `--workers=N`) from the command line: how many worker threads the
/// server runs; 1 when absent, as in the one-core harness (scripts/bench.sh).
pub fn workers_arg() -> usize {
    let n: usize = num_arg("--workers").unwrap_or(1);
    assert!(n >= 1, "--workers takes a number of at least 1");
    n
}

/// The number after `name` (`name N` or `name=N`) on the command line; `None` when absent.
pub fn num_arg<T: std::str::FromStr>(name: &str) -> Option<T> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let prefix = format!("{name}=");
    let mut i = 0;
    while i < args.len() {
        if let Some(v) = args[i].strip_prefix(prefix.as_str()) {
            return Some(
                v.parse()
                    .unwrap_or_else(|_| panic!("{name} takes a number")),
            );
        }
        if args[i] == name {
            return Some(
                args.get(i + 1)
                    .and_then(|v| v.parse().ok())
                    .unwrap_or_else(|| panic!("{name} takes a number")),
            );
        }
        i += 1;
    }
    None
}

/// True when `--flag` is on the command line.
pub fn has_flag(flag: &str) -> bool {
    std::env::args().skip(1).any(|a| a == flag)
}

/// Tells the harness where we listen (stdout, flushed).
pub fn announce(port: u16) {
    use std::io::Write;
    println!("listening on {port}");
    std::io::stdout().flush().ok();
}
