//! `queue_methods!`: the one API of `Queue`, `PriorityQueue` and `LifoQueue`, written once.
//!
//! The three are distinct types, as in Tornado, but share every method (Tornado's
//! subclasses only change storage). A generic `Queue<T, Order>` would not do: Rust cannot
//! infer a default type parameter in `Queue::new(0)`. So each public type wraps a
//! [`Base`](super::base::Base) and this macro writes its delegating methods and their
//! doctests, naming the type, as `core` does for its integer types.

macro_rules! queue_methods {
    ($Queue:ident $(, $bound:path)?) => {
        impl<T $(: $bound)?> $Queue<T> {
            #[doc = concat!("A `", stringify!($Queue), "` of at most `maxsize` items; `0` means no limit (Tornado's `maxsize=0`).")]
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("use typhoon_server::queues::", stringify!($Queue), ";")]
            ///
            #[doc = concat!("let q: ", stringify!($Queue), "<u32> = ", stringify!($Queue), "::new(2);")]
            /// assert_eq!(q.maxsize(), 2);
            /// ```
            pub fn new(maxsize: usize) -> Self {
                Self {
                    base: Base::new(maxsize),
                }
            }

            /// The most items the queue holds; `0` for no limit.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let q: typhoon_server::queues::", stringify!($Queue), "<u32> = Default::default();")]
            /// assert_eq!(q.maxsize(), 0);
            /// ```
            pub fn maxsize(&self) -> usize {
                self.base.maxsize()
            }

            /// The number of items in the queue (not counting putters waiting to add theirs).
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let q = typhoon_server::queues::", stringify!($Queue), "::new(0);")]
            /// q.put_nowait(1).unwrap();
            /// assert_eq!(q.qsize(), 1);
            /// ```
            pub fn qsize(&self) -> usize {
                self.base.qsize()
            }

            /// True if the queue holds no items.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let q = typhoon_server::queues::", stringify!($Queue), "::new(0);")]
            /// assert!(q.empty());
            /// q.put_nowait(1).unwrap();
            /// assert!(!q.empty());
            /// ```
            pub fn empty(&self) -> bool {
                self.base.qsize() == 0
            }

            /// True if the queue holds `maxsize` items; never for an unbounded queue.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let q = typhoon_server::queues::", stringify!($Queue), "::new(1);")]
            /// q.put_nowait(1).unwrap();
            /// assert!(q.full());
            /// ```
            pub fn full(&self) -> bool {
                self.base.full()
            }

            /// Puts `item` in the queue, waiting in line while it is full. The item goes
            /// straight to the oldest waiting getter if there is one. Dropping the future
            /// while it waits takes the item away with it.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let q = typhoon_server::queues::", stringify!($Queue), "::new(1);")]
            /// futures_lite::future::block_on(q.put(7));
            /// assert_eq!(q.get_nowait(), Ok(7));
            /// ```
            pub fn put(&self, item: T) -> impl std::future::Future<Output = ()> + '_ {
                self.base.put(item)
            }

            /// [`put`](Self::put) until `timeout`, a `Duration` from now or an `Instant`
            /// (Tornado's `put(item, timeout)`). Must run on a glommio executor, as a
            /// shard's tasks do (it uses its timers).
            ///
            /// # Errors
            ///
            /// [`PutTimeout`] carrying `item` back if no slot freed in time; the item never
            /// entered the queue.
            ///
            /// # Examples
            ///
            /// ```
            /// use std::time::Duration;
            /// use typhoon_server::queues::PutTimeout;
            ///
            /// # glommio::LocalExecutorBuilder::new(glommio::Placement::Unbound)
            /// #     .io_memory(64 << 10).make().unwrap().run(async {
            #[doc = concat!("let q = typhoon_server::queues::", stringify!($Queue), "::new(1);")]
            /// q.put(1).await;
            /// let Err(PutTimeout(item)) = q.put_timeout(2, Duration::from_millis(10)).await else {
            ///     panic!("a full queue took an item")
            /// };
            /// assert_eq!(item, 2);
            /// # });
            /// ```
            pub async fn put_timeout(
                &self,
                item: T,
                timeout: impl Into<Deadline>,
            ) -> Result<(), PutTimeout<T>> {
                self.base.put_timeout(item, timeout.into()).await
            }

            /// Puts `item` in the queue without waiting.
            ///
            /// # Errors
            ///
            /// [`QueueFull`] with the item if the queue is full.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let q = typhoon_server::queues::", stringify!($Queue), "::new(1);")]
            /// q.put_nowait(1).unwrap();
            /// assert_eq!(q.put_nowait(2).unwrap_err().0, 2);
            /// ```
            pub fn put_nowait(&self, item: T) -> Result<(), QueueFull<T>> {
                self.base.put_nowait(item)
            }

            /// Takes the next item, waiting in line while the queue is empty. Getters are
            /// served oldest first; one dropped after an item was handed to it gives the
            /// item back (to the next getter, or to the front of the queue).
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let q = typhoon_server::queues::", stringify!($Queue), "::new(0);")]
            /// q.put_nowait("job").unwrap();
            /// assert_eq!(futures_lite::future::block_on(q.get()), "job");
            /// ```
            pub fn get(&self) -> impl std::future::Future<Output = T> + '_ {
                self.base.get()
            }

            /// [`get`](Self::get) until `timeout`, a `Duration` from now or an `Instant`
            /// (Tornado's `get(timeout)`). Must run on a glommio executor, as a shard's
            /// tasks do.
            ///
            /// # Errors
            ///
            /// [`TimeoutError`] if no item came in time; no item is taken.
            ///
            /// # Examples
            ///
            /// ```
            /// use std::time::Duration;
            ///
            /// # glommio::LocalExecutorBuilder::new(glommio::Placement::Unbound)
            /// #     .io_memory(64 << 10).make().unwrap().run(async {
            #[doc = concat!("let q = typhoon_server::queues::", stringify!($Queue), "::<u32>::new(0);")]
            /// assert!(q.get_timeout(Duration::from_millis(10)).await.is_err());
            /// # });
            /// ```
            pub async fn get_timeout(&self, timeout: impl Into<Deadline>) -> Result<T, TimeoutError> {
                self.base.get_timeout(timeout.into()).await
            }

            /// Takes the next item without waiting. If putters wait on a full queue, the
            /// oldest one's item goes in first, as in Tornado.
            ///
            /// # Errors
            ///
            /// [`QueueEmpty`] if there is none.
            ///
            /// # Examples
            ///
            /// ```
            /// use typhoon_server::queues::QueueEmpty;
            ///
            #[doc = concat!("let q = typhoon_server::queues::", stringify!($Queue), "::new(0);")]
            /// q.put_nowait(1).unwrap();
            /// assert_eq!(q.get_nowait(), Ok(1));
            /// assert_eq!(q.get_nowait(), Err(QueueEmpty));
            /// ```
            pub fn get_nowait(&self) -> Result<T, QueueEmpty> {
                self.base.get_nowait()
            }

            /// Marks one item taken from the queue as processed; when every item put has
            /// been, [`join`](Self::join) returns.
            ///
            /// # Errors
            ///
            /// [`TaskDoneError`] if called more times than items were put.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let q = typhoon_server::queues::", stringify!($Queue), "::new(0);")]
            /// q.put_nowait(1).unwrap();
            /// q.get_nowait().unwrap();
            /// assert!(q.task_done().is_ok());
            /// assert!(q.task_done().is_err());
            /// ```
            pub fn task_done(&self) -> Result<(), TaskDoneError> {
                self.base.task_done()
            }

            /// Waits until every item put has been marked [`task_done`](Self::task_done)
            /// (at once if none is unfinished).
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("let q = typhoon_server::queues::", stringify!($Queue), "::new(0);")]
            /// q.put_nowait(1).unwrap();
            /// q.get_nowait().unwrap();
            /// q.task_done().unwrap();
            /// futures_lite::future::block_on(q.join());
            /// ```
            pub fn join(&self) -> impl std::future::Future<Output = ()> + '_ {
                self.base.join()
            }

            /// [`join`](Self::join) until `timeout`, a `Duration` from now or an `Instant`
            /// (Tornado's `join(timeout)`). Must run on a glommio executor, as a shard's
            /// tasks do.
            ///
            /// # Errors
            ///
            /// [`TimeoutError`] if items were still unfinished.
            ///
            /// # Examples
            ///
            /// ```
            /// use std::time::Duration;
            ///
            /// # glommio::LocalExecutorBuilder::new(glommio::Placement::Unbound)
            /// #     .io_memory(64 << 10).make().unwrap().run(async {
            #[doc = concat!("let q = typhoon_server::queues::", stringify!($Queue), "::new(0);")]
            /// q.put_nowait(1).unwrap();
            /// assert!(q.join_timeout(Duration::from_millis(10)).await.is_err());
            /// # });
            /// ```
            pub async fn join_timeout(&self, timeout: impl Into<Deadline>) -> Result<(), TimeoutError> {
                self.base.join_timeout(timeout.into()).await
            }
        }

        impl<T $(: $bound)?> Default for $Queue<T> {
            /// An unbounded queue.
            fn default() -> Self {
                Self::new(0)
            }
        }

        impl<T $(: $bound)?> std::fmt::Debug for $Queue<T> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                let (getters, putters) = self.base.waiting();
                f.debug_struct(stringify!($Queue))
                    .field("maxsize", &self.base.maxsize())
                    .field("qsize", &self.base.qsize())
                    .field("getters", &getters)
                    .field("putters", &putters)
                    .finish()
            }
        }
    };
}

pub(crate) use queue_methods;
