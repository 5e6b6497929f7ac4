//! Shard supervision: a shard killed by a task's panic comes back with the same id while the others keep serving; past `max_restarts` the server ends with one sentence.
#![allow(clippy::unwrap_used)]

mod support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use support::test_config;
use typhoon_http1::Request;
use typhoon_server::{
    allowed_cpus, shard_id, submit_to, with_timeout, Error, Factory, HttpServer, Responder,
    Response, RunningServer, ServerConfig, Service, ShardInfo,
};

/// Set by a test once it has asked the server to stop (`/boom-while-stopping` waits for it).
static STOP_ASKED: AtomicBool = AtomicBool::new(false);
/// `/boom-while-stopping` requests that have started.
static LATE_STARTED: AtomicUsize = AtomicUsize::new(0);

/// `/shard` → the shard's id; `/ask-1` → shard 1's id, asked with `submit_to`; `/boom` → answers, and a task of the shard panics right after,
/// outside any handler, so the panic unwinds out of the shard's executor and kills the
/// shard (a handler's own panic only costs its request a 500);
/// `/boom-while-stopping` → waits until the test asked the server to stop, then the same.
struct Doomed {
    shard: usize,
}

impl Service for Doomed {
    async fn call(&self, req: Request, out: Responder) {
        match req.path() {
            "/shard" => out.send(Response::new(200, self.shard.to_string())),
            "/ask-1" => {
                // Across the mesh to shard 1, which may have died and come back.
                let asked = with_timeout(Duration::from_secs(5), async {
                    submit_to(1, || async { shard_id() }).await
                });
                let text = match asked.await {
                    Ok(Ok(Some(id))) => id.to_string(),
                    other => format!("{other:?}"),
                };
                out.send(Response::new(200, text));
            }
            "/boom" => {
                kill_the_shard();
                out.send(Response::new(200, "boom"));
            }
            "/boom-while-stopping" => {
                LATE_STARTED.fetch_add(1, Ordering::SeqCst);
                while !STOP_ASKED.load(Ordering::SeqCst) {
                    glommio::timer::sleep(Duration::from_millis(2)).await;
                }
                kill_the_shard();
                // Still in flight when the panic comes: the shard is draining.
                glommio::timer::sleep(Duration::from_millis(200)).await;
                out.send(Response::new(200, "late"));
            }
            _ => out.send(Response::new(404, "")),
        }
    }
}

/// A detached task that panics on its first poll after this one yields.
fn kill_the_shard() {
    glommio::spawn_local(async {
        futures_lite::future::yield_now().await;
        panic!("injected shard panic");
    })
    .detach();
}

fn start(config: ServerConfig, shards: usize) -> RunningServer {
    let _ = env_logger::builder().is_test(true).try_init();
    let mut server = HttpServer::with_config(
        Factory(|info: &ShardInfo| Doomed { shard: info.id }),
        ServerConfig {
            port_per_shard: true,
            ..config
        },
    );
    server.bind_addr(0, "127.0.0.1").unwrap();
    server.start_background(shards).unwrap()
}

/// Shards for these tests: two where the process may use two CPUs, else one.
fn shards() -> usize {
    allowed_cpus().unwrap().len().min(2)
}

/// One `GET path` on `stream`; the body, or why it failed. Never panics: load clients count.
fn get(stream: &mut TcpStream, path: &str) -> Result<String, String> {
    let request = format!("GET {path} HTTP/1.1\r\nHost: t\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .map_err(|e| format!("send: {e}"))?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    loop {
        let n = stream
            .read(&mut chunk)
            .map_err(|e| format!("receive: {e}"))?;
        if n == 0 {
            return Err(format!("closed after {:?}", String::from_utf8_lossy(&buf)));
        }
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf).into_owned();
        let Some(end) = text.find("\r\n\r\n") else {
            continue;
        };
        let length = text[..end]
            .lines()
            .find_map(|l| {
                let (name, value) = l.split_once(':')?;
                name.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse::<usize>().ok())?
            })
            .ok_or_else(|| format!("no Content-Length in {text:?}"))?;
        if buf.len() >= end + 4 + length {
            if !text.starts_with("HTTP/1.1 200 ") {
                return Err(format!("not a 200: {text:?}"));
            }
            return Ok(text[end + 4..end + 4 + length].to_owned());
        }
    }
}

fn connect(addr: SocketAddr) -> Result<TcpStream, String> {
    let stream = TcpStream::connect(addr).map_err(|e| format!("connect: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(|e| e.to_string())?;
    Ok(stream)
}

/// `GET /shard` on a fresh connection to `addr`.
fn which_shard(addr: SocketAddr) -> Result<String, String> {
    get(&mut connect(addr)?, "/shard")
}

/// Polls `addr` until shard `shard` answers there, within `within`.
fn wait_answering(addr: SocketAddr, shard: usize, within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        match which_shard(addr) {
            Ok(id) if id == shard.to_string() => return,
            other => assert!(
                Instant::now() < deadline,
                "shard {shard} did not answer on {addr} within {within:?}: {other:?}"
            ),
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Load on one address until `stop`: `keep_alive` clients reusing their connection and
/// one client opening a connection per request. Each answers (requests, failures).
fn load(
    addr: SocketAddr,
    shard: usize,
    keep_alive: usize,
    stop: &Arc<AtomicBool>,
) -> Vec<std::thread::JoinHandle<(usize, Vec<String>)>> {
    let expected = shard.to_string();
    (0..=keep_alive)
        .map(|client| {
            let (stop, expected) = (stop.clone(), expected.clone());
            std::thread::spawn(move || {
                let (mut done, mut failures) = (0, Vec::new());
                let mut stream = None;
                while !stop.load(Ordering::SeqCst) {
                    let fresh = client == keep_alive;
                    let answer = match (&mut stream, fresh) {
                        (Some(stream), false) => get(stream, "/shard"),
                        _ => connect(addr).and_then(|mut s| {
                            let answer = get(&mut s, "/shard");
                            if !fresh {
                                stream = Some(s);
                            }
                            answer
                        }),
                    };
                    match answer {
                        Ok(id) if id == expected => done += 1,
                        Ok(id) => failures.push(format!("answered by shard {id}")),
                        Err(e) => {
                            failures.push(e);
                            stream = None;
                        }
                    }
                }
                (done, failures)
            })
        })
        .collect()
}

/// Waits for the server's end on another thread, within `within`.
fn wait_end(server: RunningServer, within: Duration) -> typhoon_server::Result<()> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(server.wait());
    });
    rx.recv_timeout(within)
        .unwrap_or_else(|_| panic!("the server did not end within {within:?}"))
}

#[test]
fn a_shard_killed_under_load_comes_back_and_the_others_never_fail() {
    if shards() < 2 {
        eprintln!("skipped: needs 2 allowed CPUs");
        return;
    }
    let server = start(test_config(), 2);
    let shard0 = server.handle().shard_addrs(0)[0];
    let shard1 = server.handle().shard_addrs(1)[0];
    wait_answering(shard1, 1, Duration::from_secs(5));
    assert_eq!(
        get(&mut connect(shard0).unwrap(), "/ask-1").as_deref(),
        Ok("1")
    );
    let stop = Arc::new(AtomicBool::new(false));
    let clients = load(shard0, 0, 3, &stop);

    // A keep-alive client of shard 1, idle when it dies.
    let mut idle = connect(shard1).unwrap();
    assert_eq!(get(&mut idle, "/shard").as_deref(), Ok("1"));

    // Let the load run, then kill shard 1 through its own port.
    std::thread::sleep(Duration::from_millis(200));
    let _ = which_shard(shard1).map(|_| ());
    let mut boom = connect(shard1).unwrap();
    let _ = get(&mut boom, "/boom");
    let deadline = Instant::now() + Duration::from_secs(5);
    while server.handle().restarts() == 0 {
        assert!(Instant::now() < deadline, "shard 1 was never restarted");
        std::thread::sleep(Duration::from_millis(1));
    }
    // The old shard 1 is gone by now (its keeper counts the restart after its thread
    // ended): this connection waits in the listener's queue, never reset, and the new
    // shard 1 answers it.
    assert_eq!(which_shard(shard1).as_deref(), Ok("1"));
    // The dead shard's idle connection was ended, not left hanging.
    idle.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let mut byte = [0u8; 1];
    match idle.read(&mut byte) {
        Ok(0) => {}
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
        other => panic!("the dead shard's idle connection: {other:?}"),
    }
    wait_answering(shard1, 1, Duration::from_secs(5));
    // And it serves under the load, which goes on for a while after the restart.
    std::thread::sleep(Duration::from_millis(200));
    stop.store(true, Ordering::SeqCst);
    let (mut done, mut failures) = (0, Vec::new());
    for client in clients {
        let (d, f) = client.join().unwrap();
        done += d;
        failures.extend(f);
    }
    assert_eq!(server.handle().restarts(), 1);
    assert!(
        failures.is_empty(),
        "shard 0's clients saw failures: {failures:?}"
    );
    assert!(done > 100, "only {done} requests to shard 0");
    eprintln!("shard 0 answered {done} requests, 0 failures, while shard 1 died and came back");
    wait_answering(shard0, 0, Duration::from_secs(1));
    // The new shard 1 rejoined the mesh: shard 0 reaches it.
    assert_eq!(
        get(&mut connect(shard0).unwrap(), "/ask-1").as_deref(),
        Ok("1")
    );
    server.stop().unwrap();
}

#[test]
fn past_max_restarts_the_server_stops_with_one_sentence() {
    let shards = shards();
    let server = start(
        ServerConfig {
            max_restarts: Some(1),
            ..test_config()
        },
        shards,
    );
    let victim = shards - 1;
    let own = server.handle().shard_addrs(victim)[0];
    wait_answering(own, victim, Duration::from_secs(5));
    let _ = get(&mut connect(own).unwrap(), "/boom");
    let deadline = Instant::now() + Duration::from_secs(5);
    while server.handle().restarts() == 0 {
        assert!(
            Instant::now() < deadline,
            "the first death was not restarted"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    wait_answering(own, victim, Duration::from_secs(5));
    let _ = get(&mut connect(own).unwrap(), "/boom");
    let err = wait_end(server, Duration::from_secs(10)).unwrap_err();
    assert!(
        matches!(
            err,
            Error::TooManyRestarts {
                what: "shard",
                restarts: 2,
                max_restarts: 1,
                ..
            }
        ),
        "{err}"
    );
    let text = err.to_string();
    let pid = std::process::id();
    assert_eq!(
        text,
        format!(
            "too many shard restarts (2, max_restarts is 1): shard {victim} (pid {pid}) \
             panicked: injected shard panic; giving up (the log above says why the shards died)"
        )
    );
}

#[test]
fn a_shard_dying_while_the_server_stops_is_not_restarted() {
    let server = start(test_config(), 1);
    let own = server.handle().shard_addrs(0)[0];
    let mut late = connect(own).unwrap();
    late.write_all(b"GET /boom-while-stopping HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while LATE_STARTED.load(Ordering::SeqCst) == 0 {
        assert!(Instant::now() < deadline, "the request never started");
        std::thread::sleep(Duration::from_millis(1));
    }
    let handle = server.handle().clone();
    handle.stop();
    STOP_ASKED.store(true, Ordering::SeqCst);
    let err = wait_end(server, Duration::from_secs(10)).unwrap_err();
    assert!(
        matches!(err, Error::Shard { shard: 0, ref reason } if reason.contains("injected shard panic")),
        "{err}"
    );
    assert_eq!(handle.restarts(), 0, "not restarted while stopping");
}
