//! Tornado's long-polling chat demo (`demos/chat`), across shards: a message posted on any shard reaches the clients waiting on every shard.
//!
//! ```text
//! cargo run --release --example chatdemo                        # 2 shards on port 8888
//! curl -d cursor= localhost:8888/a/message/updates               # waits for a message…
//! curl -d body=hello localhost:8888/a/message/new                # …which this one posts
//! ```
//!
//! Open <http://localhost:8888/> in two browsers to chat.
//!
//! # How it works
//! - Shard 0 numbers the messages: `POST /a/message/new` on any shard hands the body to
//!   shard 0 (`submit_to`), which gives it the next id (1, 2, 3, … for the life of the
//!   server) and publishes it on a `Bus<Message>`, one message at a time in id order. The
//!   bus keeps one publisher's order, so every shard receives the messages in id order.
//! - Every shard subscribes to the bus when it starts and keeps its own copy of the last
//!   200 messages (Tornado's `cache_size`), ids ascending: the same order on every shard,
//!   so a cursor means the same thing wherever the client's next poll lands.
//! - `POST /a/message/updates` answers at once with the messages after `cursor` (all of
//!   them without one), or waits on the shard's `Event` for the next ones. A client that
//!   hangs up while it waits is dropped (`STOP_ON_CLOSE`).
//! - Unlike Tornado's demo there are no XSRF cookies, and ids restart with the server (a
//!   page from an earlier run must be reloaded).

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;

use clap::Parser;
use event_listener::Event;
use serde_json::{json, Value};
use typhoon::httpserver::{Factory, HttpServer, MakeService, ShardInfo};
use typhoon::ioloop::{num_shards, shard_id, submit_to, Bus, IoLoop};
use typhoon::web::{url, Application, Handler, HttpError, RequestHandler, Result};

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

/// Messages each shard keeps (Tornado's `cache_size`).
const CACHE_SIZE: usize = 200;

/// A chat message: its id from shard 0, its text, and the HTML the page shows for it.
#[derive(Clone, Debug)]
struct Message {
    id: u64,
    body: String,
}

impl Message {
    /// Tornado's `message.html`: one `<div>` with the body escaped.
    fn html(&self) -> String {
        format!(
            r#"<div class="message" id="m{}">{}</div>"#,
            self.id,
            escape(&self.body)
        )
    }

    /// `{"id": …, "body": …, "html": …}`, as Tornado's demo sends it.
    fn to_json(&self) -> Value {
        json!({ "id": self.id, "body": self.body, "html": self.html() })
    }
}

/// HTML-escapes `text` (Tornado's `xhtml_escape`).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// One shard's copy of the chat (Tornado's `MessageBuffer`).
struct MessageBuffer {
    /// The last [`CACHE_SIZE`] messages, ids ascending.
    cache: RefCell<VecDeque<Message>>,
    /// Notified when the cache grows: the long polls of this shard wait on it.
    news: Event,
    /// Long polls waiting now.
    waiting: Cell<usize>,
}

/// Shard 0's numbering: the last id given, the last id published, and a turn signal.
struct Sequencer {
    last_id: Cell<u64>,
    published: Cell<u64>,
    turn: Event,
}

thread_local! {
    static BUFFER: MessageBuffer = const {
        MessageBuffer {
            cache: RefCell::new(VecDeque::new()),
            news: Event::new(),
            waiting: Cell::new(0),
        }
    };
    static SEQUENCER: Sequencer = const {
        Sequencer {
            last_id: Cell::new(0),
            published: Cell::new(0),
            turn: Event::new(),
        }
    };
}

impl MessageBuffer {
    /// Adds a message from the bus and wakes this shard's waiting long polls.
    fn add(&self, message: Message) {
        let mut cache = self.cache.borrow_mut();
        cache.push_back(message);
        if cache.len() > CACHE_SIZE {
            cache.pop_front();
        }
        self.news.notify(usize::MAX);
    }

    /// The cached messages after `cursor`, or all of them (Tornado's `get_messages_since`).
    fn since(&self, cursor: Option<u64>) -> Vec<Message> {
        let cache = self.cache.borrow();
        let newer = cache.partition_point(|m| cursor.is_some_and(|c| m.id <= c));
        cache.range(newer..).cloned().collect()
    }
}

/// Runs on shard 0: numbers `body` and publishes it after every lower id.
async fn sequence(bus: Bus<Message>, body: String) -> Message {
    let id = SEQUENCER.with(|s| {
        s.last_id.set(s.last_id.get() + 1);
        s.last_id.get()
    });
    let message = Message { id, body };
    // `publish` may wait for room in a shard's inbox; the next id waits for its turn, so
    // the messages enter every inbox in id order.
    while let Some(turn) =
        SEQUENCER.with(|s| (s.published.get() + 1 != id).then(|| s.turn.listen()))
    {
        turn.await;
    }
    // An error means "not on a shard", which a submitted task always is.
    let _ = bus.publish(message.clone()).await;
    SEQUENCER.with(|s| {
        s.published.set(id);
        s.turn.notify(usize::MAX);
    });
    message
}

/// Subscribes this shard to the bus and feeds its [`MessageBuffer`] for as long as it runs.
fn join_chat(bus: &Bus<Message>) {
    let mut messages = match bus.subscribe() {
        Ok(subscription) => subscription,
        Err(e) => return eprintln!("chat: cannot subscribe: {e}"),
    };
    IoLoop::current().spawn_callback(async move {
        loop {
            match messages.recv().await {
                Ok(message) => BUFFER.with(|b| b.add(message)),
                Err(lagged) => eprintln!("chat: shard {:?}: {lagged}", shard_id()),
            }
        }
    });
}

/// `GET /` → the page: the messages so far, a form, and a script that long-polls.
struct MainHandler;
impl RequestHandler for MainHandler {
    async fn get(&mut self, h: &mut Handler) -> Result {
        let messages = BUFFER.with(|b| b.since(None));
        let cursor = messages.last().map_or(String::new(), |m| m.id.to_string());
        let html: String = messages.iter().map(Message::html).collect();
        h.write(
            PAGE.replace("%MESSAGES%", &html)
                .replace("%CURSOR%", &cursor),
        );
        Ok(())
    }
}

/// `POST /a/message/new` (`body`, optional `next`) → the message as JSON, or a redirect
/// to `next` (a path on this site).
struct MessageNewHandler {
    bus: Bus<Message>,
}
impl RequestHandler for MessageNewHandler {
    async fn post(&mut self, h: &mut Handler) -> Result {
        let body = h.get_argument("body")?;
        let bus = self.bus.clone();
        let message = submit_to(0, move || sequence(bus, body))
            .await
            .map_err(|_| HttpError::new(503))?;
        match h.get_argument_or("next", "") {
            next if next.starts_with('/') && !next.starts_with("//") => h.redirect(&next)?,
            _ => h.write_json(&message.to_json())?,
        }
        Ok(())
    }
}

/// `POST /a/message/updates` (`cursor`: the last id seen, or empty) →
/// `{"messages": [...]}` once there is a message after it.
struct MessageUpdatesHandler;
impl RequestHandler for MessageUpdatesHandler {
    /// A client that hangs up is dropped at once: its wait ends and nothing is sent.
    const STOP_ON_CLOSE: bool = true;

    async fn post(&mut self, h: &mut Handler) -> Result {
        let cursor = match h.get_argument_or("cursor", "").as_str() {
            "" => None,
            text => Some(text.parse().map_err(|_| HttpError::new(400))?),
        };
        let messages = loop {
            // Listen first, then look: a message added in between still wakes us.
            let (news, messages) = BUFFER.with(|b| (b.news.listen(), b.since(cursor)));
            if !messages.is_empty() {
                break messages;
            }
            let _waiting = Waiting::enter();
            news.await;
        };
        let messages: Vec<Value> = messages.iter().map(Message::to_json).collect();
        h.write_json(&json!({ "messages": messages }))?;
        Ok(())
    }
}

/// Counts a long poll in [`MessageBuffer::waiting`] until dropped, by a message or a hang-up.
struct Waiting;
impl Waiting {
    fn enter() -> Waiting {
        BUFFER.with(|b| b.waiting.set(b.waiting.get() + 1));
        Waiting
    }
}
impl Drop for Waiting {
    fn drop(&mut self) {
        BUFFER.with(|b| b.waiting.set(b.waiting.get() - 1));
    }
}

/// `GET /a/status` → this shard's id, the server's shard count, its cache and its waiters.
struct StatusHandler;
impl RequestHandler for StatusHandler {
    async fn get(&mut self, h: &mut Handler) -> Result {
        let status = BUFFER.with(|b| {
            let cache = b.cache.borrow();
            json!({
                "shard": shard_id(),
                "shards": num_shards(),
                "cached": cache.len(),
                "newest": cache.back().map(|m| m.id),
                "waiting": b.waiting.get(),
            })
        });
        h.write_json(&status)?;
        Ok(())
    }
}

/// The chat application; each shard joins the bus as it starts.
pub(crate) fn app() -> impl MakeService {
    let bus: Bus<Message> = Bus::new();
    let posts = bus.clone();
    let app = Application::new(vec![
        url(r"/", || MainHandler),
        url(r"/a/message/new", move || MessageNewHandler {
            bus: posts.clone(),
        }),
        url(r"/a/message/updates", || MessageUpdatesHandler),
        url(r"/a/status", || StatusHandler),
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

/// The page: `%MESSAGES%` and `%CURSOR%` are filled in; the script long-polls for more.
const PAGE: &str = r#"<!DOCTYPE html>
<html><head><meta charset="UTF-8"><title>Typhoon chat</title></head>
<body>
<div id="inbox">%MESSAGES%</div>
<form action="/a/message/new" method="post">
  <input name="body" autofocus autocomplete="off"><input type="hidden" name="next" value="/">
  <input type="submit" value="Post">
</form>
<script>
let cursor = "%CURSOR%";
(async () => {
  for (;;) {
    try {
      const reply = await fetch("/a/message/updates",
        { method: "POST", body: new URLSearchParams({ cursor }) });
      for (const m of (await reply.json()).messages) {
        document.getElementById("inbox").insertAdjacentHTML("beforeend", m.html);
        cursor = String(m.id);
      }
    } catch (e) {
      await new Promise((r) => setTimeout(r, 5000));
    }
  }
})();
</script>
</body></html>
"#;
