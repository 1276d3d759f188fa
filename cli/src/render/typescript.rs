//! The TypeScript backend: typings for a gateway's clients
//! (`client/<module>.d.ts`): the payload types, and socket.io's
//! `ServerToClientEvents` / `ClientToServerEvents` interfaces, so that
//! `io<ServerToClientEvents, ClientToServerEvents>(…)` type-checks every
//! emit, ack and listener against the spec.
//!
//! Every name from a spec reaches the file as a JSON string (property and
//! event names, enum values) or as an identifier made by `crate::ident`;
//! descriptions go into `/** */` comments with `*/` broken.

use super::text::{LINE_BREAKS, comment_text, quoted};
use super::{Backend, Output, RenderError, header, stem};
use crate::ident;
use crate::model::{Ack, Event, Gateway, Sent, Shape, Ty, TypeDef};

pub struct TypeScript;

impl Backend for TypeScript {
    fn name(&self) -> &'static str {
        "TypeScript"
    }

    fn gateway(&self, gateway: &Gateway, out: &mut Output<'_>) -> Result<(), RenderError> {
        let header = header(&[gateway.spec_path.as_str()], "\n// ");
        let typings = Typings::new(gateway).file(gateway);
        out.add(
            format!("client/{}.d.ts", stem(gateway)),
            format!("// {header}\n\n{typings}"),
        );
        Ok(())
    }
}

/// The TypeScript names of a gateway's types, by id.
struct Typings {
    names: Vec<String>,
}

impl Typings {
    fn new(gateway: &Gateway) -> Self {
        Self {
            names: (gateway.types.by_id())
                .map(|(_, def)| ident::upper_camel_path(def.name.parts()))
                .collect(),
        }
    }

    /// The `.d.ts` of one gateway, without its header.
    fn file(&self, gateway: &Gateway) -> String {
        let mut out = String::new();
        out.push_str(&doc(
            "",
            &format!(
                "Types for clients of the `{}` gateway (namespace {}).",
                gateway.name,
                quoted(&gateway.namespace)
            ),
        ));
        out.push_str(&format!(
            "export const namespace = {};\n\n",
            quoted(&gateway.namespace)
        ));
        for (id, def) in gateway.types.iter() {
            out.push_str(&self.type_def(&self.names[id.index()], def));
            out.push('\n');
        }
        out.push_str(ENVELOPE);
        out.push_str(&doc("", "What the server sends: listen with `socket.on`."));
        out.push_str("export interface ServerToClientEvents {\n");
        for event in &gateway.server_events {
            let (data, reply) = match &event.kind {
                _ if event.name == "exception" => (
                    "PayloadError | GuardError | RateLimitedError".to_owned(),
                    None,
                ),
                Sent::Declared { data, reply, .. } => (
                    data.as_ref()
                        .map_or("null".to_owned(), |ty| self.ts_type(ty)),
                    reply.as_ref(),
                ),
                // Not declared under `server_events`: its data is not typed.
                Sent::Undeclared | Sent::Exception => ("unknown".to_owned(), None),
            };
            if let Some(description) = event.description.as_deref() {
                out.push_str(&doc("  ", description));
            }
            let answer = match reply {
                Some(reply) => format!(", ack: (reply: {}) => void", self.ts_type(reply)),
                None => String::new(),
            };
            out.push_str(&format!(
                "  {}: (data: {data}{answer}) => void;\n",
                quoted(&event.name)
            ));
        }
        out.push_str("}\n\n");
        out.push_str(&doc(
            "",
            "What clients may emit: `socket.emit(event, payload, ack)`.",
        ));
        out.push_str("export interface ClientToServerEvents {\n");
        for event in &gateway.events {
            if let Some(description) = event.description.as_deref() {
                out.push_str(&doc("  ", description));
            }
            out.push_str(&format!(
                "  {}: {};\n",
                quoted(&event.name),
                self.emit_signature(event, gateway.rate.is_some())
            ));
        }
        out.push_str("}\n");
        out
    }

    /// `gateway_rated`: the gateway limits all its events' rate.
    fn emit_signature(&self, event: &Event, gateway_rated: bool) -> String {
        let mut params = Vec::new();
        if let Some(payload) = &event.payload {
            params.push(format!("payload: {}", self.ts_type(payload)));
        }
        let ack = event.ack.as_ref().map(|ack| match ack {
            Ack::Typed { ty, .. } => self.ts_type(ty),
            Ack::Text(_) => "string".to_owned(),
            Ack::Json(_) => "unknown".to_owned(),
        });
        let mut errors = Vec::new();
        if event.payload.is_some() {
            errors.push("PayloadError");
        }
        if event.guard.is_some() {
            errors.push("GuardError");
        }
        if event.rate.is_some() || gateway_rated {
            errors.push("RateLimitedError");
        }
        let answers = |ok: Option<String>| {
            ok.into_iter()
                .chain(errors.iter().map(|e| e.to_string()))
                .collect::<Vec<_>>()
                .join(" | ")
        };
        match ack {
            Some(ack) => params.push(format!("ack: (response: {}) => void", answers(Some(ack)))),
            // No ack is sent, but a refused message is answered through one.
            None if !errors.is_empty() => {
                params.push(format!("ack?: (error: {}) => void", answers(None)))
            }
            None => {}
        }
        format!("({}) => void", params.join(", "))
    }

    fn type_def(&self, name: &str, def: &TypeDef) -> String {
        let mut out = doc(
            "",
            def.description
                .as_deref()
                .unwrap_or(&format!("The `{name}` schema.")),
        );
        let body = match &def.shape {
            Shape::Struct(object) => {
                out.push_str(&format!("export interface {name} {{\n"));
                for field in &object.fields {
                    if let Some(description) = field.description.as_deref() {
                        out.push_str(&doc("  ", description));
                    }
                    let optional = if field.required { "" } else { "?" };
                    let ty = match (&field.ty, field.required) {
                        (Ty::Nullable(inner), false) => format!("{} | null", self.ts_type(inner)),
                        (ty, _) => self.ts_type(ty),
                    };
                    out.push_str(&format!("  {}{optional}: {ty};\n", quoted(&field.name)));
                }
                out.push_str("}\n");
                return out;
            }
            Shape::Enum(values) => {
                let values: Vec<String> = values.iter().map(|v| quoted(v)).collect();
                values.join(" | ")
            }
            Shape::Union(choices) => {
                let types: Vec<String> = choices.iter().map(|c| self.ts_type(c)).collect();
                types.join(" | ")
            }
            Shape::Alias(ty) => self.ts_type(ty),
        };
        out.push_str(&format!("export type {name} = {body};\n"));
        out
    }

    /// The TypeScript type of a contract type.
    fn ts_type(&self, ty: &Ty) -> String {
        match ty {
            Ty::String => "string".to_owned(),
            Ty::Integer(_) | Ty::Number(_) => "number".to_owned(),
            Ty::Boolean => "boolean".to_owned(),
            Ty::Any => "unknown".to_owned(),
            Ty::List(item) => format!("Array<{}>", self.ts_type(item)),
            Ty::Named(id) => self.names[id.index()].clone(),
            Ty::Nullable(inner) => format!("{} | null", self.ts_type(inner)),
        }
    }
}

/// The error envelope (docs/errors.md), in every file so each stands alone.
const ENVELOPE: &str = "/** One way a payload does not fit its schema (docs/errors.md). */
export interface Violation {
  path: string;
  rule: string;
  message: string;
}

/** The answer to a message a guard refused (docs/errors.md). */
export interface GuardError {
  status: \"error\";
  code: \"forbidden\";
  event: string;
  message: string;
}

/** The answer to a message over its rate limit: send it again after `retry_after_ms` (docs/errors.md). */
export interface RateLimitedError {
  status: \"error\";
  code: \"rate_limited\";
  event: string;
  message: string;
  retry_after_ms: number;
}

/** The answer to a payload that does not fit its event (docs/errors.md). */
export interface PayloadError {
  status: \"error\";
  code: \"invalid_payload\";
  event: string;
  message: string;
  violations: Violation[];
}

";

/// A `/** … */` comment of `text`, each line prefixed with `indent`. A `*/`
/// in the text would end the comment: its slash is escaped.
fn doc(indent: &str, text: &str) -> String {
    let lines: Vec<String> = text
        .replace("*/", "*\\/")
        .split(LINE_BREAKS)
        .map(|line| comment_text(line.trim_end()))
        .collect();
    if lines.len() == 1 {
        return format!("{indent}/** {} */\n", lines[0]);
    }
    let mut out = format!("{indent}/**\n");
    for line in lines {
        out.push_str(&format!("{indent} * {line}\n").replace(" \n", "\n"));
    }
    out.push_str(&format!("{indent} */\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::IntFormat;

    #[test]
    fn integer_formats_are_numbers_and_lists_of_unions_stay_lists() {
        let typings = Typings { names: Vec::new() };
        assert_eq!(typings.ts_type(&Ty::Integer(IntFormat::Uint64)), "number");
        let list = Ty::List(Box::new(Ty::Nullable(Box::new(Ty::String))));
        assert_eq!(typings.ts_type(&list), "Array<string | null>");
    }

    #[test]
    fn a_description_cannot_end_its_comment() {
        assert_eq!(doc("", "a */ b"), "/** a *\\/ b */\n");
    }
}
