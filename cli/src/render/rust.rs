//! The Rust backend: each gateway's module (`src/<module>.rs`: its types,
//! the service trait, `gateway(service)` on gatesmith-runtime) and the
//! crate's `src/lib.rs`, through the templates `gateway.rs.jinja` and
//! `lib.rs.jinja`, formatted by prettyplease.
//!
//! The templates write the Rust; this module gives them the Rust names
//! ([`names`]), types and one-line expressions ([`expr`]), and spec text
//! only as literals and doc comments ([`doc`]). Runtime items the module
//! does not always use are written with their full path
//! (`gatesmith_runtime::Forbidden`), so no import depends on what was
//! rendered.

use minijinja::{Value as TemplateValue, context};
use serde::Serialize;
use serde_json::Value;

use super::{Backend, Output, RenderError, header, schema_file, specs_of};
use crate::diagnostic::Problem;
use crate::model::{
    Ack, Emission, Event, Field, Gateway, Rate, Sent, Shape, To, Ty, TypeDef, TypeId,
};

mod doc;
mod expr;
mod names;

use doc::{comment_lines, described, doc_code, doc_comment, doc_markdown, string_literal};
use expr::Exprs;
pub use names::Names;

pub struct Rust;

impl Backend for Rust {
    fn name(&self) -> &'static str {
        "Rust"
    }

    fn check(&self, gateway: &Gateway) -> Vec<Problem> {
        names::check(gateway)
    }

    fn gateway(&self, gateway: &Gateway, out: &mut Output<'_>) -> Result<(), RenderError> {
        let names = Names::new(gateway);
        let source = out.template("gateway.rs.jinja", gateway_context(gateway, &names))?;
        let contents = rust_file(
            &source,
            &out.origin("gateway.rs.jinja"),
            &[gateway.spec_path.as_str()],
        )?;
        out.add(format!("src/{}.rs", names.module), contents);
        Ok(())
    }

    fn project(&self, gateways: &[Gateway], out: &mut Output<'_>) -> Result<(), RenderError> {
        // Sorted, as `cargo fmt` would sort them.
        let mut modules: Vec<String> = (gateways.iter()).map(|g| Names::new(g).module).collect();
        modules.sort_unstable();
        let lib = out.template("lib.rs.jinja", context! { modules => modules })?;
        let contents = rust_file(&lib, &out.origin("lib.rs.jinja"), &specs_of(gateways))?;
        out.add("src/lib.rs", contents);
        Ok(())
    }
}

/// Formats Rust source and puts the generated header on top.
fn rust_file(source: &str, template: &str, specs: &[&str]) -> Result<String, RenderError> {
    let file = syn::parse_file(source).map_err(|err| RenderError::NotRust {
        template: template.to_owned(),
        error: err.to_string(),
        source_text: source.to_owned(),
    })?;
    Ok(format!(
        "// {}\n\n{}",
        header(specs, "\n// "),
        space_items(&prettyplease::unparse(&file))
    ))
}

/// prettyplease puts items right after one another; a blank line between
/// top-level items and between trait methods reads as hand-written code.
fn space_items(source: &str) -> String {
    let mut out = String::with_capacity(source.len() + source.len() / 16);
    let mut previous: Option<&str> = None;
    for line in source.lines() {
        let indent = line.len() - line.trim_start().len();
        let text = line.trim_start();
        if let Some(previous) = previous {
            // A comment ending in `;` (spec text may) closes nothing: a blank
            // line after a doc comment would detach it from its item.
            let closes = previous.trim() == "}"
                || (indent == 0 && previous.ends_with(" {}"))
                || (previous.trim_end().ends_with(';') && !previous.trim_start().starts_with("//"));
            let starts_item = [
                "///", "#[", "pub ", "fn ", "impl ", "use ", "const ", "mod ",
            ]
            .iter()
            .any(|p| text.starts_with(p));
            let both_uses = previous.trim_start().starts_with("use ") && text.starts_with("use ");
            let after_module_doc = previous.starts_with("//!") && !text.starts_with("//!");
            if indent <= 4 && ((closes && starts_item && !both_uses) || after_module_doc) {
                out.push('\n');
            }
        }
        out.push_str(line);
        out.push('\n');
        previous = Some(line);
    }
    out
}

#[derive(Serialize)]
struct TypeView {
    name: String,
    doc: String,
    fields: Option<Vec<FieldView>>,
    closed: bool,
    variants: Option<Vec<VariantView>>,
    choices: Option<Vec<ChoiceView>>,
    alias_of: Option<String>,
}

#[derive(Serialize)]
struct VariantView {
    doc: String,
    ident: String,
    literal: String,
}

#[derive(Serialize)]
struct ChoiceView {
    ident: String,
    ty: String,
}

#[derive(Serialize)]
struct FieldView {
    doc: String,
    ident: String,
    rename: Option<String>,
    required: bool,
    ty: String,
}

#[derive(Serialize)]
struct ServerEventView {
    doc: String,
    marker: String,
    name_literal: String,
    data: String,
    /// The Rust type of the client's answer, for an `Askable` event.
    reply: Option<String>,
}

/// A service method that gets a client's answer to an `ask:` emission.
#[derive(Serialize)]
struct AnsweredView {
    doc: String,
    method: String,
    reply: String,
}

#[derive(Serialize)]
struct EventView {
    name_literal: String,
    method: String,
    doc: String,
    payload: Option<String>,
    ack_type: String,
    ack_expr: String,
    /// The ack has a declared type: the handler wraps it in `Ack`.
    typed_ack: bool,
    /// The role the sender must have: a string literal.
    guard_role: Option<String>,
    /// The room the sender must be in: an expression.
    guard_room: Option<String>,
    /// The rooms joined and left: expressions (`impl Into<String>`).
    join: Option<String>,
    leave: Option<String>,
    emissions: Vec<EmissionView>,
    /// The event's rate limit: a `gatesmith_runtime::Rate` expression.
    rate: Option<String>,
}

/// One emission, for the template's `emission` macro.
#[derive(Serialize)]
struct EmissionView {
    /// `send`: a declared server event, its data typed; `emit`: JSON;
    /// `ask`: the sender is asked and its answer handed to `method`.
    call: &'static str,
    /// `server_events::Guang`, for `send` and `ask`.
    marker: Option<String>,
    /// The event's name, a string literal, for `emit`.
    event: String,
    /// The target: `To::Room(…)`; none for `ask`.
    to: String,
    /// The data: an expression.
    data: String,
    /// Milliseconds after the request; 0 sends at once.
    after_ms: u64,
    /// How long `ask` waits for the answer.
    timeout_ms: u64,
    /// The method that gets the answer, for `ask`.
    method: Option<String>,
}

fn gateway_context(gateway: &Gateway, names: &Names) -> TemplateValue {
    let exprs = Exprs {
        types: &gateway.types,
        names,
    };
    let types: Vec<TypeView> = (gateway.types.iter())
        .map(|(id, def)| type_view(id, def, &exprs))
        .collect();
    let events: Vec<EventView> = (gateway.events.iter())
        .map(|event| event_view(event, gateway, &exprs))
        .collect();
    let mut server_events = Vec::new();
    let mut answered = Vec::new();
    for event in &gateway.server_events {
        let Sent::Declared { data, reply, asked } = &event.kind else {
            continue;
        };
        server_events.push(ServerEventView {
            doc: doc_comment(
                event.description.as_deref(),
                &format!("The server event {}.", doc_code(&event.name)),
            ),
            marker: Names::marker(&event.name),
            name_literal: string_literal(&event.name),
            data: data.as_ref().map_or("()".to_owned(), |ty| exprs.ty(ty)),
            reply: reply.as_ref().map(|ty| exprs.ty(ty)),
        });
        if let (true, Some(reply)) = (asked, reply) {
            answered.push(AnsweredView {
                doc: doc_comment(
                    None,
                    &format!(
                        "What the sender answered when the spec asked it {} (`ask:`),\n\
                         or why it did not answer: the client did not answer in time, or went away.",
                        doc_code(&event.name)
                    ),
                ),
                method: Names::answered(&event.name),
                reply: exprs.ty(reply),
            });
        }
    }
    let statements = |emissions: &[Emission]| -> Vec<EmissionView> {
        (emissions.iter())
            .map(|emission| emission_view(emission, gateway, &exprs))
            .collect()
    };
    context! {
        g => context! {
            module_doc => module_doc(gateway),
            service_doc => doc_comment(None, &format!(
                "What the `{}` gateway does with each event. Every method\n\
                 defaults to what {} declares: implement this trait and\n\
                 override a method to give its event your own behaviour.\n\n\
                 The emissions the spec declares happen whatever a method returns.",
                gateway.name, doc_code(&gateway.spec_path)
            )),
            service => names.service,
            name_literal => string_literal(&gateway.name),
            namespace_literal => string_literal(&gateway.namespace),
            schema_file => string_literal(&schema_file(gateway)),
            tokens => gateway.connect_guard.as_ref().map(|guard| {
                let pairs: Vec<String> = (guard.tokens.iter())
                    .map(|(variable, role)| format!("({}, {})", string_literal(variable), string_literal(role)))
                    .collect();
                pairs.join(", ")
            }),
            rate => gateway.rate.map(rate_expr),
            // Whether the module declares a struct or an enum, which
            // derive serde's traits.
            derives => (gateway.types.iter()).any(|(_, def)| !matches!(def.shape, Shape::Alias(_))),
            // Whether an emission names a target (`To::…`).
            targets => gateway.emissions().any(|e| e.ask.is_none()),
        },
        types => types,
        server_events => server_events,
        answered => answered,
        events => events,
        on_connect => statements(&gateway.on_connect),
        on_disconnect => statements(&gateway.on_disconnect),
    }
}

/// `rate` as the runtime's `Rate`: one expression.
fn rate_expr(rate: Rate) -> String {
    let mut expr = format!(
        "gatesmith_runtime::Rate::new({}, std::time::Duration::from_millis({}))",
        rate.count, rate.per_ms
    );
    if rate.burst != rate.count {
        expr.push_str(&format!(".burst({})", rate.burst));
    }
    if let Some(refusals) = rate.disconnect_after {
        expr.push_str(&format!(".disconnect_after({refusals})"));
    }
    expr
}

fn module_doc(gateway: &Gateway) -> String {
    let mut text = format!(
        "The `{}` gateway on namespace {}.",
        gateway.name,
        doc_code(&gateway.namespace)
    );
    if let Some(description) = described(gateway.description.as_deref()) {
        text.push_str("\n\n");
        text.push_str(&doc_markdown(description));
    }
    comment_lines("//!", &text)
}

fn type_view(id: TypeId, def: &TypeDef, exprs: &Exprs<'_>) -> TypeView {
    let name = exprs.names.ty(id).to_owned();
    let mut view = TypeView {
        doc: doc_comment(def.description.as_deref(), &format!("The `{name}` schema.")),
        name,
        fields: None,
        closed: false,
        variants: None,
        choices: None,
        alias_of: None,
    };
    match &def.shape {
        Shape::Struct(object) => {
            view.fields = Some(object.fields.iter().map(|f| field_view(f, exprs)).collect());
            view.closed = object.closed;
        }
        Shape::Enum(values) => {
            view.variants = Some(
                (values.iter())
                    .map(|value| VariantView {
                        doc: format!("/// {}", doc_code(value)),
                        ident: Names::variant(value),
                        literal: string_literal(value),
                    })
                    .collect(),
            );
        }
        Shape::Union(choices) => {
            view.choices = Some(
                (choices.iter())
                    .map(|choice| ChoiceView {
                        ident: exprs.names.choice(id, choice),
                        ty: exprs.ty(choice),
                    })
                    .collect(),
            );
        }
        Shape::Alias(ty) => view.alias_of = Some(exprs.ty(ty)),
    }
    view
}

fn field_view(field: &Field, exprs: &Exprs<'_>) -> FieldView {
    // An optional field that may also be null is one `Option`, not two:
    // absent and null read the same.
    let ty = match (&field.ty, field.required) {
        (Ty::Nullable(inner), false) => exprs.ty(inner),
        (ty, _) => exprs.ty(ty),
    };
    let ident = Names::field(&field.name);
    FieldView {
        doc: doc_comment(
            field.description.as_deref(),
            &format!(
                "{}{}",
                doc_code(&field.name),
                if field.required { "" } else { ", optional" }
            ),
        ),
        rename: (ident != field.name).then(|| string_literal(&field.name)),
        ident,
        required: field.required,
        ty: if field.required {
            ty
        } else {
            format!("Option<{ty}>")
        },
    }
}

fn event_view(event: &Event, gateway: &Gateway, exprs: &Exprs<'_>) -> EventView {
    let (ack_type, ack_expr) = match &event.ack {
        Some(ack) => (exprs.ack_type(ack), exprs.ack(ack)),
        None => ("()".to_owned(), String::new()),
    };
    let acks = match &event.ack {
        // Debug output is one line, its line breaks and controls escaped.
        Some(Ack::Text(crate::model::Data::Literal(Value::String(text)))) => {
            format!("acks {}", doc_markdown(&format!("{text:?}")))
        }
        Some(_) => "acks what the spec declares".to_owned(),
        None => "sends no ack".to_owned(),
    };
    let summary = doc_comment(None, &format!("{}: {acks}.", doc_code(&event.name)));
    let doc = match described(event.description.as_deref()) {
        Some(description) => format!("{}\n///\n{summary}", doc_comment(Some(description), "")),
        None => summary,
    };
    EventView {
        name_literal: string_literal(&event.name),
        method: Names::method(&event.name),
        doc,
        payload: event.payload.as_ref().map(|ty| exprs.ty(ty)),
        ack_type,
        ack_expr,
        typed_ack: matches!(event.ack, Some(Ack::Typed { .. })),
        guard_role: event.guard.role.as_deref().map(string_literal),
        guard_room: event.guard.room.as_ref().map(|room| exprs.room_ref(room)),
        join: event.join.as_ref().map(|room| exprs.room_ref(room)),
        leave: event.leave.as_ref().map(|room| exprs.room_ref(room)),
        rate: event.rate.map(rate_expr),
        emissions: (event.emits.iter().chain(&event.replies))
            .map(|emission| emission_view(emission, gateway, exprs))
            .collect(),
    }
}

/// An emission: a declared server event is sent typed, so rustc checks
/// its data, unless the data's type cannot be told at build time (an
/// interpolated value of another type), which is sent as JSON.
fn emission_view(emission: &Emission, gateway: &Gateway, exprs: &Exprs<'_>) -> EmissionView {
    let to = match &emission.to {
        To::Sender => "To::Sender".to_owned(),
        To::All => "To::All".to_owned(),
        To::Others => "To::Others".to_owned(),
        To::Room(room) => format!("To::Room({})", exprs.room(room)),
        To::RoomOthers(room) => format!("To::RoomOthers({})", exprs.room(room)),
        To::SenderRooms => "To::SenderRooms".to_owned(),
    };
    let declared = gateway
        .server_event(&emission.event)
        .and_then(|event| match &event.kind {
            Sent::Declared { data, .. } => Some(data),
            _ => None,
        });
    let typed = declared.and_then(|data| match data {
        Some(ty) => exprs.typed(&emission.data, ty),
        None => Some("()".to_owned()),
    });
    let marker = Some(format!("server_events::{}", Names::marker(&emission.event)));
    // Delayed data is moved into the runtime's timer: owned.
    let untyped = || exprs.untyped(&emission.data, emission.delay_ms > 0);
    let (call, marker, data) = match (&emission.ask, typed) {
        (Some(_), Some(data)) => ("ask", marker, data),
        (Some(_), None) => ("ask", marker, untyped()),
        (None, Some(data)) => ("send", marker, data),
        (None, None) => ("emit", None, untyped()),
    };
    EmissionView {
        call,
        marker,
        event: string_literal(&emission.event),
        to,
        data,
        after_ms: emission.delay_ms,
        timeout_ms: emission.ask.map_or(0, |ask| ask.timeout_ms),
        method: emission.ask.map(|_| Names::answered(&emission.event)),
    }
}

#[cfg(test)]
mod tests;
