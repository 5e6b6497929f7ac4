//! Where formatted log lines go: shard threads batch them and a writer thread writes the
//! batches, so a slow terminal or disk never blocks a shard; other threads write at once.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// A shard's batch is handed to the writer once it holds this many bytes…
const BATCH_BYTES: usize = 32 * 1024;
/// …or once its oldest line is this old (checked at each record and whenever the shard
/// is about to wait for work, which calls [`log::Log::flush`]).
const BATCH_AGE: Duration = Duration::from_millis(100);
/// When the writer is this far behind, further batches are dropped (and counted) rather
/// than let a stuck terminal grow the process without bound.
const MAX_QUEUED_BYTES: usize = 16 * 1024 * 1024;

/// Lines formatted for each sink.
#[derive(Default)]
pub(crate) struct Batch {
    /// For stderr (coloured or not).
    pub stderr: Vec<u8>,
    /// For the log file.
    pub file: Vec<u8>,
    /// How many records.
    pub records: usize,
}

impl Batch {
    fn bytes(&self) -> usize {
        self.stderr.len() + self.file.len()
    }
}

/// Writes a batch to the sinks: the logger's job (it knows them).
pub(crate) type WriteOut = fn(&Batch, dropped: u64);

/// Batches handed over by shards, in order, waiting for the writer.
struct Queue {
    batches: VecDeque<Batch>,
    bytes: usize,
    /// Records dropped because the writer was behind, not yet reported.
    dropped: u64,
    /// The process whose writer thread serves this queue (a forked child needs its own).
    writer_pid: Option<u32>,
    /// What the writer writes with, for the exit handler.
    write_out: Option<WriteOut>,
}

struct Output {
    queue: Mutex<Queue>,
    queued: Condvar,
    /// Held while writing: keeps the order between the writer thread and threads that
    /// write their own lines, and makes a line written directly follow every batch
    /// handed over before it.
    writing: Mutex<()>,
}

static OUTPUT: Output = Output {
    queue: Mutex::new(Queue {
        batches: VecDeque::new(),
        bytes: 0,
        dropped: 0,
        writer_pid: None,
        write_out: None,
    }),
    queued: Condvar::new(),
    writing: Mutex::new(()),
};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// What a thread knows about itself and the lines it has not handed over yet.
struct Local {
    batch: Batch,
    /// When the oldest line of `batch` was formatted.
    since: Option<Instant>,
    write_out: Option<WriteOut>,
}

impl Drop for Local {
    // A shard thread that ends hands over what it still holds.
    fn drop(&mut self) {
        if let Some(write_out) = self.write_out {
            hand_over(std::mem::take(&mut self.batch), write_out);
        }
    }
}

thread_local! {
    /// `Some(id)` on a shard thread (named `typhoon-shard-<id>` by the server).
    static SHARD: Option<usize> = std::thread::current()
        .name()
        .and_then(|n| n.strip_prefix("typhoon-shard-"))
        .and_then(|id| id.parse().ok());
    static LOCAL: RefCell<Local> = RefCell::new(Local {
        batch: Batch::default(),
        since: None,
        write_out: None,
    });
}

/// The shard id of the calling thread, if it is a shard's.
pub(crate) fn shard_id() -> Option<usize> {
    SHARD.try_with(|id| *id).ok().flatten()
}

/// Adds a record to the calling thread's output: formatted by `format` into a batch; on
/// a shard thread kept until the batch is large or old (or `urgent`), elsewhere written
/// before this returns.
pub(crate) fn emit(format: impl FnOnce(&mut Batch), urgent: bool, write_out: WriteOut) {
    let mut format = Some(format);
    if shard_id().is_some() {
        // Busy only when formatting a record logged again (a `Display` that logs): that
        // one is written directly below.
        let held = LOCAL.try_with(|local| {
            let mut local = local.try_borrow_mut().ok()?;
            let format = format.take()?;
            local.write_out = Some(write_out);
            let now = Instant::now();
            let since = *local.since.get_or_insert(now);
            format(&mut local.batch);
            local.batch.records += 1;
            let due = urgent || local.batch.bytes() >= BATCH_BYTES || now - since >= BATCH_AGE;
            Some(due.then(|| {
                local.since = None;
                std::mem::take(&mut local.batch)
            }))
        });
        if let Ok(Some(full)) = held {
            if let Some(batch) = full {
                hand_over(batch, write_out);
            }
            return;
        }
    }
    let Some(format) = format else {
        return;
    };
    let mut batch = Batch::default();
    format(&mut batch);
    batch.records = 1;
    let _writing = lock(&OUTPUT.writing);
    drain(write_out);
    write_out(&batch, 0);
}

/// On a shard thread: hands the held lines to the writer. Elsewhere: writes every line
/// handed over so far before returning.
pub(crate) fn flush(write_out: WriteOut) {
    if shard_id().is_none() {
        let _writing = lock(&OUTPUT.writing);
        drain(write_out);
        return;
    }
    let shard = LOCAL.try_with(|local| {
        let mut local = local.borrow_mut();
        local.since = None;
        (local.batch.records > 0).then(|| std::mem::take(&mut local.batch))
    });
    if let Ok(Some(batch)) = shard {
        hand_over(batch, write_out);
    }
}

/// Queues `batch` for the writer thread (started here when this process has none).
fn hand_over(batch: Batch, write_out: WriteOut) {
    if batch.records == 0 {
        return;
    }
    let mut queue = lock(&OUTPUT.queue);
    let pid = std::process::id();
    if queue.writer_pid != Some(pid) {
        // First batch of this process (or of a forked child: the parent's queued
        // batches are the parent's to write).
        queue.batches.clear();
        queue.bytes = 0;
        let spawned = std::thread::Builder::new()
            .name("typhoon-log".into())
            .spawn(move || writer(write_out));
        if spawned.is_err() {
            drop(queue);
            let _writing = lock(&OUTPUT.writing);
            write_out(&batch, 0);
            return;
        }
        if queue.write_out.is_none() {
            // SAFETY: `write_at_exit` is a plain `extern "C" fn()` that lives as long as
            // the process; registering it has no other precondition.
            unsafe { libc::atexit(write_at_exit) };
        }
        queue.writer_pid = Some(pid);
        queue.write_out = Some(write_out);
    }
    if queue.bytes + batch.bytes() > MAX_QUEUED_BYTES {
        queue.dropped += batch.records as u64;
        return;
    }
    queue.bytes += batch.bytes();
    queue.batches.push_back(batch);
    drop(queue);
    OUTPUT.queued.notify_one();
}

/// Run by `exit`: writes what the writer thread has not, so that the last lines of the
/// shards (handed over as their threads ended) are not lost when `main` returns.
extern "C" fn write_at_exit() {
    let write_out = lock(&OUTPUT.queue).write_out;
    if let Some(write_out) = write_out {
        let _writing = lock(&OUTPUT.writing);
        drain(write_out);
    }
}

/// Writes every queued batch; the caller holds `OUTPUT.writing`.
fn drain(write_out: WriteOut) {
    let (batches, dropped) = {
        let mut queue = lock(&OUTPUT.queue);
        queue.bytes = 0;
        (
            std::mem::take(&mut queue.batches),
            std::mem::take(&mut queue.dropped),
        )
    };
    for batch in &batches {
        write_out(batch, 0);
    }
    if dropped > 0 {
        write_out(&Batch::default(), dropped);
    }
}

/// The writer thread: waits for batches and writes them in order.
fn writer(write_out: WriteOut) {
    loop {
        {
            let mut queue = lock(&OUTPUT.queue);
            while queue.batches.is_empty() && queue.dropped == 0 {
                queue = OUTPUT.queued.wait(queue).unwrap_or_else(|e| e.into_inner());
            }
        }
        let _writing = lock(&OUTPUT.writing);
        drain(write_out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    static WRITTEN: Mutex<Vec<u8>> = Mutex::new(Vec::new());
    static DROPPED: AtomicUsize = AtomicUsize::new(0);

    fn collect(batch: &Batch, dropped: u64) {
        lock(&WRITTEN).extend_from_slice(&batch.stderr);
        DROPPED.fetch_add(dropped as usize, Ordering::SeqCst);
    }

    fn line(text: &'static str) -> impl FnOnce(&mut Batch) {
        move |b: &mut Batch| b.stderr.extend_from_slice(text.as_bytes())
    }

    #[test]
    fn a_shard_holds_its_lines_until_flushed_and_order_is_kept() {
        emit(line("main 1\n"), false, collect);
        let shard = std::thread::Builder::new()
            .name("typhoon-shard-7".into())
            .spawn(|| {
                assert_eq!(shard_id(), Some(7));
                emit(line("shard 1\n"), false, collect);
                emit(line("shard 2\n"), false, collect);
                let held = !String::from_utf8_lossy(&lock(&WRITTEN)).contains("shard 1");
                flush(collect);
                held
            })
            .unwrap_or_else(|e| panic!("{e}"));
        let held = shard
            .join()
            .unwrap_or_else(|_| panic!("the shard thread panicked"));
        assert!(
            held,
            "a shard's line was written before its batch was handed over"
        );
        // A line written here comes after the batch the shard handed over.
        emit(line("main 2\n"), false, collect);
        let text = String::from_utf8_lossy(&lock(&WRITTEN)).into_owned();
        assert_eq!(text, "main 1\nshard 1\nshard 2\nmain 2\n");
        assert_eq!(shard_id(), None);
        assert_eq!(DROPPED.load(Ordering::SeqCst), 0);
    }
}
