//! Random and mutated inputs never panic, and decode the same at any split.

mod support;

use support::{feed, Outcome, XorShift};
use typhoon_http1::Limits;

const SEEDS: &[&[u8]] = &[
    b"GET /a?b=c HTTP/1.1\r\nHost: example.com\r\nConnection: keep-alive\r\n\r\n",
    b"POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\nhello",
    b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;a=\"b\"\r\nhello\r\n0\r\nT: v\r\n\r\n",
    b"GET http://h:80/x HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
    b"OPTIONS * HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n",
];

/// Bytes that matter to the grammar, so mutations hit interesting paths.
const INTERESTING: &[u8] = b"\r\n\t :;,=\"\\/?#@[]0aF\x00\x7f\x80\xff";

fn mutate(rng: &mut XorShift, seed: &[u8]) -> Vec<u8> {
    let mut v = seed.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(v.len() + 1);
        let byte = if rng.below(2) == 0 {
            INTERESTING[rng.below(INTERESTING.len())]
        } else {
            rng.next_u64() as u8
        };
        match rng.below(3) {
            0 if at < v.len() => v[at] = byte,
            1 if at < v.len() => {
                v.remove(at);
            }
            _ => v.insert(at, byte),
        }
    }
    v
}

/// The outcome whole must match the outcome at a few random splits.
fn check(rng: &mut XorShift, limits: Limits, input: &[u8]) {
    let whole: Outcome = feed(limits, &[input]);
    for _ in 0..3 {
        let a = rng.below(input.len() + 1);
        let b = a + rng.below(input.len() - a + 1);
        let split = feed(limits, &[&input[..a], &input[a..b], &input[b..]]);
        assert_eq!(split, whole, "input {input:?} split at {a}, {b}");
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let limits = Limits {
        max_request_line: 64,
        max_head: 256,
        max_headers: 8,
        max_body: 64,
        max_chunk_extensions: 32,
        max_trailers: 32,
    };
    for _ in 0..3000 {
        let len = rng.below(300);
        let input: Vec<u8> = (0..len)
            .map(|_| {
                if rng.below(3) == 0 {
                    INTERESTING[rng.below(INTERESTING.len())]
                } else {
                    rng.next_u64() as u8
                }
            })
            .collect();
        check(&mut rng, limits, &input);
        check(&mut rng, Limits::default(), &input);
    }
}

#[test]
fn mutated_requests_never_panic() {
    let mut rng = XorShift(0x0123_4567_89ab_cdef);
    let small = Limits {
        max_request_line: 40,
        max_head: 120,
        max_headers: 4,
        max_body: 8,
        max_chunk_extensions: 8,
        max_trailers: 16,
    };
    for i in 0..20_000 {
        let seed = SEEDS[i % SEEDS.len()];
        let input = mutate(&mut rng, seed);
        check(&mut rng, Limits::default(), &input);
        check(&mut rng, small, &input);
    }
}

#[test]
fn seeds_decode() {
    // The seeds themselves are valid, so the mutation test starts from real requests.
    for seed in SEEDS {
        let out = feed(Limits::default(), &[seed]);
        assert!(
            out.error().is_none() && !out.requests().is_empty(),
            "{out:?}"
        );
    }
}
