//! Cross-shard messaging through the facade (`typhoon::ioloop`), from a `RequestHandler`.

use typhoon::ioloop::{num_shards, shard_id, submit_to, Bus};
use typhoon::testing::TestServer;
use typhoon::web::{url, Application, Handler, RequestHandler, Result};

struct WhoAmI;

impl RequestHandler for WhoAmI {
    async fn get(&mut self, h: &mut Handler) -> Result {
        let from_submit = submit_to(0, || async { shard_id() }).await;
        h.write(format!(
            "{from_submit:?} {:?} {:?}",
            shard_id(),
            num_shards()
        ));
        Ok(())
    }
}

struct Echo {
    bus: Bus<String>,
}

impl RequestHandler for Echo {
    async fn get(&mut self, h: &mut Handler) -> Result {
        let mut sub = self.bus.subscribe().expect("on a shard");
        self.bus
            .publish("hello".to_owned())
            .await
            .expect("on a shard");
        h.write(sub.recv().await.unwrap_or_default());
        Ok(())
    }
}

#[test]
fn handlers_reach_the_mesh_through_the_facade() {
    let bus = Bus::new();
    let app = Application::new(vec![
        url(r"/who", || WhoAmI),
        url(r"/echo", move || Echo { bus: bus.clone() }),
    ]);
    let server = TestServer::start(app);
    assert_eq!(server.fetch("/who").text(), "Ok(Some(0)) Some(0) Some(1)");
    assert_eq!(server.fetch("/echo").text(), "hello");
    server.stop();
}
