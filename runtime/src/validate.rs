//! Payloads checked against the JSON Schema their spec declares, before a
//! service sees them, and each mismatch said in the client's terms.

use std::collections::HashMap;
use std::fmt::Write as _;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::paths::LocationSegment;
use jsonschema::{ValidationError, Validator};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use socketioxide::ParserError;

/// One way a payload does not fit its schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// Where, as a JSONPath from the payload: `$`, `$.name`, `$.items[2].id`.
    pub path: String,
    /// The JSON Schema keyword that failed (`required`, `type`, `maxLength`,
    /// `additionalProperties`, `format`…), or `json` when the payload is not
    /// JSON at all.
    pub rule: String,
    /// What is wrong, in words; never a copy of the value.
    pub message: String,
}

impl Violation {
    pub(crate) fn new(path: impl Into<String>, rule: &str, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            rule: rule.to_owned(),
            message: message.into(),
        }
    }
}

/// The validators of one gateway's events, compiled once from the
/// document `gatesmith generate` writes beside the gateway's module. A
/// gateway given [`crate::GatewayBuilder::schema`] runs exactly these
/// checks; they are public for benchmarks and hand-written gateways.
#[derive(Default)]
pub struct PayloadSchemas {
    by_event: HashMap<String, Validator>,
}

impl std::fmt::Debug for PayloadSchemas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PayloadSchemas")
            .field("events", &self.by_event.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl PayloadSchemas {
    /// Compiles the payload schema of every event in `document`.
    pub fn compile(document: &str) -> Result<Self, String> {
        let document: Value = serde_json::from_str(document)
            .map_err(|err| format!("the payload schema is not JSON: {err}"))?;
        let defs = document.get("$defs").cloned().unwrap_or(Value::Null);
        let mut by_event = HashMap::new();
        let events = document.get("events").and_then(Value::as_object);
        for (event, schema) in events.into_iter().flatten() {
            let mut standalone = schema.as_object().cloned().unwrap_or_default();
            standalone.insert("$defs".to_owned(), defs.clone());
            let validator = jsonschema::options()
                .should_validate_formats(true)
                .build(&Value::Object(standalone))
                .map_err(|err| {
                    format!("the payload schema of {event:?} does not compile: {err}")
                })?;
            by_event.insert(event.clone(), validator);
        }
        Ok(Self { by_event })
    }

    pub(crate) fn get(&self, event: &str) -> Option<&Validator> {
        self.by_event.get(event)
    }

    /// Every way `payload` does not fit `event`'s schema; none when it
    /// fits, or when the document declares no schema for `event`.
    pub fn check(&self, event: &str, payload: &Value) -> Vec<Violation> {
        self.get(event)
            .map_or_else(Vec::new, |validator| check(validator, payload))
    }
}

/// Every way `payload` does not fit `validator`'s schema, or none.
pub(crate) fn check(validator: &Validator, payload: &Value) -> Vec<Violation> {
    // The common case, a payload that fits, skips building errors.
    if validator.is_valid(payload) {
        return Vec::new();
    }
    let mut violations = Vec::new();
    for err in validator.iter_errors(payload) {
        describe(&err, &mut violations);
    }
    violations
}

fn describe(err: &ValidationError<'_>, into: &mut Vec<Violation>) {
    let path = json_path(err);
    let rule = err.kind().keyword();
    let message = match err.kind() {
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            let path = child(&path, name);
            into.push(Violation::new(path, rule, format!("`{name}` is required")));
            return;
        }
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            for name in unexpected {
                let message = format!("`{name}` is not a property this payload may have");
                into.push(Violation::new(child(&path, name), rule, message));
            }
            return;
        }
        // `nullable` is an `anyOf` of the schema and `null`: what matters is
        // why the value does not fit the schema.
        ValidationErrorKind::AnyOf { context } => match context.first() {
            Some(first) if !first.is_empty() => {
                for inner in first {
                    describe(inner, into);
                }
                return;
            }
            _ => "fits none of the schemas allowed here".to_owned(),
        },
        ValidationErrorKind::OneOfNotValid { .. } => {
            "fits none of the schemas allowed here".to_owned()
        }
        ValidationErrorKind::OneOfMultipleValid { .. } => {
            "fits more than one of the schemas allowed here".to_owned()
        }
        ValidationErrorKind::Type { kind } => format!("must be {}", type_names(kind)),
        ValidationErrorKind::Enum { options } => format!("must be one of {options}"),
        ValidationErrorKind::Format { format } => format!("must be a valid {format}"),
        ValidationErrorKind::MinLength { limit } => {
            format!("must be at least {limit} characters long")
        }
        ValidationErrorKind::MaxLength { limit } => {
            format!("must be at most {limit} characters long")
        }
        ValidationErrorKind::Pattern { pattern } => format!("must match the pattern {pattern}"),
        ValidationErrorKind::Minimum { limit } => format!("must be at least {limit}"),
        ValidationErrorKind::Maximum { limit } => format!("must be at most {limit}"),
        ValidationErrorKind::ExclusiveMinimum { limit } => format!("must be more than {limit}"),
        ValidationErrorKind::ExclusiveMaximum { limit } => format!("must be less than {limit}"),
        ValidationErrorKind::MinItems { limit } => format!("must have at least {limit} items"),
        ValidationErrorKind::MaxItems { limit } => format!("must have at most {limit} items"),
        _ => format!("breaks the schema's `{rule}` rule"),
    };
    into.push(Violation::new(path, rule, message));
}

fn type_names(kind: &TypeKind) -> String {
    let names: Vec<String> = match kind {
        TypeKind::Single(one) => vec![one.to_string()],
        TypeKind::Multiple(many) => many.iter().map(|one| one.to_string()).collect(),
    };
    let names: Vec<String> = names.into_iter().map(|name| article(&name)).collect();
    names.join(" or ")
}

fn article(type_name: &str) -> String {
    match type_name {
        "null" => "null".to_owned(),
        "array" | "integer" | "object" => format!("an {type_name}"),
        other => format!("a {other}"),
    }
}

/// The error's place in the payload as a JSONPath: `$.a[0]['odd key']`.
fn json_path(err: &ValidationError<'_>) -> String {
    let mut path = String::from("$");
    for segment in err.instance_path().iter() {
        match segment {
            LocationSegment::Index(index) => {
                let _ = write!(path, "[{index}]");
            }
            LocationSegment::Property(name) => path = child(&path, &name),
        }
    }
    path
}

/// `path` then the property `name`: `.name` when it reads as an
/// identifier, else `['name']`.
fn child(path: &str, name: &str) -> String {
    let plain = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    if plain {
        format!("{path}.{name}")
    } else {
        let quoted = name.replace('\\', "\\\\").replace('\'', "\\'");
        format!("{path}['{quoted}']")
    }
}

/// The payload, read as JSON, checked against the event's schema, then
/// decoded; or every reason it could not be.
pub(crate) fn checked<T: DeserializeOwned + 'static>(
    schemas: &PayloadSchemas,
    event: &str,
    payload: Result<Value, ParserError>,
) -> Result<T, Vec<Violation>> {
    // Read as any JSON, it fails only when it is not JSON.
    let payload = payload.map_err(|err| vec![unreadable(&err, "json")])?;
    let violations = schemas.check(event, &payload);
    if !violations.is_empty() {
        return Err(violations);
    }
    // The schema bounds every number by its Rust type, so this fails only
    // if the schema and the types disagree.
    decode(payload).map_err(|err| vec![Violation::new("$", "type", err.to_string())])
}

/// `payload` as a `T`. A payload typed as any JSON (`T` is `Value`) is
/// already one: decoding it again would copy it whole (1,100 instructions
/// for the benchmark's echo, bench/callgrind). A number with no fraction
/// (`1.0`, `1e2`, `-0.0`) is an integer, as JSON Schema has it.
pub(crate) fn decode<T: DeserializeOwned + 'static>(
    mut payload: Value,
) -> Result<T, serde_json::Error> {
    let mut kept = Some(payload);
    if let Some(same) = (&mut kept as &mut dyn std::any::Any).downcast_mut::<Option<T>>()
        && let Some(value) = same.take()
    {
        return Ok(value);
    }
    payload = kept.unwrap_or_default();
    integers_as_integers(&mut payload);
    serde_json::from_value(payload)
}

/// Rewrites every number of `value` that has no fraction and fits 64 bits
/// as an integer, so that an integer field reads it.
fn integers_as_integers(value: &mut Value) {
    match value {
        Value::Number(number) if number.is_f64() => {
            let Some(float) = number.as_f64() else { return };
            const TWO_TO_63: f64 = 9_223_372_036_854_775_808.0;
            if float.fract() != 0.0 || !float.is_finite() {
                return;
            }
            if (-TWO_TO_63..TWO_TO_63).contains(&float) {
                // In range and integral: the cast is exact.
                *number = serde_json::Number::from(float as i64);
            } else if (0.0..2.0 * TWO_TO_63).contains(&float) {
                *number = serde_json::Number::from(float as u64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integers_as_integers),
        Value::Object(fields) => fields.values_mut().for_each(integers_as_integers),
        _ => {}
    }
}

/// The violation of a payload that could not be read: none was sent, or
/// else it broke `rule` (`json`: it is not JSON, as with a lone UTF-16
/// surrogate; `type`: it does not decode).
pub(crate) fn unreadable(err: &ParserError, rule: &str) -> Violation {
    let text = reading_error(err);
    if text == MISSING {
        Violation::new("$", "required", MISSING)
    } else {
        Violation::new("$", rule, text)
    }
}

const MISSING: &str = "a payload is required";

/// Says what was wrong with a payload in the client's terms: the position
/// serde_json reports is inside socket.io's packet, which the client never
/// wrote, so it is left out.
fn reading_error(err: &ParserError) -> String {
    let text = err.to_string();
    if text.contains("first element not found") {
        return MISSING.to_owned();
    }
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn violations(schema: Value, payload: Value) -> Vec<Violation> {
        let document = json!({ "$defs": {}, "events": { "e": schema } }).to_string();
        let schemas = PayloadSchemas::compile(&document).expect("compiles");
        schemas.check("e", &payload)
    }

    #[test]
    fn every_violation_is_reported_with_its_path_and_rule() {
        let schema = json!({
            "type": "object",
            "required": ["name", "tags"],
            "additionalProperties": false,
            "properties": {
                "name": { "type": "string", "maxLength": 3 },
                "tags": { "type": "array", "items": { "type": "integer", "minimum": 0 } },
                "odd key": { "type": "boolean" }
            }
        });
        let found = violations(
            schema,
            json!({ "name": "long", "tags": [1, -2], "odd key": 1, "extra": true }),
        );
        let found: Vec<(&str, &str)> = found
            .iter()
            .map(|v| (v.path.as_str(), v.rule.as_str()))
            .collect();
        for expected in [
            ("$.name", "maxLength"),
            ("$.tags[1]", "minimum"),
            ("$['odd key']", "type"),
            ("$.extra", "additionalProperties"),
        ] {
            assert!(
                found.contains(&expected),
                "{expected:?} missing from {found:?}"
            );
        }
        assert_eq!(found.len(), 4, "{found:?}");
    }

    #[test]
    fn a_missing_property_is_named_at_its_own_path() {
        let found = violations(
            json!({ "type": "object", "required": ["name"], "properties": { "name": { "type": "string" } } }),
            json!({}),
        );
        assert_eq!(
            found,
            [Violation::new("$.name", "required", "`name` is required")]
        );
    }

    #[test]
    fn a_nullable_value_reports_why_it_does_not_fit_its_schema() {
        let found = violations(
            json!({ "anyOf": [{ "type": "string", "format": "uuid" }, { "type": "null" }] }),
            json!("nope"),
        );
        assert_eq!(
            found,
            [Violation::new("$", "format", "must be a valid uuid")]
        );
    }

    #[test]
    fn messages_never_copy_the_value() {
        let long = "x".repeat(10_000);
        let found = violations(json!({ "type": "integer" }), json!(long));
        assert_eq!(found, [Violation::new("$", "type", "must be an integer")]);
    }

    #[test]
    fn a_payload_is_decoded_to_its_type_or_kept_as_json() {
        let payload = json!({ "msg": "hi", "n": [1, 2] });
        let kept: Value = decode(payload.clone()).unwrap();
        assert_eq!(kept, payload);
        #[derive(serde::Deserialize, Debug, PartialEq)]
        struct Message {
            msg: String,
        }
        let typed: Message = decode(payload).unwrap();
        assert_eq!(typed.msg, "hi");
        assert!(decode::<u32>(json!("seven")).is_err());
    }

    #[test]
    fn a_number_without_fraction_is_an_integer_as_json_schema_has_it() {
        for (text, expected) in [
            ("1.0", 1),
            ("1e2", 100),
            ("-0", 0),
            ("-0.0", 0),
            ("-3.0", -3),
        ] {
            let value: Value = serde_json::from_str(text).unwrap();
            assert_eq!(decode::<i64>(value).unwrap(), expected, "{text}");
        }
        let big: Value = serde_json::from_str("1.5e19").unwrap();
        assert_eq!(decode::<u64>(big).unwrap(), 15_000_000_000_000_000_000);
        for text in ["1.5", "1e400"] {
            let value: Value = serde_json::from_str(text).unwrap_or(Value::Null);
            assert!(decode::<i64>(value).is_err(), "{text}");
        }
        let nested: Value = serde_json::from_str(r#"{"id": 7.0, "tags": [1.0, 2]}"#).unwrap();
        #[derive(serde::Deserialize)]
        struct Item {
            id: i64,
            tags: Vec<u8>,
        }
        let item: Item = decode(nested).unwrap();
        assert_eq!((item.id, item.tags), (7, vec![1, 2]));
    }
}
