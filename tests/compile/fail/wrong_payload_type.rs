//! `findOneAaa` carries an integer: a service that takes a string for it
//! no longer fits the spec, and the compiler names the event's method.

use gatesmith_generated::aaa::AaaService;
use gatesmith_runtime::EventContext;

struct Shop;

impl AaaService for Shop {
    async fn find_one_aaa(&self, payload: String, _cx: &EventContext) -> String {
        payload
    }
}

fn main() {}
