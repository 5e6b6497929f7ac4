//! Opens N keep-alive connections to 127.0.0.1:PORT, sends one `GET /` on each and reads the
//! whole answer (checked: status 200, body `good boy`), prints `ready N`, then holds them open
//! until standard input closes (or a signal ends the process).
//!
//! `idle_conns --port PORT --conns N`
use std::io::{self, Read, Write};
use std::net::TcpStream;

const REQUEST: &[u8] = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

/// Reads one HTTP/1.1 response (headers + Content-Length body) and checks it.
fn read_response(s: &mut TcpStream, buf: &mut Vec<u8>) -> io::Result<()> {
    buf.clear();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| {
                    l.strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap_or(0))
                })
                .ok_or_else(|| io::Error::other("no Content-Length"))?;
            if buf.len() >= end + 4 + len {
                if !head.starts_with("http/1.1 200") || &buf[end + 4..end + 4 + len] != b"good boy"
                {
                    return Err(io::Error::other(format!(
                        "bad answer: {:?}",
                        String::from_utf8_lossy(buf)
                    )));
                }
                return Ok(());
            }
        }
        let n = s.read(&mut chunk)?;
        if n == 0 {
            return Err(io::Error::other("closed before a full answer"));
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn main() -> io::Result<()> {
    let port: u16 = arg("--port")
        .and_then(|v| v.parse().ok())
        .expect("--port PORT");
    let n: usize = arg("--conns")
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let batch = 256;
    let mut conns: Vec<TcpStream> = Vec::with_capacity(n);
    let mut buf = Vec::with_capacity(4096);
    while conns.len() < n {
        let start = conns.len();
        let k = batch.min(n - start);
        for _ in 0..k {
            let mut s = TcpStream::connect(("127.0.0.1", port))?;
            s.set_nodelay(true)?;
            s.write_all(REQUEST)?;
            conns.push(s);
        }
        for s in &mut conns[start..] {
            read_response(s, &mut buf)?;
        }
    }
    println!("ready {}", conns.len());
    io::stdout().flush()?;
    // Hold until stdin closes.
    let mut sink = Vec::new();
    io::stdin().read_to_end(&mut sink).ok();
    drop(conns);
    Ok(())
}
