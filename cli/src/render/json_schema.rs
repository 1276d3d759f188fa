//! The JSON Schema backend: each gateway's payloads and server events'
//! data as a JSON Schema document (`src/<module>.schema.json`), which the
//! generated module embeds and the runtime checks payloads with, and
//! which clients in any language can validate against.

use serde_json::Value;

use super::{Backend, Output, RenderError, header, schema_file};
use crate::model::Gateway;

pub struct JsonSchema;

impl Backend for JsonSchema {
    fn name(&self) -> &'static str {
        "JSON Schema"
    }

    fn gateway(&self, gateway: &Gateway, out: &mut Output<'_>) -> Result<(), RenderError> {
        out.add(format!("src/{}", schema_file(gateway)), document(gateway));
        Ok(())
    }
}

/// The contract's schema as pretty JSON. JSON has no comments: the header
/// is its `$comment`, which JSON Schema keeps for exactly that.
fn document(gateway: &Gateway) -> String {
    let mut document = serde_json::Map::new();
    document.insert(
        "$comment".to_owned(),
        header(&[gateway.spec_path.as_str()], " ").into(),
    );
    if let Value::Object(fields) = &gateway.schema {
        document.extend(fields.clone());
    }
    let mut text = serde_json::to_string_pretty(&Value::Object(document)).unwrap_or_default();
    text.push('\n');
    text
}
