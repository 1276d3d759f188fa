//! Stage 2, check: a parsed [`Spec`] validated and lowered into the
//! gateway's contract, in no target language: its types, each event with
//! its direction, ack, emissions, rooms, guards and delays. Backends spell
//! it in their languages (`crate::render`); nothing downstream validates
//! it again.
//!
//! Two passes: [`lower`] puts every schema in the type table, then
//! [`events`] checks each event, emission and value against the finished
//! table. Every error found is reported with its place in the spec.

use std::collections::HashMap;

use serde_json::Value;

use crate::diagnostic::SpecError;
use crate::spec::{Spec, SpecFile};

pub(crate) mod conform;
mod events;
mod interpolate;
mod keywords;
mod lower;
pub mod schema;
mod types;

pub use interpolate::{Data, Part, Root, Var};
pub use types::{
    Field, IntFormat, JsonKind, NumFormat, Shape, Struct, Ty, TypeDef, TypeId, TypeName, Types,
    names_within,
};

/// One gateway's contract.
#[derive(Debug, Clone)]
pub struct Gateway {
    /// The spec's path as shown in headers, with `/` separators.
    pub spec_path: String,
    /// The gateway's name as the spec writes it (`chat-room`).
    pub name: String,
    pub namespace: String,
    pub description: Option<String>,
    pub types: Types,
    /// What clients send to the server, in spec order.
    pub events: Vec<Event>,
    /// What the server sends to clients: the declared server events, then
    /// the events emitted without a declaration, then `exception`.
    pub server_events: Vec<ServerEvent>,
    /// Sent when a client connects, and when it disconnects.
    pub on_connect: Vec<Emission>,
    pub on_disconnect: Vec<Emission>,
    pub connect_guard: Option<ConnectGuard>,
    /// How often each socket may send any of the gateway's events.
    pub rate: Option<Rate>,
    /// The JSON Schema of every payload and server event's data
    /// ([`schema::document`]): the contract's constraints.
    pub schema: Value,
    server_index: HashMap<String, usize>,
}

/// Which way a message goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    ClientToServer,
    ServerToClient,
}

/// An event clients emit.
#[derive(Debug, Clone)]
pub struct Event {
    pub name: String,
    pub description: Option<String>,
    pub payload: Option<Ty>,
    /// What the page sends: the spec's `example`, or a value of the type.
    pub example: Option<Value>,
    pub ack: Option<Ack>,
    /// Checked before anything else runs.
    pub guard: Guard,
    /// The room the sender joins, then the one it leaves, before any
    /// emission.
    pub join: Option<Data>,
    pub leave: Option<Data>,
    /// Side effects, then replies to the sender, in spec order, before
    /// the ack.
    pub emits: Vec<Emission>,
    pub replies: Vec<Emission>,
    /// How often each socket may send it.
    pub rate: Option<Rate>,
}

/// A rate limit per socket: `count` messages per `per_ms` milliseconds,
/// `burst` at once; a socket refused more than `disconnect_after` times
/// within one period is disconnected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub count: u32,
    pub per_ms: u64,
    pub burst: u32,
    pub disconnect_after: Option<u32>,
}

impl From<crate::spec::Rate> for Rate {
    fn from(rate: crate::spec::Rate) -> Self {
        Self {
            count: rate.limit.count,
            per_ms: rate.limit.per_ms,
            burst: rate.burst.unwrap_or(rate.limit.count),
            disconnect_after: rate.disconnect_after,
        }
    }
}

/// What an event answers through the client's ack callback.
#[derive(Debug, Clone, PartialEq)]
pub enum Ack {
    /// Always a string.
    Text(Data),
    /// Any JSON.
    Json(Data),
    /// A value of `ty` (`ack_schema`), `value` by default.
    Typed { ty: Ty, value: Data },
}

/// Who may send an event.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Guard {
    /// The role the connect guard must have given the sender.
    pub role: Option<String>,
    /// The room the sender must be in.
    pub room: Option<Data>,
}

impl Guard {
    pub fn is_some(&self) -> bool {
        self.role.is_some() || self.room.is_some()
    }
}

/// An event the server sends to a target.
#[derive(Debug, Clone, PartialEq)]
pub struct Emission {
    pub to: To,
    pub event: String,
    pub data: Data,
    /// Counted from the request; 0 sends at once.
    pub delay_ms: u64,
    /// The sender is asked: its answer is awaited, and handed on.
    pub ask: Option<Ask>,
}

/// Who receives an emission.
#[derive(Debug, Clone, PartialEq)]
pub enum To {
    Sender,
    All,
    Others,
    /// Every socket in the room, the sender included if it is in it.
    Room(Data),
    /// Every socket in the room but the sender.
    RoomOthers(Data),
    /// Every socket sharing a room with the sender, but the sender.
    SenderRooms,
}

/// How long an asking emission waits for the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ask {
    pub timeout_ms: u64,
}

/// An event the server sends.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerEvent {
    pub name: String,
    pub description: Option<String>,
    pub kind: Sent,
}

/// What is known of a server event.
#[derive(Debug, Clone, PartialEq)]
pub enum Sent {
    /// Declared under `server_events`.
    Declared {
        /// Its data's type; `None`: it carries nothing.
        data: Option<Ty>,
        /// The type of the client's answer, when it may be asked.
        reply: Option<Ty>,
        /// Whether an emission of the spec asks it.
        asked: bool,
    },
    /// Emitted by the spec without a declaration: its data is any JSON.
    Undeclared,
    /// The error the runtime sends when no ack callback can carry it.
    Exception,
}

/// Who may connect: bearer tokens, each in an environment variable.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectGuard {
    /// Environment variable and the role its token gives.
    pub tokens: Vec<(String, String)>,
}

impl Gateway {
    /// Every emission the gateway declares: events' side effects and
    /// replies, then the lifecycle ones.
    pub fn emissions(&self) -> impl Iterator<Item = &Emission> {
        self.events
            .iter()
            .flat_map(|e| e.emits.iter().chain(&e.replies))
            .chain(&self.on_connect)
            .chain(&self.on_disconnect)
    }

    /// The server event named `name`.
    pub fn server_event(&self, name: &str) -> Option<&ServerEvent> {
        self.server_index.get(name).map(|&i| &self.server_events[i])
    }

    /// Every message of the contract, with the way it goes.
    pub fn messages(&self) -> impl Iterator<Item = (&str, Direction)> {
        (self.events.iter())
            .map(|e| (e.name.as_str(), Direction::ClientToServer))
            .chain(
                (self.server_events.iter()).map(|e| (e.name.as_str(), Direction::ServerToClient)),
            )
    }
}

/// The contract of one gateway, and the errors found in its spec (none
/// when it can be rendered). A contract with errors is still complete
/// enough for the backends' own checks, so that one run reports all.
#[derive(Debug)]
pub struct Checked {
    pub gateway: Gateway,
    pub errors: Vec<SpecError>,
}

/// Checks one parsed spec; `file` places the errors.
pub fn check(spec: &Spec, file: &SpecFile, spec_path: &str) -> Checked {
    let mut report = Report {
        file,
        errors: Vec::new(),
    };
    gateway_name(spec, &mut report);
    let lowered = lower::lower(spec, &mut report);
    let document = schema::document(spec);
    let contract = events::check(spec, &lowered, &document, &mut report);
    let server_index = (contract.server_events.iter().enumerate())
        .map(|(i, e)| (e.name.clone(), i))
        .collect();
    let gateway = Gateway {
        spec_path: spec_path.to_owned(),
        name: spec.gateway.clone(),
        namespace: spec.namespace.clone(),
        description: spec.description.clone(),
        types: lowered.types,
        events: contract.events,
        server_events: contract.server_events,
        on_connect: contract.on_connect,
        on_disconnect: contract.on_disconnect,
        connect_guard: contract.connect_guard,
        rate: spec.rate.map(Rate::from),
        schema: document,
        server_index,
    };
    Checked {
        gateway,
        errors: report.errors,
    }
}

fn gateway_name(spec: &Spec, report: &mut Report<'_>) {
    let well_formed = spec.gateway.starts_with(|c: char| c.is_ascii_alphabetic())
        && (spec.gateway.chars()).all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !well_formed {
        report.error(&["gateway"], format!("gateway name {:?} must start with a letter and hold only letters, digits, `-` or `_`", spec.gateway));
    }
    if !spec.namespace.starts_with('/') {
        report.error(
            &["namespace"],
            format!(
                "namespace {:?} must start with `/`, as `/` or `/chat`",
                spec.namespace
            ),
        );
    } else if spec.namespace.contains(',') || spec.namespace.chars().any(char::is_control) {
        // socket.io packets end the namespace at `,`.
        report.error(
            &["namespace"],
            format!(
                "namespace {:?} holds `,` or a control character, which socket.io cannot carry in a namespace",
                spec.namespace
            ),
        );
    }
}

/// The errors of one spec, each placed in its file.
pub(crate) struct Report<'f> {
    file: &'f SpecFile,
    errors: Vec<SpecError>,
}

impl Report<'_> {
    /// An error about the key at the end of `at`.
    fn error(&mut self, at: &[&str], message: impl Into<String>) {
        self.errors.extend(self.file.error(at, message));
    }

    /// An error about the value at `at`, rather than its key.
    fn value_error(&mut self, at: &[&str], message: impl Into<String>) {
        self.errors.extend(self.file.error_on_value(at, message));
    }
}

#[cfg(test)]
mod tests;
