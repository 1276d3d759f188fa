//! The host of `generated/src/main.rs`, built as a binary of this package:
//! cargo tells a test the path of its own package's binaries only, and the
//! multi-node tests (tests/redis_node.rs) run several of these processes.
//! Keep it the same as `generated/src/main.rs`.

use gatesmith_generated::{aaa, chat};
use gatesmith_runtime::Host;

fn main() -> std::io::Result<()> {
    Host::from_env()?
        .pages(concat!(env!("CARGO_MANIFEST_DIR"), "/generated/pages"))
        .gateway(aaa::gateway(aaa::SpecAaaService))
        .gateway(chat::gateway(chat::SpecChatService))
        .run()
}
