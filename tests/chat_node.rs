//! `specs/chat.yaml`, the rooms of socket.io declared in a spec, driven
//! from Node with the official socket.io client (tests/node/chat.test.mjs
//! says what each test asserts).

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rooms_reach_their_members_and_no_one_else() {
    let addr = gatesmith_tests::serve_lesson().await;
    let url = format!("http://{addr}");
    tokio::task::spawn_blocking(move || gatesmith_tests::node_test("chat.test.mjs", &url, &[]))
        .await
        .expect("the node test runner ran");
}
