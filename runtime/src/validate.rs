//! Payloads checked against the JSON Schema their spec declares, before a
//! service sees them, and each mismatch said in the client's terms.

use std::collections::HashMap;
use std::fmt::Write as _;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::paths::LocationSegment;
use jsonschema::{ValidationError, Validator};
use serde::Serialize;
use serde_json::Value;

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
}
