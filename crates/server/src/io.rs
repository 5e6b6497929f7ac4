//! One connection's socket and write buffer, shared by the connection driver and the
//! [`Responder`](crate::Responder) of the request being answered.

use std::io;
use std::net::Shutdown;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use futures_lite::{AsyncReadExt, AsyncWriteExt, FutureExt};
use glommio::net::TcpStream;
use glommio::timer::Timer;

/// The most one read asks the socket for.
const MAX_READ: usize = 64 * 1024;

/// The socket and the responses queued for it.
///
/// It lives in an `Rc<RefCell<_>>` owned by the connection; the connection is strictly
/// sequential (it awaits the service, and the service's responder writes only while the
/// connection waits), so the borrows held across awaits here never overlap.
pub(crate) struct ConnIo {
    pub stream: TcpStream,
    /// Encoded responses not yet written.
    pub wbuf: BytesMut,
    /// Whether the connection may serve another request after the current response.
    pub keep_alive: bool,
    /// Longest gap allowed while the client does not read.
    pub write_timeout: Duration,
    /// The service panicked while answering the current request (set before its
    /// responder is dropped, so the responder knows not to finish a partial body).
    pub panicked: bool,
}

impl ConnIo {
    /// Writes everything queued, with one write when the socket takes it.
    pub async fn flush(&mut self) -> io::Result<()> {
        if self.wbuf.is_empty() {
            return Ok(());
        }
        let wait = self.write_timeout;
        let write = self.stream.write_all(&self.wbuf);
        let timed_out = async {
            Timer::new(wait).await;
            Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "client stopped reading",
            ))
        };
        write.or(timed_out).await?;
        self.wbuf.clear();
        Ok(())
    }

    /// Reads more bytes into `rbuf`. `Ok(None)` when `deadline` passed first.
    pub async fn read_before(
        &mut self,
        rbuf: &mut BytesMut,
        deadline: Instant,
        reserve: usize,
    ) -> io::Result<Option<usize>> {
        let start = rbuf.len();
        if rbuf.capacity() - start < reserve / 2 {
            rbuf.reserve(reserve);
        }
        // Zero at most one read's worth: a buffer grown for a large body must not be
        // re-zeroed on every read.
        let room = (rbuf.capacity() - start).min(MAX_READ);
        rbuf.resize(start + room, 0);
        let wait = deadline.saturating_duration_since(Instant::now());
        let read = async { self.stream.read(&mut rbuf[start..]).await.map(Some) };
        let timer = async {
            Timer::new(wait).await;
            Ok(None)
        };
        let result = read.or(timer).await;
        let n = match &result {
            Ok(Some(n)) => *n,
            _ => 0,
        };
        rbuf.truncate(start + n);
        result
    }

    /// Waits until the socket has bytes to read (or end-of-file) without holding a
    /// buffer: a one-byte peek. `Ok(false)` when `deadline` passed first.
    pub async fn readable_before(&mut self, deadline: Instant) -> io::Result<bool> {
        let wait = deadline.saturating_duration_since(Instant::now());
        let mut byte = [0u8; 1];
        let peek = async {
            self.stream
                .peek(&mut byte)
                .await
                .map(|_| true)
                .map_err(io::Error::from)
        };
        let timer = async {
            Timer::new(wait).await;
            Ok(false)
        };
        peek.or(timer).await
    }

    /// Half-closes, then reads and discards for a short while so the last response
    /// survives: unread request bytes would otherwise turn our FIN into an RST that
    /// destroys it (robustness C4, nginx's lingering close).
    pub async fn linger(&mut self, time: Duration, bytes: usize) {
        if self.stream.shutdown(Shutdown::Write).await.is_err() {
            return;
        }
        let deadline = Instant::now() + time;
        let mut sink = BytesMut::new();
        let mut drained = 0;
        while drained < bytes {
            sink.clear();
            match self.read_before(&mut sink, deadline, 4096).await {
                Ok(Some(n)) if n > 0 => drained += n,
                _ => return,
            }
        }
    }
}
