//! `typhoon::ioloop` from a web handler, with no glommio in sight: sleep, with_timeout,
//! a timeout, a periodic callback and the blocking pool.

use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use typhoon::ioloop::{sleep, with_timeout, IoLoop, PeriodicCallback, TimeoutError};
use typhoon::testing::TestServer;
use typhoon::web::{url, Application, Handler, RequestHandler, Result};

struct Toolkit;

impl RequestHandler for Toolkit {
    async fn get(&mut self, h: &mut Handler) -> Result {
        let io_loop = IoLoop::current();
        let started = io_loop.time();
        sleep(Duration::from_millis(20)).await;
        let slept = started.elapsed() >= Duration::from_millis(20);

        let late = with_timeout(Duration::from_millis(10), sleep(Duration::from_secs(5))).await;

        let fired = Rc::new(Cell::new(false));
        let flag = fired.clone();
        io_loop.call_later(Duration::from_millis(5), move || flag.set(true));

        let ticks = Rc::new(Cell::new(0));
        let counter = ticks.clone();
        let periodic = PeriodicCallback::new(move || counter.set(counter.get() + 1), 10);
        periodic.start();

        let sum = io_loop
            .run_in_executor(|| (1..=100u64).sum::<u64>())
            .await?; // a panic in it would be a 500
        sleep(Duration::from_millis(35)).await;
        periodic.stop();

        h.write(format!(
            "slept={slept} late={} fired={} ticked={} sum={sum}",
            late == Err(TimeoutError),
            fired.get(),
            ticks.get() >= 2
        ));
        Ok(())
    }
}

#[test]
fn a_handler_uses_the_ioloop_toolkit_through_the_facade() {
    let server = TestServer::start(Application::new(vec![url(r"/", || Toolkit)]));
    let started = Instant::now();
    let response = server.fetch("/");
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(
        response.text(),
        "slept=true late=true fired=true ticked=true sum=5050"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}
