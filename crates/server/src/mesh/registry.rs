//! The per-server registry of shard inboxes, made when the server launches.

use std::fmt;

use super::inbox::{Inbox, CAPACITY};

/// One inbox per shard of a server, shared by all its shard threads (`Arc`).
pub(crate) struct Mesh {
    inboxes: Box<[Inbox]>,
}

impl Mesh {
    /// A mesh for a server of `shards` shards.
    pub fn new(shards: usize) -> Self {
        Self {
            inboxes: (0..shards).map(|_| Inbox::new(CAPACITY)).collect(),
        }
    }

    /// How many shards the server runs.
    pub fn shards(&self) -> usize {
        self.inboxes.len()
    }

    /// Shard `shard`'s inbox, `None` when there is no such shard.
    pub fn inbox(&self, shard: usize) -> Option<&Inbox> {
        self.inboxes.get(shard)
    }
}

impl fmt::Debug for Mesh {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mesh")
            .field("shards", &self.shards())
            .finish_non_exhaustive()
    }
}
