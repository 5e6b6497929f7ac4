//! Codec micro-benchmarks: request decoding (single and pipelined) and response encoding.
// criterion_group! generates an undocumented public function.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::SystemTime;

use bytes::BytesMut;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use typhoon_benches::{pipelined, BROWSER_GET, WRK_GET};
use typhoon_http1::{encode_response, DateCache, Decoded, Decoder, Limits, Preamble};

fn decode_all(input: &[u8]) -> usize {
    let mut decoder = Decoder::new(Limits::default());
    let mut buf = BytesMut::from(input);
    let mut n = 0;
    while let Ok(Some(Decoded::Request(req))) = decoder.decode(&mut buf) {
        black_box(req);
        n += 1;
    }
    n
}

fn decode(c: &mut Criterion) {
    let mut group = c.benchmark_group("decode");
    for (name, input) in [
        ("wrk_get", WRK_GET.to_vec()),
        ("browser_get", BROWSER_GET.to_vec()),
    ] {
        group.throughput(Throughput::Elements(1));
        group.bench_function(name, |b| b.iter(|| decode_all(black_box(&input))));
    }
    let batch = pipelined(WRK_GET, 16);
    group.throughput(Throughput::Elements(16));
    group.bench_function("wrk_get_pipelined_16", |b| {
        b.iter(|| decode_all(black_box(&batch)))
    });
    group.finish();
}

fn encode(c: &mut Criterion) {
    let date = DateCache::new(SystemTime::now());
    let preamble = Preamble::new(b"TyphoonServer/0.1.0", date.as_bytes());
    let mut decoder = Decoder::new(Limits::default());
    let Ok(Some(Decoded::Request(req))) = decoder.decode(&mut BytesMut::from(WRK_GET)) else {
        panic!("the benchmark request must decode");
    };
    let ctx = req.context();
    let headers = [("Content-Type", "text/html; charset=UTF-8")];
    let mut out = BytesMut::with_capacity(4096);
    c.bench_function("encode/hello_response", |b| {
        b.iter(|| {
            out.clear();
            encode_response(&mut out, &ctx, 200, "", headers, b"good boy", &preamble);
            black_box(&out);
        })
    });
}

criterion_group!(benches, decode, encode);
criterion_main!(benches);
