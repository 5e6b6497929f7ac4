//! The locks on a glommio executor: arrival order, timeouts, and cancelled waiters that
//! wedge nothing. Futures are polled by hand (`poll_once`) where the order of events must
//! be exact, and run as tasks where the executor's wakeups are the point.

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;
use std::time::{Duration, Instant};

use futures_lite::future::{poll_once, yield_now};

use super::testing::run;
use super::{BoundedSemaphore, Condition, Event, Lock, OverRelease, Semaphore, TimeoutError};

const SHORT: Duration = Duration::from_millis(30);

/// Polls `f` once: `Some` if it completed.
async fn poll<F: Future + Unpin>(f: &mut F) -> Option<F::Output> {
    poll_once(f).await
}

#[test]
fn a_lock_is_granted_in_arrival_order() {
    run(async {
        let lock = Lock::new();
        let held = lock.acquire().await;
        let mut a = Box::pin(lock.acquire());
        let mut b = Box::pin(lock.acquire());
        let mut c = Box::pin(lock.acquire());
        for waiter in [&mut a, &mut b, &mut c] {
            assert!(poll(waiter).await.is_none());
        }
        drop(held);
        assert!(poll(&mut c).await.is_none());
        assert!(poll(&mut b).await.is_none());
        let a = poll(&mut a)
            .await
            .expect("the oldest waiter holds the lock");
        drop(a);
        assert!(poll(&mut c).await.is_none());
        let b = poll(&mut b).await.expect("then the next");
        drop(b);
        assert!(poll(&mut c).await.is_some());
    });
}

#[test]
fn tasks_take_a_lock_in_the_order_they_asked() {
    run(async {
        let lock = Rc::new(Lock::new());
        let order = Rc::new(RefCell::new(Vec::new()));
        let held = lock.acquire().await;
        let tasks: Vec<_> = (0..4)
            .map(|i| {
                let (lock, order) = (lock.clone(), order.clone());
                glommio::spawn_local(async move {
                    let _guard = lock.acquire().await;
                    order.borrow_mut().push(i);
                    yield_now().await; // held across an await: nobody else gets in
                    order.borrow_mut().push(i);
                })
            })
            .collect();
        yield_now().await; // every task is now in line
        assert!(order.borrow().is_empty());
        drop(held);
        for task in tasks {
            task.await;
        }
        assert_eq!(*order.borrow(), [0, 0, 1, 1, 2, 2, 3, 3]);
    });
}

#[test]
fn a_newcomer_does_not_overtake_a_waiter_handed_the_lock() {
    run(async {
        let lock = Lock::new();
        let held = lock.acquire().await;
        let mut waiter = Box::pin(lock.acquire());
        assert!(poll(&mut waiter).await.is_none());
        drop(held); // handed to `waiter`, which has not run yet
        assert!(lock.is_locked());
        let mut newcomer = Box::pin(lock.acquire());
        assert!(poll(&mut newcomer).await.is_none());
        let guard = poll(&mut waiter).await.expect("the waiter's lock");
        drop(guard);
        assert!(poll(&mut newcomer).await.is_some());
    });
}

#[test]
fn a_dropped_waiter_leaves_the_line() {
    run(async {
        let lock = Lock::new();
        let held = lock.acquire().await;
        let mut a = Box::pin(lock.acquire());
        let mut b = Box::pin(lock.acquire());
        assert!(poll(&mut a).await.is_none());
        assert!(poll(&mut b).await.is_none());
        drop(a); // cancelled while waiting
        drop(held);
        assert!(
            poll(&mut b).await.is_some(),
            "the lock went to a dropped waiter"
        );
    });
}

#[test]
fn a_waiter_dropped_after_the_handoff_passes_the_lock_on() {
    run(async {
        let lock = Lock::new();
        let held = lock.acquire().await;
        let mut a = Box::pin(lock.acquire());
        let mut b = Box::pin(lock.acquire());
        assert!(poll(&mut a).await.is_none());
        assert!(poll(&mut b).await.is_none());
        drop(held); // handed to `a` ...
        drop(a); // ... which is cancelled before it runs
        let guard = poll(&mut b).await.expect("passed on to the next waiter");
        drop(guard);
        assert!(!lock.is_locked(), "the lock is wedged");
    });
}

#[test]
fn an_acquire_that_times_out_does_not_take_the_lock_later() {
    run(async {
        let lock = Lock::new();
        let held = lock.acquire().await;
        let started = Instant::now();
        let mut timed = Box::pin(lock.acquire_timeout(SHORT));
        assert!(poll(&mut timed).await.is_none()); // first in line ...
        let mut behind = Box::pin(lock.acquire());
        assert!(poll(&mut behind).await.is_none());
        assert_eq!(timed.await.unwrap_err(), TimeoutError); // ... until its time ran out
        assert!(started.elapsed() >= SHORT, "timed out early");
        drop(held);
        let guard = poll(&mut behind).await.expect("the live waiter's turn");
        drop(guard);
        assert!(!lock.is_locked());
        let deadline = Instant::now() + SHORT; // Tornado's absolute form
        let guard = lock.acquire_timeout(deadline).await.expect("free");
        assert_eq!(
            lock.acquire_timeout(deadline).await.unwrap_err(),
            TimeoutError
        );
        assert!(Instant::now() >= deadline);
        drop(guard);
    });
}

#[test]
fn an_acquire_timeout_succeeds_when_the_lock_frees_in_time() {
    run(async {
        let lock = Rc::new(Lock::new());
        let held = lock.acquire().await;
        let waiter = glommio::spawn_local({
            let lock = lock.clone();
            async move { lock.acquire_timeout(Duration::from_secs(5)).await.is_ok() }
        });
        yield_now().await;
        drop(held);
        assert!(waiter.await);
    });
}

#[test]
fn a_semaphore_counts_permits_and_serves_waiters_in_order() {
    run(async {
        let sem = Semaphore::new(2);
        let one = sem.acquire().await;
        let two = sem.acquire().await;
        assert_eq!(sem.value(), 0);
        let mut a = Box::pin(sem.acquire());
        let mut b = Box::pin(sem.acquire());
        assert!(poll(&mut a).await.is_none());
        assert!(poll(&mut b).await.is_none());
        drop(one);
        assert_eq!(
            sem.value(),
            0,
            "a released permit goes to the line, not the count"
        );
        assert!(poll(&mut b).await.is_none());
        let a = poll(&mut a).await.expect("the oldest waiter's permit");
        sem.release(); // Tornado's release without acquire: a permit for `b`
        let b = poll(&mut b).await.expect("the next waiter's permit");
        drop((a, b, two));
        assert_eq!(
            sem.value(),
            3,
            "an unbounded semaphore may grow past its start"
        );
    });
}

#[test]
fn a_semaphore_acquire_times_out_and_leaves_nothing_behind() {
    run(async {
        let sem = Semaphore::new(1);
        let held = sem.acquire().await;
        assert!(sem.acquire_timeout(SHORT).await.is_err());
        drop(held);
        assert_eq!(sem.value(), 1);
        let _again = sem.acquire_timeout(SHORT).await.expect("free");
        assert_eq!(sem.value(), 0);
    });
}

#[test]
fn a_bounded_semaphore_refuses_to_be_released_past_its_start() {
    run(async {
        let sem = BoundedSemaphore::new(1);
        assert_eq!(sem.release(), Err(OverRelease));
        assert_eq!(sem.value(), 1);
        std::mem::forget(sem.acquire().await);
        assert_eq!(sem.value(), 0);
        assert_eq!(sem.release(), Ok(()));
        assert_eq!(sem.release(), Err(OverRelease));
        // A guard dropped after a stray release cannot push the count past the bound.
        let guard = sem.acquire().await;
        sem.release().unwrap();
        drop(guard);
        assert_eq!(sem.value(), 1);
    });
}

#[test]
fn setting_an_event_wakes_every_waiter_even_if_cleared_before_they_run() {
    run(async {
        let event = Event::new();
        let mut a = Box::pin(event.wait());
        let mut b = Box::pin(event.wait());
        assert!(poll(&mut a).await.is_none());
        assert!(poll(&mut b).await.is_none());
        event.set();
        event.clear(); // Tornado: the waiters were already released
        assert!(poll(&mut b).await.is_some());
        assert!(poll(&mut a).await.is_some());
        let mut later = Box::pin(event.wait());
        assert!(
            poll(&mut later).await.is_none(),
            "cleared: a new wait blocks"
        );
        event.set();
        assert!(poll(&mut later).await.is_some());
        event.wait().await; // set: at once
    });
}

#[test]
fn an_event_wait_times_out_unless_set_in_time() {
    run(async {
        let event = Rc::new(Event::new());
        assert_eq!(event.wait_timeout(SHORT).await, Err(TimeoutError));
        let mut waiting = Box::pin(event.wait_timeout(Duration::from_secs(5)));
        assert!(poll(&mut waiting).await.is_none());
        let setter = glommio::spawn_local({
            let event = event.clone();
            async move { event.set() }
        });
        assert_eq!(waiting.await, Ok(()));
        setter.await;
    });
}

#[test]
fn a_condition_notifies_its_oldest_waiters() {
    run(async {
        let cond = Condition::new();
        cond.notify(1); // nobody waits: lost
        let mut a = Box::pin(cond.wait());
        let mut b = Box::pin(cond.wait());
        let mut c = Box::pin(cond.wait());
        for waiter in [&mut a, &mut b, &mut c] {
            assert!(poll(waiter).await.is_none());
        }
        cond.notify(2);
        assert!(poll(&mut c).await.is_none());
        assert!(poll(&mut a).await.is_some());
        assert!(poll(&mut b).await.is_some());
        cond.notify_all();
        assert!(poll(&mut c).await.is_some());
    });
}

#[test]
fn notify_counts_add_up() {
    run(async {
        let cond = Condition::new();
        let mut a = Box::pin(cond.wait());
        let mut b = Box::pin(cond.wait());
        assert!(poll(&mut a).await.is_none());
        assert!(poll(&mut b).await.is_none());
        cond.notify(1);
        cond.notify(1); // a second waiter, not the first one again
        assert!(poll(&mut b).await.is_some());
        assert!(poll(&mut a).await.is_some());
    });
}

#[test]
fn a_condition_wait_timeout_returns_false_or_true() {
    run(async {
        let cond = Rc::new(Condition::new());
        let started = Instant::now();
        assert!(!cond.wait_timeout(SHORT).await, "nobody notified");
        assert!(started.elapsed() >= SHORT);
        let mut waiting = Box::pin(cond.wait_timeout(Duration::from_secs(5)));
        assert!(poll(&mut waiting).await.is_none());
        let notifier = glommio::spawn_local({
            let cond = cond.clone();
            async move { cond.notify(1) }
        });
        assert!(waiting.await);
        notifier.await;
    });
}

#[test]
fn a_condition_waiter_that_timed_out_or_was_dropped_consumes_no_notification() {
    run(async {
        let cond = Condition::new();
        let mut timed = Box::pin(cond.wait_timeout(SHORT));
        assert!(poll(&mut timed).await.is_none()); // first in line ...
        let mut live = Box::pin(cond.wait());
        assert!(poll(&mut live).await.is_none());
        assert!(!timed.await); // ... until its time ran out
        cond.notify(1);
        assert!(
            poll(&mut live).await.is_some(),
            "the timed-out waiter took it"
        );

        let mut a = Box::pin(cond.wait());
        let mut b = Box::pin(cond.wait());
        assert!(poll(&mut a).await.is_none());
        assert!(poll(&mut b).await.is_none());
        cond.notify(1); // to `a` ...
        drop(a); // ... which is cancelled before it runs: passed on
        assert!(poll(&mut b).await.is_some());
    });
}
