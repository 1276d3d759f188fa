//! Rust source for values from a spec. Every string from a spec reaches
//! generated Rust through [`string_literal`], or into a doc comment through
//! [`doc_markdown`] or [`doc_code`], so no spec text can end a literal or a
//! comment, inject code, or become a doctest or HTML in rustdoc's pages.

use serde_json::Value;

use crate::model::{Data, Part, Root, Type, TypeDef, Var, json_kind, resolved};

/// A Rust string literal holding exactly `text`.
pub fn string_literal(text: &str) -> String {
    // `str`'s Debug output is a valid Rust literal: quotes, backslashes and
    // control characters come out escaped in Rust's own syntax.
    format!("{text:?}")
}

/// Characters that end a line: a comment must be split at each of them.
/// rustc ends a `//` comment only at `\n` and refuses a bare `\r` in a doc
/// comment; the others would only look like line ends to a reader.
pub const LINE_BREAKS: &[char] = &[
    '\n', '\r', '\u{b}', '\u{c}', '\u{85}', '\u{2028}', '\u{2029}',
];

/// Characters a comment cannot hold as they are: the text-direction
/// controls, which rustc refuses in comments (a deny-by-default lint against
/// source that reads other than it compiles), and control characters, which
/// would garble a terminal or editor.
fn unfit_for_comment(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}') || (c.is_control() && c != '\t')
}

/// `text` as Markdown for doc comments, lines joined by `\n`, to be
/// prefixed with `///` or `//!`.
///
/// A description is prose: its inline Markdown (`code`, *emphasis*) is
/// kept, but nothing in it may become a doctest, which `cargo test` would
/// compile and run, nor raw HTML or a link in rustdoc's pages, nor a list
/// or quote (clippy warns about their lazy continuations). So: leading
/// whitespace (an indented code block) and tabs become character
/// references, a line's first character is escaped when it could start a
/// block (a fence, a list, a quote, a heading, a link definition), `<`
/// before a tag becomes `&lt;` and `](` becomes `]\(`. Inside a code span
/// these escapes show as typed: that is the price of never misjudging
/// where a code span ends.
pub fn doc_markdown(text: &str) -> String {
    text.replace("\r\n", "\n")
        .split(LINE_BREAKS)
        .map(|line| doc_line(line.trim_end()))
        .collect::<Vec<_>>()
        .join("\n")
}

fn doc_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let content = line.trim_start_matches([' ', '\t']);
    for c in line[..line.len() - content.len()].chars() {
        out.push_str(if c == '\t' { "&#9;" } else { "&#32;" });
    }
    let digits = content.len()
        - content
            .trim_start_matches(|c: char| c.is_ascii_digit())
            .len();
    let marker = if digits > 0 {
        // `1.` and `1)` start an ordered list.
        matches!(content[digits..].chars().next(), Some('.' | ')')).then_some(digits)
    } else {
        matches!(
            content.chars().next(),
            Some('#' | '>' | '-' | '+' | '*' | '=' | '_' | '~' | '`' | '[' | '|')
        )
        .then_some(0)
    };
    let mut chars = content.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if Some(at) == marker {
            out.push('\\');
        }
        let next = chars.peek().map(|&(_, next)| next);
        match c {
            '\t' => out.push_str("&#9;"),
            '<' if next
                .is_some_and(|n| n.is_ascii_alphabetic() || matches!(n, '/' | '!' | '?')) =>
            {
                out.push_str("&lt;");
            }
            ']' if next == Some('(') => out.push_str("]\\"),
            c if unfit_for_comment(c) => out.push_str(&format!("&#x{:X};", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

/// `text` for a plain `//` comment, on one line: line breaks, tabs and the
/// characters a comment cannot hold show as `\u{…}` escapes.
pub fn comment_text(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c == '\t' || LINE_BREAKS.contains(&c) || unfit_for_comment(c) {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// `text` as a Markdown code span, on one line: shown exactly, except that
/// line breaks, tabs and the characters a comment cannot hold show as
/// `\u{…}` escapes (character references do not work in code).
pub fn doc_code(text: &str) -> String {
    if text.is_empty() {
        return "`\"\"`".to_owned();
    }
    let shown = comment_text(text);
    // The span is fenced by more backticks than any run inside, and padded
    // when the text starts or ends with a backtick or a space (Markdown
    // strips one space from each side, unless there is nothing but spaces).
    // Even with three or more backticks at the start of a line it is no
    // code block: a fence's info string cannot hold the closing backticks.
    let longest = shown.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let all_spaces = shown.chars().all(|c| c == ' ');
    let pad = if !all_spaces && (shown.starts_with(['`', ' ']) || shown.ends_with(['`', ' '])) {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{shown}{pad}{fence}")
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
        Type::Numeric(numeric) => numeric.rust().to_owned(),
        Type::Nullable(inner) => format!("Option<{}>", type_name(inner)),
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
        // The payload is the method's own: moved into the ack, not copied
        // (`json!(payload)` would serialize a `Value` all over again).
        Data::Var(
            var @ Var {
                root: Root::Payload,
                ty: Type::String | Type::Json,
                ..
            },
        ) => var_expr(var),
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

/// A Rust expression of type `ty` holding `data`, for a typed ack's
/// default: a struct literal, an enum variant, `vec![…]`, `Some(…)`. The
/// model has checked that `data` fits `ty`'s schema; `types` are the
/// module's named types.
pub fn typed_expr(data: &Data, ty: &Type, types: &[TypeDef]) -> String {
    match (ty, data) {
        (Type::Nullable(_), Data::Literal(Value::Null)) => "None".to_owned(),
        (Type::Nullable(inner), data) => format!("Some({})", typed_expr(data, inner, types)),
        (_, Data::Var(var)) => {
            let expr = var_expr(var);
            let copied = |ty: &Type| match ty {
                Type::String => false,
                Type::Named(name) => {
                    (types.iter()).any(|def| &def.name == name && def.variants.is_some())
                }
                ty => ty.is_plain_scalar(),
            };
            match (resolved(&var.ty, types), resolved(ty, types)) {
                (have, want) if have == want && copied(have) => expr,
                (have, want) if have == want => format!("{expr}.clone()"),
                // Numbers of another width: the schema bounds them already.
                (have, want) if have.is_plain_scalar() && want.is_plain_scalar() => {
                    format!("{expr} as {}", type_name(want))
                }
                _ => format!("{expr}.clone().into()"),
            }
        }
        (Type::String, Data::Text(parts)) => format_expr(parts),
        (Type::String, Data::Literal(Value::String(text))) => {
            format!("{}.to_owned()", string_literal(text))
        }
        (Type::Integer | Type::Number | Type::Numeric(_), Data::Literal(Value::Number(n))) => {
            let rust = type_name(ty);
            match (rust.starts_with('f'), n.as_i64()) {
                (true, Some(whole)) => format!("{whole}.0_{rust}"),
                _ => format!("{n}_{rust}"),
            }
        }
        (Type::Boolean, Data::Literal(Value::Bool(flag))) => flag.to_string(),
        (Type::List(item), data) => {
            let items: Vec<String> = (children(data).into_iter().flatten())
                .map(|(_, child)| typed_expr(&child, item, types))
                .collect();
            format!("vec![{}]", items.join(", "))
        }
        (Type::Named(name), data) => match types.iter().find(|def| &def.name == name) {
            Some(def) => named_expr(def, data, types),
            None => json_expr(data),
        },
        (_, data) => json_expr(data),
    }
}

fn named_expr(def: &TypeDef, data: &Data, types: &[TypeDef]) -> String {
    if let Some(alias) = &def.alias_of {
        return typed_expr(data, alias, types);
    }
    if let (Some(variants), Data::Literal(Value::String(text))) = (&def.variants, data)
        && let Some(variant) = variants.iter().find(|v| &v.value == text)
    {
        return format!("{}::{}", def.name, variant.ident);
    }
    if let Some(choices) = &def.choices {
        let kind = json_kind_of(data);
        if let Some(choice) = choices
            .iter()
            .find(|choice| kind_fits(&choice.ty, kind, types))
        {
            return format!(
                "{}::{}({})",
                def.name,
                choice.ident,
                typed_expr(data, &choice.ty, types)
            );
        }
    }
    if let Some(fields) = &def.fields {
        let given: Vec<(String, Data)> = children(data).into_iter().flatten().collect();
        let inits: Vec<String> = fields
            .iter()
            .map(|field| {
                let value = given.iter().find(|(key, _)| *key == field.name);
                let expr = match (value, field.required, &field.ty) {
                    (Some((_, value)), true, ty) => typed_expr(value, ty, types),
                    (Some((_, Data::Literal(Value::Null))), false, _) => "None".to_owned(),
                    (Some((_, value)), false, Type::Nullable(inner)) => {
                        format!("Some({})", typed_expr(value, inner, types))
                    }
                    (Some((_, value)), false, ty) => {
                        format!("Some({})", typed_expr(value, ty, types))
                    }
                    (None, _, _) => "None".to_owned(),
                };
                format!("{}: {expr}", field.ident)
            })
            .collect();
        return format!("{} {{ {} }}", def.name, inits.join(", "));
    }
    json_expr(data)
}

/// The elements of a list or the fields of an object, keyed by their JSON
/// name (an index for a list), whether literal or interpolated.
fn children(data: &Data) -> Option<Vec<(String, Data)>> {
    Some(match data {
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

/// The JSON type of `data`, when it shows.
fn json_kind_of(data: &Data) -> Option<&'static str> {
    Some(match data {
        Data::Literal(Value::Null) => "null",
        Data::Literal(Value::Bool(_)) => "boolean",
        Data::Literal(Value::Number(n)) if n.is_f64() => "number",
        Data::Literal(Value::Number(_)) => "integer",
        Data::Literal(Value::String(_)) | Data::Text(_) => "string",
        Data::Literal(Value::Array(_)) | Data::Array(_) => "array",
        Data::Literal(Value::Object(_)) | Data::Object(_) => "object",
        Data::Var(_) => return None,
    })
}

/// Whether a value of JSON type `kind` can be a `ty`.
fn kind_fits(ty: &Type, kind: Option<&str>, types: &[TypeDef]) -> bool {
    let Some(kind) = kind else { return false };
    match resolved(ty, types) {
        Type::Json => true,
        Type::Nullable(inner) => kind == "null" || kind_fits(inner, Some(kind), types),
        // An integer is a number too.
        ty => match json_kind(ty, types) {
            Some("number") => kind == "number" || kind == "integer",
            wanted => wanted == Some(kind),
        },
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

    #[test]
    fn numbers_beyond_i32_keep_their_value() {
        let data = Data::Literal(serde_json::json!([
            777,
            -2147483648,
            3000000000_i64,
            -3000000000_i64,
            u64::MAX,
            1.5,
            1e300
        ]));
        assert_eq!(
            json_expr(&data),
            "json!([777, -2147483648, 3000000000_i64, -3000000000_i64, 18446744073709551615_u64, 1.5, 1e+300])"
        );
        syn::parse_str::<syn::Expr>(&json_expr(&data)).unwrap();
    }

    /// The text rustdoc would show for a doc comment's Markdown (with
    /// pulldown-cmark, as rustdoc), and the blocks, links and HTML in it:
    /// code blocks are what `cargo test` runs as doctests.
    fn rendered(markdown: &str) -> (String, Vec<String>) {
        use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
        let mut text = String::new();
        let mut blocks = Vec::new();
        let options = Options::ENABLE_TABLES
            | Options::ENABLE_STRIKETHROUGH
            | Options::ENABLE_FOOTNOTES
            | Options::ENABLE_TASKLISTS;
        for event in Parser::new_ext(markdown, options) {
            match event {
                Event::Text(t) | Event::Code(t) => text.push_str(&t),
                Event::SoftBreak | Event::HardBreak => text.push('\n'),
                Event::End(TagEnd::Paragraph) => text.push_str("\n\n"),
                Event::Start(Tag::CodeBlock(kind)) => blocks.push(format!("{kind:?}")),
                Event::Start(
                    tag @ (Tag::Link { .. }
                    | Tag::Image { .. }
                    | Tag::List(_)
                    | Tag::BlockQuote(_)
                    | Tag::Heading { .. }
                    | Tag::Table(_)
                    | Tag::HtmlBlock),
                ) => blocks.push(format!("{tag:?}")),
                Event::Html(h) | Event::InlineHtml(h) => blocks.push(format!("html {h}")),
                Event::Rule => blocks.push("rule".to_owned()),
                _ => {}
            }
        }
        (text.trim_end().to_owned(), blocks)
    }

    #[test]
    fn descriptions_are_shown_as_written_and_never_run() {
        for nasty in [
            "    panic!(\"indented\");",
            "\tpanic!(\"tab\");",
            "```\npanic!(\"fenced\");\n```",
            "~~~rust\npanic!(\"an unclosed fence runs to the end\");",
            "- item\nlazy",
            "1. one\n2) two",
            "> quote",
            "# heading",
            "text\n===",
            "***",
            "[a link](javascript:alert(1)) ![img](x.png)",
            "a [x][ref]\n\n[ref]: javascript:alert(1)",
            "<script>alert(1)</script> <img src=x onerror=alert(1)> <!-- x --> <?php ?> <http://x.y>",
            "a | b\n--|--\nc | d",
            "| a |\n|---|",
            "+ plus",
            "* star",
            "_ _ _",
        ] {
            assert!(!rendered(nasty).1.is_empty(), "{nasty:?} is no test");
            let markdown = doc_markdown(nasty);
            let (text, blocks) = rendered(&markdown);
            assert!(
                blocks.is_empty(),
                "{nasty:?} → {markdown:?} made {blocks:?}"
            );
            let expected: String = nasty
                .split('\n')
                .map(str::trim_end)
                .collect::<Vec<_>>()
                .join("\n");
            assert_eq!(text, expected, "{nasty:?} → {markdown:?}");
        }
    }

    #[test]
    fn descriptions_keep_inline_markdown_and_the_lessons_text() {
        let lesson = "The NestJS lesson's `aaa` resource, as a gateway.";
        assert_eq!(doc_markdown(lesson), lesson);
        assert_eq!(doc_markdown("a *b* c"), "a *b* c");
        assert_eq!(doc_markdown("a\nb\r\nc\u{2028}d\re"), "a\nb\nc\nd\ne");
    }

    #[test]
    fn comments_hold_no_direction_or_control_characters() {
        let markdown = doc_markdown("\u{202e}evil\u{202c} \u{2066}x\u{2069} \u{1b}[31m\u{7f}");
        assert_eq!(
            markdown,
            "&#x202E;evil&#x202C; &#x2066;x&#x2069; &#x1B;[31m&#x7F;"
        );
        assert_eq!(
            rendered(&markdown).0,
            "\u{202e}evil\u{202c} \u{2066}x\u{2069} \u{1b}[31m\u{7f}"
        );
        assert_eq!(doc_code("a\u{202e}b\nc\td"), "`a\\u{202e}b\\u{a}c\\u{9}d`");
    }

    #[test]
    fn code_spans_hold_any_name() {
        for name in [
            "findAllAaa",
            "`",
            "a `b` c",
            "``x```",
            " x ",
            " x",
            "   ",
            "`x`",
            "</script>",
            "[x](y)",
            "\\",
        ] {
            let span = doc_code(name);
            assert!(!span.contains('\n'));
            let (text, blocks) = rendered(&format!("{span}: acks x."));
            assert!(blocks.is_empty(), "{name:?} → {span} made {blocks:?}");
            assert_eq!(text, format!("{name}: acks x."), "{name:?} → {span}");
        }
        assert_eq!(doc_code(""), "`\"\"`");
    }
}
