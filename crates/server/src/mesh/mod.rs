//! Cross-shard messaging: [`submit_to`] runs a closure on another shard, and a [`Bus`]
//! broadcasts typed messages to every shard's [`Subscription`]s.
//!
//! # How it works
//! When a server launches, it makes its mesh: one inbox per shard (`inbox`), a bounded
//! lock-free queue (crossbeam's `ArrayQueue`) of jobs any thread may push, each a boxed
//! `Send` closure that the owning shard runs. Every shard runs one inbox task (`member`)
//! that pops and runs the jobs in order, in batches, then leaves its waker in an
//! `AtomicWaker`; a sender pushes and wakes it. There is no lock on that path.
//!
//! - `submit_to` sends a job that spawns the closure's future on the target shard and
//!   answers on a oneshot channel.
//! - `Bus::publish` sends each other shard a job that hands the message to that shard's
//!   hub (`hub`): the bus's last `capacity` messages there, read by that shard's
//!   subscribers at their own pace. Shard-local state, `Rc`/`RefCell`, no atomics.
//!
//! # How a sleeping shard learns of a message
//! The waker the sender calls belongs to a task of another thread; glommio queues such a
//! wake for that executor and, if it sleeps, writes its notifier's eventfd, which ends its
//! sleep at once. A shard that is not asleep in glommio but waiting in its own ring (see
//! the crate docs, "How an idle shard sleeps and wakes") runs the wake at its next
//! heartbeat, 1 ms at most; a busy shard runs it on its next pass through glommio.
//!
//! # Back-pressure and memory
//! An inbox holds 1,024 jobs: a sender that finds it full waits (`publish`, `submit_to`)
//! or is told (`try_publish`). A hub holds `capacity` messages: a subscriber that falls
//! further behind loses the oldest and is told how many ([`Lagged`]). Nothing grows
//! without bound.
//!
//! # Shutdown
//! A shard closes its inbox once its executor has ended (`member::Leave`): later sends
//! fail at once, senders waiting for room are released, jobs still queued are dropped,
//! and the reply channels of work it was still running are dropped, so every `submit_to`
//! waiting on it returns [`MeshError::Stopped`]. Publishers skip a stopped shard.

mod bus;
mod error;
mod hub;
mod inbox;
mod member;
mod registry;
mod submit;
mod subscription;

pub use bus::Bus;
pub use error::MeshError;
pub(crate) use member::Member;
pub(crate) use registry::Mesh;
pub use submit::submit_to;
pub use subscription::{Lagged, Subscription};
