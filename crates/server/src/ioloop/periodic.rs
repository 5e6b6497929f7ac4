//! [`PeriodicCallback`]: Tornado's `PeriodicCallback` — a callback run every period on
//! its shard, skipping the ticks it missed.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::rc::Rc;
use std::time::{Duration, Instant};

use super::timeout::Timeout;

/// Runs a callback every `period_ms` milliseconds on the shard that starts it.
///
/// As in Tornado: the first run is one period after [`start`](Self::start); each next run
/// is at the next multiple of the period (counted from `start`) after the end of the last,
/// so ticks missed while the shard was busy are skipped, never run in a burst; an optional
/// jitter scales each period by `1 + jitter * (random - 0.5)`; [`stop`](Self::stop) may be
/// called from inside the callback, and a stopped callback may be started again. A panic in
/// the callback is logged and the next tick still comes.
///
/// Clones share the schedule. A started callback keeps running until stopped, even once
/// every handle is dropped, as a Tornado one does while its loop holds it. A callback that
/// stops itself holds a clone of its own handle, which keeps both alive for the life of the
/// shard.
///
/// # Examples
///
/// ```no_run
/// use std::cell::Cell;
/// use std::rc::Rc;
/// use typhoon_server::PeriodicCallback;
///
/// # fn on_shard() {
/// let ticks = Rc::new(Cell::new(0));
/// let counter = ticks.clone();
/// let heartbeat = PeriodicCallback::new(move || counter.set(counter.get() + 1), 1000)
///     .with_jitter(0.1);
/// heartbeat.start();
/// assert!(heartbeat.is_running());
/// # }
/// ```
#[derive(Clone)]
pub struct PeriodicCallback {
    inner: Rc<Inner>,
}

struct Inner {
    callback: RefCell<Box<dyn FnMut()>>,
    period: Duration,
    jitter: Cell<f64>,
    running: Cell<bool>,
    /// When the next run is due; each schedule moves it forward by whole periods.
    next: Cell<Instant>,
    /// The scheduled next run, if any.
    timeout: RefCell<Option<Timeout>>,
}

impl PeriodicCallback {
    /// A periodic callback every `period_ms` milliseconds, not yet started.
    ///
    /// # Panics
    ///
    /// If `period_ms` is 0 (Tornado: "Periodic callback must have a positive
    /// callback_time").
    ///
    /// # Examples
    ///
    /// ```
    /// let every_second = typhoon_server::PeriodicCallback::new(|| (), 1000);
    /// assert!(!every_second.is_running());
    /// ```
    pub fn new(callback: impl FnMut() + 'static, period_ms: u64) -> PeriodicCallback {
        assert!(
            period_ms > 0,
            "Periodic callback must have a positive callback_time"
        );
        PeriodicCallback {
            inner: Rc::new(Inner {
                callback: RefCell::new(Box::new(callback)),
                period: Duration::from_millis(period_ms),
                jitter: Cell::new(0.0),
                running: Cell::new(false),
                next: Cell::new(Instant::now()),
                timeout: RefCell::new(None),
            }),
        }
    }

    /// Scales each period by a random factor in `1 ± jitter / 2` (Tornado's `jitter`), so
    /// that callbacks started together (on every shard, say) drift apart. 0 by default;
    /// negative values count as 0.
    ///
    /// # Examples
    ///
    /// ```
    /// let poll = typhoon_server::PeriodicCallback::new(|| (), 500).with_jitter(0.1);
    /// # let _ = poll;
    /// ```
    pub fn with_jitter(self, jitter: f64) -> PeriodicCallback {
        self.inner.jitter.set(jitter.max(0.0));
        self
    }

    /// Starts the schedule on the calling shard: the first run comes one period from now.
    /// Nothing happens if it is running already.
    ///
    /// # Panics
    ///
    /// Off the shards.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn handler() {
    /// let cleanup = typhoon_server::PeriodicCallback::new(|| log::debug!("sweep"), 60_000);
    /// cleanup.start();
    /// # }
    /// ```
    pub fn start(&self) {
        if self.inner.running.get() {
            return;
        }
        super::expect_shard("PeriodicCallback::start");
        self.inner.running.set(true);
        self.inner.next.set(Instant::now());
        self.inner.schedule_next();
    }

    /// Stops the schedule: the callback does not run again until [`start`](Self::start).
    /// Safe to call from inside the callback, and when stopped already.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn handler() {
    /// let poll = typhoon_server::PeriodicCallback::new(|| (), 100);
    /// poll.start();
    /// poll.stop();
    /// assert!(!poll.is_running());
    /// # }
    /// ```
    pub fn stop(&self) {
        self.inner.running.set(false);
        if let Some(timeout) = self.inner.timeout.borrow_mut().take() {
            timeout.cancel();
        }
    }

    /// Started and not stopped since.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!typhoon_server::PeriodicCallback::new(|| (), 10).is_running());
    /// ```
    pub fn is_running(&self) -> bool {
        self.inner.running.get()
    }
}

impl Inner {
    /// Schedules the next run at the next tick after now (Tornado's `_schedule_next`).
    fn schedule_next(self: &Rc<Self>) {
        let now = Instant::now();
        let next = next_tick(self.next.get(), now, self.jittered_period());
        self.next.set(next);
        let this = self.clone();
        let timeout = Timeout::schedule(next, move || this.run());
        *self.timeout.borrow_mut() = Some(timeout);
    }

    fn run(self: Rc<Self>) {
        // The timeout that brought us here has fired.
        self.timeout.borrow_mut().take();
        if !self.running.get() {
            return;
        }
        {
            let callback = &mut *self.callback.borrow_mut();
            if let Err(panic) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(callback)) {
                log::error!(
                    "uncaught panic in a periodic callback: {}",
                    crate::launch::panic_text(panic.as_ref())
                );
            }
        }
        // The callback may have stopped it, or stopped and started it again (which
        // scheduled a run already).
        let scheduled = self
            .timeout
            .borrow()
            .as_ref()
            .is_some_and(Timeout::is_pending);
        if self.running.get() && !scheduled {
            self.schedule_next();
        }
    }

    fn jittered_period(&self) -> Duration {
        let jitter = self.jitter.get();
        if jitter == 0.0 {
            return self.period;
        }
        let scaled = self.period.mul_f64(1.0 + jitter * (fastrand::f64() - 0.5));
        scaled.max(Duration::from_micros(1))
    }
}

/// The first tick after `now` on the grid `next + k * period` (k ≥ 1 when `next` is still
/// ahead, as Tornado does when the clock seems to go back). Pure, for the tests below.
fn next_tick(next: Instant, now: Instant, period: Duration) -> Instant {
    if next > now {
        return next + period;
    }
    let behind = now.duration_since(next).as_nanos();
    let periods = behind / period.as_nanos() + 1;
    let ahead = period.as_nanos().saturating_mul(periods);
    next + Duration::from_nanos(u64::try_from(ahead).unwrap_or(u64::MAX))
}

impl fmt::Debug for PeriodicCallback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PeriodicCallback")
            .field("period", &self.inner.period)
            .field("jitter", &self.inner.jitter.get())
            .field("running", &self.inner.running.get())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn on_time_the_next_tick_is_one_period_on() {
        let start = Instant::now();
        assert_eq!(next_tick(start, start, 20 * MS), start + 20 * MS);
        assert_eq!(next_tick(start, start + 3 * MS, 20 * MS), start + 20 * MS);
    }

    #[test]
    fn missed_ticks_are_skipped_to_the_next_one_after_now() {
        let start = Instant::now();
        // Due at 20, run late at 130: 40..=120 were missed; the next is 140, not 40.
        assert_eq!(
            next_tick(start + 20 * MS, start + 130 * MS, 20 * MS),
            start + 140 * MS
        );
        // Exactly on a tick: the next one.
        assert_eq!(
            next_tick(start + 20 * MS, start + 60 * MS, 20 * MS),
            start + 80 * MS
        );
    }

    #[test]
    fn a_tick_still_ahead_moves_one_period() {
        let start = Instant::now();
        assert_eq!(
            next_tick(start + 50 * MS, start + 10 * MS, 20 * MS),
            start + 70 * MS
        );
    }

    #[test]
    fn jitter_stays_within_half_the_jitter() {
        let pc = PeriodicCallback::new(|| (), 100).with_jitter(0.2);
        for _ in 0..1000 {
            let period = pc.inner.jittered_period();
            assert!(period >= 90 * MS && period <= 110 * MS, "{period:?}");
        }
        let plain = PeriodicCallback::new(|| (), 100);
        assert_eq!(plain.inner.jittered_period(), 100 * MS);
    }

    #[test]
    #[should_panic(expected = "positive callback_time")]
    fn a_zero_period_is_refused() {
        let _ = PeriodicCallback::new(|| (), 0);
    }
}
