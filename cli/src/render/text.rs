//! Text helpers every backend may use: lines of comments, and JSON string
//! literals safe inside HTML. Nothing here speaks one output's language.

use serde_json::Value;

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
pub fn unfit_for_comment(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}') || (c.is_control() && c != '\t')
}

/// `text` for a one-line comment: line breaks, tabs and the characters a
/// comment cannot hold show as `\u{…}` escapes.
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

/// JSON that can sit inside a `<script>` element: nothing in it can close
/// the element, open a comment or end a JavaScript line.
pub fn script_json(value: &Value) -> String {
    let text = value.to_string();
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            // Text-direction controls would make the committed page read
            // otherwise than it parses; escaped, they mean the same.
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {
                out.push_str(&format!("\\u{:04x}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out
}

/// A JSON string literal of `text`, safe in a script: a valid JavaScript
/// and TypeScript string and property name.
pub fn quoted(text: &str) -> String {
    script_json(&Value::from(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_json_cannot_close_the_script() {
        let value = serde_json::json!({"event": "</script><script>alert(1)</script>", "x": "<!--", "y": "a\u{2028}b&c", "\u{202e}z\u{2069}": 1});
        let text = script_json(&value);
        assert!(
            !text.contains(['<', '>', '&', '\u{2028}', '\u{202e}', '\u{2069}']),
            "{text}"
        );
        assert_eq!(
            serde_json::from_str::<Value>(&text).unwrap(),
            value,
            "still the same JSON"
        );
    }
}
