//! Spec text in Rust source. Every string from a spec reaches generated
//! Rust through [`string_literal`], or into a doc comment through
//! [`doc_markdown`] or [`doc_code`], so no spec text can end a literal or a
//! comment, inject code, or become a doctest or HTML in rustdoc's pages.

use crate::render::text::{LINE_BREAKS, comment_text, unfit_for_comment};

/// A Rust string literal holding exactly `text`.
pub fn string_literal(text: &str) -> String {
    // `str`'s Debug output is a valid Rust literal: quotes, backslashes and
    // control characters come out escaped in Rust's own syntax.
    format!("{text:?}")
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

/// `///` lines holding a spec's `description`, or else `fallback`, which is
/// gatesmith's own Markdown (spec names in it made safe by [`doc_code`]).
pub fn doc_comment(description: Option<&str>, fallback: &str) -> String {
    match described(description) {
        Some(text) => comment_lines("///", &doc_markdown(text)),
        None => comment_lines("///", fallback),
    }
}

/// A description that says something: a blank one would make an empty doc
/// comment, which clippy warns about.
pub fn described(description: Option<&str>) -> Option<&str> {
    description.filter(|text| !text.trim().is_empty())
}

/// `markdown`, already safe for a comment, as lines starting with `prefix`.
pub fn comment_lines(prefix: &str, markdown: &str) -> String {
    markdown
        .split('\n')
        .map(|line| format!("{prefix} {line}").trim_end().to_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

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
