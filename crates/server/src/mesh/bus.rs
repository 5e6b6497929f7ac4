//! [`Bus`]: a typed broadcast bus between the shards of a server.

use std::fmt;
use std::marker::PhantomData;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::inbox::{Job, TrySendError};
use super::member::{current, Member};
use super::{MeshError, Subscription};

/// Bus ids: each `Bus::new` takes the next, so every shard finds the bus's hub by id.
static NEXT_BUS: AtomicU64 = AtomicU64::new(0);

/// A typed broadcast bus: a message published on any shard reaches the subscribers of
/// every shard of the server, each publisher's messages in the order it published them.
///
/// Make it once (in `main`, before `start`) and clone it into every shard's service: a
/// `Bus` is a small `Send + Sync` handle, and its clones are the same bus. It spans the
/// shards of the server it is used on; [`subscribe`](Self::subscribe) on a shard gives a
/// [`Subscription`] read on that shard.
///
/// Delivery goes through each shard's inbox (the mesh's bounded lock-free queue, which
/// also carries [`submit_to`](crate::submit_to)); the publishing shard's own subscribers
/// get the message at once. A shard keeps only the bus's last `capacity` messages for its
/// subscribers. Memory is bounded on both sides; the back-pressure rule:
///
/// - [`publish`](Self::publish) waits while a target shard's inbox is full (1,024
///   messages and submitted closures not yet run), so a fast publisher runs at the pace of
///   the slowest shard; a shard that has stopped is skipped, never waited for.
/// - [`try_publish`](Self::try_publish) never waits: shards whose inbox is full miss the
///   message, and it says which.
/// - A subscriber that falls more than `capacity` messages behind loses the oldest and
///   is told how many ([`Lagged`](crate::Lagged)): a slow reader never slows the
///   publishers or the other readers.
///
/// A message published while a shard has no subscriber is dropped there.
///
/// # Examples
///
/// ```no_run
/// use typhoon_server::{Bus, Factory, HttpServer, IoLoop, Responder, Response, Service, ShardInfo};
///
/// struct Chat {
///     bus: Bus<String>,
/// }
///
/// impl Service for Chat {
///     async fn call(&self, req: typhoon_http1::Request, out: Responder) {
///         if req.path() == "/post" {
///             let text = String::from_utf8_lossy(req.body()).into_owned();
///             let _ = self.bus.publish(text).await;
///             out.send(Response::new(200, "posted"));
///         } else {
///             // Waits for the next message posted on any shard.
///             let Ok(mut sub) = self.bus.subscribe() else { return };
///             let next = sub.recv().await.unwrap_or_default();
///             out.send(Response::new(200, next));
///         }
///     }
/// }
///
/// fn main() -> typhoon_server::Result<()> {
///     let bus = Bus::new();
///     let mut server = HttpServer::new(Factory(move |_: &ShardInfo| Chat { bus: bus.clone() }));
///     server.bind(8888)?;
///     server.start(None)?;
///     IoLoop::current().start()
/// }
/// ```
pub struct Bus<T> {
    id: u64,
    capacity: usize,
    _messages: PhantomData<fn(T) -> T>,
}

impl<T: Send + Clone + 'static> Bus<T> {
    /// The messages each shard keeps for its subscribers, unless told otherwise.
    ///
    /// # Examples
    ///
    /// ```
    /// use typhoon_server::Bus;
    /// assert_eq!(Bus::<u64>::new().capacity(), Bus::<u64>::DEFAULT_CAPACITY);
    /// ```
    pub const DEFAULT_CAPACITY: usize = 1024;

    /// A new bus, each shard keeping its last [`DEFAULT_CAPACITY`](Self::DEFAULT_CAPACITY)
    /// messages.
    ///
    /// # Examples
    ///
    /// ```
    /// let bus: typhoon_server::Bus<String> = typhoon_server::Bus::new();
    /// assert_eq!(bus.capacity(), 1024);
    /// ```
    pub fn new() -> Self {
        Self::with_capacity(Self::DEFAULT_CAPACITY)
    }

    /// A new bus, each shard keeping its last `capacity` messages (at least 1) for its
    /// subscribers.
    ///
    /// # Examples
    ///
    /// ```
    /// let bus = typhoon_server::Bus::<u64>::with_capacity(16);
    /// assert_eq!(bus.capacity(), 16);
    /// ```
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            id: NEXT_BUS.fetch_add(1, Ordering::Relaxed),
            capacity: capacity.max(1),
            _messages: PhantomData,
        }
    }

    /// How many messages each shard keeps for its subscribers.
    ///
    /// # Examples
    ///
    /// ```
    /// let bus = typhoon_server::Bus::<u64>::with_capacity(0);
    /// assert_eq!(bus.capacity(), 1, "a shard always keeps the latest message");
    /// ```
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Subscribes on the calling shard: the subscription gets every message published
    /// from now on, from any shard.
    ///
    /// # Errors
    ///
    /// [`MeshError::NotOnShard`] off the shards.
    ///
    /// # Examples
    ///
    /// ```
    /// // Off the shards there is nothing to subscribe to.
    /// let bus = typhoon_server::Bus::<u64>::new();
    /// assert_eq!(bus.subscribe().unwrap_err(), typhoon_server::MeshError::NotOnShard);
    /// ```
    pub fn subscribe(&self) -> Result<Subscription<T>, MeshError> {
        let member = current().ok_or(MeshError::NotOnShard)?;
        Ok(Subscription::new(member.hub(self.id, self.capacity)))
    }

    /// Publishes `message` to the subscribers of every shard, waiting while a shard's
    /// inbox is full; a stopped shard is skipped. Returns once every running shard has it
    /// queued (this shard's subscribers have it already). If the future is dropped before
    /// then, shards not reached yet miss the message.
    ///
    /// # Errors
    ///
    /// [`MeshError::NotOnShard`] off the shards.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn handler(bus: typhoon_server::Bus<String>) -> Result<(), typhoon_server::MeshError> {
    /// bus.publish("hello, every shard".to_owned()).await?;
    /// # Ok(()) }
    /// ```
    pub async fn publish(&self, message: T) -> Result<(), MeshError> {
        let member = current().ok_or(MeshError::NotOnShard)?;
        member.deliver(self.id, message.clone());
        for (_, inbox) in others(&member) {
            // Err: that shard stopped, and nobody there will read the message.
            let _ = inbox.send(self.delivery(message.clone())).await;
        }
        Ok(())
    }

    /// Publishes `message` without waiting: every shard whose inbox has room gets it.
    ///
    /// # Errors
    ///
    /// [`MeshError::NotOnShard`] off the shards; [`MeshError::Full`] with the shards whose
    /// inbox was full (they missed this message; the others have it).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # fn handler(bus: typhoon_server::Bus<u64>) {
    /// if let Err(typhoon_server::MeshError::Full { shards }) = bus.try_publish(42) {
    ///     log::warn!("shards {shards:?} are behind; they missed 42");
    /// }
    /// # }
    /// ```
    pub fn try_publish(&self, message: T) -> Result<(), MeshError> {
        let member = current().ok_or(MeshError::NotOnShard)?;
        member.deliver(self.id, message.clone());
        let mut full = Vec::new();
        for (shard, inbox) in others(&member) {
            if let Err(TrySendError::Full(_)) = inbox.try_send(self.delivery(message.clone())) {
                full.push(shard);
            }
        }
        if full.is_empty() {
            Ok(())
        } else {
            Err(MeshError::Full { shards: full })
        }
    }

    /// The job that hands `message` to a shard's subscribers.
    fn delivery(&self, message: T) -> Job {
        let bus = self.id;
        Box::new(move |member: &Rc<Member>| member.deliver(bus, message))
    }
}

/// The inboxes of the shards other than `member`'s, with their ids.
fn others(member: &Member) -> impl Iterator<Item = (usize, &super::inbox::Inbox)> {
    let me = member.id();
    (0..member.mesh().shards())
        .filter(move |&shard| shard != me)
        .filter_map(|shard| Some((shard, member.mesh().inbox(shard)?)))
}

impl<T: Send + Clone + 'static> Default for Bus<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Clone for Bus<T> {
    fn clone(&self) -> Self {
        Self {
            id: self.id,
            capacity: self.capacity,
            _messages: PhantomData,
        }
    }
}

impl<T> fmt::Debug for Bus<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bus")
            .field("id", &self.id)
            .field("capacity", &self.capacity)
            .finish()
    }
}
