//! Tornado's WebSocket chat demo (`demos/websocket/chatdemo.py`), across shards: a message
//! sent to any shard reaches the WebSockets open on every shard.
//!
//! ```text
//! cargo run --release --example chat                   # 2 shards on port 8888
//! ```
//!
//! Open <http://localhost:8888/> in two browsers to chat.
//!
//! # How it works
//! - `GET /` serves the page with the last messages (Tornado's `cache`, 200 of them) and a
//!   form; its script opens a WebSocket to `/chatsocket`, sends `{"body": …}` for each
//!   post and shows each `{"id", "body", "html"}` it receives.
//! - A message arriving on a shard is given an id (`<shard>-<n>`: unique without asking
//!   another shard), turned into HTML, and published on a `Bus<ChatMessage>`. Every shard,
//!   the sender's included, receives it, adds it to its own cache and sends it to its own
//!   open WebSockets.
//! - Sending to a slow client never holds up the others: each WebSocket has at most
//!   `MAX_PENDING` messages on their way; past that, it misses messages (and says so in
//!   the log), as a lagging bus subscriber does.
//! - On open, a socket is told its shard (`{"shard": n}`: the page shows nothing for it
//!   and keeps it in `window.typhoonShard`), so tests can tell where they landed.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use clap::Parser;
use serde_json::{json, Value};
use typhoon::httpserver::{Factory, HttpServer, MakeService, ShardInfo};
use typhoon::ioloop::{shard_id, Bus, IoLoop};
use typhoon::web::{url, xhtml_escape, Application, Handler, RequestHandler, Result};
use typhoon::websocket::{WebSocket, WebSocketHandler, WebSocketRoute, WsMessage};

/// Serves the chat from several shards sharing one port.
#[derive(Parser)]
struct Args {
    /// Port to listen on (every interface, IPv4 and IPv6).
    #[arg(long, default_value_t = 8888)]
    port: u16,
    /// Number of shards; 0 means one per CPU this process may use.
    #[arg(long, default_value_t = 2)]
    shards: usize,
}

/// Messages each shard keeps for newcomers (Tornado's `cache_size`).
const CACHE_SIZE: usize = 200;
/// Messages on their way to one WebSocket at most before it misses some.
const MAX_PENDING: usize = 64;

/// A chat message as the page receives it.
#[derive(Clone, Debug)]
struct ChatMessage {
    id: String,
    body: String,
}

impl ChatMessage {
    /// Tornado's `message.html`.
    fn html(&self) -> String {
        format!(
            r#"<div class="message" id="m{}">{}</div>"#,
            self.id,
            xhtml_escape(&self.body)
        )
    }

    fn to_json(&self) -> Value {
        json!({ "id": self.id, "body": self.body, "html": self.html() })
    }
}

/// An open WebSocket of this shard and how many messages are on their way to it.
struct Waiter {
    ws: WebSocket,
    pending: Rc<Cell<usize>>,
}

/// One shard's part of the chat (Tornado's class attributes `waiters` and `cache`).
#[derive(Default)]
struct Room {
    waiters: RefCell<Vec<Waiter>>,
    cache: RefCell<VecDeque<ChatMessage>>,
    /// Messages this shard has numbered.
    numbered: Cell<u64>,
}

thread_local! {
    static ROOM: Room = Room::default();
}

impl Room {
    /// Keeps `message` for newcomers and sends it to every WebSocket of this shard.
    fn deliver(&self, message: &ChatMessage) {
        {
            let mut cache = self.cache.borrow_mut();
            cache.push_back(message.clone());
            if cache.len() > CACHE_SIZE {
                cache.pop_front();
            }
        }
        let text = message.to_json().to_string();
        for waiter in self.waiters.borrow().iter() {
            if waiter.pending.get() >= MAX_PENDING {
                log::warn!("chat: a slow client misses message {}", message.id);
                continue;
            }
            waiter.pending.set(waiter.pending.get() + 1);
            let (ws, pending, text) = (waiter.ws.clone(), waiter.pending.clone(), text.clone());
            IoLoop::current().spawn_callback(async move {
                let _ = ws.write_message(text).await;
                pending.set(pending.get() - 1);
            });
        }
    }

    fn next_id(&self) -> String {
        self.numbered.set(self.numbered.get() + 1);
        format!("{}-{}", shard_id().unwrap_or(0), self.numbered.get())
    }
}

/// Subscribes this shard to the bus and delivers what arrives, for as long as it runs.
fn join_chat(bus: &Bus<ChatMessage>) {
    let mut messages = match bus.subscribe() {
        Ok(subscription) => subscription,
        Err(e) => return log::error!("chat: cannot subscribe: {e}"),
    };
    IoLoop::current().spawn_callback(async move {
        loop {
            match messages.recv().await {
                Ok(message) => ROOM.with(|room| room.deliver(&message)),
                Err(lagged) => log::warn!("chat: shard {:?}: {lagged}", shard_id()),
            }
        }
    });
}

/// `GET /` → the page with the cached messages.
struct MainHandler;
impl RequestHandler for MainHandler {
    async fn get(&mut self, h: &mut Handler) -> Result {
        let html: String =
            ROOM.with(|room| room.cache.borrow().iter().map(ChatMessage::html).collect());
        h.write(PAGE.replace("%MESSAGES%", &html));
        Ok(())
    }
}

/// `/chatsocket`: Tornado's `ChatSocketHandler`.
struct ChatSocket {
    bus: Bus<ChatMessage>,
    ws: Option<WebSocket>,
}

impl WebSocketHandler for ChatSocket {
    async fn open(&mut self, ws: &WebSocket, _h: &Handler) -> Result {
        ROOM.with(|room| {
            room.waiters.borrow_mut().push(Waiter {
                ws: ws.clone(),
                pending: Rc::default(),
            });
        });
        self.ws = Some(ws.clone());
        let hello = json!({ "shard": shard_id() }).to_string();
        let _ = ws.write_message(hello).await;
        Ok(())
    }

    async fn on_message(&mut self, _ws: &WebSocket, message: WsMessage) -> Result {
        let WsMessage::Text(text) = message else {
            return Ok(());
        };
        let Some(body) = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|v| v["body"].as_str().map(str::to_owned))
        else {
            log::info!("chat: ignored a message without a body");
            return Ok(());
        };
        let message = ChatMessage {
            id: ROOM.with(Room::next_id),
            body,
        };
        // Every shard's subscriber gets it, this one's too. Err: not on a shard, which a
        // WebSocket handler always is.
        let _ = self.bus.publish(message).await;
        Ok(())
    }

    fn on_close(&mut self, _ws: &WebSocket) {
        if let Some(mine) = self.ws.take() {
            ROOM.with(|room| {
                room.waiters.borrow_mut().retain(|w| w.ws != mine);
            });
        }
    }
}

/// The chat application; each shard joins the bus as it starts.
pub(crate) fn app() -> impl MakeService {
    let bus: Bus<ChatMessage> = Bus::new();
    let sockets = bus.clone();
    let app = Application::new(vec![
        url(r"/", || MainHandler),
        url(r"/chatsocket", move || {
            WebSocketRoute(ChatSocket {
                bus: sockets.clone(),
                ws: None,
            })
        }),
    ]);
    Factory(move |shard: &ShardInfo| {
        join_chat(&bus);
        app.make_service(shard)
    })
}

fn main() -> typhoon::Result<()> {
    let args = Args::parse();
    typhoon::log::enable_pretty_logging();
    let mut server = HttpServer::new(app());
    server.bind(args.port)?;
    server.start(args.shards)?;
    IoLoop::current().start()
}

/// The page: `%MESSAGES%` is filled in; the script sends and receives over a WebSocket.
const PAGE: &str = r#"<!DOCTYPE html>
<html><head><meta charset="UTF-8"><title>Typhoon WebSocket chat</title></head>
<body>
<div id="inbox">%MESSAGES%</div>
<form id="messageform">
  <input name="body" id="message" autofocus autocomplete="off">
  <input type="submit" value="Post">
</form>
<script>
const socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/chatsocket");
socket.onmessage = (event) => {
  const m = JSON.parse(event.data);
  if (m.html === undefined) { // {"shard": n}: where this socket landed (for tests)
    if (m.shard !== undefined) window.typhoonShard = m.shard;
    return;
  }
  if (document.getElementById("m" + m.id)) return;
  document.getElementById("inbox").insertAdjacentHTML("beforeend", m.html);
};
document.getElementById("messageform").onsubmit = (event) => {
  event.preventDefault();
  const input = document.getElementById("message");
  socket.send(JSON.stringify({ body: input.value }));
  input.value = "";
};
</script>
</body></html>
"#;
