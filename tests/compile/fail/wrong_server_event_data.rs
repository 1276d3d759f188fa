//! `guang` carries a number or `{ msg }`: sending a string through its
//! marker type does not compile.

use gatesmith_generated::aaa::server_events::Guang;
use gatesmith_runtime::{EventContext, To};

async fn greet(cx: &EventContext) {
    cx.send(Guang, To::All, &"hello".to_owned()).await;
}

fn main() {
    let _ = greet;
}
