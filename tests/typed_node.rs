//! The typed fixture (tests/typed/, rendered from a spec using every schema
//! feature) driven from Node with the official socket.io client: valid
//! payloads reach the service, and each kind of invalid one gets the error
//! envelope with its violations while the server keeps serving
//! (tests/node/typed.test.mjs says what each test asserts).

use gatesmith_typed::typed;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_of_invalid_payload_gets_a_precise_error_and_the_server_keeps_serving() {
    let gateway = typed::gateway(typed::SpecTypedService);
    let addr = gatesmith_tests::serve(gatesmith_typed::PAGES_DIR, gateway).await;
    let url = format!("http://{addr}");
    tokio::task::spawn_blocking(move || gatesmith_tests::node_test("typed.test.mjs", &url, &[]))
        .await
        .expect("the node test runner ran");
}
