//! Names from a spec (event names such as `findAllAaa`, `user:join`, `type`)
//! turned into Rust identifiers. Every conversion goes through here.

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Words Rust reserves, in any edition; an identifier equal to one gets a
/// trailing underscore (`type` → `type_`), as prost does: raw identifiers
/// cannot spell `self`, `super`, `crate` or `Self`.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "union",
];

/// Type names a generated module uses unqualified. A schema of one of these
/// names would shadow it (a struct `String` changes every `String` field) or
/// clash with an import, so it gets a trailing underscore, as keywords do.
const USED_TYPES: &[&str] = &[
    "String",
    "Vec",
    "Option",
    "Value",
    "Future",
    "Send",
    "Sync",
    "Serialize",
    "Deserialize",
    "EventContext",
    "Gateway",
    "Shown",
    "To",
    "Duration",
];

/// `findAllAaa` → `find_all_aaa`, for functions, modules and fields.
pub fn snake(name: &str) -> String {
    finish(ascii_words(name).to_snake_case(), "x")
}

/// `CreateAaaDto`, `create-aaa dto` → `CreateAaaDto`, for types.
pub fn upper_camel(name: &str) -> String {
    let mut ident = ascii_words(name).to_upper_camel_case();
    if ident.is_empty() || ident.starts_with(|c: char| c.is_ascii_digit()) {
        // `X1st`, not `X_1st`: rustc warns that the latter is not UpperCamelCase.
        ident.insert(0, 'X');
    }
    if USED_TYPES.contains(&ident.as_str()) {
        ident.push('_');
    }
    finish(ident, "X")
}

/// The type named by `first` then `second`: `Note` and `author` →
/// `NoteAuthor`, `aaa` and `Service` → `AaaService`. Either may already be
/// a converted name: its trailing `_` (`Self_`) must not end up inside
/// (`Self_Payload`), which rustc warns is not UpperCamelCase.
pub fn upper_camel_join(first: &str, second: &str) -> String {
    upper_camel(&format!("{} {}", upper_camel(first), upper_camel(second)))
}

/// The type named by the words of `parts`, outermost first: `["Note",
/// "author"]` → `NoteAuthor`, `["ping", "Payload"]` → `PingPayload`. Each
/// part joins the name made so far, as [`upper_camel_join`] does.
pub fn upper_camel_path(parts: &[String]) -> String {
    let Some((first, rest)) = parts.split_first() else {
        return upper_camel("");
    };
    (rest.iter()).fold(upper_camel(first), |name, part| {
        upper_camel_join(&name, part)
    })
}

/// Anything that cannot be part of an identifier separates words.
fn ascii_words(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect()
}

fn finish(mut ident: String, filler: &str) -> String {
    if ident.is_empty() {
        ident.push_str(filler);
    }
    if ident.starts_with(|c: char| c.is_ascii_digit()) {
        ident.insert(0, '_');
        ident.insert_str(0, filler);
    }
    if KEYWORDS.contains(&ident.as_str()) {
        ident.push('_');
    }
    ident
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_identifiers() {
        for (name, ident) in [
            ("findAllAaa", "find_all_aaa"),
            ("createAaa", "create_aaa"),
            ("user:join", "user_join"),
            ("find-all", "find_all"),
            ("HTTPRequest", "http_request"),
            ("type", "type_"),
            ("self", "self_"),
            ("match", "match_"),
            ("Self", "self_"),
            ("2fa", "x_2fa"),
            ("", "x"),
            ("événement", "v_nement"),
            ("__Field", "field"),
        ] {
            assert_eq!(snake(name), ident, "{name:?}");
        }
    }

    #[test]
    fn upper_camel_identifiers() {
        for (name, ident) in [
            ("aaa", "Aaa"),
            ("CreateAaaDto", "CreateAaaDto"),
            ("user-profile", "UserProfile"),
            ("user_profile", "UserProfile"),
            ("Self", "Self_"),
            ("1st", "X1st"),
            ("", "X"),
            ("<!-- -->", "X"),
            ("String", "String_"),
            ("value", "Value_"),
            ("Strings", "Strings"),
        ] {
            assert_eq!(upper_camel(name), ident, "{name:?}");
        }
    }

    #[test]
    fn joined_names_stay_upper_camel_case() {
        for (first, second, ident) in [
            ("aaa", "Service", "AaaService"),
            ("chat-room", "Service", "ChatRoomService"),
            ("self", "Service", "SelfService"),
            ("Self_", "Payload", "SelfPayload"),
            ("X1st", "Item", "X1stItem"),
            ("DeepTags", "Item", "DeepTagsItem"),
            ("Message", "author", "MessageAuthor"),
            ("Note", "", "NoteX"),
            ("HttpRequest", "2fa", "HttpRequestX2fa"),
            ("Str", "ing", "StrIng"),
            ("", "Payload", "XPayload"),
        ] {
            assert_eq!(
                upper_camel_join(first, second),
                ident,
                "{first:?} {second:?}"
            );
            let path = [first.to_owned(), second.to_owned()];
            assert_eq!(upper_camel_path(&path), ident, "{path:?}");
        }
        let deep = ["guang", "Data", "Object"].map(str::to_owned);
        assert_eq!(upper_camel_path(&deep), "GuangDataObject");
        assert_eq!(upper_camel_path(&["self".to_owned()]), "Self_");
    }
}
