//! What can go wrong when talking to another shard: [`MeshError`].

/// Why a [`submit_to`](crate::submit_to) or a [`Bus`](crate::Bus) call failed.
///
/// # Examples
///
/// ```
/// use typhoon_server::MeshError;
///
/// let err = MeshError::NoSuchShard { shard: 7, shards: 2 };
/// assert_eq!(err.to_string(), "no shard 7: the server runs 2 shards");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MeshError {
    /// Called off the shards (from `main` or a blocking-pool thread): cross-shard
    /// messaging is for code that runs on a server's shard, such as a handler.
    #[error("not on a shard: cross-shard messaging runs on a server's shards")]
    NotOnShard,
    /// The shard id is not `0..shards`.
    #[error("no shard {shard}: the server runs {shards} shards")]
    NoSuchShard {
        /// The id asked for.
        shard: usize,
        /// How many shards the server runs.
        shards: usize,
    },
    /// The target shard stopped before it ran the work, or while it ran it.
    #[error("shard {shard} has stopped")]
    Stopped {
        /// The shard that stopped.
        shard: usize,
    },
    /// The submitted closure or its future panicked on the target shard (which keeps
    /// serving).
    #[error("the work submitted to shard {shard} panicked: {message}")]
    Panicked {
        /// The shard the work ran on.
        shard: usize,
        /// The panic's message, when it was a string.
        message: String,
    },
    /// [`Bus::try_publish`](crate::Bus::try_publish): these shards' inboxes were full and
    /// did not get the message (every other shard did).
    #[error("the inboxes of shards {shards:?} were full; they did not get the message")]
    Full {
        /// The shards that missed the message.
        shards: Vec<usize>,
    },
}
