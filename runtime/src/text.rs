//! Text interpolation of payload values into acks and emitted data
//! (`"This action returns a #{{ payload }} aaa"`).

use std::fmt::{self, Display};

use serde::Serialize;

/// Shows a value inside a text the way a JavaScript template literal shows
/// JSON data: a string bare, anything else (numbers, `null` for a missing
/// value, lists, objects) as JSON. Generated code uses it for values that
/// are not plain strings or numbers.
pub struct Shown<'a, T: ?Sized>(pub &'a T);

impl<T: Serialize + ?Sized> Display for Shown<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match serde_json::to_value(self.0) {
            Ok(serde_json::Value::String(text)) => f.write_str(&text),
            Ok(other) => write!(f, "{other}"),
            Err(_) => f.write_str("null"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_show_as_a_javascript_template_literal_would() {
        assert_eq!(Shown(&1_i64).to_string(), "1");
        assert_eq!(Shown(&2.5_f64).to_string(), "2.5");
        assert_eq!(Shown("dong").to_string(), "dong");
        assert_eq!(Shown(&Some("dong")).to_string(), "dong");
        assert_eq!(Shown(&None::<i64>).to_string(), "null");
        assert_eq!(Shown(&vec![1, 2]).to_string(), "[1,2]");
        assert_eq!(
            Shown(&serde_json::json!({"a": "b"})).to_string(),
            r#"{"a":"b"}"#
        );
        assert_eq!(Shown(&serde_json::json!("plain")).to_string(), "plain");
    }
}
