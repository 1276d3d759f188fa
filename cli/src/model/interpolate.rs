//! Values a spec writes (acks, emitted data, room names) with `{{ … }}`
//! inside: split into text and expressions, each expression resolved to
//! what it refers to (`payload`, `payload.id`, `socket.id`) and its type.

use serde_json::Value;

use super::Report;
use super::types::{Ty, Types};

/// A value to send, with the payload interpolated where the spec says so.
#[derive(Debug, Clone, PartialEq)]
pub enum Data {
    /// JSON with nothing to interpolate.
    Literal(Value),
    /// A string with `{{ … }}` inside.
    Text(Vec<Part>),
    /// A string that is a single `{{ … }}`: the value keeps its type.
    Var(Var),
    Array(Vec<Data>),
    Object(Vec<(String, Data)>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    Text(String),
    Var(Var),
}

/// `payload`, `payload.id` or `socket.id`, and its type.
#[derive(Debug, Clone, PartialEq)]
pub struct Var {
    pub root: Root,
    /// The JSON names of the fields below the root.
    pub path: Vec<String>,
    pub ty: Ty,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Root {
    Payload,
    SocketId,
}

impl Data {
    /// `null`: what an emission without `data` sends.
    pub fn null() -> Self {
        Data::Literal(Value::Null)
    }

    /// The elements of a list or the fields of an object, keyed by their
    /// JSON name (an index for a list), whether literal or interpolated.
    pub fn children(&self) -> Option<Vec<(String, Data)>> {
        Some(match self {
            Data::Array(items) => (items.iter().enumerate())
                .map(|(i, item)| (i.to_string(), item.clone()))
                .collect(),
            Data::Object(fields) => fields.clone(),
            Data::Literal(Value::Array(items)) => (items.iter().enumerate())
                .map(|(i, item)| (i.to_string(), Data::Literal(item.clone())))
                .collect(),
            Data::Literal(Value::Object(fields)) => (fields.iter())
                .map(|(key, value)| (key.clone(), Data::Literal(value.clone())))
                .collect(),
            _ => return None,
        })
    }
}

/// `value` with its strings' expressions resolved against `payload`, the
/// event's payload type; each error is reported at `at` and leaves its
/// string as it was written.
pub(super) fn data(
    value: &Value,
    at: &[&str],
    payload: Option<&Ty>,
    types: &Types,
    report: &mut Report<'_>,
) -> Data {
    match value {
        Value::String(text) if text.contains("{{") => {
            let resolved = parse_template(text).and_then(|pieces| {
                (pieces.into_iter())
                    .map(|piece| match piece {
                        Piece::Text(text) => Ok(Part::Text(text)),
                        Piece::Expr(expr) => var(&expr, payload, types).map(Part::Var),
                    })
                    .collect::<Result<Vec<Part>, String>>()
            });
            match resolved {
                Ok(parts) => match parts.as_slice() {
                    [Part::Var(var)] => Data::Var(var.clone()),
                    // Only escaped `\{{` (text pieces come merged).
                    [Part::Text(text)] => Data::Literal(Value::String(text.clone())),
                    _ => Data::Text(parts),
                },
                Err(message) => {
                    report.error(at, message);
                    Data::Literal(value.clone())
                }
            }
        }
        Value::Array(items) if items.iter().any(has_template) => Data::Array(
            (items.iter())
                .map(|item| data(item, at, payload, types, report))
                .collect(),
        ),
        Value::Object(fields) if fields.values().any(has_template) => Data::Object(
            (fields.iter())
                .map(|(key, item)| (key.clone(), data(item, at, payload, types, report)))
                .collect(),
        ),
        other => Data::Literal(other.clone()),
    }
}

fn var(expr: &str, payload: Option<&Ty>, types: &Types) -> Result<Var, String> {
    let mut path = expr.split('.').map(str::trim);
    match path.next() {
        Some("socket") => match path.collect::<Vec<_>>().as_slice() {
            ["id"] => Ok(Var {
                root: Root::SocketId,
                path: Vec::new(),
                ty: Ty::String,
            }),
            _ => Err(format!(
                "unknown value `{{{{ {expr} }}}}`: of the socket only `socket.id` is available"
            )),
        },
        Some("payload") => {
            let Some(mut ty) = payload.cloned() else {
                return Err(format!(
                    "`{{{{ {expr} }}}}` refers to the payload, but this event declares none: add `payload:`"
                ));
            };
            let mut fields: Vec<String> = Vec::new();
            for name in path {
                let holder = if fields.is_empty() {
                    "the payload".to_owned()
                } else {
                    format!("`payload.{}`", fields.join("."))
                };
                let Some(object) = types.as_struct(&ty) else {
                    return Err(format!(
                        "`{{{{ {expr} }}}}`: {holder} has no field {name:?} (it is not an object)"
                    ));
                };
                let Some(field) = object.fields.iter().find(|f| f.name == name) else {
                    return Err(format!(
                        "`{{{{ {expr} }}}}`: {holder} has no field {name:?}"
                    ));
                };
                if !field.required {
                    return Err(format!(
                        "`{{{{ {expr} }}}}`: field {name:?} is optional; only required fields can be interpolated"
                    ));
                }
                fields.push(field.name.clone());
                ty = field.ty.clone();
            }
            Ok(Var {
                root: Root::Payload,
                path: fields,
                ty,
            })
        }
        _ => Err(format!(
            "unknown value `{{{{ {expr} }}}}`: use `{{{{ payload }}}}`, `{{{{ payload.<field> }}}}` or `{{{{ socket.id }}}}`"
        )),
    }
}

fn has_template(value: &Value) -> bool {
    match value {
        Value::String(text) => text.contains("{{"),
        Value::Array(items) => items.iter().any(has_template),
        Value::Object(fields) => fields.values().any(has_template),
        _ => false,
    }
}

#[derive(Debug, PartialEq)]
enum Piece {
    Text(String),
    Expr(String),
}

/// Splits `text` into literal text and `{{ … }}` expressions. `\{{` is a
/// literal `{{`: without an escape no string could say `{{`. As a backslash
/// may also have to precede an expression, `\\` right before `{{` is one
/// literal backslash (as in Handlebars). Any other backslash is kept as
/// written: only one right before `{{` means something.
fn parse_template(text: &str) -> Result<Vec<Piece>, String> {
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        let before = &rest[..open];
        let unslashed = before.trim_end_matches('\\');
        let backslashes = before.len() - unslashed.len();
        literal.push_str(unslashed);
        literal.extend(std::iter::repeat_n('\\', backslashes / 2));
        let after = &rest[open + 2..];
        if backslashes % 2 == 1 {
            literal.push_str("{{");
            rest = after;
            continue;
        }
        let Some(close) = after.find("}}") else {
            return Err(format!(
                "`{{{{` without `}}}}` in {text:?}: close it, or write `\\{{{{` for a literal `{{{{`"
            ));
        };
        if !literal.is_empty() {
            pieces.push(Piece::Text(std::mem::take(&mut literal)));
        }
        pieces.push(Piece::Expr(after[..close].trim().to_owned()));
        rest = &after[close + 2..];
    }
    literal.push_str(rest);
    if !literal.is_empty() {
        pieces.push(Piece::Text(literal));
    }
    Ok(pieces)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_backslash_before_braces_makes_them_literal() {
        let text = |t: &str| Piece::Text(t.to_owned());
        let expr = |e: &str| Piece::Expr(e.to_owned());
        for (source, pieces) in [
            (r"\{{ payload }}", vec![text("{{ payload }}")]),
            (r"a \{{ b \{{c", vec![text("a {{ b {{c")]),
            (r"\{{{{ payload }}", vec![text("{{"), expr("payload")]),
            (
                r"\\{{ payload }}!",
                vec![text(r"\"), expr("payload"), text("!")],
            ),
            (r"\\\{{ x", vec![text(r"\{{ x")]),
            (
                r"C:\dir {{ socket.id }} \n",
                vec![text(r"C:\dir "), expr("socket.id"), text(r" \n")],
            ),
            ("}} {{ a }}", vec![text("}} "), expr("a")]),
        ] {
            assert_eq!(parse_template(source), Ok(pieces), "{source}");
        }
        let unclosed = parse_template("{{ oops").err().unwrap_or_default();
        assert!(unclosed.contains(r"write `\{{`"), "{unclosed}");
    }
}
