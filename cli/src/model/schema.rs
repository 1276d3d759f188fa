//! The JSON Schema (draft 2020-12) of what a gateway's clients and server
//! send: the contract's constraints, in the language JSON tools speak. The
//! model checks the spec's examples and emissions against it; the JSON
//! Schema backend writes it beside the gateway's module, and the runtime
//! checks every payload against that file before the service sees one.
//!
//! A spec schema is already a JSON Schema subset, so this is mostly a copy:
//! names become `$ref`s into `$defs`, `nullable` becomes a `null` choice,
//! and the integer formats become their bounds (`int32`: ±2³¹), so that a
//! number too large for its format is refused as data, whatever language
//! then decodes it.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use serde_json::{Map, Value, json};

use crate::spec::{Kind, Schema, SchemaObject, Spec};

/// The dialect of every schema gatesmith writes.
pub const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// The gateway's document: every named schema under `$defs`, each event's
/// payload under `events`, each server event's data under `server_events`.
/// The runtime checks a payload with the event's schema and these `$defs`.
pub fn document(spec: &Spec) -> Value {
    let defs: Map<String, Value> = (spec.schemas.iter())
        .map(|(name, schema)| (name.clone(), of(schema)))
        .collect();
    let events: Map<String, Value> = (spec.events.iter())
        .filter_map(|(name, event)| Some((name.clone(), of(event.payload.as_ref()?))))
        .collect();
    let server_events: Map<String, Value> = (spec.server_events.iter())
        .filter_map(|(name, event)| Some((name.clone(), of(event.data.as_ref()?))))
        .collect();
    json!({
        "$schema": DIALECT,
        "title": format!("The payloads of the `{}` gateway", spec.gateway),
        "$defs": defs,
        "events": events,
        "server_events": server_events,
    })
}

/// The JSON Schema of one spec schema.
pub fn of(schema: &Schema) -> Value {
    match schema {
        Schema::Name(name) => named(name),
        Schema::Inline(object) => inline(object),
    }
}

fn named(name: &str) -> Value {
    let name = name.strip_prefix("#/schemas/").unwrap_or(name);
    match Kind::from_name(name) {
        Some(_) => json!({ "type": name }),
        None => json!({ "$ref": reference(name) }),
    }
}

/// `#/$defs/<name>` as a URI fragment: the JSON Pointer escapes (`~0`,
/// `~1`), then percent-encoding of all but unreserved characters, so any
/// schema name makes a valid reference.
pub fn reference(name: &str) -> String {
    format!("#/$defs/{}", pointer_segment(name))
}

/// `text` as one segment of a JSON Pointer inside a URI fragment.
pub fn pointer_segment(text: &str) -> String {
    let escaped = text.replace('~', "~0").replace('/', "~1");
    utf8_percent_encode(&escaped, RESERVED).to_string()
}

/// Everything but RFC 3986's unreserved characters.
const RESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn inline(object: &SchemaObject) -> Value {
    let mut out = Map::new();
    if let Some(description) = &object.description {
        out.insert("description".to_owned(), description.clone().into());
    }
    if let Some(name) = &object.reference {
        let mut schema = named(name);
        if let Some(fields) = schema.as_object_mut() {
            fields.extend(out);
        }
        return nullable(schema, object.nullable);
    }
    let kind = kind_of(object);
    if let Some(kind) = kind {
        out.insert("type".to_owned(), kind_name(kind).into());
    }
    if let Some(values) = &object.enum_values {
        out.insert("enum".to_owned(), values.clone().into());
    }
    if let Some(format) = &object.format {
        match integer_bounds(format) {
            Some((low, high)) => {
                out.insert("minimum".to_owned(), low.into());
                if let Some(high) = high {
                    out.insert("maximum".to_owned(), high.into());
                }
            }
            None if matches!(format.as_str(), "float" | "double") => {}
            None => {
                out.insert("format".to_owned(), format.clone().into());
            }
        }
    }
    let numbers = [
        ("minimum", &object.minimum),
        ("maximum", &object.maximum),
        ("exclusiveMinimum", &object.exclusive_minimum),
        ("exclusiveMaximum", &object.exclusive_maximum),
    ];
    for (key, value) in numbers {
        if let Some(value) = value {
            // The spec's bound wins over the format's, which only says
            // how large the integer may be.
            out.insert(key.to_owned(), Value::Number(value.clone()));
        }
    }
    let counts = [
        ("minLength", object.min_length),
        ("maxLength", object.max_length),
        ("minItems", object.min_items),
        ("maxItems", object.max_items),
    ];
    for (key, value) in counts {
        if let Some(value) = value {
            out.insert(key.to_owned(), value.into());
        }
    }
    if let Some(pattern) = &object.pattern {
        out.insert("pattern".to_owned(), pattern.clone().into());
    }
    if !object.properties.is_empty() {
        let properties: Map<String, Value> = (object.properties.iter())
            .map(|(name, schema)| (name.clone(), of(schema)))
            .collect();
        out.insert("properties".to_owned(), properties.into());
    }
    if !object.required.is_empty() {
        out.insert("required".to_owned(), object.required.clone().into());
    }
    if let Some(additional) = object.additional_properties {
        out.insert("additionalProperties".to_owned(), additional.into());
    }
    if let Some(items) = &object.items {
        out.insert("items".to_owned(), of(items));
    }
    if let Some(choices) = &object.one_of {
        out.insert(
            "oneOf".to_owned(),
            choices.iter().map(of).collect::<Vec<_>>().into(),
        );
    }
    nullable(Value::Object(out), object.nullable)
}

/// The JSON type a schema object declares, or implies by its keywords.
pub fn kind_of(object: &SchemaObject) -> Option<Kind> {
    object.kind.or_else(|| {
        if !object.properties.is_empty() {
            Some(Kind::Object)
        } else if object.enum_values.is_some() {
            Some(Kind::String)
        } else {
            None
        }
    })
}

pub fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Object => "object",
        Kind::Array => "array",
        Kind::String => "string",
        Kind::Integer => "integer",
        Kind::Number => "number",
        Kind::Boolean => "boolean",
    }
}

/// `schema`, or `null` too.
fn nullable(schema: Value, nullable: bool) -> Value {
    if !nullable {
        return schema;
    }
    json!({ "anyOf": [schema, { "type": "null" }] })
}

/// What an integer format can hold: its lowest and highest value (`None`
/// when any JSON integer that fits 64 bits does).
pub fn integer_bounds(format: &str) -> Option<(i64, Option<i64>)> {
    Some(match format {
        "int32" => (i32::MIN.into(), Some(i32::MAX.into())),
        "uint32" => (0, Some(u32::MAX.into())),
        "int64" => (i64::MIN, Some(i64::MAX)),
        "uint64" => (0, None),
        _ => return None,
    })
}

/// A value that fits `schema`, for the page to send when a spec gives no
/// example: the smallest plain one (`"text"`, `1`, a list of one item, an
/// object of its required properties), moved inside the bounds, the first
/// enum value, a sample of a format. It may still not fit (a `pattern`):
/// the model checks it.
pub fn example(schema: &Value, defs: &Value) -> Value {
    example_within(schema, defs, &mut Vec::new()).unwrap_or(Value::Null)
}

/// `None` when `schema` leads back to a definition being built: a type that
/// contains itself (through a list, the only way allowed) would otherwise
/// give an endless example; its list is sent empty.
fn example_within(schema: &Value, defs: &Value, building: &mut Vec<String>) -> Option<Value> {
    let Some(schema) = schema.as_object() else {
        return Some(Value::Null);
    };
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = definition_name(reference);
        if building.contains(&name) {
            return None;
        }
        building.push(name.clone());
        let value = example_within(&defs[name.as_str()], defs, building);
        building.pop();
        return value;
    }
    if let Some(choices) =
        (schema.get("anyOf").or_else(|| schema.get("oneOf"))).and_then(Value::as_array)
    {
        return choices
            .iter()
            .find_map(|choice| example_within(choice, defs, building));
    }
    if let Some(first) = schema.get("enum").and_then(|values| values.get(0)) {
        return Some(first.clone());
    }
    let bound = |key: &str| schema.get(key).and_then(Value::as_f64);
    let count = |key: &str| schema.get(key).and_then(Value::as_u64);
    Some(match schema.get("type").and_then(Value::as_str) {
        Some("string") => match schema.get("format").and_then(Value::as_str) {
            Some("uuid") => "00000000-0000-4000-8000-000000000000".into(),
            Some("email") => "user@example.com".into(),
            Some("date-time") => "2026-01-01T00:00:00Z".into(),
            _ => {
                let min = count("minLength").unwrap_or(0) as usize;
                let max = count("maxLength").map_or(usize::MAX, |max| max as usize);
                let mut text = "text".to_owned();
                while text.len() < min {
                    text.push('x');
                }
                text.truncate(max);
                text.into()
            }
        },
        Some(kind @ ("integer" | "number")) => {
            let mut value: f64 = if kind == "integer" { 1.0 } else { 1.5 };
            let step = if kind == "integer" { 1.0 } else { 0.5 };
            if let Some(min) = bound("minimum") {
                value = value.max(min.ceil());
            }
            if let Some(min) = bound("exclusiveMinimum") {
                value = value.max(min.floor() + step);
            }
            if let Some(max) = bound("maximum") {
                value = value.min(max.floor());
            }
            if let Some(max) = bound("exclusiveMaximum") {
                value = value.min(max.ceil() - step);
            }
            if kind == "integer" {
                (value as i64).into()
            } else {
                value.into()
            }
        }
        Some("boolean") => true.into(),
        Some("array") => {
            let wanted = count("minItems")
                .unwrap_or(1)
                .max(1)
                .min(count("maxItems").unwrap_or(u64::MAX));
            let item = schema
                .get("items")
                .and_then(|items| example_within(items, defs, building));
            match item {
                Some(item) => vec![item; wanted as usize].into(),
                None => Vec::<Value>::new().into(),
            }
        }
        _ => {
            let properties = schema.get("properties").and_then(Value::as_object);
            let required = schema.get("required").and_then(Value::as_array);
            let mut object = Map::new();
            for name in required.into_iter().flatten().filter_map(Value::as_str) {
                let property = properties.and_then(|p| p.get(name)).unwrap_or(&Value::Null);
                object.insert(name.to_owned(), example_within(property, defs, building)?);
            }
            Value::Object(object)
        }
    })
}

/// The `$defs` key a [`reference`] points to.
fn definition_name(reference: &str) -> String {
    let encoded = reference.strip_prefix("#/$defs/").unwrap_or(reference);
    percent_decode_str(encoded)
        .decode_utf8_lossy()
        .replace("~1", "/")
        .replace("~0", "~")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::conform::Validators;
    use std::path::Path;

    fn document_of(yaml: &str) -> Value {
        let spec = crate::spec::parse(Path::new("t.yaml"), yaml).expect("spec parses");
        document(&spec)
    }

    #[test]
    fn names_become_references_that_resolve_whatever_they_hold() {
        let doc = document_of(
            "gateway: t\nschemas:\n  'a/b c~%': { type: string, minLength: 2 }\n  Dto: { type: object, properties: { x: 'a/b c~%' }, required: [x] }\nevents:\n  'e/~ %é': { payload: Dto }\n",
        );
        let schema = &doc["events"]["e/~ %é"];
        assert_eq!(schema, &json!({ "$ref": "#/$defs/Dto" }));
        let mut check = Validators::new(doc.clone());
        assert!(check.fits("events", "e/~ %é", &json!({ "x": "ok" })));
        assert!(
            !check.fits("events", "e/~ %é", &json!({ "x": "k" })),
            "minLength through the odd names"
        );
    }

    #[test]
    fn integer_formats_bound_what_the_integer_holds() {
        let doc = document_of(
            "gateway: t\nevents:\n  e: { payload: { type: integer, format: int32 } }\n  f: { payload: { type: integer, format: uint64, minimum: 5 } }\n",
        );
        let mut validators = Validators::new(doc.clone());
        assert!(validators.fits("events", "e", &json!(2_147_483_647)));
        assert!(!validators.fits("events", "e", &json!(2_147_483_648_i64)));
        assert!(!validators.fits("events", "f", &json!(4)));
        assert!(validators.fits("events", "f", &json!(5)));
    }

    #[test]
    fn nullable_admits_null_and_formats_are_checked() {
        let doc = document_of(
            "gateway: t\nevents:\n  e: { payload: { type: string, format: email, nullable: true } }\n",
        );
        let mut check = Validators::new(doc.clone());
        assert!(check.fits("events", "e", &Value::Null));
        assert!(check.fits("events", "e", &json!("a@example.com")));
        assert!(!check.fits("events", "e", &json!("not an address")));
    }

    #[test]
    fn examples_fit_their_bounds_formats_and_references() {
        let doc = document_of(
            "gateway: t\nschemas:\n  'a/b%': { type: string, enum: [red, blue] }\n  Dto:\n    properties:\n      n: { type: integer, minimum: 10 }\n      s: { type: string, maxLength: 2 }\n      c: 'a/b%'\n      id: { type: string, format: uuid }\n      tags: { type: array, items: string, minItems: 2 }\n      skip: string\n    required: [n, s, c, id, tags]\nevents:\n  e: { payload: Dto }\n",
        );
        let made = example(&doc["events"]["e"], &doc["$defs"]);
        assert_eq!(
            made,
            json!({ "n": 10, "s": "te", "c": "red", "id": "00000000-0000-4000-8000-000000000000", "tags": ["text", "text"] })
        );
        assert!(Validators::new(doc.clone()).fits("events", "e", &made));
    }
}
