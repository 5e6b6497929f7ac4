//! [`Upgraded`]: a connection handed over after `101 Switching Protocols`.

use std::future::Future;
use std::io;
use std::rc::Rc;
use std::time::Instant;

use bytes::BytesMut;

use crate::io::Conn;
use crate::service::ConnInfo;
use crate::sock::SockReader;
use crate::state::ShardState;

/// A connection after [`Responder::upgrade`](crate::Responder::upgrade): raw bytes both
/// ways, on the shard and in the task that upgraded it. What the client sent after the
/// request's head (a client may send its first frames without waiting for the 101) is
/// read first.
///
/// The connection serves no more HTTP: when the `Upgraded` is dropped, the connection
/// half-closes, drains what the client still sends for a moment, and closes.
///
/// # Examples
///
/// An echo protocol behind `Upgrade: echo`:
///
/// ```
/// use std::time::Duration;
/// use bytes::BytesMut;
/// use typhoon_http1::Request;
/// use typhoon_server::{Responder, Service};
///
/// struct Echo;
/// impl Service for Echo {
///     async fn call(&self, _req: Request, out: Responder) {
///         let Ok(mut conn) = out.upgrade([("Upgrade", "echo"), ("Connection", "Upgrade")]).await else {
///             return; // the client went away
///         };
///         let mut buf = BytesMut::new();
///         loop {
///             let deadline = conn.now() + Duration::from_secs(60);
///             match conn.read_before(&mut buf, deadline).await {
///                 Ok(Some(n)) if n > 0 => {
///                     if conn.write_all(&buf).await.is_err() {
///                         return;
///                     }
///                     buf.clear();
///                 }
///                 _ => return, // closed, failed or idle for a minute
///             }
///         }
///     }
/// }
/// ```
pub struct Upgraded {
    reader: UpgradedReader,
    writer: UpgradedWriter,
}

impl Upgraded {
    pub(crate) fn new(
        conn: Rc<Conn>,
        state: Rc<ShardState>,
        reader: SockReader,
        early: BytesMut,
    ) -> Self {
        // An idle session holds no buffer: an empty read buffer goes back to the shard's
        // pool now, the write buffer after each write (`UpgradedWriter::write_all`).
        let early = if early.is_empty() {
            state.buffers.put(early);
            BytesMut::new()
        } else {
            early
        };
        let session = Rc::new(Session(conn));
        Self {
            reader: UpgradedReader {
                reader,
                early,
                _session: session.clone(),
            },
            writer: UpgradedWriter { session, state },
        }
    }

    /// The connection's addresses and shard.
    pub fn info(&self) -> &ConnInfo {
        self.writer.info()
    }

    /// The shard's clock at the start of its current turn (free to call).
    pub fn now(&self) -> Instant {
        self.reader.now()
    }

    /// See [`UpgradedReader::read_before`].
    ///
    /// # Errors
    ///
    /// The connection failed (reset) or is closed.
    pub async fn read_before(
        &mut self,
        buf: &mut BytesMut,
        deadline: Instant,
    ) -> io::Result<Option<usize>> {
        self.reader.read_before(buf, deadline).await
    }

    /// See [`UpgradedWriter::write_all`].
    ///
    /// # Errors
    ///
    /// The client closed the connection or stopped reading for the write timeout.
    pub async fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        self.writer.write_all(data).await
    }

    /// See [`UpgradedWriter::stopping`].
    pub fn stopping(&self) -> impl Future<Output = ()> + 'static {
        self.writer.stopping()
    }

    /// See [`UpgradedWriter::closed`].
    pub fn closed(&self) -> impl Future<Output = ()> + 'static {
        self.writer.closed()
    }

    /// Splits the session so that one task may read while others write (a WebSocket's
    /// reader and the tasks that send it messages). The connection closes once both
    /// halves are dropped.
    pub fn into_split(self) -> (UpgradedReader, UpgradedWriter) {
        (self.reader, self.writer)
    }
}

/// The reading half of an [`Upgraded`] connection.
pub struct UpgradedReader {
    reader: SockReader,
    /// Bytes received with or after the request's head, not yet handed out.
    early: BytesMut,
    _session: Rc<Session>,
}

impl UpgradedReader {
    /// The shard's clock at the start of its current turn (free to call).
    pub fn now(&self) -> Instant {
        self.reader.now()
    }

    /// Appends what the client sent to `buf`, waiting for some until `deadline`.
    /// `Ok(Some(0))`: the client closed its side; `Ok(None)`: the deadline passed first.
    /// Cancel-safe: dropping the future loses no bytes.
    ///
    /// # Errors
    ///
    /// The connection failed (reset) or is closed.
    pub async fn read_before(
        &mut self,
        buf: &mut BytesMut,
        deadline: Instant,
    ) -> io::Result<Option<usize>> {
        if !self.early.is_empty() {
            let early = std::mem::take(&mut self.early);
            buf.extend_from_slice(&early);
            return Ok(Some(early.len()));
        }
        if !self.reader.readable_before(deadline).await? {
            return Ok(None);
        }
        self.reader.read_ready(buf).map(Some)
    }
}

/// The writing half of an [`Upgraded`] connection.
pub struct UpgradedWriter {
    session: Rc<Session>,
    state: Rc<ShardState>,
}

impl UpgradedWriter {
    /// The connection's addresses and shard.
    pub fn info(&self) -> &ConnInfo {
        &self.session.0.info
    }

    /// Writes `data` to the client, waiting while it does not read (up to the server's
    /// write timeout).
    ///
    /// # Errors
    ///
    /// The client closed the connection or stopped reading for the write timeout.
    // The borrow is held across the write on purpose: the connection's driver waits for
    // the session and touches nothing meanwhile (see `ConnIo`), the reading half reads
    // without it, and `&mut self` keeps this half's writes one at a time.
    #[allow(clippy::await_holding_refcell_ref)]
    pub async fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        let mut io = self.session.0.io.borrow_mut();
        if io.wbuf.capacity() == 0 {
            io.wbuf = self.state.buffers.take();
        }
        io.wbuf.extend_from_slice(data);
        let written = io.flush().await;
        if io.wbuf.is_empty() {
            self.state.buffers.put(std::mem::take(&mut io.wbuf));
        }
        written
    }

    /// Resolves once the server begins to stop (`stop()`, SIGTERM): the session should
    /// say goodbye in its protocol (WebSocket's close 1001) and end, before the server's
    /// shutdown timeout closes the connection under it.
    pub fn stopping(&self) -> impl Future<Output = ()> + 'static {
        let state = self.state.clone();
        async move { state.until_stopping().await }
    }

    /// Resolves when the client goes away, for a session that is not reading (a reader
    /// learns it from [`UpgradedReader::read_before`]).
    pub fn closed(&self) -> impl Future<Output = ()> + 'static {
        self.session.0.closed()
    }
}

/// The upgraded session, alive while either half is: the connection waits for it.
struct Session(Rc<Conn>);

impl Drop for Session {
    fn drop(&mut self) {
        // The session is over: the connection's driver closes it.
        self.0.answered();
    }
}
