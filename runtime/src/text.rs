//! Text interpolation of payload values into acks and emitted data
//! (`"This action returns a #{{ payload }} aaa"`).

use std::fmt::{self, Display, Write as _};

/// Shows a value inside a text the way a JavaScript template literal would:
/// strings and numbers bare, `None` as `null`, lists and objects as JSON.
pub trait Interpolate {
    /// Appends the value's text to `out`.
    fn interpolate(&self, out: &mut String);
}

macro_rules! interpolate_display {
    ($($ty:ty),*) => {$(
        impl Interpolate for $ty {
            fn interpolate(&self, out: &mut String) {
                // Writing to a String cannot fail.
                let _ = write!(out, "{self}");
            }
        }
    )*};
}
interpolate_display!(String, str, i64, f64, bool);

impl<T: Interpolate + ?Sized> Interpolate for &T {
    fn interpolate(&self, out: &mut String) {
        (**self).interpolate(out);
    }
}

impl<T: Interpolate> Interpolate for Option<T> {
    fn interpolate(&self, out: &mut String) {
        match self {
            Some(value) => value.interpolate(out),
            None => out.push_str("null"),
        }
    }
}

impl Interpolate for serde_json::Value {
    fn interpolate(&self, out: &mut String) {
        match self {
            serde_json::Value::String(text) => out.push_str(text),
            other => {
                let _ = write!(out, "{other}");
            }
        }
    }
}

impl<T: serde::Serialize> Interpolate for Vec<T> {
    fn interpolate(&self, out: &mut String) {
        out.push_str(&serde_json::to_string(self).unwrap_or_else(|_| "null".into()));
    }
}

/// Wraps a value so that `format!("{}", Shown(&x))` interpolates it.
pub struct Shown<'a, T: ?Sized>(pub &'a T);

impl<T: Interpolate + ?Sized> Display for Shown<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        self.0.interpolate(&mut out);
        f.write_str(&out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown<T: Interpolate + ?Sized>(value: &T) -> String {
        let mut out = String::new();
        value.interpolate(&mut out);
        out
    }

    #[test]
    fn values_show_as_a_javascript_template_literal_would() {
        assert_eq!(shown(&1_i64), "1");
        assert_eq!(shown(&2.5_f64), "2.5");
        assert_eq!(shown("dong"), "dong");
        assert_eq!(shown(&Some("dong".to_owned())), "dong");
        assert_eq!(shown(&None::<i64>), "null");
        assert_eq!(shown(&vec![1, 2]), "[1,2]");
        assert_eq!(shown(&serde_json::json!({"a": "b"})), r#"{"a":"b"}"#);
        assert_eq!(shown(&serde_json::json!("plain")), "plain");
    }
}
