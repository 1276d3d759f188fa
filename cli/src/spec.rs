//! Stage 1, parse: a spec file as written, in serde types.
//!
//! Nothing here judges meaning (that is [`crate::model`]); this stage only
//! turns YAML into these types, and a syntax or shape error into a
//! [`SpecError`] with the file, line and column.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use schemars::{JsonSchema, SchemaGenerator, json_schema};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_json::Value;

use crate::diagnostic::{self, Problem, SpecError};

mod timing;
use crate::yaml::de::{self as node_de, Skipped};
use crate::yaml::{self, Mark, Node, Value as YamlValue};
pub use timing::{Delay, MAX_DELAY_MS, PerPeriod, Rate};

/// One gateway, as declared in one YAML file.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// The gateway's name: `aaa` gives `AaaService` and the module `aaa`.
    pub gateway: String,
    /// The socket.io namespace.
    #[serde(default = "root_namespace")]
    pub namespace: String,
    /// What the gateway is for: the generated module's documentation.
    #[serde(default)]
    pub description: Option<String>,
    /// Named payload types, a JSON Schema subset.
    #[serde(default)]
    pub schemas: IndexMap<String, Schema>,
    /// What clients may emit, in the order the page sends them.
    #[serde(default)]
    pub events: IndexMap<String, Event>,
    /// Emitted when a client connects.
    #[serde(default)]
    pub on_connect: Vec<Emission>,
    /// Emitted when a client disconnects.
    #[serde(default)]
    pub on_disconnect: Vec<Emission>,
    /// The events the server sends, each with the schema of its data. Once
    /// any is declared, every emission must name a declared one and fit it.
    #[serde(default)]
    pub server_events: IndexMap<String, ServerEvent>,
    /// Who may connect: checked on the handshake, before any event.
    #[serde(default)]
    pub connect_guard: Option<ConnectGuard>,
    /// How often each socket may send any of the gateway's events, all
    /// counted together (`100/s`, or `{ limit: 100/s, burst, disconnect_after }`).
    #[serde(default)]
    pub rate: Option<Rate>,
}

/// A connect guard on bearer tokens.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConnectGuard {
    /// Environment variable → role: a client whose handshake `auth.token`
    /// equals the variable's value connects with that role.
    pub tokens: IndexMap<String, String>,
}

/// Who may send an event.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EventGuard {
    /// Only sockets the connect guard gave this role.
    #[serde(default)]
    pub role: Option<String>,
    /// Only sockets in this room; may interpolate.
    #[serde(default)]
    pub in_room: Option<String>,
}

/// An event the server sends.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServerEvent {
    /// What the event tells clients.
    #[serde(default)]
    pub description: Option<String>,
    /// The schema of the data it carries; none for an event without data.
    #[serde(default)]
    pub data: Option<Schema>,
    /// The schema of the client's answer, when the server asks with
    /// `cx.ask(…)` and waits for its ack.
    #[serde(default)]
    pub reply: Option<Schema>,
}

fn root_namespace() -> String {
    "/".to_owned()
}

/// An event a client may emit.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// What the event does: the service method's documentation.
    #[serde(default)]
    pub description: Option<String>,
    /// The payload's schema; none for an event that carries nothing.
    #[serde(default)]
    pub payload: Option<Schema>,
    /// The payload the generated page sends.
    #[serde(default)]
    pub example: Option<Value>,
    /// The acknowledgement; none sends no ack.
    #[serde(default)]
    pub ack: Option<Value>,
    /// The ack's schema: the service method returns this type.
    #[serde(default)]
    pub ack_schema: Option<Schema>,
    /// Events sent back to the sender instead of (or beside) an ack.
    #[serde(default)]
    pub reply: Vec<Reply>,
    /// Side effects: events sent to a target.
    #[serde(default)]
    pub emit: Vec<Emission>,
    /// Who may send it; others get a `forbidden` error.
    #[serde(default)]
    pub guard: Option<EventGuard>,
    /// A room the sender joins before the emissions; may interpolate.
    #[serde(default)]
    pub join: Option<String>,
    /// A room the sender leaves before the emissions; may interpolate.
    #[serde(default)]
    pub leave: Option<String>,
    /// How often each socket may send this event (`20/s`, or
    /// `{ limit: 20/s, burst: 40, disconnect_after: 100 }`); past it a
    /// message is answered `rate_limited` and not handled.
    #[serde(default)]
    pub rate: Option<Rate>,
}

/// An event sent back to the sender.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Reply {
    pub event: String,
    #[serde(default)]
    pub data: Option<Value>,
    /// Counted from the request.
    #[serde(default)]
    pub after: Option<Delay>,
}

/// An event sent to a target.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Emission {
    pub to: Target,
    /// The room of `to: room` and `to: room_others`; may interpolate.
    #[serde(default)]
    pub room: Option<String>,
    pub event: String,
    #[serde(default)]
    pub data: Option<Value>,
    #[serde(default)]
    pub after: Option<Delay>,
    /// Waits this long for the sender's answer (its ack callback), which
    /// the service's `<event>_answered` method gets, or the timeout. Only
    /// with `to: sender`, for a server event that declares `reply:`.
    #[serde(default)]
    pub ask: Option<Delay>,
}

/// Who receives an emission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    Sender,
    All,
    Others,
    /// Every socket in `room`, the sender included if it is in it.
    Room,
    /// Every socket in `room` but the sender.
    RoomOthers,
    /// Every socket that shares a room with the sender, but the sender.
    SenderRooms,
}

impl JsonSchema for Schema {
    fn schema_name() -> Cow<'static, str> {
        "Schema".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> schemars::Schema {
        json_schema!({
            "description": "A type: the name of a schema or of a primitive, or an inline schema.",
            "anyOf": [
                {
                    "type": "string",
                    "description": "string, integer, number, boolean, object, or a name under `schemas:`"
                },
                generator.subschema_for::<SchemaObject>()
            ]
        })
    }
}

/// The JSON Schema of the spec format itself, for editors
/// (`yaml-language-server`) and other tools.
pub fn json_schema() -> String {
    let mut schema = schemars::schema_for!(Spec);
    schema.insert("title".to_owned(), "gatesmith gateway spec".into());
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

/// A payload type: the name of a schema or primitive (`integer`,
/// `CreateAaaDto`), or an inline schema.
#[derive(Debug, Clone, PartialEq)]
pub enum Schema {
    Name(String),
    Inline(Box<SchemaObject>),
}

/// The JSON Schema subset gatesmith understands.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SchemaObject {
    #[serde(rename = "type", default)]
    pub kind: Option<Kind>,
    /// Refers to another schema by name, as `{ $ref: CreateAaaDto }`.
    #[serde(rename = "$ref", default)]
    pub reference: Option<String>,
    /// The type's or field's documentation.
    #[serde(default)]
    pub description: Option<String>,
    /// An object's fields, in order.
    #[serde(default)]
    pub properties: IndexMap<String, Schema>,
    /// The fields that must be present; the others are optional.
    #[serde(default)]
    pub required: Vec<String>,
    /// An array's element type.
    #[serde(default)]
    pub items: Option<Schema>,
    /// A value of this type, for documentation.
    #[serde(default)]
    pub example: Option<Value>,
    /// The strings a string may be: a Rust enum.
    #[serde(rename = "enum", default)]
    pub enum_values: Option<Vec<Value>>,
    /// `uuid`, `email`, `date-time` (strings, checked); `int32`, `int64`,
    /// `uint32`, `uint64` (integers); `float`, `double` (numbers).
    #[serde(default)]
    pub format: Option<String>,
    /// `null` is a value too: the Rust type becomes an `Option`.
    #[serde(default)]
    pub nullable: bool,
    /// `false` refuses properties not listed in `properties`.
    #[serde(rename = "additionalProperties", default)]
    pub additional_properties: Option<bool>,
    /// The value must fit exactly one of these schemas: an untagged Rust enum.
    #[serde(rename = "oneOf", default)]
    pub one_of: Option<Vec<Schema>>,
    #[serde(rename = "minLength", default)]
    pub min_length: Option<u64>,
    #[serde(rename = "maxLength", default)]
    pub max_length: Option<u64>,
    /// A regular expression (ECMA-262, as JSON Schema says) a string must match.
    #[serde(default)]
    pub pattern: Option<String>,
    #[serde(default)]
    pub minimum: Option<serde_json::Number>,
    #[serde(default)]
    pub maximum: Option<serde_json::Number>,
    #[serde(rename = "exclusiveMinimum", default)]
    pub exclusive_minimum: Option<serde_json::Number>,
    #[serde(rename = "exclusiveMaximum", default)]
    pub exclusive_maximum: Option<serde_json::Number>,
    #[serde(rename = "minItems", default)]
    pub min_items: Option<u64>,
    #[serde(rename = "maxItems", default)]
    pub max_items: Option<u64>,
}

/// A JSON Schema `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Object,
    Array,
    String,
    Integer,
    Number,
    Boolean,
}

impl Kind {
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "object" => Self::Object,
            "array" => Self::Array,
            "string" => Self::String,
            "integer" => Self::Integer,
            "number" => Self::Number,
            "boolean" => Self::Boolean,
            _ => return None,
        })
    }
}

// A hand-written visitor instead of `#[serde(untagged)]`: untagged enums
// replace every inner error (an unknown key, a wrong type) with "did not
// match any variant", and lose its line.
impl<'de> Deserialize<'de> for Schema {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SchemaVisitor;
        impl<'de> Visitor<'de> for SchemaVisitor {
            type Value = Schema;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a type name (integer, string, a schema's name) or a schema such as { type: object, properties: ... }")
            }
            fn visit_str<E: de::Error>(self, name: &str) -> Result<Schema, E> {
                Ok(Schema::Name(name.to_owned()))
            }
            fn visit_map<M: MapAccess<'de>>(self, map: M) -> Result<Schema, M::Error> {
                SchemaObject::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(|object| Schema::Inline(Box::new(object)))
            }
        }
        deserializer.deserialize_any(SchemaVisitor)
    }
}

/// A spec file as read: its text and its YAML tree, to place errors found
/// later, and what parsing had to leave out.
#[derive(Debug)]
pub struct SpecFile {
    pub path: PathBuf,
    pub source: String,
    tree: Option<Node>,
    /// Key paths of the parts left out for an error: a later stage's error
    /// under them would only be an echo of that one.
    tainted: Vec<Vec<String>>,
}

impl SpecFile {
    fn new(path: &Path, source: &str) -> Self {
        Self {
            path: path.to_owned(),
            source: source.to_owned(),
            tree: None,
            tainted: Vec::new(),
        }
    }

    /// Whether the spec writes the key at the end of `at`.
    pub fn has(&self, at: &[&str]) -> bool {
        (self.tree.as_ref()).is_some_and(|tree| tree.locate(at).is_some())
    }

    /// An error about the key at the end of `at` (mapping keys from the top,
    /// such as `["events", "createAaa", "payload"]`); `None` if it is under a
    /// part of the spec that already has a parse error.
    pub fn error(&self, at: &[&str], message: impl Into<String>) -> Option<SpecError> {
        self.error_where(at, false, message)
    }

    /// The same, placed at the value of that key rather than at the key.
    pub fn error_on_value(&self, at: &[&str], message: impl Into<String>) -> Option<SpecError> {
        self.error_where(at, true, message)
    }

    /// A later stage's [`Problem`] placed in this file.
    pub fn place(&self, problem: &Problem) -> Option<SpecError> {
        let at: Vec<&str> = problem.at.iter().map(String::as_str).collect();
        self.error_where(&at, problem.on_value, problem.message.clone())
    }

    fn error_where(
        &self,
        at: &[&str],
        on_value: bool,
        message: impl Into<String>,
    ) -> Option<SpecError> {
        let echo = self
            .tainted
            .iter()
            .any(|prefix| prefix.len() <= at.len() && prefix.iter().zip(at).all(|(a, b)| a == b));
        if echo {
            return None;
        }
        let position = self
            .tree
            .as_ref()
            .and_then(|tree| tree.locate(at))
            .map(|(key, value)| if on_value { value } else { key })
            .map(|mark| (mark.line, mark.column));
        Some(SpecError::new(&self.path, &self.source, position, message))
    }
}

/// The result of reading one spec file: the spec, unless an error left it
/// without a gateway, and every error found on the way.
#[derive(Debug)]
pub struct Read {
    pub file: SpecFile,
    pub spec: Option<Spec>,
    pub errors: Vec<SpecError>,
}

/// After this many errors in one file the rest is not worth reading.
const MAX_ERRORS: usize = 50;

/// The most gateways one file may hold (YAML documents).
const MAX_GATEWAYS: usize = 64;

/// Reads one spec file: one [`Read`] per gateway it holds (YAML documents
/// separated by `---`), each reporting every error in it, not just the
/// first. A file that is not YAML is one `Read` with that error.
pub fn read(path: &Path, source: &str) -> Vec<Read> {
    // A byte order mark is not part of the first key.
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    match yaml::parse(source) {
        Ok(mut documents) => {
            // A `---` at the end, or a document of comments only, holds no
            // gateway: editors add them; they are not errors.
            if documents.len() > 1 {
                documents.retain(|tree| tree.value != yaml::Value::Null);
            }
            if documents.len() > MAX_GATEWAYS {
                let error = SpecError::new(
                    path,
                    source,
                    Some((documents[MAX_GATEWAYS].mark.line, 1)),
                    format!(
                        "a spec file holds at most {MAX_GATEWAYS} gateways: put the others in files of their own"
                    ),
                );
                return vec![Read {
                    file: SpecFile::new(path, source),
                    spec: None,
                    errors: vec![error],
                }];
            }
            let mut reads: Vec<Read> = Vec::with_capacity(documents.len());
            for tree in documents {
                if reads.iter().map(|read| read.errors.len()).sum::<usize>() >= MAX_ERRORS {
                    break;
                }
                reads.push(read_document(path, source, tree));
            }
            reads
        }
        Err((mark, message)) => {
            let error = SpecError::new(
                path,
                source,
                Some((mark.line, mark.column)),
                format!("this is not valid YAML: {message}"),
            )
            .with_help("YAML nests by indentation with spaces; quote strings holding `: `, `#`, `{` or `[`");
            vec![Read {
                file: SpecFile::new(path, source),
                spec: None,
                errors: vec![error],
            }]
        }
    }
}

/// Reads one document of a spec file: each bad node is reported, then left
/// out, and the document read again.
fn read_document(path: &Path, source: &str, tree: Node) -> Read {
    let mut file = SpecFile::new(path, source);
    // Which node an error is about is looked up only once there is one: a
    // valid spec, the usual case, never pays for the index.
    let mut nodes = None;
    let skipped = Skipped::default();
    let mut errors = Vec::new();
    let mut left_out = Vec::new();
    duplicate_keys(&tree, &skipped, &mut |key, first| {
        errors.push(
            SpecError::new(
                path,
                source,
                Some((key.mark.line, key.mark.column)),
                format!(
                    "`{}` is declared twice, first on line {}",
                    key.scalar_text().unwrap_or_default(),
                    first.line
                ),
            )
            .with_label((first.line, first.column), "first declared here")
            .with_help(
                "keys of a mapping must differ: rename or merge them (only the first is used)",
            ),
        );
    });
    let spec = loop {
        let err = match node_de::from_node::<Spec>(&tree, &skipped) {
            Ok(spec) => break Some(spec),
            Err(err) => err,
        };
        let nodes = nodes.get_or_insert_with(|| index(&tree));
        let Some(node) = err.node.and_then(|id| nodes.get(&id).map(|n| n.node)) else {
            errors.push(SpecError::new(path, source, None, err.to_string()));
            break None;
        };
        // A key reported missing because an earlier error left out its bad
        // value is not news: leave out the mapping that needed it instead.
        let echo = matches!(err.kind, node_de::Kind::MissingKey(key)
            if node.key(key).is_some_and(|k| skipped.contains(k.id) || node.get(key).is_some_and(|v| skipped.contains(v.id))));
        if !echo {
            errors.push(describe(&err, node, path, source));
        }
        if node.id == tree.id || errors.len() >= MAX_ERRORS {
            break None;
        }
        skipped.skip(node.id);
        if !matches!(err.kind, node_de::Kind::UnknownKey { .. }) {
            left_out.push(node.id);
        }
    };
    file.tainted = left_out
        .iter()
        .filter_map(|id| nodes.as_ref()?.get(id))
        .map(|entry| {
            // What an event does with its payload is checked against the
            // payload: without it, those checks would only echo this error.
            let in_payload =
                entry.path.len() >= 3 && entry.path[0] == "events" && entry.path[2] == "payload";
            let keep = if in_payload { 2 } else { entry.path.len() };
            entry.path[..keep].to_vec()
        })
        .collect();
    file.tree = Some(tree);
    errors.sort_by_key(|err| err.position);
    Read { file, spec, errors }
}

/// Reads the first gateway of a spec file; every error in it if there is any.
pub fn parse(path: &Path, source: &str) -> Result<Spec, Vec<SpecError>> {
    let Some(read) = read(path, source).into_iter().next() else {
        return Err(Vec::new());
    };
    match read.spec {
        Some(spec) if read.errors.is_empty() => Ok(spec),
        _ => Err(read.errors),
    }
}

/// JSON Schema keywords outside gatesmith's subset: named so that a spec
/// using one hears that it is unsupported, not that it is misspelt.
const JSON_SCHEMA_KEYWORDS: &[&str] = &[
    "additionalItems",
    "allOf",
    "anyOf",
    "const",
    "contains",
    "contentEncoding",
    "contentMediaType",
    "default",
    "definitions",
    "deprecated",
    "dependentRequired",
    "dependentSchemas",
    "else",
    "examples",
    "if",
    "maxContains",
    "maxProperties",
    "minContains",
    "minProperties",
    "multipleOf",
    "not",
    "patternProperties",
    "prefixItems",
    "propertyNames",
    "readOnly",
    "then",
    "title",
    "uniqueItems",
    "unevaluatedItems",
    "unevaluatedProperties",
    "writeOnly",
    "$defs",
    "$id",
    "$schema",
    "$comment",
    "$anchor",
];

fn describe(err: &node_de::Error, node: &Node, path: &Path, source: &str) -> SpecError {
    let at = Some((node.mark.line, node.mark.column));
    // The key whose value is at fault, as a prefix: "`to`: ".
    let under = err
        .key
        .as_ref()
        .map(|k| format!("`{k}`: "))
        .unwrap_or_default();
    let (message, help) = match &err.kind {
        node_de::Kind::UnknownKey { key, expected }
            if expected.contains(&"properties") && JSON_SCHEMA_KEYWORDS.contains(&key.as_str()) =>
        {
            (
                format!(
                    "the JSON Schema keyword `{key}` is not supported by gatesmith's schema subset"
                ),
                format!("remove it; a schema may use {}", listed(expected)),
            )
        }
        node_de::Kind::UnknownKey { key, expected } => (
            format!("unknown key `{key}`{}", did_you_mean(key, expected)),
            format!("keys allowed here: {}", listed(expected)),
        ),
        node_de::Kind::UnknownVariant { value, expected } => (
            format!(
                "{}`{value}` is not allowed here{}",
                under,
                did_you_mean(value, expected)
            ),
            format!("write one of {}", listed(expected)),
        ),
        node_de::Kind::MissingKey(key) => (
            format!("missing key `{key}`"),
            format!("add `{key}: …` to this mapping (see docs/spec.md)"),
        ),
        node_de::Kind::InvalidType { found, expected } => (
            format!(
                "{}expected {}, found {}",
                under,
                readable(expected),
                found_here(node, found)
            ),
            "see docs/spec.md for what each key takes".to_owned(),
        ),
        node_de::Kind::Other(message) => (format!("{}{message}", under), String::new()),
    };
    let error = SpecError::new(path, source, at, message);
    if help.is_empty() {
        error
    } else {
        error.with_help(help)
    }
}

/// What the node holds, as a reader would put it: `a string "hello"`.
fn found_here(node: &Node, serde_says: &str) -> String {
    match &node.value {
        YamlValue::Str(text) => format!("a string {text:?}"),
        YamlValue::Int(_) | YamlValue::Float(_) | YamlValue::Bool(_) => format!(
            "{} `{}`",
            node.kind(),
            node.scalar_text().unwrap_or_default()
        ),
        YamlValue::Null | YamlValue::Seq(_) | YamlValue::Map(_) if !serde_says.is_empty() => {
            node.kind().to_owned()
        }
        _ => readable(serde_says),
    }
}

/// serde's words for YAML's: a sequence is a list, a map a mapping.
fn readable(text: &str) -> String {
    match text {
        "a sequence" => "a list".to_owned(),
        "a map" => "a mapping".to_owned(),
        "unit value" => "nothing (null)".to_owned(),
        other => other.to_owned(),
    }
}

fn listed(names: &[&str]) -> String {
    names
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// ` — did you mean `ack`?` when a name is close to what was written.
fn did_you_mean(written: &str, names: &[&str]) -> String {
    diagnostic::closest(written, names.iter().copied())
        .map(|name| format!(" — did you mean `{name}`?"))
        .unwrap_or_default()
}

struct Indexed<'a> {
    node: &'a Node,
    /// The mapping keys from the top down to this node.
    path: Vec<String>,
}

fn index(tree: &Node) -> HashMap<usize, Indexed<'_>> {
    fn walk<'a>(node: &'a Node, path: &[String], into: &mut HashMap<usize, Indexed<'a>>) {
        into.entry(node.id).or_insert_with(|| Indexed {
            node,
            path: path.to_vec(),
        });
        match &node.value {
            YamlValue::Seq(items) => items.iter().for_each(|item| walk(item, path, into)),
            YamlValue::Map(entries) => {
                for (key, value) in entries {
                    let mut below = path.to_vec();
                    below.push(key.scalar_text().unwrap_or_default());
                    walk(key, &below, into);
                    walk(value, &below, into);
                }
            }
            _ => {}
        }
    }
    let mut nodes = HashMap::new();
    walk(tree, &[], &mut nodes);
    nodes
}

/// Reports each key that repeats an earlier one of its mapping, and leaves
/// it out.
fn duplicate_keys(node: &Node, skipped: &Skipped, report: &mut impl FnMut(&Node, Mark)) {
    match &node.value {
        YamlValue::Seq(items) => items
            .iter()
            .for_each(|item| duplicate_keys(item, skipped, report)),
        YamlValue::Map(entries) => {
            let mut seen: HashMap<String, Mark> = HashMap::new();
            for (key, value) in entries {
                let Some(text) = key.scalar_text() else {
                    duplicate_keys(value, skipped, report);
                    continue;
                };
                if let Some(first) = seen.get(&text) {
                    report(key, *first);
                    skipped.skip(key.id);
                } else {
                    seen.insert(text, key.mark);
                    duplicate_keys(value, skipped, report);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(source: &str) -> Result<Spec, String> {
        parse(Path::new("specs/test.yaml"), source).map_err(|errors| {
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n\n")
        })
    }

    fn messages(source: &str) -> Vec<String> {
        parse(Path::new("specs/test.yaml"), source)
            .expect_err("the spec should be refused")
            .iter()
            .map(|err| {
                let (line, column) = err.position.unwrap_or_default();
                format!("{line}:{column} {}", err.message)
            })
            .collect()
    }

    #[test]
    fn reads_the_lessons_shapes() {
        let spec = parse_str(
            "gateway: aaa\nevents:\n  findOneAaa:\n    payload: integer\n    ack: 'This action returns a #{{ payload }} aaa'\n    emit: [{ to: sender, event: guang, data: 666 }]\n  findAllAaa:\n    reply:\n      - { event: guang, data: { msg: bbb }, after: 2s }\n",
        )
        .unwrap();
        assert_eq!(spec.namespace, "/");
        let find_one = &spec.events["findOneAaa"];
        assert_eq!(find_one.payload, Some(Schema::Name("integer".into())));
        assert_eq!(find_one.emit[0].to, Target::Sender);
        assert_eq!(spec.events["findAllAaa"].reply[0].after, Some(Delay(2000)));
        let names: Vec<_> = spec.events.keys().collect();
        assert_eq!(names, ["findOneAaa", "findAllAaa"], "spec order is kept");
    }

    #[test]
    fn a_rate_is_read_where_it_is_declared_and_a_bad_one_located() {
        let spec = parse_str(
            "gateway: g\nrate: 100/s\nevents:\n  say:\n    rate: { limit: 20/s, burst: 40, disconnect_after: 100 }\n",
        )
        .unwrap();
        assert_eq!(spec.rate.map(|rate| rate.limit.count), Some(100));
        let say = spec.events["say"].rate.unwrap();
        assert_eq!(
            (say.limit.per_ms, say.burst, say.disconnect_after),
            (1_000, Some(40), Some(100))
        );
        let bad = parse_str("gateway: g\nevents:\n  say:\n    rate: 20/sec\n").unwrap_err();
        let shown = bad.to_string();
        assert!(
            shown.contains("cannot read the rate") && shown.contains(":4:"),
            "{shown}"
        );
    }

    #[test]
    fn an_unknown_key_is_reported_with_its_line_column_and_a_suggestion() {
        let text = parse_str("gateway: aaa\nevents:\n  createAaa:\n    acks: hello\n").unwrap_err();
        assert!(text.contains("specs/test.yaml:4:5"), "{text}");
        assert!(
            text.contains("unknown key `acks` — did you mean `ack`?"),
            "{text}"
        );
        assert!(text.contains("    acks: hello"), "shows the line: {text}");
        assert!(
            text.contains("= help: keys allowed here: `description`, `payload`"),
            "{text}"
        );
    }

    #[test]
    fn every_shape_error_of_a_file_is_reported_at_once_without_echoes() {
        let found = messages(
            "gateway: aaa\n\
             namespace: [x]\n\
             schemas:\n\
             \x20 Dto: { type: strng, properties: { a: { type: string, uniqueItems: 3 } } }\n\
             events:\n\
             \x20 one:\n\
             \x20   acks: x\n\
             \x20   reply: [{ event: e, after: 2 sec }, { data: 1 }]\n\
             \x20   emit: [{ to: everyone, event: e }]\n\
             \x20 one:\n\
             \x20   ack: twice\n\
             \x20 two:\n\
             \x20   emit: hello\n",
        );
        assert_eq!(
            found,
            [
                "2:12 `namespace`: expected a string, found a list",
                "4:16 `type`: `strng` is not allowed here — did you mean `string`?",
                "4:56 the JSON Schema keyword `uniqueItems` is not supported by gatesmith's schema subset",
                "7:5 unknown key `acks` — did you mean `ack`?",
                "8:32 `after`: cannot read delay \"2 sec\": write a number and a unit, like 500ms, 2s or 1.5m",
                "8:41 missing key `event`",
                "9:18 `to`: `everyone` is not allowed here",
                "10:3 `one` is declared twice, first on line 6",
                "13:11 `emit`: expected a list, found a string \"hello\"",
            ]
        );
    }

    #[test]
    fn yaml_syntax_errors_have_a_position() {
        let text = parse_str("gateway: aaa\nevents:\n  a: [1, 2\n").unwrap_err();
        assert!(text.contains("this is not valid YAML"), "{text}");
        assert!(text.contains("specs/test.yaml:"), "{text}");
    }

    #[test]
    fn an_error_inside_an_inline_schema_keeps_its_own_message() {
        let err =
            parse_str("gateway: a\nevents:\n  e:\n    payload: { type: object, propertys: {} }\n")
                .unwrap_err();
        assert!(
            err.contains("unknown key `propertys` — did you mean `properties`?"),
            "{err}"
        );
    }

    #[test]
    fn keys_written_as_numbers_are_names() {
        let spec = parse_str("gateway: a\nevents:\n  404: { ack: 1 }\n").unwrap();
        assert!(spec.events.contains_key("404"));
    }

    #[test]
    fn positions_hold_with_a_byte_order_mark_and_any_line_break() {
        for source in [
            "\u{feff}gateway: a\nevents:\n  e:\n    acks: 1\n",
            "gateway: a\r\nevents:\r\n  e:\r\n    acks: 1\r\n",
            "gateway: a\revents:\r  e:\r    acks: 1\r",
        ] {
            assert_eq!(
                messages(source),
                ["4:5 unknown key `acks` — did you mean `ack`?"],
                "{source:?}"
            );
            let shown = parse_str(source).unwrap_err();
            assert!(shown.contains("4 |     acks: 1\n"), "{shown}");
        }
    }

    #[test]
    fn the_line_shown_is_the_line_counted_after_odd_line_breaks() {
        // From tests/scale.rs: U+2028 inside a string, and a lone CR, which
        // YAML (and editors) count as a line break.
        let source = "gateway: a\ndescription: \"one\u{2028}two\"\rnamespace: /\nevents:\n  e:\n    acks: hello\n";
        let text = parse_str(source).unwrap_err();
        assert!(text.contains("specs/test.yaml:6:5"), "{text}");
        assert!(text.contains("6 |     acks: hello"), "{text}");
    }

    #[test]
    fn an_empty_value_declares_nothing() {
        let spec =
            parse_str("gateway: a\nschemas:\nevents:\n  ping:\n  pong: ~\n  e:\n    emit:\n")
                .unwrap();
        assert!(spec.schemas.is_empty());
        assert_eq!(spec.events["ping"], Event::default());
        assert_eq!(spec.events["pong"], Event::default());
        assert!(spec.events["e"].emit.is_empty());
    }
}
