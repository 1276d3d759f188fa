//! User code sends the spec's server events through their marker types,
//! with data of the declared type, and a typed ack returns its own type.

use gatesmith_generated::aaa::server_events::Guang;
use gatesmith_generated::aaa::{AaaService, CreateAaaDto, GuangData, GuangDataObject};
use gatesmith_runtime::{EventContext, To};
use gatesmith_typed::typed::{CreateUser, Role, TypedService, User};

struct Shop;

impl AaaService for Shop {
    async fn create_aaa(&self, payload: CreateAaaDto, cx: &EventContext) -> String {
        cx.send(Guang, To::All, &GuangData::Integer(777)).await;
        let msg = GuangDataObject { msg: payload.name.clone() };
        cx.send(Guang, To::Sender, &GuangData::Object(msg)).await;
        payload.name
    }
}

struct Users;

impl TypedService for Users {
    async fn create_user(&self, payload: CreateUser, _cx: &EventContext) -> User {
        User { id: 7, name: payload.name, role: Role::Member, nickname: Some("new".into()) }
    }
}

fn main() {
    let _ = gatesmith_generated::aaa::gateway(Shop);
    let _ = gatesmith_typed::typed::gateway(Users);
}
