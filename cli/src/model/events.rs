//! Pass 2: each event, emission, reply, room and guard checked against the
//! finished type table, and what the page sends and acks checked against
//! the schemas.

use serde_json::Value;

use super::conform::Validators;
use super::interpolate::{self, Data};
use super::lower::Lowered;
use super::types::{JsonKind, Ty};
use super::{Ack, Ask, ConnectGuard, Emission, Event, Guard, Report, Sent, ServerEvent, To};
use crate::spec::{self, Delay, Spec, Target};

/// What pass 2 makes of a spec's events.
pub(super) struct Contract {
    pub events: Vec<Event>,
    pub server_events: Vec<ServerEvent>,
    pub on_connect: Vec<Emission>,
    pub on_disconnect: Vec<Emission>,
    pub connect_guard: Option<ConnectGuard>,
}

pub(super) fn check(
    spec: &Spec,
    lowered: &Lowered,
    document: &Value,
    report: &mut Report<'_>,
) -> Contract {
    // What the checks need beyond the published document: the acks' schemas.
    let mut checked = document.clone();
    checked["acks"] = (spec.events.iter())
        .filter_map(|(name, event)| {
            Some((name.clone(), super::schema::of(event.ack_schema.as_ref()?)))
        })
        .collect::<serde_json::Map<_, _>>()
        .into();
    let mut pass = Pass {
        spec,
        lowered,
        report,
        validators: Validators::new(checked),
    };
    let events = (spec.events.iter().enumerate())
        .map(|(index, (name, event))| pass.event(index, name, event))
        .collect();
    let on_connect = pass.emissions(&spec.on_connect, &["on_connect"], None);
    let on_disconnect = pass.emissions(&spec.on_disconnect, &["on_disconnect"], None);
    for emission in &on_disconnect {
        if emission.to == To::SenderRooms {
            pass.report.error(&["on_disconnect"], "on_disconnect cannot emit `to: sender_rooms`: the sender has left its rooms; use `room` with the room's name");
        }
        if emission.to == To::Sender {
            pass.report.error(
                &["on_disconnect"],
                "on_disconnect cannot emit `to: sender`: the sender is gone; use `all` or `others`",
            );
        }
        if emission.delay_ms > 0 {
            pass.report.error(&["on_disconnect", "after"], "on_disconnect emissions cannot be delayed: a socket's delayed emissions end when it disconnects");
        }
    }
    let connect_guard = pass.connect_guard();
    let mut contract = Contract {
        events,
        server_events: Vec::new(),
        on_connect,
        on_disconnect,
        connect_guard,
    };
    contract.server_events = server_events(spec, lowered, &contract);
    contract
}

/// The declared server events, then those emitted without a declaration
/// (in the order first emitted), then `exception`.
fn server_events(spec: &Spec, lowered: &Lowered, contract: &Contract) -> Vec<ServerEvent> {
    let emissions: Vec<&Emission> = (contract.events.iter())
        .flat_map(|e| e.emits.iter().chain(&e.replies))
        .chain(&contract.on_connect)
        .chain(&contract.on_disconnect)
        .collect();
    let asked: std::collections::HashSet<&str> = (emissions.iter())
        .filter(|e| e.ask.is_some())
        .map(|e| e.event.as_str())
        .collect();
    let mut sent: Vec<ServerEvent> = (spec.server_events.iter().enumerate())
        .map(|(index, (name, event))| ServerEvent {
            name: name.clone(),
            description: event.description.clone(),
            kind: Sent::Declared {
                data: lowered.server_data[index].clone(),
                reply: lowered.server_replies[index].clone(),
                asked: asked.contains(name.as_str()),
            },
        })
        .collect();
    let mut known: std::collections::HashSet<String> =
        sent.iter().map(|e| e.name.clone()).collect();
    for emission in emissions {
        if known.insert(emission.event.clone()) {
            sent.push(ServerEvent {
                name: emission.event.clone(),
                description: None,
                kind: Sent::Undeclared,
            });
        }
    }
    if !known.contains("exception") {
        sent.push(ServerEvent {
            name: "exception".to_owned(),
            description: None,
            kind: Sent::Exception,
        });
    }
    sent
}

struct Pass<'s, 'r, 'f> {
    spec: &'s Spec,
    lowered: &'s Lowered,
    report: &'r mut Report<'f>,
    validators: Validators,
}

impl Pass<'_, '_, '_> {
    fn data(&mut self, value: &Value, at: &[&str], payload: Option<&Ty>) -> Data {
        interpolate::data(value, at, payload, &self.lowered.types, self.report)
    }

    fn event(&mut self, index: usize, name: &str, event: &spec::Event) -> Event {
        let at = ["events", name];
        if let Some(why) = cannot_be_received(name) {
            self.report.error(&at, why);
        }
        let payload = self.lowered.payloads[index].as_ref();
        let example = match payload {
            Some(_) => Some(self.payload_example(name, event)),
            None => event.example.clone(),
        };
        let ack = self.ack(index, name, event, payload);
        let reply_at = ["events", name, "reply"];
        let replies = (event.reply.iter())
            .map(|r| {
                let timing = (r.after, None);
                let data = r.data.as_ref();
                self.emission(
                    Target::Sender,
                    None,
                    &r.event,
                    data,
                    timing,
                    &reply_at,
                    payload,
                )
            })
            .collect();
        let emits = self.emissions(&event.emit, &["events", name, "emit"], payload);
        let join =
            (event.join.as_deref()).map(|room| self.room(room, &["events", name, "join"], payload));
        let leave = (event.leave.as_deref())
            .map(|room| self.room(room, &["events", name, "leave"], payload));
        let guard = event.guard.clone().unwrap_or_default();
        let connect = self.spec.connect_guard.as_ref();
        if guard.role.is_some() && connect.is_none() {
            self.report.error(&["events", name, "guard", "role"], "roles come from the connect guard: declare `connect_guard` with the tokens that give this role");
        }
        if let (Some(role), Some(connect)) = (&guard.role, connect)
            && !connect.tokens.values().any(|given| given == role)
        {
            self.report.value_error(&["events", name, "guard", "role"], format!("no token of `connect_guard` gives the role {role:?}: no client could send this event"));
        }
        let room = (guard.in_room.as_deref())
            .map(|room| self.room(room, &["events", name, "guard", "in_room"], payload));
        Event {
            name: name.to_owned(),
            description: event.description.clone(),
            payload: payload.cloned(),
            example,
            ack,
            guard: Guard {
                role: guard.role,
                room,
            },
            join,
            leave,
            emits,
            replies,
            rate: event.rate.map(super::Rate::from),
        }
    }

    fn ack(
        &mut self,
        index: usize,
        name: &str,
        event: &spec::Event,
        payload: Option<&Ty>,
    ) -> Option<Ack> {
        let ack_at = ["events", name, "ack"];
        let value = (event.ack.as_ref()).map(|value| self.data(value, &ack_at, payload));
        let Some(ty) = self.lowered.acks[index].clone() else {
            return value.map(|value| match &value {
                Data::Literal(Value::String(_))
                | Data::Text(_)
                | Data::Var(interpolate::Var { ty: Ty::String, .. }) => Ack::Text(value),
                _ => Ack::Json(value),
            });
        };
        let value = match value {
            Some(value) => {
                let types = &self.lowered.types;
                let place = (&ack_at[..], "the ack");
                (self.validators).check_fits(("acks", name), &value, types, place, self.report);
                value
            }
            // A typed ack is always sent: by default, a valid value.
            None => {
                let made = self.validators.made("acks", name);
                if !self.validators.fits("acks", name, &made) {
                    self.report.error(&["events", name, "ack_schema"], "gatesmith cannot make a value that fits this schema (a `pattern` or bounds it cannot satisfy): give the event an `ack:`");
                }
                Data::Literal(made)
            }
        };
        Some(Ack::Typed { ty, value })
    }

    /// A room's name: text, which may interpolate values that are text.
    fn room(&mut self, room: &str, at: &[&str], payload: Option<&Ty>) -> Data {
        let data = self.data(&Value::from(room), at, payload);
        if let Data::Var(var) = &data
            && self.lowered.types.json_kind(&var.ty) != Some(JsonKind::String)
        {
            self.report.value_error(at, "a room's name is text: interpolate a string, or write it inside text (`room-{{ payload.id }}`)");
        }
        data
    }

    /// What the page sends for an event with a payload: the spec's example,
    /// which must fit, or a value made from the schema.
    fn payload_example(&mut self, name: &str, event: &spec::Event) -> Value {
        let Some(given) = &event.example else {
            let made = self.validators.made("events", name);
            if !self.validators.fits("events", name, &made) {
                self.report.error(&["events", name, "payload"], "gatesmith cannot make an example that fits this payload (a `pattern` or bounds it cannot satisfy): give the event an `example:`");
            }
            return made;
        };
        for mismatch in self.validators.mismatches("events", name, given) {
            self.report.value_error(
                &["events", name, "example"],
                format!("the example does not fit the payload's schema: {mismatch}"),
            );
        }
        given.clone()
    }

    fn emissions(
        &mut self,
        emissions: &[spec::Emission],
        at: &[&str],
        payload: Option<&Ty>,
    ) -> Vec<Emission> {
        (emissions.iter())
            .map(|e| {
                let room = e.room.as_deref();
                let timing = (e.after, e.ask);
                self.emission(e.to, room, &e.event, e.data.as_ref(), timing, at, payload)
            })
            .collect()
    }

    #[allow(clippy::too_many_arguments)]
    fn emission(
        &mut self,
        to: Target,
        room: Option<&str>,
        event: &str,
        data: Option<&Value>,
        (after, ask): (Option<Delay>, Option<Delay>),
        at: &[&str],
        payload: Option<&Ty>,
    ) -> Emission {
        let data_at = [at, &["data"]].concat();
        let data = match data {
            Some(value) => self.data(value, &data_at, payload),
            None => Data::null(),
        };
        self.check_emitted(event, &data, at, &data_at);
        let room_at = [at, &["room"]].concat();
        let room_data = |this: &mut Self| match room {
            Some(room) => this.room(room, &room_at, payload),
            None => {
                this.report.error(
                    at,
                    "`to: room` and `to: room_others` need `room:`, the room's name",
                );
                Data::Literal(Value::from(""))
            }
        };
        let to = match to {
            Target::Room => To::Room(room_data(self)),
            Target::RoomOthers => To::RoomOthers(room_data(self)),
            other => {
                if room.is_some() {
                    self.report.error(
                        &room_at,
                        "`room:` goes with `to: room` or `to: room_others` only",
                    );
                }
                match other {
                    Target::Sender => To::Sender,
                    Target::All => To::All,
                    Target::Others => To::Others,
                    _ => To::SenderRooms,
                }
            }
        };
        let ask = ask.and_then(|timeout| self.ask(&to, event, timeout, after.is_some(), at));
        Emission {
            to,
            event: event.to_owned(),
            data,
            delay_ms: after.map_or(0, |d| d.0),
            ask,
        }
    }

    /// The question of an emission with `ask: timeout`, if it can be asked.
    fn ask(
        &mut self,
        to: &To,
        event: &str,
        timeout: Delay,
        delayed: bool,
        at: &[&str],
    ) -> Option<Ask> {
        let refusal = if *to != To::Sender {
            Some("`ask:` waits for one client's answer: use it with `to: sender`".to_owned())
        } else if delayed {
            Some("`ask:` and `after:` do not go together: ask now, or emit later without waiting for an answer".to_owned())
        } else if timeout.0 == 0 {
            Some("`ask:` needs time for the answer, as `5s`".to_owned())
        } else {
            match self.spec.server_events.get(event) {
                Some(declared) if declared.reply.is_some() => None,
                Some(_) => Some(format!(
                    "`{event}` declares no `reply:` under `server_events`: declare the schema of the answer there"
                )),
                None => Some(format!(
                    "`ask:` needs `{event}` declared under `server_events`, with `reply:`, the schema of the answer"
                )),
            }
        };
        if let Some(message) = refusal {
            self.report.error(&[at, &["ask"]].concat(), message);
            return None;
        }
        Some(Ask {
            timeout_ms: timeout.0,
        })
    }

    /// Once a spec declares its server events, every emission must name one
    /// and its data fit that event's schema.
    fn check_emitted(&mut self, event: &str, data: &Data, at: &[&str], data_at: &[&str]) {
        let declared = &self.spec.server_events;
        if declared.is_empty() {
            return;
        }
        let Some(server_event) = declared.get(event) else {
            let names: Vec<&str> = declared.keys().map(String::as_str).collect();
            let suggestion = crate::diagnostic::closest(event, names.iter().copied())
                .map(|closest| format!(" — did you mean `{closest}`?"))
                .unwrap_or_default();
            self.report.error(at, format!("event {event:?} is not declared under `server_events`{suggestion}: declare it there, with the schema of its data"));
            return;
        };
        match &server_event.data {
            Some(_) => {
                let what = format!("the data of `{event}`");
                let types = &self.lowered.types;
                let place = (data_at, what.as_str());
                (self.validators).check_fits(("server_events", event), data, types, place, self.report);
            }
            None if *data == Data::null() => {}
            None => self.report.value_error(data_at, format!("`{event}` is declared without data under `server_events`: remove `data`, or declare its schema there")),
        }
    }

    fn connect_guard(&mut self) -> Option<ConnectGuard> {
        let guard = self.spec.connect_guard.as_ref()?;
        if guard.tokens.is_empty() {
            self.report.error(
                &["connect_guard", "tokens"],
                "a connect guard needs at least one token: `VARIABLE: role`",
            );
        }
        for variable in guard.tokens.keys() {
            let well_formed = variable.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && (variable.chars()).all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !well_formed {
                self.report.error(&["connect_guard", "tokens", variable], format!("{variable:?} is not an environment variable's name: use letters, digits and `_`"));
            }
        }
        Some(ConnectGuard {
            tokens: (guard.tokens.iter())
                .map(|(v, r)| (v.clone(), r.clone()))
                .collect(),
        })
    }
}

/// Why clients cannot emit an event of this name to a gatesmith gateway, if
/// they cannot. Names the server sends are not limited so.
fn cannot_be_received(name: &str) -> Option<String> {
    // socketioxide 0.18 reads an incoming event's name as a borrowed `&str`,
    // which fails for a JSON string with escapes, and then drops the client.
    if name.contains(|c: char| c == '"' || c == '\\' || c < ' ') {
        return Some(format!(
            "event name {name:?} cannot be received: socketioxide cannot read an incoming event name \
             holding `\"`, `\\` or a control character (JSON escapes them); \
             the names of events the server sends may hold them"
        ));
    }
    // socket.io clients throw when asked to emit these.
    const RESERVED: &[&str] = &[
        "connect",
        "connect_error",
        "disconnect",
        "disconnecting",
        "newListener",
        "removeListener",
    ];
    RESERVED
        .contains(&name)
        .then(|| format!("event name {name:?} is reserved by socket.io: clients cannot emit it"))
}
