//! Conformance of the values a spec writes (examples, acks, emitted data)
//! to the schemas they must fit, checked with the JSON Schema the model
//! made of the spec ([`super::schema`]).

use std::collections::HashMap;
use std::rc::Rc;

use serde_json::{Value, json};

use super::Report;
use super::interpolate::Data;
use super::schema::{DIALECT, pointer_segment};
use super::types::{JsonKind, Types};

/// The URI the checks give the document, to resolve references into it:
/// a name, never fetched.
const CHECKED: &str = "urn:gatesmith:payloads";

/// The checkers of values against the schemas of one document, each
/// compiled once.
///
/// The document is registered once; a checker compiles a reference into
/// it, which compiles only the schemas that reference reaches. Compiling
/// each schema standalone, with a copy of every definition, made each
/// event's check cost as much as the whole gateway: the generator grew
/// with events × schemas (BENCHMARKS.md, "The generator").
pub struct Validators {
    document: Value,
    registry: Option<jsonschema::Registry<'static>>,
    /// Checkers by the text of their schema: events with one payload type
    /// share one.
    compiled: HashMap<String, Option<Rc<jsonschema::Validator>>>,
}

impl Validators {
    /// Checkers of the schemas in `document`.
    pub fn new(document: Value) -> Self {
        let registry = jsonschema::Registry::new()
            .add(CHECKED, document.clone())
            .and_then(|builder| builder.prepare())
            .ok();
        Self {
            document,
            registry,
            compiled: HashMap::new(),
        }
    }

    /// The checker of the schema at `section` / `name` of the document
    /// (`events` / `createAaa`); `None` if there is no such schema or it
    /// does not compile, which the spec's checks report.
    pub fn get(&mut self, section: &str, name: &str) -> Option<Rc<jsonschema::Validator>> {
        let schema = self.document.get(section)?.get(name)?;
        let key = schema.to_string();
        if let Some(compiled) = self.compiled.get(&key) {
            return compiled.clone();
        }
        let registry = self.registry.as_ref()?;
        let reference = format!(
            "{CHECKED}#/{}/{}",
            pointer_segment(section),
            pointer_segment(name)
        );
        let compiled = jsonschema::options()
            .should_validate_formats(true)
            .with_registry(registry)
            .build(&json!({ "$schema": DIALECT, "$ref": reference }))
            .ok()
            .map(Rc::new);
        self.compiled.insert(key, compiled.clone());
        compiled
    }

    /// A value that fits the schema at `section` / `name`, made from it
    /// ([`super::schema::example`]); it may still not fit (a `pattern`).
    pub fn made(&self, section: &str, name: &str) -> Value {
        super::schema::example(&self.document[section][name], &self.document["$defs"])
    }

    /// Says why `value` does not fit the schema at `section` / `name`,
    /// one line per mismatch, or nothing.
    pub fn mismatches(&mut self, section: &str, name: &str, value: &Value) -> Vec<String> {
        let Some(validator) = self.get(section, name) else {
            return Vec::new();
        };
        validator
            .iter_errors(value)
            .map(|err| {
                let at = err.instance_path().as_str();
                let at = if at.is_empty() { "the value" } else { at };
                // jsonschema's message quotes the value, which may be long.
                let mut text = err.to_string();
                if text.chars().count() > 160 {
                    text = text.chars().take(160).chain("…".chars()).collect();
                }
                format!("{at}: {text}")
            })
            .collect()
    }

    /// Whether `value` fits the schema at `section` / `name` (or the
    /// schema does not compile, which is reported elsewhere).
    pub fn fits(&mut self, section: &str, name: &str, value: &Value) -> bool {
        self.get(section, name)
            .is_none_or(|validator| validator.is_valid(value))
    }

    /// Reports where `data` does not fit the schema at `section` / `name`.
    /// An interpolated value is known only by its type: there, only a type
    /// that cannot fit is an error.
    pub(super) fn check_fits(
        &mut self,
        (section, name): (&str, &str),
        data: &Data,
        types: &Types,
        (at, what): (&[&str], &str),
        report: &mut Report<'_>,
    ) {
        let Some(validator) = self.get(section, name) else {
            return;
        };
        let mut holes = Vec::new();
        let sample = sample(data, types, String::new(), &mut holes);
        for err in validator.iter_errors(&sample) {
            let path = err.instance_path().as_str().to_owned();
            let hole = holes
                .iter()
                .find(|(hole, _)| path == *hole || path.starts_with(&format!("{hole}/")));
            let message = match hole {
                None => err.to_string(),
                Some((hole, Some(kind))) if *hole == path && type_cannot_fit(&err, &path) => {
                    format!(
                        "the interpolated value is of type {}, which does not fit here",
                        kind.as_str()
                    )
                }
                Some(_) => continue,
            };
            let place = if path.is_empty() {
                String::new()
            } else {
                format!(" at {path}")
            };
            report.value_error(
                at,
                format!("{what} does not fit its schema{place}: {message}"),
            );
        }
    }
}

/// `data` as JSON, each interpolated value stood in for by a value of its
/// JSON type; `holes` gets their JSON Pointers and types.
fn sample(
    data: &Data,
    types: &Types,
    pointer: String,
    holes: &mut Vec<(String, Option<JsonKind>)>,
) -> Value {
    match data {
        Data::Literal(value) => value.clone(),
        Data::Text(_) => {
            holes.push((pointer, Some(JsonKind::String)));
            Value::from("")
        }
        Data::Var(var) => {
            let kind = types.json_kind(&var.ty);
            holes.push((pointer, kind));
            match kind {
                Some(JsonKind::String) => Value::from(""),
                Some(JsonKind::Integer) => Value::from(0),
                Some(JsonKind::Number) => Value::from(0.5),
                Some(JsonKind::Boolean) => Value::from(false),
                Some(JsonKind::Array) => Value::Array(Vec::new()),
                Some(JsonKind::Object) => Value::Object(Default::default()),
                Some(JsonKind::Null) | None => Value::Null,
            }
        }
        Data::Array(items) => (items.iter().enumerate())
            .map(|(i, item)| sample(item, types, format!("{pointer}/{i}"), holes))
            .collect(),
        Data::Object(fields) => Value::Object(
            (fields.iter())
                .map(|(key, item)| {
                    let escaped = key.replace('~', "~0").replace('/', "~1");
                    let at = format!("{pointer}/{escaped}");
                    (key.clone(), sample(item, types, at, holes))
                })
                .collect(),
        ),
    }
}

/// Whether `err`, about a value stood in for by one of its JSON type, says
/// that no value of that type could fit: a `type` error, or a `oneOf` /
/// `anyOf` each of whose choices has one at the same place.
fn type_cannot_fit(err: &jsonschema::ValidationError<'_>, path: &str) -> bool {
    use jsonschema::error::ValidationErrorKind;
    let type_error_here = |e: &jsonschema::ValidationError<'_>| {
        e.instance_path().as_str() == path && type_cannot_fit(e, path)
    };
    match err.kind() {
        ValidationErrorKind::Type { .. } => true,
        ValidationErrorKind::OneOfNotValid { context } | ValidationErrorKind::AnyOf { context } => {
            context
                .iter()
                .all(|choice| choice.iter().any(type_error_here))
        }
        _ => false,
    }
}
