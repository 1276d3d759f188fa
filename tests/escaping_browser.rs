//! The escaping fixture's generated page in Debian's Chromium: no string of
//! the spec runs as script or adds markup, and the page logs each one
//! exactly as text (tests/node/escaping-page.test.mjs says what it asserts).

use gatesmith_escaping::escaping;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_string_of_the_escaping_spec_runs_or_breaks_the_page() {
    let chromium = gatesmith_tests::chromium();
    let gateway = escaping::gateway(escaping::SpecEscapingService);
    let addr = gatesmith_tests::serve(gatesmith_escaping::PAGES_DIR, gateway).await;
    let url = format!("http://{addr}");
    tokio::task::spawn_blocking(move || {
        gatesmith_tests::node_test("escaping-page.test.mjs", &url, &[("CHROMIUM", &chromium)])
    })
    .await
    .expect("the node test runner ran");
}
