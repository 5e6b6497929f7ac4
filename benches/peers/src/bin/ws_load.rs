//! A closed-loop WebSocket echo load client: `--conns N` connections, each sending
//! `--depth D` `--size`-byte text messages at once (one write) and waiting for their
//! echoes, for `--secs S` seconds, on a tokio current_thread runtime. Prints messages/s
//! and the round trip's p50/p99 (from the write to the last echo of the batch).
//!
//! `ws_load --port P [--conns 64] [--depth 1] [--size 32] [--secs 5]`
//!
//! With `--depth 1` the client spends about what the server does per message, so both
//! are saturated together; a deeper batch costs the client one write and one read for D
//! messages while the server still handles each one, so the server sets the pace.
//!
//! Frames are built and read by hand (one masked frame out, one unmasked frame of known
//! length back): the client spends as little as it can, whichever server it measures.
use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use typhoon_bench_peers::num_arg;

async fn handshake(port: u16) -> std::io::Result<tokio::net::TcpStream> {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    stream.set_nodelay(true)?;
    stream
        .write_all(
            b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
              Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
        )
        .await?;
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        stream.read_exact(&mut byte).await?;
        head.push(byte[0]);
    }
    if !head.starts_with(b"HTTP/1.1 101") {
        return Err(std::io::Error::other(
            String::from_utf8_lossy(&head).into_owned(),
        ));
    }
    Ok(stream)
}

fn main() -> std::io::Result<()> {
    let port: u16 = num_arg("--port").expect("--port P");
    let conns: usize = num_arg("--conns").unwrap_or(64);
    let size: usize = num_arg("--size").unwrap_or(32);
    let secs: u64 = num_arg("--secs").unwrap_or(5);
    let depth: usize = num_arg("--depth").unwrap_or(1).max(1);
    assert!(size <= 125, "--size up to 125 (one short frame)");
    // A masked text frame with key 0 (the payload goes as it is) and its echo's length.
    let mut one = vec![0x81, 0x80 | size as u8, 0, 0, 0, 0];
    one.extend(std::iter::repeat(b'x').take(size));
    let frame = one.repeat(depth);
    let echo_len = (2 + size) * depth;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let local = tokio::task::LocalSet::new();
        local
            .run_until(async move {
                let samples: Rc<RefCell<Vec<u32>>> = Rc::default();
                let mut streams = Vec::new();
                for _ in 0..conns {
                    streams.push(handshake(port).await?);
                }
                let started = Instant::now();
                let end = started + Duration::from_secs(secs);
                let mut tasks = Vec::new();
                for mut stream in streams {
                    let (frame, samples) = (frame.clone(), samples.clone());
                    tasks.push(tokio::task::spawn_local(async move {
                        let mut echo = vec![0u8; echo_len];
                        let mut mine = Vec::new();
                        while Instant::now() < end {
                            let sent = Instant::now();
                            if stream.write_all(&frame).await.is_err()
                                || stream.read_exact(&mut echo).await.is_err()
                            {
                                break;
                            }
                            let took = sent.elapsed().as_nanos() as u32;
                            mine.extend(std::iter::repeat(took).take(depth));
                        }
                        samples.borrow_mut().extend(mine);
                    }));
                }
                for task in tasks {
                    let _ = task.await;
                }
                let took = started.elapsed().as_secs_f64();
                let mut samples = samples.borrow().clone();
                samples.sort_unstable();
                let at = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize] as f64 / 1000.0;
                println!(
                    "{:.0} messages/s  p50 {:.1} us  p99 {:.1} us  ({} messages, {conns} connections x {depth} in flight, {size} B)",
                    samples.len() as f64 / took,
                    at(0.5),
                    at(0.99),
                    samples.len()
                );
                Ok::<(), std::io::Error>(())
            })
            .await
    })
}
