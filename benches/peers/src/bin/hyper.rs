//! hyper 1 hello on a tokio current_thread runtime (`--workers N`, N > 1: a multi_thread
//! runtime with N worker threads): `GET /` → 200 `good boy`.
//! TCP_NODELAY on accepted sockets; HTTP/1 `pipeline_flush` on (hyper's own option for
//! answering pipelined requests in one write).
use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;

async fn hello(_req: Request<hyper::body::Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from_static(
        typhoon_bench_peers::BODY.as_bytes(),
    ))))
}

fn main() -> std::io::Result<()> {
    let port = typhoon_bench_peers::port_arg();
    let workers = typhoon_bench_peers::workers_arg();
    let rt = if workers > 1 {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .enable_all()
            .build()?
    } else {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
    };
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        typhoon_bench_peers::announce(listener.local_addr()?.port());
        loop {
            let (stream, _) = match listener.accept().await {
                Ok(s) => s,
                Err(_) => continue,
            };
            stream.set_nodelay(true).ok();
            tokio::spawn(async move {
                let _ = http1::Builder::new()
                    .pipeline_flush(true)
                    .serve_connection(TokioIo::new(stream), service_fn(hello))
                    .await;
            });
        }
    })
}
