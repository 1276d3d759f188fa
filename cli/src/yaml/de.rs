//! serde over a [`Node`] tree: every error knows the node it is about, and
//! nodes can be left out, so that one bad node can be reported and skipped
//! and the rest of the file read on (see [`crate::spec::parse`]).

use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;

use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, IntoDeserializer, MapAccess, SeqAccess,
    Visitor,
};

use super::{Node, Value};

/// What went wrong, kept apart so that messages can be written for people.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    UnknownKey {
        key: String,
        expected: &'static [&'static str],
    },
    UnknownVariant {
        value: String,
        expected: &'static [&'static str],
    },
    MissingKey(&'static str),
    InvalidType {
        found: String,
        expected: String,
    },
    Other(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    pub kind: Kind,
    /// The id of the node the error is about: the innermost one that saw it.
    pub node: Option<usize>,
    /// The mapping key under which that node sits, when there is one.
    pub key: Option<String>,
}

impl Error {
    fn new(kind: Kind) -> Self {
        Self {
            kind,
            node: None,
            key: None,
        }
    }

    fn at(mut self, node: &Node) -> Self {
        self.node.get_or_insert(node.id);
        self
    }

    fn under(mut self, key: &Node) -> Self {
        if self.key.is_none() {
            self.key = key.scalar_text();
        }
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::UnknownKey { key, .. } => write!(f, "unknown key `{key}`"),
            Kind::UnknownVariant { value, .. } => write!(f, "unknown value `{value}`"),
            Kind::MissingKey(key) => write!(f, "missing key `{key}`"),
            Kind::InvalidType { found, expected } => {
                write!(f, "expected {expected}, found {found}")
            }
            Kind::Other(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: fmt::Display>(message: T) -> Self {
        Self::new(Kind::Other(message.to_string()))
    }

    fn invalid_type(found: de::Unexpected<'_>, expected: &dyn de::Expected) -> Self {
        Self::new(Kind::InvalidType {
            found: found.to_string(),
            expected: expected.to_string(),
        })
    }

    fn invalid_value(found: de::Unexpected<'_>, expected: &dyn de::Expected) -> Self {
        Self::invalid_type(found, expected)
    }

    fn unknown_field(key: &str, expected: &'static [&'static str]) -> Self {
        Self::new(Kind::UnknownKey {
            key: key.to_owned(),
            expected,
        })
    }

    fn unknown_variant(value: &str, expected: &'static [&'static str]) -> Self {
        Self::new(Kind::UnknownVariant {
            value: value.to_owned(),
            expected,
        })
    }

    fn missing_field(key: &'static str) -> Self {
        Self::new(Kind::MissingKey(key))
    }
}

/// The ids of nodes to read as if they were not there.
#[derive(Debug, Default)]
pub struct Skipped(RefCell<HashSet<usize>>);

impl Skipped {
    pub fn skip(&self, id: usize) {
        self.0.borrow_mut().insert(id);
    }

    pub fn contains(&self, id: usize) -> bool {
        self.0.borrow().contains(&id)
    }
}

/// Deserializes `node`, leaving out the nodes in `skipped`.
pub fn from_node<'a, T: serde::Deserialize<'a>>(
    node: &'a Node,
    skipped: &'a Skipped,
) -> Result<T, Error> {
    T::deserialize(NodeDeserializer { node, skipped })
}

#[derive(Clone, Copy)]
struct NodeDeserializer<'a> {
    node: &'a Node,
    skipped: &'a Skipped,
}

impl<'de> NodeDeserializer<'de> {
    fn visit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let skipped = self.skipped;
        let result = match &self.node.value {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Int(i) => visitor.visit_i64(*i),
            Value::Float(f) => visitor.visit_f64(*f),
            Value::Str(s) => visitor.visit_str(s),
            Value::Seq(items) => visitor.visit_seq(Items {
                items: items.iter(),
                skipped,
            }),
            Value::Map(entries) => visitor.visit_map(Entries {
                entries: entries.iter(),
                value: None,
                skipped,
            }),
        };
        result.map_err(|err| err.at(self.node))
    }
}

impl<'de> Deserializer<'de> for NodeDeserializer<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.visit(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.node.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
        .map_err(|err| err.at(self.node))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match &self.node.value {
            Value::Str(s) => visitor.visit_enum(UnitVariant(s)),
            _ => self.visit(visitor),
        }
        .map_err(|err| err.at(self.node))
    }

    // An empty value (`ping:` or `ping: ~`) reads as an empty mapping or
    // list where one is expected: nothing declared.
    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.node.value {
            Value::Null => visitor
                .visit_map(Entries {
                    entries: [].iter(),
                    value: None,
                    skipped: self.skipped,
                })
                .map_err(|err| err.at(self.node)),
            _ => self.visit(visitor),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_map(visitor)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.node.value {
            Value::Null => visitor
                .visit_seq(Items {
                    items: [].iter(),
                    skipped: self.skipped,
                })
                .map_err(|err| err.at(self.node)),
            _ => self.visit(visitor),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct tuple
        tuple_struct identifier ignored_any
    }
}

/// A mapping key: any scalar reads as the text it was written as, so that
/// `404:` names the event "404".
struct KeyDeserializer<'a>(&'a Node);

impl<'de> Deserializer<'de> for KeyDeserializer<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0.scalar_text() {
            Some(text) => visitor.visit_string(text),
            None => Err(Error::new(Kind::InvalidType {
                found: self.0.kind().to_owned(),
                expected: "a key written as text".to_owned(),
            })),
        }
        .map_err(|err| err.at(self.0))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

struct UnitVariant<'a>(&'a str);

impl<'de> EnumAccess<'de> for UnitVariant<'_> {
    type Error = Error;
    type Variant = Self;

    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, Self::Variant), Error> {
        let variant = seed.deserialize(self.0.into_deserializer())?;
        Ok((variant, self))
    }
}

/// Only unit variants (`to: sender`) are written as a bare name.
impl<'de> de::VariantAccess<'de> for UnitVariant<'_> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        Ok(())
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, _seed: S) -> Result<S::Value, Error> {
        Err(de::Error::invalid_type(
            de::Unexpected::UnitVariant,
            &"a mapping",
        ))
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, _visitor: V) -> Result<V::Value, Error> {
        Err(de::Error::invalid_type(
            de::Unexpected::UnitVariant,
            &"a list",
        ))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Error> {
        Err(de::Error::invalid_type(
            de::Unexpected::UnitVariant,
            &"a mapping",
        ))
    }
}

struct Items<'a> {
    items: std::slice::Iter<'a, Node>,
    skipped: &'a Skipped,
}

impl<'de> SeqAccess<'de> for Items<'de> {
    type Error = Error;

    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, Error> {
        let skipped = self.skipped;
        let Some(node) = self.items.find(|node| !skipped.contains(node.id)) else {
            return Ok(None);
        };
        seed.deserialize(NodeDeserializer { node, skipped })
            .map(Some)
            .map_err(|err| err.at(node))
    }
}

struct Entries<'a> {
    entries: std::slice::Iter<'a, (Node, Node)>,
    value: Option<(&'a Node, &'a Node)>,
    skipped: &'a Skipped,
}

impl<'de> MapAccess<'de> for Entries<'de> {
    type Error = Error;

    fn next_key_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, Error> {
        let skipped = self.skipped;
        let Some((key, value)) = self
            .entries
            .find(|(key, value)| !skipped.contains(key.id) && !skipped.contains(value.id))
        else {
            return Ok(None);
        };
        self.value = Some((key, value));
        seed.deserialize(KeyDeserializer(key))
            .map(Some)
            .map_err(|err| err.at(key))
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, Error> {
        let Some((key, node)) = self.value.take() else {
            return Err(de::Error::custom("a value was asked for before its key"));
        };
        seed.deserialize(NodeDeserializer {
            node,
            skipped: self.skipped,
        })
        .map_err(|err| err.at(node).under(key))
    }
}
