//! Serves every generated gateway and the generated page on one port.
//! This file is yours: gatesmith writes it once and never again.

use gatesmith_generated::{aaa, chat};
use gatesmith_runtime::Host;

fn main() -> std::io::Result<()> {
    Host::from_env()?
        .pages(concat!(env!("CARGO_MANIFEST_DIR"), "/pages"))
        .gateway(aaa::gateway(aaa::SpecAaaService))
        .gateway(chat::gateway(chat::SpecChatService))
        .run()
}
