//! A shard's own side of the mesh: it runs what arrives in its inbox, keeps the replies it
//! owes other shards and the hubs of its bus subscribers, and closes its inbox at the end.

use std::any::Any;
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::{Rc, Weak};
use std::sync::Arc;

use futures_channel::oneshot;
use futures_lite::FutureExt;
use slab::Slab;

use super::hub::Hub;
use super::inbox::Job;
use super::registry::Mesh;
use crate::launch::panic_text;

/// What a submitted closure came to: its value, or its panic's message.
pub(crate) type Outcome<R> = Result<R, String>;

/// One shard's membership of its server's mesh. Shard-local (`Rc`): the shard's context
/// holds it, so code on the shard reaches the mesh through
/// [`with_current`](crate::context::with_current).
pub(crate) struct Member {
    id: usize,
    mesh: Arc<Mesh>,
    /// The reply channels of work submitted to this shard and still running. They live
    /// here rather than in the work's task so that `leave` can drop them whatever becomes
    /// of the task: its submitter then learns the shard stopped instead of waiting forever.
    replies: RefCell<Slab<Box<dyn Any>>>,
    /// Each bus's hub on this shard, while it has subscribers (`Hub<T>` behind `dyn Any`).
    hubs: RefCell<HashMap<u64, Weak<dyn Any>>>,
}

/// Closes the shard's inbox when dropped: `shard::run` holds it for the thread's life as a
/// shard, so this happens after its executor ended, however it ended.
pub(crate) struct Leave(Rc<Member>);

impl Member {
    /// Joins shard `id` to `mesh`; the shard leaves when the returned guard drops. A shard
    /// restarted after dying (`supervise`) rejoins: its inbox, closed when the dead one left,
    /// takes sends again.
    pub fn join(mesh: Arc<Mesh>, id: usize) -> (Rc<Self>, Leave) {
        if let Some(inbox) = mesh.inbox(id) {
            inbox.reopen();
        }
        let member = Rc::new(Self {
            id,
            mesh,
            replies: RefCell::new(Slab::new()),
            hubs: RefCell::new(HashMap::new()),
        });
        (member.clone(), Leave(member))
    }

    /// This shard's id.
    pub fn id(&self) -> usize {
        self.id
    }

    /// The server's mesh.
    pub fn mesh(&self) -> &Mesh {
        &self.mesh
    }

    /// Runs the jobs other shards send to this one until the shard's executor ends: the
    /// shard's inbox task. A job that panics is logged; the next one still runs.
    pub async fn serve(self: Rc<Self>) {
        let Some(inbox) = self.mesh.inbox(self.id) else {
            return;
        };
        inbox
            .serve(|job: Job| {
                if let Err(panic) = catch_unwind(AssertUnwindSafe(|| job(&self))) {
                    log::error!(
                        "shard {}: a cross-shard message panicked: {}",
                        self.id,
                        panic_text(panic.as_ref())
                    );
                }
            })
            .await;
    }

    /// Spawns `f`'s future on this shard and sends its outcome on `reply`.
    pub fn run_submitted<F, Fut, R>(self: &Rc<Self>, f: F, reply: oneshot::Sender<Outcome<R>>)
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = R> + 'static,
        R: Send + 'static,
    {
        let key = self.replies.borrow_mut().insert(Box::new(reply));
        let member = self.clone();
        crate::task::spawn(async move {
            let outcome = match catch_unwind(AssertUnwindSafe(f)) {
                Ok(future) => AssertUnwindSafe(future).catch_unwind().await,
                Err(panic) => Err(panic),
            }
            .map_err(|panic| panic_text(panic.as_ref()).to_owned());
            let reply = member.replies.borrow_mut().try_remove(key);
            if let Some(Ok(reply)) = reply.map(|r| r.downcast::<oneshot::Sender<Outcome<R>>>()) {
                // The submitter may have stopped waiting; then nobody wants the value.
                let _ = reply.send(outcome);
            }
        })
        .detach();
    }

    /// This shard's hub for bus `bus`, made (with room for `capacity` messages) if no
    /// subscriber on this shard holds it.
    pub fn hub<T: Clone + 'static>(&self, bus: u64, capacity: usize) -> Rc<Hub<T>> {
        let mut hubs = self.hubs.borrow_mut();
        if let Some(hub) = hubs.get(&bus).and_then(Weak::upgrade) {
            if let Ok(hub) = hub.downcast::<Hub<T>>() {
                return hub;
            }
        }
        // Forget the hubs whose subscribers have all gone, so they do not accumulate.
        hubs.retain(|_, hub| hub.strong_count() > 0);
        let hub = Rc::new(Hub::<T>::new(capacity));
        let any: Rc<dyn Any> = hub.clone();
        hubs.insert(bus, Rc::downgrade(&any));
        hub
    }

    /// Hands `message` to this shard's subscribers of bus `bus`; dropped if it has none.
    pub fn deliver<T: Clone + 'static>(&self, bus: u64, message: T) {
        let hub = self.hubs.borrow().get(&bus).and_then(Weak::upgrade);
        if let Some(Ok(hub)) = hub.map(|h| h.downcast::<Hub<T>>()) {
            hub.push(message);
        }
    }
}

impl Drop for Leave {
    fn drop(&mut self) {
        let member = &self.0;
        if let Some(inbox) = member.mesh.inbox(member.id) {
            inbox.close();
        }
        // Dropping the reply channels tells every submitter still waiting that this shard
        // stopped. Taken out first: nothing may borrow the slab while they drop.
        let replies = std::mem::take(&mut *member.replies.borrow_mut());
        drop(replies);
        member.hubs.borrow_mut().clear();
    }
}

impl fmt::Debug for Member {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Member")
            .field("id", &self.id)
            .field("shards", &self.mesh.shards())
            .finish_non_exhaustive()
    }
}

/// The calling shard's membership, `None` off the shards.
pub(crate) fn current() -> Option<Rc<Member>> {
    crate::context::with_current(|c| c.map(|c| c.mesh.clone()))
}
