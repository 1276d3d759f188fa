//! The escaping fixture (tests/escaping/, rendered from a spec whose every
//! string tries to escape) driven from Node with the official socket.io
//! client: every ack and every event arrives exactly as the spec wrote it
//! (tests/node/escaping.test.mjs says what each test asserts).

use gatesmith_escaping::escaping;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_string_of_the_escaping_spec_arrives_exactly_as_written() {
    let gateway = escaping::gateway(escaping::SpecEscapingService);
    let addr = gatesmith_tests::serve(gatesmith_escaping::PAGES_DIR, gateway).await;
    let url = format!("http://{addr}");
    tokio::task::spawn_blocking(move || gatesmith_tests::node_test("escaping.test.mjs", &url, &[]))
        .await
        .expect("the node test runner ran");
}
