//! Rust types and expressions for the contract's types and values: the
//! type of a payload, the value of an ack, the data of an emission, typed
//! (`GuangData::Integer(777)`) wherever the type is known, as JSON
//! (`json!(…)`) where it is not.

use serde_json::Value;

use super::Names;
use super::doc::string_literal;
use crate::model::{Ack, Data, IntFormat, NumFormat, Part, Root, Shape, Ty, Types, Var};

/// What every value of any JSON type is in Rust.
pub const VALUE: &str = "gatesmith_runtime::serde_json::Value";

/// The Rust type of `ty`.
pub fn type_name(ty: &Ty, names: &Names) -> String {
    match ty {
        Ty::String => "String".to_owned(),
        Ty::Integer(format) => match format {
            IntFormat::Int64 => "i64",
            IntFormat::Int32 => "i32",
            IntFormat::Uint32 => "u32",
            IntFormat::Uint64 => "u64",
        }
        .to_owned(),
        Ty::Number(NumFormat::Double) => "f64".to_owned(),
        Ty::Number(NumFormat::Float) => "f32".to_owned(),
        Ty::Boolean => "bool".to_owned(),
        Ty::Any => VALUE.to_owned(),
        Ty::List(item) => format!("Vec<{}>", type_name(item, names)),
        Ty::Named(id) => names.ty(*id).to_owned(),
        Ty::Nullable(inner) => format!("Option<{}>", type_name(inner, names)),
    }
}

/// Expressions of one gateway's module.
pub struct Exprs<'g> {
    pub types: &'g Types,
    pub names: &'g Names,
}

fn numeric(ty: &Ty) -> bool {
    matches!(ty, Ty::Integer(_) | Ty::Number(_))
}

impl Exprs<'_> {
    pub fn ty(&self, ty: &Ty) -> String {
        type_name(ty, self.names)
    }

    /// Whether `{}` in `format!` shows a `ty` as a JavaScript template
    /// would: strings, numbers and booleans (through aliases).
    fn displays_as_json(&self, ty: &Ty) -> bool {
        matches!(
            self.types.resolved(ty),
            Ty::String | Ty::Integer(_) | Ty::Number(_) | Ty::Boolean
        )
    }

    /// Whether a `ty` is `Copy`: numbers, booleans and string enums.
    fn copied(&self, ty: &Ty) -> bool {
        match self.types.resolved(ty) {
            Ty::Integer(_) | Ty::Number(_) | Ty::Boolean => true,
            Ty::Named(id) => matches!(self.types.get(*id).shape, Shape::Enum(_)),
            _ => false,
        }
    }

    /// The type a default service method acks with.
    pub fn ack_type(&self, ack: &Ack) -> String {
        match ack {
            Ack::Text(_) => "String".to_owned(),
            Ack::Json(_) => VALUE.to_owned(),
            Ack::Typed { ty, .. } => self.ty(ty),
        }
    }

    /// The default method's body: an expression of [`Self::ack_type`].
    pub fn ack(&self, ack: &Ack) -> String {
        match ack {
            Ack::Text(Data::Literal(Value::String(text))) => {
                format!("{}.to_owned()", string_literal(text))
            }
            Ack::Text(Data::Text(parts)) => self.format(parts),
            // The payload is the method's own: moved into the ack, not
            // copied (`json!(payload)` would serialize a `Value` all over).
            Ack::Text(Data::Var(var)) | Ack::Json(Data::Var(var @ Var { ty: Ty::Any, .. })) => {
                self.var(var)
            }
            Ack::Text(other) => format!("{}.to_string()", self.json(other)),
            Ack::Json(data) => self.json(data),
            Ack::Typed { ty, value } => self.typed(value, ty).unwrap_or_else(|| match value {
                Data::Var(var) => format!("{}.clone().into()", self.var(var)),
                other => self.json(other),
            }),
        }
    }

    /// `data` for a parameter that takes any `Serialize` (by reference,
    /// or, when `owned`, by value and `'static`): a literal, the payload
    /// itself, or JSON built with `json!` for lists and objects.
    pub fn untyped(&self, data: &Data, owned: bool) -> String {
        match data {
            Data::Literal(Value::String(text)) => string_literal(text),
            Data::Literal(Value::Number(number)) => number_literal(number),
            Data::Literal(Value::Bool(flag)) => flag.to_string(),
            // `()` serializes as `null`.
            Data::Literal(Value::Null) => "()".to_owned(),
            Data::Text(parts) => self.format(parts),
            Data::Var(var) if owned => self.owned(var),
            Data::Var(var) => self.var(var),
            other => self.json(other),
        }
    }

    /// A `serde_json::Value` expression for `data`.
    pub fn json(&self, data: &Data) -> String {
        format!(
            "gatesmith_runtime::serde_json::json!({})",
            self.json_tokens(data)
        )
    }

    fn json_tokens(&self, data: &Data) -> String {
        match data {
            Data::Literal(value) => literal_tokens(value),
            Data::Text(parts) => self.format(parts),
            Data::Var(var) => self.var(var),
            Data::Array(items) => format!(
                "[{}]",
                (items.iter())
                    .map(|item| self.json_tokens(item))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Data::Object(fields) => object_tokens(
                (fields.iter()).map(|(key, data)| (key.as_str(), self.json_tokens(data))),
            ),
        }
    }

    /// `format!(…)` for a string with interpolated values.
    fn format(&self, parts: &[Part]) -> String {
        let mut template = String::new();
        let mut args = Vec::new();
        for part in parts {
            match part {
                Part::Text(text) => template.push_str(&text.replace('{', "{{").replace('}', "}}")),
                Part::Var(var) => {
                    template.push_str("{}");
                    args.push(if self.displays_as_json(&var.ty) {
                        self.var(var)
                    } else {
                        format!("gatesmith_runtime::Shown(&{})", self.var(var))
                    });
                }
            }
        }
        format!(
            "format!({}, {})",
            string_literal(&template),
            args.join(", ")
        )
    }

    /// `payload.a.b` or `cx.id()`.
    fn var(&self, var: &Var) -> String {
        match var.root {
            Root::SocketId => "cx.id()".to_owned(),
            Root::Payload => std::iter::once("payload".to_owned())
                .chain(var.path.iter().map(|name| Names::field(name)))
                .collect::<Vec<_>>()
                .join("."),
        }
    }

    /// `var` as a value of its own: copied, or cloned out of the payload.
    fn owned(&self, var: &Var) -> String {
        if var.root == Root::SocketId || self.copied(&var.ty) {
            self.var(var)
        } else {
            format!("{}.clone()", self.var(var))
        }
    }

    /// A room's name as a `String`.
    pub fn room(&self, room: &Data) -> String {
        (self.typed(room, &Ty::String))
            .unwrap_or_else(|| format!("{}.to_string()", self.json(room)))
    }

    /// A room's name for a parameter that takes `impl AsRef<str>` or
    /// `impl Into<String>`: borrowed from the payload, not cloned.
    pub fn room_ref(&self, room: &Data) -> String {
        match room {
            Data::Literal(Value::String(text)) => string_literal(text),
            Data::Var(var) if var.root == Root::Payload => format!("&{}", self.var(var)),
            other => self.room(other),
        }
    }

    /// A Rust expression of type `ty` holding `data` (a struct literal, an
    /// enum variant, `vec![…]`, `Some(…)`), or `None` when the type of
    /// `data` cannot be told at build time (an interpolated value of
    /// another type): the caller sends JSON then. The model has checked
    /// that `data` fits `ty`'s schema.
    pub fn typed(&self, data: &Data, ty: &Ty) -> Option<String> {
        let want = self.types.resolved(ty);
        if let Data::Var(var) = data {
            let have = self.types.resolved(&var.ty);
            if have == want {
                return Some(self.owned(var));
            }
            if numeric(have) && numeric(want) {
                // Numbers of another width: the schema bounds them already.
                return Some(format!("{} as {}", self.var(var), self.ty(want)));
            }
        }
        match (want, data) {
            (Ty::Nullable(_), Data::Literal(Value::Null)) => Some("None".to_owned()),
            (Ty::Nullable(inner), data) => Some(format!("Some({})", self.typed(data, inner)?)),
            (Ty::Any, data) => Some(self.json(data)),
            (Ty::String, Data::Text(parts)) => Some(self.format(parts)),
            (Ty::String, Data::Literal(Value::String(text))) => {
                Some(format!("{}.to_owned()", string_literal(text)))
            }
            (Ty::Integer(_), Data::Literal(Value::Number(n))) if !n.is_f64() => Some(n.to_string()),
            (Ty::Number(_), Data::Literal(Value::Number(n))) => Some(if n.is_f64() {
                n.to_string()
            } else {
                format!("{n}.0")
            }),
            (Ty::Boolean, Data::Literal(Value::Bool(flag))) => Some(flag.to_string()),
            (Ty::List(item), Data::Array(_) | Data::Literal(Value::Array(_))) => {
                let items = (data.children().into_iter().flatten())
                    .map(|(_, child)| self.typed(&child, item))
                    .collect::<Option<Vec<String>>>()?;
                Some(format!("vec![{}]", items.join(", ")))
            }
            (Ty::Named(id), data) => {
                let name = self.names.ty(*id);
                match &self.types.get(*id).shape {
                    Shape::Enum(values) => match data {
                        Data::Literal(Value::String(text)) if values.contains(text) => {
                            Some(format!("{name}::{}", Names::variant(text)))
                        }
                        _ => None,
                    },
                    Shape::Union(choices) => choices.iter().find_map(|choice| {
                        let value = self.typed(data, choice)?;
                        Some(format!(
                            "{name}::{}({value})",
                            self.names.choice(*id, choice)
                        ))
                    }),
                    Shape::Struct(object) => {
                        let given = match data {
                            Data::Object(_) | Data::Literal(Value::Object(_)) => data.children()?,
                            _ => return None,
                        };
                        // A key the struct has no field for would be lost.
                        if (given.iter())
                            .any(|(key, _)| !object.fields.iter().any(|f| f.name == *key))
                        {
                            return None;
                        }
                        let mut inits = Vec::new();
                        for field in &object.fields {
                            let value = given.iter().find(|(key, _)| *key == field.name);
                            let expr = match (value, field.required, &field.ty) {
                                (Some((_, value)), true, ty) => self.typed(value, ty)?,
                                (Some((_, Data::Literal(Value::Null))), false, _) => {
                                    "None".to_owned()
                                }
                                // Optional and nullable is one `Option`.
                                (Some((_, value)), false, Ty::Nullable(inner)) => {
                                    format!("Some({})", self.typed(value, inner)?)
                                }
                                (Some((_, value)), false, ty) => {
                                    format!("Some({})", self.typed(value, ty)?)
                                }
                                (None, false, _) => "None".to_owned(),
                                (None, true, _) => return None,
                            };
                            inits.push(format!("{}: {expr}", Names::field(&field.name)));
                        }
                        Some(format!("{name} {{ {} }}", inits.join(", ")))
                    }
                    Shape::Alias(_) => None,
                }
            }
            _ => None,
        }
    }
}

fn literal_tokens(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(flag) => flag.to_string(),
        Value::Number(number) => number_literal(number),
        Value::String(text) => string_literal(text),
        Value::Array(items) => format!(
            "[{}]",
            items
                .iter()
                .map(literal_tokens)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::Object(fields) => object_tokens(
            fields
                .iter()
                .map(|(key, value)| (key.as_str(), literal_tokens(value))),
        ),
    }
}

/// A number for `json!`. An unsuffixed integer literal there is an `i32`,
/// and one beyond its range does not compile: those get `_i64` or `_u64`.
fn number_literal(number: &serde_json::Number) -> String {
    match (number.as_i64(), number.as_u64()) {
        (Some(n), _) if i32::try_from(n).is_ok() => n.to_string(),
        (Some(n), _) => format!("{n}_i64"),
        (None, Some(n)) => format!("{n}_u64"),
        // A float prints with a `.` or an exponent: an `f64` literal.
        (None, None) => number.to_string(),
    }
}

fn object_tokens<'a>(fields: impl Iterator<Item = (&'a str, String)>) -> String {
    let fields: Vec<String> = fields
        .map(|(key, value)| format!("{}: {value}", string_literal(key)))
        .collect();
    format!("{{{}}}", fields.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_json_keep_their_value_and_their_type() {
        // Found by tests/scale.rs: `json!(3000000000)` is an i32 literal out
        // of range, which rustc refuses.
        let data = serde_json::json!([
            777,
            -2147483648,
            3000000000_i64,
            -3000000000_i64,
            u64::MAX,
            1.5,
            1e300
        ]);
        assert_eq!(
            literal_tokens(&data),
            "[777, -2147483648, 3000000000_i64, -3000000000_i64, 18446744073709551615_u64, 1.5, 1e+300]"
        );
        let expr = format!("serde_json::json!({})", literal_tokens(&data));
        syn::parse_str::<syn::Expr>(&expr).expect("Rust tokens");
    }
}
