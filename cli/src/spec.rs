//! Stage 1, parse: a spec file as written, in serde types.
//!
//! Nothing here judges meaning (that is [`crate::model`]); this stage only
//! turns YAML into these types, and a syntax or shape error into a
//! [`SpecError`] with the file, line and column.

use std::fmt;
use std::path::Path;

use indexmap::IndexMap;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_json::Value;

use crate::diagnostic::SpecError;

/// One gateway, as declared in one YAML file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// The gateway's name: `aaa` gives `AaaService` and the module `aaa`.
    pub gateway: String,
    /// The socket.io namespace.
    #[serde(default = "root_namespace")]
    pub namespace: String,
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
}

fn root_namespace() -> String {
    "/".to_owned()
}

/// An event a client may emit.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
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
    /// Events sent back to the sender instead of (or beside) an ack.
    #[serde(default)]
    pub reply: Vec<Reply>,
    /// Side effects: events sent to a target.
    #[serde(default)]
    pub emit: Vec<Emission>,
}

/// An event sent back to the sender.
#[derive(Debug, Clone, PartialEq, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Emission {
    pub to: Target,
    pub event: String,
    #[serde(default)]
    pub data: Option<Value>,
    #[serde(default)]
    pub after: Option<Delay>,
}

/// Who receives an emission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    Sender,
    All,
    Others,
}

/// A delay such as `2s`, `500ms`, `1.5s` or `1m`, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delay(pub u64);

/// The longest delay a spec may declare: delayed emissions are held in
/// memory per socket, so anything longer is almost surely a typo.
pub const MAX_DELAY_MS: u64 = 60 * 60 * 1000;

impl Delay {
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let split = text
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        let scale = match unit.trim() {
            "ms" => 1.0,
            "s" => 1_000.0,
            "m" | "min" => 60_000.0,
            _ => {
                return Err(format!(
                    "cannot read delay {text:?}: write a number and a unit, like 500ms, 2s or 1.5m"
                ));
            }
        };
        let value: f64 = number
            .parse()
            .map_err(|_| format!("cannot read delay {text:?}: {number:?} is not a number"))?;
        let ms = (value * scale).round();
        if ms > MAX_DELAY_MS as f64 {
            return Err(format!("delay {text:?} is longer than the 1 hour allowed"));
        }
        Ok(Self(ms as u64))
    }
}

impl<'de> Deserialize<'de> for Delay {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(de::Error::custom)
    }
}

/// A payload type: the name of a schema or primitive (`integer`,
/// `CreateAaaDto`), or an inline schema.
#[derive(Debug, Clone, PartialEq)]
pub enum Schema {
    Name(String),
    Inline(Box<SchemaObject>),
}

/// The JSON Schema subset gatesmith understands.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemaObject {
    #[serde(rename = "type", default)]
    pub kind: Option<Kind>,
    /// Refers to another schema by name, as `{ $ref: CreateAaaDto }`.
    #[serde(rename = "$ref", default)]
    pub reference: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub properties: IndexMap<String, Schema>,
    #[serde(default)]
    pub required: Vec<String>,
    #[serde(default)]
    pub items: Option<Schema>,
    #[serde(default)]
    pub example: Option<Value>,
}

/// A JSON Schema `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
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

/// Reads one spec file.
pub fn parse(path: &Path, source: &str) -> Result<Spec, SpecError> {
    // Some editors start a UTF-8 file with a byte order mark, which
    // serde_yaml refuses as if a second document began.
    let body = source.strip_prefix('\u{feff}').unwrap_or(source);
    serde_yaml::from_str(body).map_err(|err| {
        let location = err.location();
        let mut message = err.to_string();
        if let Some(l) = &location {
            // Shown once, as the error's position, not again in the text.
            message = message.replacen(
                &format!(" at line {} column {}", l.line(), l.column()),
                "",
                1,
            );
        }
        SpecError::new(
            path,
            source,
            location.map(|l| line_column(body, l.index())),
            message,
        )
    })
}

/// The 1-based line and column (in characters) of the byte `index`, lines
/// counted as [`str::lines`] counts them, so the line shown is the right
/// one. libyaml's own line count differs: it also breaks lines at a lone
/// `\r`, U+0085, U+2028 and U+2029.
fn line_column(source: &str, index: usize) -> (usize, usize) {
    let mut index = index.min(source.len());
    while !source.is_char_boundary(index) {
        index -= 1;
    }
    let before = &source[..index];
    let line_start = before.rfind('\n').map_or(0, |at| at + 1);
    (
        before.matches('\n').count() + 1,
        before[line_start..].chars().count() + 1,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(source: &str) -> Result<Spec, SpecError> {
        parse(Path::new("specs/test.yaml"), source)
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
    fn delays_read_as_people_write_them() {
        for (text, ms) in [
            ("0s", 0),
            ("2s", 2000),
            ("500ms", 500),
            ("1.5s", 1500),
            ("1m", 60_000),
        ] {
            assert_eq!(Delay::parse(text), Ok(Delay(ms)), "{text}");
        }
        for bad in ["2 sec", "2", "s", "-1s", "2h", "61m"] {
            assert!(Delay::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn an_unknown_key_is_reported_with_its_line_and_column() {
        let err = parse_str("gateway: aaa\nevents:\n  createAaa:\n    acks: hello\n").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("specs/test.yaml:4:5"), "{text}");
        assert!(text.contains("unknown field `acks`"), "{text}");
        assert!(text.contains("    acks: hello"), "shows the line: {text}");
    }

    #[test]
    fn positions_count_lines_as_the_line_shown_does() {
        // Found by tests/scale.rs: libyaml breaks lines at U+2028 (and a
        // lone CR), so errors below such a string pointed lines too far.
        let err = parse_str(
            "gateway: a\ndescription: \"one\u{2028}two\rthree\"\nevents:\n  e:\n    acks: hello\n",
        )
        .unwrap_err();
        let text = err.to_string();
        assert_eq!(err.position, Some((5, 5)), "{text}");
        assert!(text.contains("specs/test.yaml:5:5"), "{text}");
        assert!(text.contains("5 |     acks: hello"), "{text}");
        assert!(
            !text.contains("at line"),
            "the position is shown once: {text}"
        );
    }

    #[test]
    fn a_byte_order_mark_is_read_as_nothing() {
        // Found writing the test above: serde_yaml took a file starting
        // with one for several documents.
        parse_str("\u{feff}gateway: a\n").unwrap();
        let err = parse_str("\u{feff}gateway: a\nevents:\n  é:\n    acks: hello\n").unwrap_err();
        assert_eq!(err.position, Some((4, 5)), "{err}");
        assert!(err.to_string().contains("unknown field `acks`"), "{err}");
    }

    #[test]
    fn an_error_inside_an_inline_schema_keeps_its_own_message() {
        let err =
            parse_str("gateway: a\nevents:\n  e:\n    payload: { type: object, propertys: {} }\n")
                .unwrap_err();
        assert!(
            err.to_string().contains("unknown field `propertys`"),
            "{err}"
        );
    }
}
