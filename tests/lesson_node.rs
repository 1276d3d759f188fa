//! The lesson's table, row by row, driven from Node with the official
//! socket.io client 4.x (tests/node/lesson.test.mjs says what each test
//! asserts).

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lessons_table_holds_with_the_official_node_client() {
    let addr = gatesmith_tests::serve_lesson().await;
    let url = format!("http://{addr}");
    tokio::task::spawn_blocking(move || gatesmith_tests::node_test("lesson.test.mjs", &url, &[]))
        .await
        .expect("the node test runner ran");
}
