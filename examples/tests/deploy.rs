//! The deploy example's application: xheaders decide `/whoami`, each shard's own port
//! reaches that shard, and `POST /upload` reads its body.
#![allow(clippy::unwrap_used)]

#[path = "../deploy.rs"]
#[allow(dead_code)]
mod deploy;

use typhoon::httpserver::{HttpServer, RunningServer, ServerConfig};

/// The app on 127.0.0.1, port 0, two shards, each also on a port of its own.
fn start() -> RunningServer {
    let config = ServerConfig {
        io_memory: 64 << 10,
        port_per_shard: true,
        ..ServerConfig::default()
    };
    let mut server = HttpServer::with_config(deploy::app(), config);
    server.bind_addr(0, "127.0.0.1").unwrap();
    server.start_background(2).unwrap()
}

/// `GET url` with `headers` → the body.
fn get(url: &str, headers: &[(&str, &str)]) -> String {
    let mut request = ureq::get(url);
    for (name, value) in headers {
        request = request.set(name, value);
    }
    request.call().unwrap().into_string().unwrap()
}

#[test]
fn whoami_follows_xheaders_as_tornado_does() {
    let server = start();
    let base = format!("http://{}", server.handle().local_addrs()[0]);
    assert_eq!(get(&format!("{base}/"), &[]), "good boy");
    let whoami = format!("{base}/whoami");
    assert!(get(&whoami, &[]).starts_with("remote_ip=127.0.0.1 shard="));
    // X-Real-Ip wins over X-Forwarded-For; a bad value falls back to the peer.
    let both = [("X-Real-Ip", "10.1.2.3"), ("X-Forwarded-For", "10.9.9.9")];
    assert!(get(&whoami, &both).starts_with("remote_ip=10.1.2.3 "));
    let chain = [("X-Forwarded-For", "203.0.113.7, 10.9.9.9")];
    assert!(get(&whoami, &chain).starts_with("remote_ip=10.9.9.9 "));
    let bad = [("X-Real-Ip", "not an address")];
    assert!(get(&whoami, &bad).starts_with("remote_ip=127.0.0.1 "));
}

#[test]
fn each_shard_answers_on_its_own_port() {
    let server = start();
    for shard in 0..2 {
        let addr = server.handle().shard_addrs(shard)[0];
        let body = get(&format!("http://{addr}/whoami"), &[]);
        assert_eq!(body, format!("remote_ip=127.0.0.1 shard={shard}\n"));
    }
}

#[test]
fn upload_reads_the_whole_body() {
    let server = start();
    let url = format!("http://{}/upload", server.handle().local_addrs()[0]);
    let body = ureq::post(&url)
        .send_bytes(&[7u8; 100_000])
        .unwrap()
        .into_string()
        .unwrap();
    assert_eq!(body, "received 100000 bytes\n");
}
