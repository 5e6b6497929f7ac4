//! The codec allocates nothing per request: 1,000 pipelined requests decoded and 1,000
//! responses encoded cost a constant number of allocations (a counting global allocator).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::SystemTime;

use bytes::BytesMut;
use typhoon_http1::{encode_response, DateCache, Decoded, Decoder, Limits, Preamble};

/// Counts the allocations of the thread that turned counting on (the test harness's
/// other threads allocate at times of their own, which made a process-wide count flaky).
struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}

fn count() {
    if COUNTING.with(Cell::get) {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    }
}

// SAFETY: forwards to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: the caller's contract is the one System::alloc needs.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: as for `alloc`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// What wrk sends, plus a browser's worth of headers (12 fields).
const REQUEST: &[u8] = b"GET /hello?name=typhoon HTTP/1.1\r\nHost: localhost:8888\r\nUser-Agent: Mozilla/5.0\r\nAccept: text/html\r\nAccept-Language: en-US\r\nAccept-Encoding: gzip\r\nConnection: keep-alive\r\nCookie: a=b\r\nCache-Control: no-cache\r\nPragma: no-cache\r\nDnt: 1\r\nUpgrade-Insecure-Requests: 1\r\n\r\n";

#[test]
fn decoding_and_encoding_allocate_nothing_per_request() {
    const N: usize = 1000;
    let mut input = BytesMut::with_capacity(REQUEST.len() * N);
    for _ in 0..N {
        input.extend_from_slice(REQUEST);
    }
    let mut out = BytesMut::with_capacity(256 * N);
    let preamble = Preamble::new(
        b"TyphoonServer",
        DateCache::new(SystemTime::now()).as_bytes(),
    );
    let mut decoder = Decoder::new(Limits::default());
    let headers = [("Content-Type", "text/html; charset=UTF-8")];

    // The counter sees this thread's allocations (else the bound below proves nothing).
    COUNTING.with(|c| c.set(true));
    let probe = ALLOCATIONS.load(Ordering::Relaxed);
    drop(std::hint::black_box(Vec::<u8>::with_capacity(64)));
    assert_eq!(ALLOCATIONS.load(Ordering::Relaxed) - probe, 1);

    let before = ALLOCATIONS.load(Ordering::Relaxed);
    let mut decoded = 0;
    while let Ok(Some(Decoded::Request(req))) = decoder.decode(&mut input) {
        assert_eq!(req.headers().count(), 11);
        let ctx = req.context();
        encode_response(&mut out, &ctx, 200, "", headers, b"good boy", &preamble);
        decoded += 1;
    }
    COUNTING.with(|c| c.set(false));
    let allocations = ALLOCATIONS.load(Ordering::Relaxed) - before;
    assert_eq!(decoded, N);
    // The first split of the read buffer makes its storage shareable (one allocation),
    // the first request's parts are boxed (one) and kept for the next request in the
    // thread's spare list (one); nothing after that depends on the number of requests.
    assert!(
        allocations <= 3,
        "{allocations} allocations for {N} requests"
    );
}
