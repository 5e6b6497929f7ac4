//! The process logger the logging options configure: Tornado's `LogFormatter` lines, with
//! the shard id on a shard's thread, to stderr and/or a rotating file.

use std::cell::RefCell;
use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

use jiff::ZonedDateTime;
use log::{Level, LevelFilter, Log, Metadata, Record};

use crate::logfile::LogFile;
use crate::output::{self, Batch};

/// Where records go, at which level: what the logging options chose.
pub(crate) struct Sinks {
    pub(crate) level: LevelFilter,
    /// Stderr, and whether to colour it.
    pub(crate) stderr: Option<bool>,
    pub(crate) file: Option<Mutex<LogFile>>,
}

/// The process logger: installed once, reconfigured by every final parse.
struct PrettyLogger {
    /// What `install` chose, for the threads that write.
    sinks: RwLock<Option<Sinks>>,
    /// The same choice for formatting, read without a lock on every record: the level
    /// (`LevelFilter as usize`, 0 until installed), stderr (0 off, 1 plain, 2 coloured)
    /// and whether there is a file.
    level: AtomicUsize,
    stderr: AtomicU8,
    file: AtomicBool,
}

static LOGGER: PrettyLogger = PrettyLogger {
    sinks: RwLock::new(None),
    level: AtomicUsize::new(0),
    stderr: AtomicU8::new(0),
    file: AtomicBool::new(false),
};

/// Whether [`LOGGER`] is the `log` crate's logger (another one may have been set first).
static INSTALLED: OnceLock<bool> = OnceLock::new();

/// Makes `sinks` the process's log configuration. Returns `false` when another logger
/// was installed first (for instance `env_logger`): the first install wins, as `log`
/// allows only one.
pub(crate) fn install(sinks: Sinks) -> bool {
    let level = sinks.level;
    let stderr = match sinks.stderr {
        None => 0,
        Some(false) => 1,
        Some(true) => 2,
    };
    let file = sinks.file.is_some();
    *LOGGER.sinks.write().unwrap_or_else(|e| e.into_inner()) = Some(sinks);
    LOGGER.stderr.store(stderr, Ordering::Relaxed);
    LOGGER.file.store(file, Ordering::Relaxed);
    LOGGER.level.store(level as usize, Ordering::Relaxed);
    let ours = *INSTALLED.get_or_init(|| log::set_logger(&LOGGER).is_ok());
    if ours {
        log::set_max_level(level);
    }
    ours
}

/// Makes `sinks` the process's log configuration unless one is set already.
pub(crate) fn install_if_unset(sinks: Sinks) {
    let unset = LOGGER
        .sinks
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .is_none();
    if unset {
        install(sinks);
    }
}

/// Tornado's colours by level: blue, green, yellow, red.
fn color(level: Level) -> u8 {
    match level {
        Level::Error => 1,
        Level::Warn => 3,
        Level::Info => 2,
        Level::Debug | Level::Trace => 4,
    }
}

thread_local! {
    /// The local time `yymmdd HH:MM:SS` of the current second, and that second: formatting
    /// the time zone's view of the clock for every record cost more than the rest of an
    /// access line.
    static CLOCK: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
}

/// `[I 261126 22:59:20 shard0 handler:292]`: Tornado's `LogFormatter` prefix, with the shard
/// when a shard's thread logs.
fn write_prefix(out: &mut Vec<u8>, letter: char, module: &str, line: u32) {
    let second = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let _ = write!(out, "[{letter} ");
    let _ = CLOCK.try_with(|clock| {
        let mut clock = clock.borrow_mut();
        if clock.0 != second {
            clock.1.clear();
            let now = ZonedDateTime::now();
            let _ = write!(clock.1, "{}", now.strftime("%y%m%d %H:%M:%S"));
            clock.0 = second;
        }
        out.extend_from_slice(clock.1.as_bytes());
    });
    let _ = match output::shard_id() {
        Some(id) => write!(out, " shard{id} {module}:{line}]"),
        None => write!(out, " {module}:{line}]"),
    };
}

/// One record as a line, coloured as a terminal shows it when `colour` is given.
fn write_record(out: &mut Vec<u8>, record: &Record<'_>, colour: Option<u8>) {
    let letter = match record.level() {
        Level::Error => 'E',
        Level::Warn => 'W',
        Level::Info => 'I',
        Level::Debug => 'D',
        Level::Trace => 'T',
    };
    // Tornado's module name: the file's, or its directory's for a `mod.rs`/`lib.rs`.
    let stem = record.file().map(Path::new).and_then(|path| {
        let stem = path.file_stem()?;
        let named = if stem == "mod" || stem == "lib" {
            path.parent()?.file_name()?
        } else {
            stem
        };
        Some(named.to_string_lossy())
    });
    let module = stem.as_deref().unwrap_or(record.target());
    if let Some(c) = colour {
        let _ = write!(out, "\x1b[3{c}m");
    }
    write_prefix(out, letter, module, record.line().unwrap_or(0));
    if colour.is_some() {
        out.extend_from_slice(b"\x1b[0m");
    }
    let _ = writeln!(out, " {}", record.args());
}

/// Writes a batch to the sinks (on the writer thread, or on the thread that logged when
/// that is not a shard's), and reports records dropped because the writer fell behind.
fn write_out(batch: &Batch, dropped: u64) {
    let sinks = LOGGER.sinks.read().unwrap_or_else(|e| e.into_inner());
    let Some(sinks) = sinks.as_ref() else {
        return;
    };
    let mut note = Vec::new();
    if dropped > 0 {
        write_prefix(&mut note, 'W', "logger", 0);
        let _ = writeln!(
            note,
            " {dropped} log records dropped: the log output was slower than the shards"
        );
    }
    if sinks.stderr.is_some() && !(batch.stderr.is_empty() && note.is_empty()) {
        let mut stderr = std::io::stderr().lock();
        let _ = stderr.write_all(&batch.stderr);
        let _ = stderr.write_all(&note);
    }
    if let Some(file) = &sinks.file {
        let mut file = file.lock().unwrap_or_else(|e| e.into_inner());
        let _ = file.write(&batch.file);
        if !note.is_empty() {
            let _ = file.write(&note);
        }
    }
}

impl Log for PrettyLogger {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() as usize <= self.level.load(Ordering::Relaxed)
    }

    fn log(&self, record: &Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let stderr = self.stderr.load(Ordering::Relaxed);
        let file = self.file.load(Ordering::Relaxed);
        let format = |batch: &mut Batch| {
            let colour = (stderr == 2).then(|| color(record.level()));
            if stderr > 0 {
                let start = batch.stderr.len();
                write_record(&mut batch.stderr, record, colour);
                if file && colour.is_none() {
                    let Batch { stderr, file, .. } = batch;
                    file.extend_from_slice(&stderr[start..]);
                } else if file {
                    write_record(&mut batch.file, record, None);
                }
            } else if file {
                write_record(&mut batch.file, record, None);
            }
        };
        // Warnings and errors leave a shard at once; access lines wait for their batch.
        output::emit(format, record.level() <= Level::Warn, write_out);
    }

    fn flush(&self) {
        output::flush(write_out);
        if output::shard_id().is_none() {
            let sinks = self.sinks.read().unwrap_or_else(|e| e.into_inner());
            if let Some(file) = sinks.as_ref().and_then(|s| s.file.as_ref()) {
                let _ = file.lock().unwrap_or_else(|e| e.into_inner()).flush();
            }
        }
    }
}

/// Whether stderr is a terminal (Tornado colours only then).
pub(crate) fn stderr_is_tty() -> bool {
    std::io::stderr().is_terminal()
}
