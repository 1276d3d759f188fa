//! A gateway process for `tests/shutdown_load.rs`: the lesson's gateway,
//! served by `Host::from_env()?.run()` as a generated `main.rs` serves it,
//! with a `findOneAaa` that takes 0–300 ms (chosen from the payload) and
//! writes `begin N` on stdout as it starts on request `N`. Every other
//! event keeps the spec's behaviour. For `tests/limits.rs`, namespace
//! `/later` answers `later` with `N` and sends event `later` with `N` to
//! the sender 300 ms later (a delayed emission, bounded per socket).
//! For `tests/containment.rs`, namespace `/blast`: `join` a room, `blast`
//! `{ room, count, bytes }` sends `count` events `blasted` of `bytes`
//! characters each to the room, `members` acks how many sockets are in a
//! room, `work` takes a millisecond to ack its number, and `limited` may
//! be sent 5 times a second (burst 5; a socket
//! refused more than 20 times within a second is disconnected).

use std::io::Write;
use std::time::Duration;

use gatesmith_generated::aaa::{self, AaaService};
use gatesmith_runtime::{EventContext, Gateway, Host, Rate, SenderSocket, To};

struct Slow;

impl AaaService for Slow {
    async fn find_one_aaa(&self, payload: i64, _cx: &EventContext) -> String {
        // One line per request, written whole: the test reads which
        // requests the service began before the signal.
        let _ = writeln!(std::io::stdout().lock(), "begin {payload}");
        tokio::time::sleep(Duration::from_millis(spread(payload) % 301)).await;
        format!("slow #{payload}")
    }
}

/// A well-mixed function of `n` (splitmix64's finalizer): sleeps spread
/// evenly over 0–300 ms with no random number crate.
fn spread(n: i64) -> u64 {
    let mut z = (n as u64).wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[derive(gatesmith_runtime::serde::Deserialize)]
#[serde(crate = "gatesmith_runtime::serde")]
struct Blast {
    room: String,
    count: usize,
    bytes: usize,
}

fn main() -> std::io::Result<()> {
    let later = Gateway::new("later", "/later", (), |events| {
        events.on_payload("later", |_, cx: EventContext, n: i64| async move {
            cx.emit_after(Duration::from_millis(300), To::Sender, "later", n);
            n
        });
    });
    let blast = Gateway::builder("blast", "/blast", ())
        .events(|events| {
            events.on_payload("join", |_, cx: EventContext, room: String| async move {
                cx.join(room);
                true
            });
            events.on_payload("blast", |_, cx: EventContext, blast: Blast| async move {
                let text = "x".repeat(blast.bytes);
                for n in 0..blast.count {
                    cx.emit(To::Room(blast.room.clone()), "blasted", &(n, &text))
                        .await;
                }
                blast.count as i64
            });
            events.on_payload("members", |_, cx: EventContext, room: String| async move {
                match cx.socket() {
                    SenderSocket::Local(socket) => socket.within(room).sockets().len(),
                    SenderSocket::Redis(socket) => socket.within(room).sockets().len(),
                }
                .to_string()
            });
            events.on("limited", |_, _| async { "ok" });
            events.on_payload("work", |_, _, n: i64| async move {
                tokio::time::sleep(Duration::from_millis(1)).await;
                n
            });
        })
        .rate_limit(
            "limited",
            Rate::new(5, Duration::from_secs(1)).disconnect_after(20),
        )
        .build();
    Host::from_env()?
        .gateway(aaa::gateway(Slow))
        .gateway(later)
        .gateway(blast)
        .run()
}
