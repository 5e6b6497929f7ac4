//! actix-web 4 hello: one worker (`--workers N` for more), `GET /` → 200 `good boy`. TCP_NODELAY on (actix-web 4.18
//! keeps the OS default, off, unless told), as for the other peers.
use actix_web::{web, App, HttpResponse, HttpServer};

async fn index() -> HttpResponse {
    HttpResponse::Ok().body(typhoon_bench_peers::BODY)
}

fn main() -> std::io::Result<()> {
    let port = typhoon_bench_peers::port_arg();
    let workers = typhoon_bench_peers::workers_arg();
    actix_web::rt::System::new().block_on(async move {
        let server = HttpServer::new(|| App::new().route("/", web::get().to(index)))
            .workers(workers)
            .tcp_nodelay(true)
            .backlog(4096)
            .max_connections(100_000)
            .disable_signals()
            .bind(("127.0.0.1", port))?;
        let bound = server.addrs()[0].port();
        typhoon_bench_peers::announce(bound);
        server.run().await
    })
}
