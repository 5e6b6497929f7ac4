//! Which shard the calling thread runs: [`shard_id`], [`num_shards`], [`current_shard`],
//! and (inside the crate) the server that shard belongs to.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use crate::handle::Shared;
use crate::ioloop::BlockingPool;
use crate::mesh::Member;
use crate::service::ShardInfo;

thread_local! {
    static CURRENT: RefCell<Option<ShardContext>> = const { RefCell::new(None) };
}

/// What a shard thread knows about itself, set for the life of its executor.
#[derive(Clone, Debug)]
pub(crate) struct ShardContext {
    pub info: ShardInfo,
    /// The server this shard serves: `IoLoop::stop` from a handler stops it.
    pub shared: Arc<Shared>,
    /// This shard's side of the server's mesh: `submit_to` and `Bus` reach it here.
    pub mesh: Rc<Member>,
    /// This shard's threads for `IoLoop::run_in_executor`.
    pub pool: Rc<BlockingPool>,
}

/// Marks the calling thread as running `context`'s shard until the guard drops.
pub(crate) struct Entered(());

impl Entered {
    pub fn new(context: ShardContext) -> Self {
        CURRENT.with(|c| *c.borrow_mut() = Some(context));
        Entered(())
    }
}

impl Drop for Entered {
    fn drop(&mut self) {
        // `try_with`: the guard may drop while the thread's locals are being torn down.
        let _ = CURRENT.try_with(|c| c.borrow_mut().take());
    }
}

/// Runs `f` with the calling thread's shard, `None` off the shards.
pub(crate) fn with_current<R>(f: impl FnOnce(Option<&ShardContext>) -> R) -> R {
    CURRENT.with(|c| f(c.borrow().as_ref()))
}

/// The shard the calling thread runs (its id, the server's number of shards, its CPU), or
/// `None` on a thread that is not a shard (`main`, a blocking-pool thread).
///
/// # Examples
///
/// ```
/// // Off the shards there is none; a handler always runs on one.
/// assert!(typhoon_server::current_shard().is_none());
/// ```
pub fn current_shard() -> Option<ShardInfo> {
    with_current(|c| c.map(|c| c.info))
}

/// The calling shard's id, `0..num_shards()`: Tornado's `process.task_id()` for the
/// thread-per-core model. `None` off the shards.
///
/// # Examples
///
/// ```
/// assert_eq!(typhoon_server::shard_id(), None);
/// ```
pub fn shard_id() -> Option<usize> {
    current_shard().map(|s| s.id)
}

/// How many shards the calling shard's server runs; `None` off the shards.
///
/// # Examples
///
/// ```
/// assert_eq!(typhoon_server::num_shards(), None);
/// ```
pub fn num_shards() -> Option<usize> {
    current_shard().map(|s| s.shards)
}
