//! Rust source for values from a spec. Every string from a spec reaches
//! generated Rust through [`string_literal`], so no spec text can end a
//! literal, open a comment or inject code.

use serde_json::Value;

use crate::model::{Data, Part, Root, Type, Var};

/// A Rust string literal holding exactly `text`.
pub fn string_literal(text: &str) -> String {
    // `str`'s Debug output is a valid Rust literal: quotes, backslashes and
    // control characters come out escaped in Rust's own syntax.
    format!("{text:?}")
}

/// The Rust type of a payload type.
pub fn type_name(ty: &Type) -> String {
    match ty {
        Type::String => "String".to_owned(),
        Type::Integer => "i64".to_owned(),
        Type::Number => "f64".to_owned(),
        Type::Boolean => "bool".to_owned(),
        Type::Json => "Value".to_owned(),
        Type::List(item) => format!("Vec<{}>", type_name(item)),
        Type::Named(name) => name.clone(),
    }
}

/// The type a default service method acks with.
pub fn ack_type(ack: &Data) -> &'static str {
    match ack {
        Data::Literal(Value::String(_)) | Data::Text(_) => "String",
        Data::Var(Var {
            ty: Type::String, ..
        }) => "String",
        _ => "Value",
    }
}

/// An expression for `ack`, of type [`ack_type`].
pub fn ack_expr(ack: &Data) -> String {
    match ack {
        Data::Literal(Value::String(text)) => format!("{}.to_owned()", string_literal(text)),
        Data::Text(parts) => format_expr(parts),
        Data::Var(
            var @ Var {
                ty: Type::String, ..
            },
        ) => format!("{}.clone()", var_expr(var)),
        other => json_expr(other),
    }
}

/// A `serde_json::Value` expression for `data`.
pub fn json_expr(data: &Data) -> String {
    format!("json!({})", json_tokens(data))
}

fn json_tokens(data: &Data) -> String {
    match data {
        Data::Literal(value) => literal_tokens(value),
        Data::Text(parts) => format_expr(parts),
        Data::Var(var) => var_expr(var),
        Data::Array(items) => format!(
            "[{}]",
            items.iter().map(json_tokens).collect::<Vec<_>>().join(", ")
        ),
        Data::Object(fields) => object_tokens(
            fields
                .iter()
                .map(|(key, data)| (key.as_str(), json_tokens(data))),
        ),
    }
}

fn literal_tokens(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(flag) => flag.to_string(),
        Value::Number(number) => number_tokens(number),
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

/// A number literal. Inside `json!` an unsuffixed integer is an `i32`, so
/// one beyond `i32` is suffixed with the type that holds it.
fn number_tokens(number: &serde_json::Number) -> String {
    match (number.as_i64(), number.as_u64()) {
        (Some(n), _) if i32::try_from(n).is_ok() => n.to_string(),
        (Some(n), _) => format!("{n}_i64"),
        (None, Some(n)) => format!("{n}_u64"),
        _ => number.to_string(),
    }
}

fn object_tokens<'a>(fields: impl Iterator<Item = (&'a str, String)>) -> String {
    let fields: Vec<String> = fields
        .map(|(key, value)| format!("{}: {value}", string_literal(key)))
        .collect();
    format!("{{{}}}", fields.join(", "))
}

/// `format!(...)` for a string with interpolated values.
fn format_expr(parts: &[Part]) -> String {
    let mut template = String::new();
    let mut args = Vec::new();
    for part in parts {
        match part {
            Part::Text(text) => template.push_str(&text.replace('{', "{{").replace('}', "}}")),
            Part::Var(var) => {
                template.push_str("{}");
                args.push(if var.ty.is_plain_scalar() {
                    var_expr(var)
                } else {
                    format!("Shown(&{})", var_expr(var))
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

fn var_expr(var: &Var) -> String {
    match var.root {
        Root::SocketId => "cx.id()".to_owned(),
        Root::Payload => std::iter::once("payload")
            .chain(var.fields.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join("."),
    }
}

/// Whether generated code for `data` needs the `Shown` helper.
pub fn uses_shown(data: &Data) -> bool {
    match data {
        Data::Text(parts) => parts
            .iter()
            .any(|part| matches!(part, Part::Var(var) if !var.ty.is_plain_scalar())),
        Data::Array(items) => items.iter().any(uses_shown),
        Data::Object(fields) => fields.iter().any(|(_, data)| uses_shown(data)),
        Data::Literal(_) | Data::Var(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payload(fields: &[&str], ty: Type) -> Var {
        Var {
            root: Root::Payload,
            fields: fields.iter().map(|f| f.to_string()).collect(),
            ty,
        }
    }

    #[test]
    fn spec_strings_cannot_escape_their_literal() {
        for nasty in [
            "\"); panic!(\"",
            "\\",
            "*/ /*",
            "line\nbreak",
            "{{ x }}",
            "\u{202e}rtl",
            "😀",
            "\u{0}",
        ] {
            let literal = string_literal(nasty);
            let parsed: syn::LitStr = syn::parse_str(&literal)
                .unwrap_or_else(|e| panic!("{nasty:?} gave {literal}: {e}"));
            assert_eq!(parsed.value(), nasty);
        }
    }

    #[test]
    fn acks_interpolate_the_payload() {
        let ack = Data::Text(vec![
            Part::Text("This action updates a #".into()),
            Part::Var(payload(&["id"], Type::Integer)),
            Part::Text(" aaa {ok}".into()),
        ]);
        assert_eq!(ack_type(&ack), "String");
        assert_eq!(
            ack_expr(&ack),
            r#"format!("This action updates a #{} aaa {{ok}}", payload.id)"#
        );
    }

    #[test]
    fn json_literals_are_rust_tokens() {
        let data =
            Data::Literal(serde_json::json!({"msg": "a\u{1}\"b", "n": [1, 2.5, null, true]}));
        assert_eq!(
            json_expr(&data),
            r#"json!({"msg": "a\u{1}\"b", "n": [1, 2.5, null, true]})"#
        );
        syn::parse_str::<syn::Expr>(&json_expr(&data)).unwrap();
    }

    #[test]
    fn integers_beyond_i32_keep_their_type() {
        // Found by tests/scale.rs: `json!(3000000000)` is an i32 literal out
        // of range, which rustc refuses.
        let data = Data::Literal(serde_json::json!([
            2147483647,
            3000000000_i64,
            -2147483649_i64,
            i64::MIN,
            u64::MAX,
            1e300
        ]));
        assert_eq!(
            json_expr(&data),
            "json!([2147483647, 3000000000_i64, -2147483649_i64, -9223372036854775808_i64, 18446744073709551615_u64, 1e+300])"
        );
    }

    #[test]
    fn non_scalar_values_are_shown_as_json() {
        let ack = Data::Text(vec![
            Part::Text("got ".into()),
            Part::Var(payload(&[], Type::Named("Dto".into()))),
        ]);
        assert_eq!(ack_expr(&ack), r#"format!("got {}", Shown(&payload))"#);
        assert!(uses_shown(&ack));
    }
}
