//! The queues on a glommio executor: order, waiting getters and putters, the `nowait`
//! errors, timeouts and cancelled waiters that lose no item, `task_done`/`join`.

use std::future::Future;
use std::rc::Rc;
use std::time::{Duration, Instant};

use futures_lite::future::{poll_once, yield_now};

use super::{
    LifoQueue, PriorityQueue, PutTimeout, Queue, QueueEmpty, QueueFull, TaskDoneError, TimeoutError,
};
use crate::locks::testing::run;

const SHORT: Duration = Duration::from_millis(30);

/// Polls `f` once: `Some` if it completed.
async fn poll<F: Future + Unpin>(f: &mut F) -> Option<F::Output> {
    poll_once(f).await
}

#[test]
fn getters_wait_and_are_served_in_arrival_order() {
    run(async {
        let q = Queue::new(0);
        let mut a = Box::pin(q.get());
        let mut b = Box::pin(q.get());
        assert!(poll(&mut a).await.is_none());
        assert!(poll(&mut b).await.is_none());
        q.put_nowait(1).unwrap();
        q.put_nowait(2).unwrap();
        assert_eq!(q.qsize(), 0, "items go straight to the waiting getters");
        assert_eq!(
            q.get_nowait(),
            Err(QueueEmpty),
            "a newcomer took a getter's item"
        );
        assert_eq!(poll(&mut b).await, Some(2));
        assert_eq!(poll(&mut a).await, Some(1));
    });
}

#[test]
fn a_task_waiting_in_get_receives_an_item_put_by_another() {
    run(async {
        let q = Rc::new(Queue::new(0));
        let getter = glommio::spawn_local({
            let q = q.clone();
            async move { q.get().await }
        });
        yield_now().await; // the getter waits
        assert!(q.empty());
        q.put("hello").await;
        assert_eq!(getter.await, "hello");
    });
}

#[test]
fn nowait_calls_fail_at_once_on_a_full_or_empty_queue() {
    let q = Queue::new(1);
    assert!(q.empty() && !q.full());
    q.put_nowait("a").unwrap();
    assert!(q.full());
    assert_eq!(q.put_nowait("b"), Err(QueueFull("b")));
    assert_eq!(q.get_nowait(), Ok("a"));
    assert_eq!(q.get_nowait(), Err(QueueEmpty));

    let unbounded = Queue::new(0);
    for i in 0..1000 {
        unbounded.put_nowait(i).unwrap();
    }
    assert!(!unbounded.full());
    assert_eq!(unbounded.qsize(), 1000);
}

#[test]
fn a_putter_waits_while_full_and_its_item_enters_as_a_slot_frees() {
    run(async {
        let q = Queue::new(1);
        q.put(1).await;
        let mut a = Box::pin(q.put(2));
        let mut b = Box::pin(q.put(3));
        assert!(poll(&mut a).await.is_none());
        assert!(poll(&mut b).await.is_none());
        assert_eq!(q.get_nowait(), Ok(1));
        assert_eq!(q.qsize(), 1, "the oldest putter's item took the slot");
        assert_eq!(poll(&mut b).await, None);
        assert_eq!(poll(&mut a).await, Some(()));
        assert_eq!(q.get().await, 2);
        assert_eq!(poll(&mut b).await, Some(()));
        assert_eq!(q.get().await, 3);
    });
}

#[test]
fn a_dropped_putter_takes_its_item_away() {
    run(async {
        let q = Queue::new(1);
        q.put_nowait(1).unwrap();
        let mut put = Box::pin(q.put(2));
        assert!(poll(&mut put).await.is_none());
        drop(put);
        assert_eq!(q.get_nowait(), Ok(1));
        assert_eq!(q.get_nowait(), Err(QueueEmpty));
        q.task_done().unwrap();
        assert_eq!(
            q.task_done(),
            Err(TaskDoneError),
            "the dropped item was counted"
        );
    });
}

#[test]
fn a_getter_dropped_after_an_item_was_handed_to_it_passes_the_item_on() {
    run(async {
        let q = Queue::new(0);
        let mut a = Box::pin(q.get());
        let mut b = Box::pin(q.get());
        assert!(poll(&mut a).await.is_none());
        assert!(poll(&mut b).await.is_none());
        q.put_nowait("x").unwrap(); // handed to `a` ...
        drop(a); // ... which is cancelled before it runs
        assert_eq!(poll(&mut b).await, Some("x"));
    });
}

#[test]
fn a_getter_dropped_with_an_item_and_nobody_behind_returns_it_to_the_front() {
    run(async {
        let q = Queue::new(0);
        let mut a = Box::pin(q.get());
        assert!(poll(&mut a).await.is_none());
        q.put_nowait(1).unwrap(); // handed to `a`
        q.put_nowait(2).unwrap(); // queued
        drop(a);
        assert_eq!(q.qsize(), 2);
        assert_eq!(q.get_nowait(), Ok(1), "first in, still first out");
        assert_eq!(q.get_nowait(), Ok(2));
    });
}

#[test]
fn a_get_that_times_out_takes_nothing() {
    run(async {
        let q = Queue::new(0);
        let started = Instant::now();
        let mut timed = Box::pin(q.get_timeout(SHORT));
        assert!(poll(&mut timed).await.is_none());
        let mut behind = Box::pin(q.get());
        assert!(poll(&mut behind).await.is_none());
        assert_eq!(timed.await, Err(TimeoutError));
        assert!(started.elapsed() >= SHORT, "timed out early");
        q.put_nowait("kept").unwrap();
        assert_eq!(poll(&mut behind).await, Some("kept"));
        q.put_nowait("queued").unwrap();
        assert_eq!(q.get_timeout(SHORT).await, Ok("queued"));
        // A deadline (an `Instant`) already past: an item at hand still wins.
        q.put_nowait("at hand").unwrap();
        assert_eq!(q.get_timeout(Instant::now()).await, Ok("at hand"));
        assert_eq!(q.get_timeout(Instant::now()).await, Err(TimeoutError));
    });
}

#[test]
fn a_put_that_times_out_gives_its_item_back() {
    run(async {
        let q = Queue::new(1);
        q.put_nowait(1).unwrap();
        assert_eq!(q.put_timeout(2, SHORT).await, Err(PutTimeout(2)));
        assert_eq!(q.get_nowait(), Ok(1));
        assert_eq!(
            q.get_nowait(),
            Err(QueueEmpty),
            "the timed-out item went in"
        );
        assert_eq!(q.put_timeout(3, SHORT).await, Ok(()));
    });
}

#[test]
fn join_waits_until_every_item_is_done() {
    run(async {
        let q = Queue::new(0);
        q.join().await; // nothing unfinished
        q.put_nowait(1).unwrap();
        q.put_nowait(2).unwrap();
        let mut join = Box::pin(q.join());
        assert!(poll(&mut join).await.is_none());
        q.get_nowait().unwrap();
        q.get_nowait().unwrap();
        assert!(poll(&mut join).await.is_none(), "taken is not done");
        q.task_done().unwrap();
        assert!(poll(&mut join).await.is_none());
        assert_eq!(q.join_timeout(SHORT).await, Err(TimeoutError));
        q.task_done().unwrap();
        assert!(poll(&mut join).await.is_some());
        assert_eq!(q.task_done(), Err(TaskDoneError));
        assert_eq!(q.join_timeout(SHORT).await, Ok(()));
    });
}

#[test]
fn join_waits_for_a_consumer_task() {
    run(async {
        let q = Rc::new(Queue::new(0));
        for i in 0..10 {
            q.put_nowait(i).unwrap();
        }
        let consumer = glommio::spawn_local({
            let q = q.clone();
            async move {
                let mut sum = 0;
                while let Ok(item) = q.get_nowait() {
                    yield_now().await; // processing takes a while
                    sum += item;
                    q.task_done().unwrap();
                }
                sum
            }
        });
        q.join_timeout(Duration::from_secs(5)).await.unwrap();
        assert_eq!(consumer.await, 45);
    });
}

#[test]
fn a_priority_queue_gives_its_lowest_item_first() {
    run(async {
        let q = PriorityQueue::new(0);
        for item in [5, 1, 4, 2, 3] {
            q.put(item).await;
        }
        let mut got = Vec::new();
        while let Ok(item) = q.get_nowait() {
            got.push(item);
        }
        assert_eq!(got, [1, 2, 3, 4, 5]);
        let mut waiting = Box::pin(q.get());
        assert!(poll(&mut waiting).await.is_none());
        q.put_nowait(9).unwrap();
        assert_eq!(poll(&mut waiting).await, Some(9));
    });
}

#[test]
fn a_lifo_queue_gives_its_newest_item_first() {
    run(async {
        let q = LifoQueue::new(2);
        q.put(1).await;
        q.put(2).await;
        let mut third = Box::pin(q.put(3));
        assert!(poll(&mut third).await.is_none());
        // As Tornado: the waiting putter's item goes in, then the newest comes out.
        assert_eq!(q.get_nowait(), Ok(3));
        assert_eq!(poll(&mut third).await, Some(()));
        assert_eq!(q.get_nowait(), Ok(2));
        assert_eq!(q.get_nowait(), Ok(1));
        assert_eq!(q.get_nowait(), Err(QueueEmpty));
    });
}
