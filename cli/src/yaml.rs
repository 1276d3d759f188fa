//! A spec's YAML as a tree that remembers where every node was written.
//!
//! serde_yaml (0.9, archived upstream) forgets positions once a value is
//! parsed and stops at the first duplicate key. Diagnostics need a position
//! for every key and value, and every duplicate reported; yaml-rust2's event
//! parser gives both.

pub mod de;

use std::collections::HashMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// A 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Mark {
    pub line: usize,
    pub column: usize,
}

impl From<Marker> for Mark {
    fn from(marker: Marker) -> Self {
        Self {
            line: marker.line(),
            column: marker.col() + 1,
        }
    }
}

/// One node. `id` tells nodes apart; an alias shares its anchor's ids.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub id: usize,
    pub mark: Mark,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// A quoted scalar, or a plain one that is no other type.
    Str(String),
    Seq(Vec<Node>),
    /// Entries in source order, duplicates kept.
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// A scalar as written (`404` for the integer 404), for use as a key.
    pub fn scalar_text(&self) -> Option<String> {
        match &self.value {
            Value::Null => Some(String::new()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(f.to_string()),
            Value::Str(s) => Some(s.clone()),
            Value::Seq(_) | Value::Map(_) => None,
        }
    }

    /// What a reader calls this kind of node, for error messages.
    pub fn kind(&self) -> &'static str {
        match self.value {
            Value::Null => "nothing (null)",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }

    /// The entry (key node, value node) of `key` in a mapping.
    fn entry(&self, key: &str) -> Option<&(Node, Node)> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.scalar_text().as_deref() == Some(key)),
            _ => None,
        }
    }

    /// The value under `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, value)| value)
    }

    /// The key node of `key` in a mapping.
    pub fn key(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(key, _)| key)
    }

    /// Where the key at the end of `path` was written (mapping keys from
    /// this node down), and where its value was. A list on the way is
    /// searched item by item, for the first that holds the rest of the path.
    /// `None` if the path is not there.
    pub fn locate(&self, path: &[&str]) -> Option<(Mark, Mark)> {
        let (first, rest) = path.split_first()?;
        match &self.value {
            Value::Seq(items) => items.iter().find_map(|item| item.locate(path)),
            Value::Map(_) => {
                let (key, value) = self.entry(first)?;
                if rest.is_empty() {
                    return Some((key.mark, value.mark));
                }
                value.locate(rest)
            }
            _ => None,
        }
    }
}

/// Nodes an alias may expand to, in all: the "billion laughs" of nested
/// aliases is refused instead of exhausting memory.
const MAX_NODES: usize = 100_000;

/// Parses every YAML document of `source` (separated by `---`), in order.
/// An empty file is one `Null` document.
pub fn parse(source: &str) -> Result<Vec<Node>, (Mark, String)> {
    let mut builder = Builder::default();
    let mut parser = Parser::new_from_str(source);
    parser
        .load(&mut builder, true)
        .map_err(|err| (Mark::from(*err.marker()), err.info().to_owned()))?;
    if let Some(error) = builder.error {
        return Err(error);
    }
    if builder.documents.is_empty() {
        builder.documents.push(Node {
            id: 0,
            mark: Mark { line: 1, column: 1 },
            value: Value::Null,
        });
    }
    Ok(builder.documents)
}

#[derive(Default)]
struct Builder {
    documents: Vec<Node>,
    /// Open sequences and mappings, with their anchor ids.
    stack: Vec<(Node, usize)>,
    /// A mapping's key, waiting for its value.
    keys: Vec<Option<Node>>,
    anchors: HashMap<usize, Node>,
    next_id: usize,
    error: Option<(Mark, String)>,
}

impl Builder {
    fn node(&mut self, mark: Marker, value: Value) -> Node {
        self.next_id += 1;
        Node {
            id: self.next_id,
            mark: mark.into(),
            value,
        }
    }

    fn finish(&mut self, node: Node, anchor: usize) {
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => self.documents.push(node),
            Some((parent, _)) => match &mut parent.value {
                Value::Seq(items) => items.push(node),
                Value::Map(entries) => {
                    if let Some(slot) = self.keys.last_mut() {
                        match slot.take() {
                            None => *slot = Some(node),
                            Some(key) => entries.push((key, node)),
                        }
                    }
                }
                _ => {}
            },
        }
    }
}

fn count(node: &Node) -> usize {
    1 + match &node.value {
        Value::Seq(items) => items.iter().map(count).sum(),
        Value::Map(entries) => entries.iter().map(|(k, v)| count(k) + count(v)).sum(),
        _ => 0,
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, event: Event, mark: Marker) {
        if self.error.is_some() {
            return;
        }
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                let value = scalar(text, style, tag.as_ref());
                let node = self.node(mark, value);
                self.finish(node, anchor);
            }
            Event::SequenceStart(anchor, _) => {
                let node = self.node(mark, Value::Seq(Vec::new()));
                self.stack.push((node, anchor));
            }
            Event::MappingStart(anchor, _) => {
                let node = self.node(mark, Value::Map(Vec::new()));
                self.stack.push((node, anchor));
                self.keys.push(None);
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if matches!(event, Event::MappingEnd) {
                    self.keys.pop();
                }
                if let Some((node, anchor)) = self.stack.pop() {
                    self.finish(node, anchor);
                }
            }
            Event::Alias(anchor) => match self.anchors.get(&anchor).cloned() {
                Some(node) => {
                    self.next_id += count(&node);
                    if self.next_id > MAX_NODES {
                        self.error = Some((
                            mark.into(),
                            format!("aliases expand to more than {MAX_NODES} nodes"),
                        ));
                        return;
                    }
                    let node = Node {
                        mark: mark.into(),
                        ..node
                    };
                    self.finish(node, 0);
                }
                None => {
                    self.error = Some((mark.into(), "an alias to an unknown anchor".to_owned()));
                }
            },
            Event::Nothing
            | Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart
            | Event::DocumentEnd => {}
        }
    }
}

/// Resolves a scalar as YAML 1.2's core schema does: only plain scalars can
/// be other than strings, and `!!str` keeps one a string.
fn scalar(text: String, style: TScalarStyle, tag: Option<&Tag>) -> Value {
    let string_tag = tag.is_some_and(|t| t.suffix == "str");
    if style != TScalarStyle::Plain || string_tag {
        return Value::Str(text);
    }
    match text.as_str() {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    if let Ok(int) = text.parse::<i64>() {
        return Value::Int(int);
    }
    let numeric = text
        .trim_start_matches(['-', '+'])
        .starts_with(|c: char| c.is_ascii_digit() || c == '.');
    match text.parse::<f64>() {
        Ok(float) if numeric && float.is_finite() => Value::Float(float),
        _ => Value::Str(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_positions_duplicates_and_types() {
        let [tree] = <[Node; 1]>::try_from(
            parse("gateway: aaa\nevents:\n  a: { ack: 1 }\n  a: [x, 2.5, 'true', true, ~]\n")
                .unwrap(),
        )
        .unwrap();
        let Value::Map(top) = &tree.value else {
            panic!("{tree:?}")
        };
        assert_eq!(top[0].1.value, Value::Str("aaa".into()));
        let events = tree.get("events").unwrap();
        let Value::Map(entries) = &events.value else {
            panic!()
        };
        assert_eq!(entries.len(), 2, "both `a` keys are kept");
        assert_eq!(entries[1].0.mark, Mark { line: 4, column: 3 });
        let Value::Seq(items) = &entries[1].1.value else {
            panic!()
        };
        let values: Vec<_> = items.iter().map(|n| n.value.clone()).collect();
        assert_eq!(
            values,
            [
                Value::Str("x".into()),
                Value::Float(2.5),
                Value::Str("true".into()),
                Value::Bool(true),
                Value::Null
            ]
        );
        assert_eq!(
            tree.locate(&["events", "a", "ack"]).map(|(key, _)| key),
            Some(Mark { line: 3, column: 8 })
        );
    }

    #[test]
    fn reports_syntax_errors_and_alias_bombs_with_a_position() {
        let (mark, message) = parse("gateway: aaa\nevents: [\n").unwrap_err();
        assert!(mark.line >= 2, "{mark:?} {message}");
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for (name, prev) in ["b", "c", "d", "e", "f", "g"]
            .iter()
            .zip(["a", "b", "c", "d", "e", "f"])
        {
            bomb.push_str(&format!("{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        }
        let (_, message) = parse(&bomb).unwrap_err();
        assert!(message.contains("more than"), "{message}");
    }

    #[test]
    fn each_document_is_a_tree_placed_in_the_whole_file() {
        let documents = parse("gateway: a\n---\ngateway: b\n").unwrap();
        let marks: Vec<_> = (documents.iter())
            .map(|doc| doc.locate(&["gateway"]).map(|(key, _)| key.line))
            .collect();
        assert_eq!(marks, [Some(1), Some(3)]);
        assert_eq!(
            parse("").unwrap().len(),
            1,
            "an empty file is one empty document"
        );
    }
}
