//! Server-to-client acks: a service asks the sender a declared server event
//! (`confirm`, whose `reply` is a boolean) with a timeout, and gets the
//! answer, the timeout or an unreadable answer as a typed result; and a
//! spec's emission with `ask:` (`vote`) hands the answer to the service's
//! `confirm_answered` (tests/node/ask.test.mjs says what each test asserts).

use std::time::Duration;

use gatesmith_runtime::{AskError, EventContext, To};
use gatesmith_typed::typed::{self, ConfirmData, TypedService, server_events::Confirm};

/// Asks before rating: the client's answer decides the ack.
struct Asking;

impl TypedService for Asking {
    /// `vote` asks `confirm` from the spec (`ask: 500ms`): the answer comes
    /// here, and goes to every client as `outcome` (the sender may be gone).
    async fn confirm_answered(&self, answer: Result<bool, AskError>, cx: &EventContext) {
        cx.emit(To::All, "outcome", &describe(answer)).await;
    }

    async fn rate(&self, payload: i64, cx: &EventContext) -> String {
        let question = ConfirmData {
            question: format!("rate {payload}?"),
        };
        describe(cx.ask(Confirm, &question, Duration::from_millis(500)).await)
    }
}

fn describe(answer: Result<bool, AskError>) -> String {
    match answer {
        Ok(true) => "confirmed".to_owned(),
        Ok(false) => "declined".to_owned(),
        Err(AskError::Timeout) => "no answer".to_owned(),
        Err(AskError::Unreadable(why)) => format!("could not read the answer: {why}"),
        Err(err) => err.to_string(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_asks_the_sender_and_gets_its_answer_or_a_timeout() {
    let addr = gatesmith_tests::serve(gatesmith_typed::PAGES_DIR, typed::gateway(Asking)).await;
    let url = format!("http://{addr}");
    tokio::task::spawn_blocking(move || gatesmith_tests::node_test("ask.test.mjs", &url, &[]))
        .await
        .expect("the node test runner ran");
}
