//! The generated page in Debian's Chromium: it loads the official client
//! from the gateway itself, emits every event and logs every answer
//! (tests/node/page.test.mjs says what it asserts).

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_generated_page_reproduces_the_lesson_in_chromium() {
    let chromium = gatesmith_tests::chromium();
    let addr = gatesmith_tests::serve_lesson().await;
    let url = format!("http://{addr}");
    tokio::task::spawn_blocking(move || {
        gatesmith_tests::node_test("page.test.mjs", &url, &[("CHROMIUM", &chromium)])
    })
    .await
    .expect("the node test runner ran");
}
