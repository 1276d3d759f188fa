//! A user's service overrides one event and keeps the spec's defaults for
//! the rest; the gateway and host accept it.

use gatesmith_generated::aaa::{self, AaaService, CreateAaaDto};
use gatesmith_runtime::{EventContext, Host};

struct Shop;

impl AaaService for Shop {
    async fn create_aaa(&self, payload: CreateAaaDto, _cx: &EventContext) -> String {
        format!("created {}", payload.name)
    }
}

fn main() {
    let _host = Host::new().gateway(aaa::gateway(Shop)).gateway(aaa::gateway(aaa::SpecAaaService));
}
