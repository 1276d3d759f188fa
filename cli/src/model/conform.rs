//! Conformance of the values a spec writes (examples, acks, emitted data)
//! to the schemas they must fit, checked with the JSON Schema the model
//! made of the spec ([`super::schema`]).

use std::collections::HashMap;
use std::rc::Rc;

use serde_json::{Map, Value, json};

use super::Report;
use super::interpolate::Data;
use super::schema::DIALECT;
use super::types::{JsonKind, Types};

/// The checkers of values against the schemas of one document.
///
/// Every schema of the document's sections is compiled at once, as the
/// properties of one root that holds the document's `$defs`: each
/// definition is compiled once, however many schemas refer to it, and a
/// value is checked as the one property of an object (`{"3": value}`).
/// Compiling each schema standalone, with a copy of every definition, made
/// each event's check cost as much as the whole gateway: the generator grew
/// with events × schemas (BENCHMARKS.md, "The generator").
pub struct Validators {
    document: Value,
    /// Each distinct schema of the sections, by its text: its key.
    keys: HashMap<String, String>,
    /// The checker of each key, compiled on first use: one shared by all
    /// when the document compiles as a whole, else one per schema that does.
    compiled: Option<HashMap<String, Rc<jsonschema::Validator>>>,
}

/// The sections of a document that hold schemas to check values against.
const SECTIONS: &[&str] = &["events", "server_events", "acks"];

impl Validators {
    /// Checkers of the schemas in `document`.
    pub fn new(document: Value) -> Self {
        let mut keys = HashMap::new();
        for section in SECTIONS {
            let schemas = document.get(*section).and_then(Value::as_object);
            for schema in schemas.into_iter().flat_map(|s| s.values()) {
                let count = keys.len();
                keys.entry(schema.to_string())
                    .or_insert_with(|| count.to_string());
            }
        }
        Self {
            document,
            keys,
            compiled: None,
        }
    }

    /// The root of `properties`, with the document's definitions.
    fn root(&self, properties: Map<String, Value>) -> Value {
        json!({
            "$schema": DIALECT,
            "$defs": self.document.get("$defs").cloned().unwrap_or_else(|| json!({})),
            "properties": properties,
        })
    }

    fn compile(&self) -> HashMap<String, Rc<jsonschema::Validator>> {
        let mut schemas: Vec<(&String, &String)> = self.keys.iter().collect();
        schemas.sort_by_key(|(_, key)| *key);
        let parsed: Vec<(String, Value)> = (schemas.iter())
            .filter_map(|(text, key)| Some(((*key).clone(), serde_json::from_str(text).ok()?)))
            .collect();
        let build = |properties: Map<String, Value>| {
            jsonschema::options()
                .should_validate_formats(true)
                .build(&self.root(properties))
                .ok()
                .map(Rc::new)
        };
        if let Some(all) = build(parsed.iter().cloned().collect()) {
            return (parsed.into_iter())
                .map(|(key, _)| (key, Rc::clone(&all)))
                .collect();
        }
        // A schema that does not compile (its error is reported by the
        // keyword checks) costs only its own checks.
        (parsed.into_iter())
            .filter_map(|(key, schema)| {
                let alone = build(Map::from_iter([(key.clone(), schema)]))?;
                Some((key, alone))
            })
            .collect()
    }

    /// The checker of the schema at `section` / `name` of the document
    /// (`events` / `createAaa`), and the key to check a value under; `None`
    /// if there is no such schema or it does not compile, which the
    /// spec's checks report.
    fn get(&mut self, section: &str, name: &str) -> Option<(String, Rc<jsonschema::Validator>)> {
        let schema = self.document.get(section)?.get(name)?;
        let key = self.keys.get(&schema.to_string())?.clone();
        if self.compiled.is_none() {
            self.compiled = Some(self.compile());
        }
        let validator = self.compiled.as_ref()?.get(&key)?;
        Some((key, Rc::clone(validator)))
    }

    /// A value that fits the schema at `section` / `name`, made from it
    /// ([`super::schema::example`]); it may still not fit (a `pattern`).
    pub fn made(&self, section: &str, name: &str) -> Value {
        super::schema::example(&self.document[section][name], &self.document["$defs"])
    }

    /// Says why `value` does not fit the schema at `section` / `name`,
    /// one line per mismatch, or nothing.
    pub fn mismatches(&mut self, section: &str, name: &str, value: &Value) -> Vec<String> {
        let Some((key, validator)) = self.get(section, name) else {
            return Vec::new();
        };
        let prefix = format!("/{key}");
        let instance = json!({ key: value });
        validator
            .iter_errors(&instance)
            .map(|err| {
                let at = within(err.instance_path().as_str(), &prefix);
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
            .is_none_or(|(key, validator)| validator.is_valid(&json!({ key: value })))
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
        let Some((key, validator)) = self.get(section, name) else {
            return;
        };
        let prefix = format!("/{key}");
        let mut holes = Vec::new();
        let sample = sample(data, types, prefix.clone(), &mut holes);
        let instance = json!({ key: sample });
        for err in validator.iter_errors(&instance) {
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
            let path = within(&path, &prefix);
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

/// `path` within the checked value, without the key it was checked under.
fn within<'p>(path: &'p str, prefix: &str) -> &'p str {
    path.strip_prefix(prefix).unwrap_or(path)
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
