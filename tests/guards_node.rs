//! Guards declared in a spec (tests/typed/specs/guarded.yaml), driven from
//! Node with the official socket.io client: the connect guard on bearer
//! tokens from environment variables, per-event guards on a role and a
//! room, and the file's second gateway, unguarded on its own namespace
//! (tests/node/guards.test.mjs says what each test asserts).

use std::path::Path;

use gatesmith_typed::{guarded, open};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_connect_guard_and_event_guards_admit_and_refuse_as_declared() {
    let member = "member-token-7f3a";
    let admin = "admin-token-91c2";
    // SAFETY: this test binary runs this one test, and no thread reads the
    // environment while it is set (the server reads it on each handshake,
    // which comes later).
    unsafe {
        std::env::set_var("GUARDED_MEMBER_TOKEN", member);
        std::env::set_var("GUARDED_ADMIN_TOKEN", admin);
    }
    // Both gateways of guarded.yaml: `/guarded` and, unguarded, `/open`.
    let gateways = vec![
        guarded::gateway(guarded::SpecGuardedService),
        open::gateway(open::SpecOpenService),
    ];
    let addr = gatesmith_tests::serve_all(gatesmith_typed::PAGES_DIR, gateways).await;
    let url = format!("http://{addr}");
    tokio::task::spawn_blocking(move || {
        gatesmith_tests::node_test(
            "guards.test.mjs",
            &url,
            &[
                ("MEMBER_TOKEN", Path::new(member)),
                ("ADMIN_TOKEN", Path::new(admin)),
            ],
        )
    })
    .await
    .expect("the node test runner ran");
}
