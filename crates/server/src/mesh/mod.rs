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
//! The waker a sender calls belongs to a task of another thread. The tasks that such
//! wakes reach (the inbox task, a `submit_to` waiting for its answer, a sender waiting
//! for room) are wrapped in `afar::from_afar`, so the wake goes to the receiving shard's
//! mailbox (`mailbox`): a busy shard runs it at its next ring turn, and a sleeping one, in
//! its ring or in glommio, is rung awake by the mailbox's eventfd. A shard that has just
//! had mail keeps turning for 50 µs before it sleeps, since more tends to follow (see
//! `ring::MAIL_SPIN`). `benches/mesh.rs` measures it: a `submit_to` round trip back to
//! back 0.7 µs, 1 ms apart about 50 µs (where glommio's own path for these wakes waited for
//! the ring's 1 ms heartbeat).
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
