//! Shared bits of the peer servers: the `--port N` argument and the answer body.

/// The body every server in the comparison answers `GET /` with.
pub const BODY: &str = "good boy";

/// `--port N` (or `--port=N`) from the command line; 0 (the kernel picks) when absent.
pub fn port_arg() -> u16 {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        if let Some(v) = args[i].strip_prefix("--port=") {
            return v.parse().expect("--port takes a number");
        }
        if args[i] == "--port" {
            return args
                .get(i + 1)
                .and_then(|v| v.parse().ok())
                .expect("--port takes a number");
        }
        i += 1;
    }
    0
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
