//! A WebSocket echo server on tokio-tungstenite, a tokio current_thread runtime: every
//! text or binary message comes back as it was (the peer of scripts/ws-bench.sh).
use futures_util::{SinkExt, StreamExt};

fn main() -> std::io::Result<()> {
    let port = typhoon_bench_peers::port_arg();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        typhoon_bench_peers::announce(listener.local_addr()?.port());
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            stream.set_nodelay(true).ok();
            tokio::spawn(async move {
                let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else {
                    return;
                };
                while let Some(Ok(message)) = ws.next().await {
                    if message.is_text() || message.is_binary() {
                        if ws.send(message).await.is_err() {
                            return;
                        }
                    } else if message.is_close() {
                        return;
                    }
                }
            });
        }
    })
}
