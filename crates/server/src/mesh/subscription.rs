//! A shard's subscription to a [`Bus`](crate::Bus): [`Subscription`], and [`Lagged`] for a
//! subscriber that fell behind.

use std::fmt;
use std::future::poll_fn;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use futures_lite::Stream;

use super::hub::Hub;

/// The subscriber fell more than the bus's capacity behind and lost this many of the
/// oldest messages; the next `recv` returns the oldest one still kept.
///
/// # Examples
///
/// ```
/// let lagged = typhoon_server::Lagged(3);
/// assert_eq!(lagged.to_string(), "the subscriber fell behind and lost 3 messages");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the subscriber fell behind and lost {0} messages")]
pub struct Lagged(pub u64);

/// Receives a [`Bus`](crate::Bus)'s messages on the shard that subscribed: every message
/// published after [`Bus::subscribe`](crate::Bus::subscribe), from any shard, each
/// publisher's in the order it published them.
///
/// Shard-local (`!Send`): a subscription lives and is read on its shard. It reads at its
/// own pace from the shard's buffer of the bus's last `capacity` messages; one that falls
/// further behind gets [`Lagged`] once, then goes on from the oldest message kept. It is
/// also a [`Stream`] of the same items, which never ends while the shard runs.
///
/// # Examples
///
/// ```no_run
/// # async fn on_a_shard(bus: typhoon_server::Bus<String>) -> Result<(), typhoon_server::MeshError> {
/// let mut news = bus.subscribe()?;
/// loop {
///     match news.recv().await {
///         Ok(line) => println!("{line}"),
///         Err(lagged) => eprintln!("{lagged}"),
///     }
/// }
/// # }
/// ```
pub struct Subscription<T: Clone> {
    hub: Rc<Hub<T>>,
    key: usize,
    /// The number of the next message to read.
    cursor: u64,
}

impl<T: Clone> Subscription<T> {
    pub(crate) fn new(hub: Rc<Hub<T>>) -> Self {
        let (key, cursor) = hub.join();
        Self { hub, key, cursor }
    }

    /// The next message, waiting for one; [`Lagged`] if messages were lost since the last
    /// call.
    ///
    /// # Errors
    ///
    /// [`Lagged`] when the subscriber fell behind (then the next call goes on).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn on_a_shard(bus: typhoon_server::Bus<u64>) -> Result<(), typhoon_server::MeshError> {
    /// let mut numbers = bus.subscribe()?;
    /// if let Ok(n) = numbers.recv().await {
    ///     println!("got {n}");
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn recv(&mut self) -> Result<T, Lagged> {
        poll_fn(|cx| self.hub.poll_next(self.key, &mut self.cursor, Some(cx))).await
    }

    /// The next message if one is waiting, without waiting: `None` when there is none.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # fn on_a_shard(bus: typhoon_server::Bus<u64>) -> Result<(), typhoon_server::MeshError> {
    /// let mut numbers = bus.subscribe()?;
    /// while let Some(Ok(n)) = numbers.try_recv() {
    ///     println!("got {n}");
    /// }
    /// # Ok(()) }
    /// ```
    pub fn try_recv(&mut self) -> Option<Result<T, Lagged>> {
        match self.hub.poll_next(self.key, &mut self.cursor, None) {
            Poll::Ready(item) => Some(item),
            Poll::Pending => None,
        }
    }
}

impl<T: Clone> Stream for Subscription<T> {
    type Item = Result<T, Lagged>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        this.hub
            .poll_next(this.key, &mut this.cursor, Some(cx))
            .map(Some)
    }
}

impl<T: Clone> Drop for Subscription<T> {
    fn drop(&mut self) {
        self.hub.leave(self.key);
    }
}

impl<T: Clone> fmt::Debug for Subscription<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscription")
            .field("cursor", &self.cursor)
            .finish_non_exhaustive()
    }
}
