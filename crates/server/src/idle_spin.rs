//! How long an idle shard polls its ring before it sleeps: a window kept open while polls
//! catch work and closed after a few in a row catch none.
//!
//! Waking a sleeping thread costs far more than the few microseconds of a request: the
//! kernel's wakeup, and on a virtual machine whose idle vCPU halts, the hypervisor's (14–20
//! µs measured here, where a request takes 6). At half of its peak rate a shard goes idle
//! between most requests and the next one comes within 10 µs (21,000 of 23,500 wakes in a
//! trace at 60,000 requests/s), so polling that long first answers it without the wakeup.
//! Polling costs the CPU it spins, so the window closes after `MISSES_TO_CLOSE` polls in a
//! row caught nothing, and a closed window is tried again once every `PROBE_EVERY` idle
//! spells, in case the traffic has become dense again. Sparse traffic (one connection, a
//! few thousand requests a second) thus polls only on the probes, and an idle shard not
//! at all. Between those, the window stays open while one poll in four or so catches
//! work, and that is where it costs CPU (`ServerConfig::idle_spin`: 24.5 points of a core
//! more at 60,000 requests/s, 17 at 30,000, measured in `BENCHMARKS.md`).
//!
//! This is what Linux's `cpuidle-haltpoll` guest governor does below the scheduler; many
//! virtual machines (this one included) run with it turned off.

use std::time::Duration;

/// Polls in a row that catch nothing before the window closes.
const MISSES_TO_CLOSE: u32 = 4;
/// A closed window is tried once in this many idle spells.
const PROBE_EVERY: u32 = 16;

/// The poll window of one shard (see the module documentation; its tests show the steps).
#[derive(Debug)]
pub(crate) struct IdleSpin {
    /// The window while open; zero turns polling off.
    window: Duration,
    /// Misses the window survives before it closes (open while positive).
    credit: u32,
    /// Idle spells since the last probe of a closed window.
    closed_spells: u32,
}

impl IdleSpin {
    /// A window of `window`, open to begin with.
    pub fn new(window: Duration) -> Self {
        Self {
            window,
            credit: MISSES_TO_CLOSE,
            closed_spells: 0,
        }
    }

    /// How long to poll in this idle spell (zero: sleep at once).
    pub fn window(&mut self) -> Duration {
        if self.credit > 0 {
            return self.window;
        }
        self.closed_spells += 1;
        if self.closed_spells >= PROBE_EVERY {
            self.closed_spells = 0;
            return self.window;
        }
        Duration::ZERO
    }

    /// Work came within the window: it stays open.
    pub fn caught(&mut self) {
        self.credit = MISSES_TO_CLOSE;
    }

    /// The window passed without work (the shard goes on to sleep).
    pub fn missed(&mut self) {
        self.credit = self.credit.saturating_sub(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WINDOW: Duration = Duration::from_micros(10);

    /// Runs `pattern` (true: the poll catches work) and counts the spells that polled.
    fn polls(spin: &mut IdleSpin, pattern: impl Iterator<Item = bool>) -> usize {
        let mut polled = 0;
        for catch in pattern {
            if spin.window().is_zero() {
                continue;
            }
            polled += 1;
            if catch {
                spin.caught();
            } else {
                spin.missed();
            }
        }
        polled
    }

    #[test]
    fn a_catch_now_and_then_keeps_the_window_open() {
        // One catch in four polls: never four misses in a row, never closes.
        let mut spin = IdleSpin::new(WINDOW);
        let pattern = (0..1000).map(|i| i % 4 == 0);
        assert_eq!(polls(&mut spin, pattern), 1000);
    }

    #[test]
    fn no_catches_close_it_to_the_probes() {
        // The first misses, then one spell in PROBE_EVERY.
        let mut spin = IdleSpin::new(WINDOW);
        let polled = polls(&mut spin, (0..1600).map(|_| false));
        let misses = MISSES_TO_CLOSE as usize;
        assert_eq!(polled, misses + (1600 - misses) / PROBE_EVERY as usize);
    }

    #[test]
    fn a_probe_that_catches_work_reopens_the_window() {
        let mut spin = IdleSpin::new(WINDOW);
        while spin.credit > 0 {
            spin.missed();
        }
        let until_probe = (1..=PROBE_EVERY)
            .find(|_| !spin.window().is_zero())
            .expect("a probe");
        assert_eq!(until_probe, PROBE_EVERY);
        spin.caught();
        assert_eq!(spin.window(), WINDOW);
    }

    #[test]
    fn zero_turns_polling_off() {
        let mut spin = IdleSpin::new(Duration::ZERO);
        assert_eq!(polls(&mut spin, (0..100).map(|_| true)), 0);
    }
}
