//! TypeScript typings for a gateway's clients: the payload types, and
//! socket.io's `ServerToClientEvents` / `ClientToServerEvents` interfaces, so
//! that `io<ServerToClientEvents, ClientToServerEvents>(…)` type-checks every
//! emit, ack and listener against the spec.
//!
//! Every name from a spec reaches the file as a JSON string (property and
//! event names, enum values) or as an identifier the model already made
//! safe; descriptions go into `/** */` comments with `*/` broken.

use crate::model::{Event, Gateway, Type, TypeDef};
use crate::rust;

/// The `.d.ts` of one gateway, without its header.
pub fn typings(gateway: &Gateway) -> String {
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
    for def in &gateway.types {
        out.push_str(&type_def(def));
        out.push('\n');
    }
    out.push_str(ENVELOPE);
    out.push_str(&doc("", "What the server sends: listen with `socket.on`."));
    out.push_str("export interface ServerToClientEvents {\n");
    for name in &gateway.server_events {
        let declared = (gateway.declared_server_events.iter()).find(|e| &e.name == name);
        let data = match declared {
            _ if name == "exception" => "PayloadError | GuardError".to_owned(),
            Some(event) => event.data.as_ref().map_or("null".to_owned(), ts_type),
            // Not declared under `server_events`: its data is not typed.
            None => "unknown".to_owned(),
        };
        if let Some(description) = declared.and_then(|e| e.description.as_deref()) {
            out.push_str(&doc("  ", description));
        }
        let answer = match declared.and_then(|e| e.reply.as_ref()) {
            Some(reply) => format!(", ack: (reply: {}) => void", ts_type(reply)),
            None => String::new(),
        };
        out.push_str(&format!(
            "  {}: (data: {data}{answer}) => void;\n",
            quoted(name)
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
            emit_signature(event)
        ));
    }
    out.push_str("}\n");
    out
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

/** The answer to a payload that does not fit its event (docs/errors.md). */
export interface PayloadError {
  status: \"error\";
  code: \"invalid_payload\";
  event: string;
  message: string;
  violations: Violation[];
}

";

fn emit_signature(event: &Event) -> String {
    let mut params = Vec::new();
    if let Some(payload) = &event.payload {
        params.push(format!("payload: {}", ts_type(payload)));
    }
    let ack = match (&event.ack, &event.ack_type) {
        (_, Some(ty)) => Some(ts_type(ty)),
        (Some(ack), None) if rust::ack_type(ack) == "String" => Some("string".to_owned()),
        (Some(_), None) => Some("unknown".to_owned()),
        (None, _) => None,
    };
    let mut errors = Vec::new();
    if event.payload.is_some() {
        errors.push("PayloadError");
    }
    if event.guard_role.is_some() || event.guard_room.is_some() {
        errors.push("GuardError");
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

fn type_def(def: &TypeDef) -> String {
    let mut out = doc(
        "",
        def.description
            .as_deref()
            .unwrap_or(&format!("The `{}` schema.", def.name)),
    );
    if let Some(fields) = &def.fields {
        out.push_str(&format!("export interface {} {{\n", def.name));
        for field in fields {
            if let Some(description) = field.description.as_deref() {
                out.push_str(&doc("  ", description));
            }
            let optional = if field.required { "" } else { "?" };
            let ty = match (&field.ty, field.required) {
                (Type::Nullable(inner), false) => format!("{} | null", ts_type(inner)),
                (ty, _) => ts_type(ty),
            };
            out.push_str(&format!("  {}{optional}: {ty};\n", quoted(&field.name)));
        }
        out.push_str("}\n");
        return out;
    }
    let body = if let Some(variants) = &def.variants {
        let values: Vec<String> = variants.iter().map(|v| quoted(&v.value)).collect();
        values.join(" | ")
    } else if let Some(choices) = &def.choices {
        let types: Vec<String> = choices.iter().map(|c| ts_type(&c.ty)).collect();
        types.join(" | ")
    } else {
        def.alias_of.as_ref().map_or("unknown".to_owned(), ts_type)
    };
    out.push_str(&format!("export type {} = {body};\n", def.name));
    out
}

/// The TypeScript type of a payload type.
pub fn ts_type(ty: &Type) -> String {
    match ty {
        Type::String => "string".to_owned(),
        Type::Integer | Type::Number | Type::Numeric(_) => "number".to_owned(),
        Type::Boolean => "boolean".to_owned(),
        Type::Json => "unknown".to_owned(),
        Type::List(item) => format!("Array<{}>", ts_type(item)),
        Type::Named(name) => name.clone(),
        Type::Nullable(inner) => format!("{} | null", ts_type(inner)),
    }
}

/// A JSON string: a valid TypeScript string literal and property name.
fn quoted(text: &str) -> String {
    crate::render::script_json(&serde_json::Value::from(text))
}

/// A `/** … */` comment of `text`, each line prefixed with `indent`. A `*/`
/// in the text would end the comment: its slash is escaped.
fn doc(indent: &str, text: &str) -> String {
    let lines: Vec<String> = text
        .replace("*/", "*\\/")
        .split(rust::LINE_BREAKS)
        .map(|line| rust::comment_text(line.trim_end()))
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
    use crate::model::Numeric;

    #[test]
    fn integer_formats_are_numbers_and_lists_of_unions_stay_lists() {
        assert_eq!(ts_type(&Type::Numeric(Numeric::U64)), "number");
        let list = Type::List(Box::new(Type::Nullable(Box::new(Type::String))));
        assert_eq!(ts_type(&list), "Array<string | null>");
    }

    #[test]
    fn a_description_cannot_end_its_comment() {
        assert_eq!(doc("", "a */ b"), "/** a *\\/ b */\n");
    }
}
