//! Slowloris and slow-POST clients for scripts/slow-clients.sh: one thread, one mio poll.
//!
//! `slow_clients --port P --header-timeout S --body-timeout S [--slowloris N] [--slow-posts M]
//! [--interval S] [--ramp S] [--grace S]`
//!
//! Keeps `--slowloris` connections that send one header byte every `--interval` seconds and
//! never end the head, and `--slow-posts` connections that send a whole head with a
//! Content-Length and then one body byte every `--interval` seconds. A connection the server
//! closes is replaced at once, so the attack stays at full strength until SIGTERM or SIGINT;
//! then the open ones are waited for (until their deadline + `--grace`) and a summary is
//! printed: per kind, the time from the connection's first byte to the server closing it
//! (EOF or reset), how many were within deadline + 1 s, and what the server answered.
//!
//! In Rust rather than Python because the attackers share CPU 1 with wrk: every
//! microsecond they take there counts in wrk's latency, not the server's.
//!
//! Prints `ramped: N connections open` once the first wave is open. Exits 1 if a connection
//! was not cut within its deadline + 1 s (or never), 0 otherwise.
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token};

/// A request head that never ends: the request line, then one header value forever.
const SLOWLORIS_HEAD: &[u8] = b"GET / HTTP/1.1\r\nHost: slowloris\r\nX-Slow: ";
/// A POST whose 1 MB body comes a byte at a time.
const SLOW_POST_HEAD: &[u8] =
    b"POST /upload HTTP/1.1\r\nHost: slowpost\r\nContent-Length: 1000000\r\n\r\n";

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

fn arg<T: std::str::FromStr>(name: &str, default: Option<T>) -> T {
    let args: Vec<String> = std::env::args().collect();
    match args.iter().position(|a| a == name) {
        Some(i) => {
            let v = args
                .get(i + 1)
                .unwrap_or_else(|| panic!("{name} needs a value"));
            v.parse()
                .unwrap_or_else(|_| panic!("{name} takes a number, not {v:?}"))
        }
        None => default.unwrap_or_else(|| panic!("{name} is required")),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Slowloris,
    SlowPost,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Slowloris => "slowloris",
            Kind::SlowPost => "slow POST",
        }
    }

    /// Piece `n` of what this kind sends.
    fn piece(self, n: usize) -> &'static [u8] {
        match self {
            Kind::Slowloris => SLOWLORIS_HEAD.get(n..n + 1).unwrap_or(b"a"),
            Kind::SlowPost if n == 0 => SLOW_POST_HEAD,
            Kind::SlowPost => b"x",
        }
    }
}

/// One slow client.
struct Conn {
    kind: Kind,
    stream: TcpStream,
    /// When its first byte went out; `None` until connected.
    first_byte: Option<Instant>,
    /// Pieces sent so far.
    sent: usize,
    /// The start of what the server answered (the status line is all we look at).
    answer: Vec<u8>,
}

/// What a timer is for.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Due {
    /// Open a connection of this kind.
    Connect(Kind),
    /// Send connection `token`'s next piece.
    Send(usize),
}

struct Attack {
    poll: Poll,
    addr: SocketAddr,
    interval: Duration,
    conns: HashMap<usize, Conn>,
    next_token: usize,
    timers: BinaryHeap<Reverse<(Instant, Due)>>,
    /// kind -> (seconds from first byte to close, answer)
    results: BTreeMap<Kind, Vec<(f64, String)>>,
    connect_errors: BTreeMap<String, u64>,
    stopping: bool,
}

impl Attack {
    fn open(&self) -> usize {
        self.conns
            .values()
            .filter(|c| c.first_byte.is_some())
            .count()
    }

    fn connect(&mut self, kind: Kind) {
        if self.stopping {
            return;
        }
        match TcpStream::connect(self.addr) {
            Ok(mut stream) => {
                let token = self.next_token;
                self.next_token += 1;
                let registered = self.poll.registry().register(
                    &mut stream,
                    Token(token),
                    Interest::READABLE | Interest::WRITABLE,
                );
                if let Err(e) = registered {
                    self.connect_failed(kind, &e);
                    return;
                }
                self.conns.insert(
                    token,
                    Conn {
                        kind,
                        stream,
                        first_byte: None,
                        sent: 0,
                        answer: Vec::new(),
                    },
                );
            }
            Err(e) => self.connect_failed(kind, &e),
        }
    }

    /// Counts the error and tries again in 100 ms.
    fn connect_failed(&mut self, kind: Kind, e: &io::Error) {
        *self
            .connect_errors
            .entry(format!("{:?}", e.kind()))
            .or_default() += 1;
        self.timers.push(Reverse((
            Instant::now() + Duration::from_millis(100),
            Due::Connect(kind),
        )));
    }

    /// Sends connection `token`'s next piece and schedules the one after.
    fn send(&mut self, token: usize) {
        let Some(conn) = self.conns.get_mut(&token) else {
            return; // cut meanwhile
        };
        let piece = conn.kind.piece(conn.sent);
        // A piece is at most one head, far below the socket's buffer: it goes out whole.
        if conn.stream.write(piece).is_ok() {
            conn.sent += 1;
        }
        self.timers
            .push(Reverse((Instant::now() + self.interval, Due::Send(token))));
    }

    fn event(&mut self, token: usize, event: &mio::event::Event) {
        let Some(conn) = self.conns.get_mut(&token) else {
            return;
        };
        if conn.first_byte.is_none() {
            if !event.is_writable() && !event.is_error() {
                return;
            }
            if let Some(e) = conn
                .stream
                .take_error()
                .ok()
                .flatten()
                .or_else(|| conn.stream.peer_addr().err())
            {
                let kind = conn.kind;
                self.drop_conn(token);
                self.connect_failed(kind, &e);
                return;
            }
            conn.first_byte = Some(Instant::now());
            self.send(token);
            return;
        }
        let mut buf = [0u8; 4096];
        loop {
            match conn.stream.read(&mut buf) {
                Ok(0) => return self.finish(token, "closed without an answer"),
                Ok(n) => {
                    let room = 64usize.saturating_sub(conn.answer.len());
                    conn.answer.extend_from_slice(&buf[..n.min(room)]);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return self.finish(token, "reset"),
            }
        }
    }

    fn drop_conn(&mut self, token: usize) -> Option<Conn> {
        let mut conn = self.conns.remove(&token)?;
        let _ = self.poll.registry().deregister(&mut conn.stream);
        Some(conn)
    }

    /// Records how connection `token` was cut, and replaces it.
    fn finish(&mut self, token: usize, otherwise: &str) {
        let Some(conn) = self.drop_conn(token) else {
            return;
        };
        let seconds = conn.first_byte.map_or(0.0, |t| t.elapsed().as_secs_f64());
        let answer = if conn.answer.starts_with(b"HTTP/1.") {
            String::from_utf8_lossy(&conn.answer)
                .split(' ')
                .nth(1)
                .unwrap_or("")
                .to_owned()
        } else {
            otherwise.to_owned()
        };
        self.results
            .entry(conn.kind)
            .or_default()
            .push((seconds, answer));
        self.connect(conn.kind);
    }

    /// Runs timers due and handles events, waiting at most until `until`.
    fn turn(&mut self, events: &mut Events, until: Instant) -> io::Result<()> {
        let now = Instant::now();
        while let Some(Reverse((at, due))) = self.timers.peek().copied() {
            if at > now {
                break;
            }
            self.timers.pop();
            match due {
                Due::Connect(kind) => self.connect(kind),
                Due::Send(token) => self.send(token),
            }
        }
        let next = self
            .timers
            .peek()
            .map_or(until, |Reverse((at, _))| (*at).min(until));
        // Short waits so a signal is seen within 50 ms.
        let wait = next
            .saturating_duration_since(Instant::now())
            .min(Duration::from_millis(50));
        match self.poll.poll(events, Some(wait)) {
            Err(e) if e.kind() != io::ErrorKind::Interrupted => return Err(e),
            _ => {}
        }
        for event in events.iter() {
            self.event(event.token().0, event);
        }
        Ok(())
    }
}

fn main() -> io::Result<()> {
    let port: u16 = arg("--port", None);
    let host: String = arg("--host", Some("127.0.0.1".to_owned()));
    let slowloris: usize = arg("--slowloris", Some(1000));
    let slow_posts: usize = arg("--slow-posts", Some(100));
    let interval: f64 = arg("--interval", Some(10.0));
    let header_timeout: f64 = arg("--header-timeout", None);
    let body_timeout: f64 = arg("--body-timeout", None);
    let ramp: f64 = arg("--ramp", Some(1.0));
    let grace: f64 = arg("--grace", Some(5.0));

    // SAFETY: `on_signal` only stores to an atomic, which is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGTERM, on_signal as *const () as libc::sighandler_t);
        libc::signal(libc::SIGINT, on_signal as *const () as libc::sighandler_t);
    }
    let addr: SocketAddr = format!("{host}:{port}")
        .parse()
        .unwrap_or_else(|e| panic!("{host}:{port}: {e}"));
    let mut attack = Attack {
        poll: Poll::new()?,
        addr,
        interval: Duration::from_secs_f64(interval),
        conns: HashMap::new(),
        next_token: 0,
        timers: BinaryHeap::new(),
        results: BTreeMap::new(),
        connect_errors: BTreeMap::new(),
        stopping: false,
    };
    let kinds: Vec<Kind> = std::iter::repeat_n(Kind::Slowloris, slowloris)
        .chain(std::iter::repeat_n(Kind::SlowPost, slow_posts))
        .collect();
    let start = Instant::now();
    for (n, kind) in kinds.iter().enumerate() {
        let at = start + Duration::from_secs_f64(ramp * n as f64 / kinds.len() as f64);
        attack.timers.push(Reverse((at, Due::Connect(*kind))));
    }
    let mut events = Events::with_capacity(1024);

    // The first wave, then the attack until a signal.
    let ramp_deadline = start + Duration::from_secs(30);
    while attack.open() < kinds.len()
        && Instant::now() < ramp_deadline
        && !STOP.load(Ordering::SeqCst)
    {
        attack.turn(&mut events, ramp_deadline)?;
    }
    println!("ramped: {} connections open", attack.open());
    while !STOP.load(Ordering::SeqCst) {
        attack.turn(&mut events, Instant::now() + Duration::from_millis(50))?;
    }

    // No new connections now; the open ones have until their deadline + grace.
    attack.stopping = true;
    let longest = Duration::from_secs_f64(header_timeout.max(body_timeout) + grace);
    let deadline = Instant::now() + longest;
    while !attack.conns.is_empty() && Instant::now() < deadline {
        attack.turn(&mut events, deadline)?;
    }

    let mut ok = true;
    for (kind, count, deadline) in [
        (Kind::Slowloris, slowloris, header_timeout),
        (Kind::SlowPost, slow_posts, body_timeout),
    ] {
        if count == 0 {
            continue;
        }
        let bound = deadline + 1.0;
        let never = attack.conns.values().filter(|c| c.kind == kind).count();
        let results = attack.results.remove(&kind).unwrap_or_default();
        let mut cut: Vec<f64> = results.iter().map(|(s, _)| *s).collect();
        cut.sort_by(f64::total_cmp);
        let within = cut.iter().filter(|&&s| s <= bound).count();
        let mut answers: BTreeMap<String, usize> = BTreeMap::new();
        for (_, answer) in &results {
            *answers.entry(answer.clone()).or_default() += 1;
        }
        let at = |q: f64| {
            cut.get(((cut.len() as f64 - 1.0) * q).round() as usize)
                .map_or("-".to_owned(), |s| format!("{s:.3}"))
        };
        println!(
            "{}: {} connections cut, {within} within deadline + 1 s ({bound} s), {never} never \
             cut; first byte to close min {} s, median {} s, max {} s; answers {answers:?}",
            kind.name(),
            cut.len(),
            at(0.0),
            at(0.5),
            at(1.0),
        );
        ok &= within == cut.len() && never == 0 && !cut.is_empty();
    }
    if !attack.connect_errors.is_empty() {
        println!("connect errors: {:?}", attack.connect_errors);
    }
    std::process::exit(if ok { 0 } else { 1 });
}
