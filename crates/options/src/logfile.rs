//! A log file that rotates by size or on a clock, as Python's rotating file handlers do.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use jiff::{SignedDuration, Timestamp, ZonedDateTime};

/// When a log file starts a new file.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Rotation {
    /// Before the file would reach `max` bytes (Python's `RotatingFileHandler`).
    Size {
        /// Largest size in bytes; 0 never rotates.
        max: u64,
    },
    /// On a clock (Python's `TimedRotatingFileHandler`): `when` is `S`, `M`, `H`, `D`,
    /// `MIDNIGHT` or `W0`–`W6`, every `interval` of them.
    Time {
        /// The unit, upper case.
        when: String,
        /// How many units per file.
        interval: u32,
    },
}

impl Rotation {
    /// Checks `when` (case-insensitive) and builds a time rotation.
    pub(crate) fn time(when: &str, interval: u32) -> Result<Rotation, String> {
        let when = when.to_ascii_uppercase();
        let weekday = when
            .strip_prefix('W')
            .is_some_and(|d| matches!(d, "0" | "1" | "2" | "3" | "4" | "5" | "6"));
        if !(weekday || matches!(when.as_str(), "S" | "M" | "H" | "D" | "MIDNIGHT")) {
            return Err(format!(
                "invalid value '{when}' for --log-rotate-when: expected S, M, H, D, midnight or W0-W6"
            ));
        }
        Ok(Rotation::Time {
            when,
            interval: interval.max(1),
        })
    }
}

/// A log file that rotates, keeping `backups` old files.
pub(crate) struct LogFile {
    path: PathBuf,
    file: File,
    size: u64,
    rotation: Rotation,
    backups: u32,
    /// Start of the current period and when it ends (time rotation only).
    period: Option<(ZonedDateTime, Timestamp)>,
}

impl LogFile {
    /// Opens (appends to) `path`.
    pub(crate) fn open(path: &Path, rotation: Rotation, backups: u32) -> std::io::Result<LogFile> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        let size = file.metadata()?.len();
        let mut log = LogFile {
            path: path.to_owned(),
            file,
            size,
            rotation,
            backups,
            period: None,
        };
        log.period = log.next_period(ZonedDateTime::now());
        Ok(log)
    }

    /// Appends `text` (whole lines: a record, or a shard's batch of records), rotating
    /// first when it is due; a batch is never split across two files.
    pub(crate) fn write(&mut self, text: &[u8]) -> std::io::Result<()> {
        let len = text.len() as u64;
        let due = match (&self.rotation, &self.period) {
            (Rotation::Size { max }, _) => *max > 0 && self.size > 0 && self.size + len >= *max,
            (Rotation::Time { .. }, Some((_, end))) => Timestamp::now() >= *end,
            _ => false,
        };
        if due {
            self.rotate()?;
        }
        self.file.write_all(text)?;
        self.size += len;
        Ok(())
    }

    /// Hands what is written to the kernel.
    pub(crate) fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }

    /// `app.log` → `app.log.1` → … (size), or `app.log.2024-05-01` (time).
    fn rotate(&mut self) -> std::io::Result<()> {
        let name = |suffix: &str| {
            let mut p = self.path.clone().into_os_string();
            p.push(format!(".{suffix}"));
            PathBuf::from(p)
        };
        match &self.rotation {
            Rotation::Size { .. } => {
                if self.backups > 0 {
                    for i in (1..self.backups).rev() {
                        let _ = std::fs::rename(name(&i.to_string()), name(&(i + 1).to_string()));
                    }
                    std::fs::rename(&self.path, name("1"))?;
                }
            }
            Rotation::Time { when, .. } => {
                let format = match when.as_str() {
                    "S" => "%Y-%m-%d_%H-%M-%S",
                    "M" => "%Y-%m-%d_%H-%M",
                    "H" => "%Y-%m-%d_%H",
                    _ => "%Y-%m-%d",
                };
                if let Some((start, _)) = &self.period {
                    std::fs::rename(&self.path, name(&start.strftime(format).to_string()))?;
                }
                self.prune_timed();
                self.period = self.next_period(ZonedDateTime::now());
            }
        }
        self.file = OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(true)
            .open(&self.path)?;
        self.size = 0;
        Ok(())
    }

    /// Deletes the oldest dated files beyond `backups` (their names sort by date).
    fn prune_timed(&self) {
        let (Some(dir), Some(base)) = (self.path.parent(), self.path.file_name()) else {
            return;
        };
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        let prefix = format!("{}.", base.to_string_lossy());
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut old: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with(&prefix))
            })
            .collect();
        old.sort();
        let excess = old.len().saturating_sub(self.backups as usize);
        for path in &old[..excess] {
            let _ = std::fs::remove_file(path);
        }
    }

    /// The period that contains `now` for a time rotation: its start and its end.
    fn next_period(&self, now: ZonedDateTime) -> Option<(ZonedDateTime, Timestamp)> {
        let Rotation::Time { when, interval } = &self.rotation else {
            return None;
        };
        let secs = |unit: i64| {
            now.timestamp()
                .checked_add(SignedDuration::from_secs(unit * i64::from(*interval)))
                .ok()
        };
        let end = match when.as_str() {
            "S" => secs(1)?,
            "M" => secs(60)?,
            "H" => secs(3600)?,
            "D" => secs(86_400)?,
            "MIDNIGHT" => now.tomorrow().ok()?.start_of_day().ok()?.timestamp(),
            weekday => {
                let target: i8 = weekday[1..].parse().ok()?;
                let mut day = now.tomorrow().ok()?.start_of_day().ok()?;
                while day.weekday().to_monday_zero_offset() != target {
                    day = day.tomorrow().ok()?;
                }
                day.timestamp()
            }
        };
        Some((now, end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("typhoon-logger-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        dir.join("app.log")
    }

    #[test]
    fn size_rotation_keeps_the_newest_backups() {
        let path = temp("size");
        let mut log =
            LogFile::open(&path, Rotation::Size { max: 30 }, 2).unwrap_or_else(|e| panic!("{e}"));
        for i in 0..5 {
            log.write(format!("line {i} of the log file\n").as_bytes())
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
        assert_eq!(read(&path), "line 4 of the log file\n");
        assert_eq!(
            read(&path.with_extension("log.1")),
            "line 3 of the log file\n"
        );
        assert_eq!(
            read(&path.with_extension("log.2")),
            "line 2 of the log file\n"
        );
        assert!(!path.with_extension("log.3").exists());
    }

    #[test]
    fn time_rotation_names_files_by_period() {
        let path = temp("time");
        let mut log = LogFile::open(
            &path,
            Rotation::time("s", 1).unwrap_or_else(|e| panic!("{e}")),
            1,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        log.write(b"first\n").unwrap_or_else(|e| panic!("{e}"));
        std::thread::sleep(std::time::Duration::from_millis(1100));
        log.write(b"second\n").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            std::fs::read_to_string(&path).unwrap_or_default(),
            "second\n"
        );
        let dir = path.parent().unwrap_or(Path::new("."));
        let dated: Vec<_> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{e}"))
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().starts_with("app.log."))
            .collect();
        assert_eq!(dated.len(), 1);
    }

    #[test]
    fn rotate_when_is_checked() {
        assert!(Rotation::time("midnight", 1).is_ok());
        assert!(Rotation::time("W6", 1).is_ok());
        assert!(Rotation::time("W7", 1).is_err());
        assert!(Rotation::time("fortnight", 1).is_err());
    }
}
