//! The keywords of an inline schema checked against its type: each must
//! apply to it, bounds must leave some value, formats must be known and
//! patterns must compile.

use super::Report;
use super::schema::{kind_name, kind_of};
use crate::spec::{Kind, SchemaObject};

/// Keywords that apply only to some types: those types, their name in
/// messages, and each keyword with whether the schema uses it.
type KeywordsOf<'a> = (&'a [Kind], &'a str, &'a [(&'static str, bool)]);

/// Reports keywords that do not apply to the schema's type, bounds that
/// leave no value, unknown formats and patterns that do not compile.
pub(super) fn check(object: &SchemaObject, at: &[&str], report: &mut Report<'_>) {
    let kind = kind_of(object);
    let kind_name = kind.map_or("of no declared type", kind_name);
    let keyword_at = |keyword: &'static str| [at, &[keyword]].concat();
    let for_kinds: [KeywordsOf; 4] = [
        (
            &[Kind::String],
            "strings",
            &[
                ("minLength", object.min_length.is_some()),
                ("maxLength", object.max_length.is_some()),
                ("pattern", object.pattern.is_some()),
                ("enum", object.enum_values.is_some()),
            ],
        ),
        (
            &[Kind::Integer, Kind::Number],
            "integers and numbers",
            &[
                ("minimum", object.minimum.is_some()),
                ("maximum", object.maximum.is_some()),
                ("exclusiveMinimum", object.exclusive_minimum.is_some()),
                ("exclusiveMaximum", object.exclusive_maximum.is_some()),
            ],
        ),
        (
            &[Kind::Array],
            "arrays",
            &[
                ("minItems", object.min_items.is_some()),
                ("maxItems", object.max_items.is_some()),
            ],
        ),
        (
            &[Kind::Object],
            "objects",
            &[(
                "additionalProperties",
                object.additional_properties.is_some(),
            )],
        ),
    ];
    for (kinds, applies_to, keywords) in for_kinds {
        for &(keyword, present) in keywords {
            let misplaced = present
                && (object.reference.is_some() || !kind.is_some_and(|k| kinds.contains(&k)));
            if !misplaced {
                continue;
            }
            let message = if object.reference.is_some() {
                format!(
                    "`{keyword}` beside `$ref` would be ignored: put it in the schema referred to"
                )
            } else {
                format!("`{keyword}` applies to {applies_to}, and this schema is {kind_name}")
            };
            report.error(&keyword_at(keyword), message);
        }
    }
    if let Some(format) = &object.format {
        let known: &[&str] = match kind {
            Some(Kind::String) => &["uuid", "email", "date-time"],
            Some(Kind::Integer) => &["int32", "int64", "uint32", "uint64"],
            Some(Kind::Number) => &["float", "double"],
            _ => &[],
        };
        if !known.contains(&format.as_str()) {
            let hint = if known.is_empty() {
                format!(
                    "formats apply to strings, integers and numbers, and this schema is {kind_name}"
                )
            } else {
                format!("the formats of a {kind_name} are {}", known.join(", "))
            };
            report.value_error(
                &keyword_at("format"),
                format!("unknown format {format:?}: {hint}"),
            );
        }
    }
    if object.one_of.is_some() && (object.kind.is_some() || !object.properties.is_empty()) {
        report.error(&keyword_at("oneOf"), "`oneOf` stands alone: its schemas say the types; move `type` and `properties` into them");
    }
    let empty_ranges = [
        (
            "minLength",
            (object.min_length.zip(object.max_length)).is_some_and(|(min, max)| min > max),
        ),
        (
            "minItems",
            (object.min_items.zip(object.max_items)).is_some_and(|(min, max)| min > max),
        ),
        (
            "minimum",
            (object.minimum.as_ref().zip(object.maximum.as_ref()))
                .is_some_and(|(min, max)| min.as_f64() > max.as_f64()),
        ),
    ];
    for (keyword, empty) in empty_ranges {
        if empty {
            report.value_error(
                &keyword_at(keyword),
                format!("`{keyword}` is above its maximum: no value can fit"),
            );
        }
    }
    if let Some(pattern) = &object.pattern
        && let Err(err) = jsonschema::validator_for(&serde_json::json!({ "pattern": pattern }))
    {
        report.value_error(&keyword_at("pattern"), format!("pattern {pattern:?} is not a regular expression JSON Schema accepts (ECMA-262): {err}"));
    }
}
