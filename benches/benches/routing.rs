//! Route matching: the first-match-wins scan of a Tornado-style route table.
// criterion_group! generates an undocumented public function.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use typhoon_web::{url, Handler, RequestHandler, Result, Route};

struct Nop;
impl RequestHandler for Nop {
    async fn get(&mut self, _h: &mut Handler) -> Result {
        Ok(())
    }
}

/// The web_tour table: eleven routes with literal, positional and named patterns.
fn table() -> Vec<Route> {
    [
        r"/hello",
        r"/user/(\d+)",
        r"/post/(?P<slug>[a-z0-9-]+)",
        r"/form",
        r"/cookie/set",
        r"/cookie/get",
        r"/redirect",
        r"/error/(\d+)",
        r"/stream",
        r"/reverse",
        r"/json",
    ]
    .into_iter()
    .map(|p| url(p, || Nop))
    .collect()
}

fn first_match<'a>(routes: &'a [Route], path: &str) -> Option<&'a Route> {
    routes.iter().find(|r| r.captures(path).is_some())
}

fn routing(c: &mut Criterion) {
    let routes = table();
    let mut group = c.benchmark_group("route_match");
    for path in [
        "/hello",
        "/user/42",
        "/post/typhoon-is-fast",
        "/json",
        "/no/such/page",
    ] {
        group.bench_function(path, |b| {
            b.iter(|| first_match(black_box(&routes), black_box(path)).is_some())
        });
    }
    group.finish();
}

criterion_group!(benches, routing);
criterion_main!(benches);
