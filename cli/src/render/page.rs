//! The page backend: `pages/index.html`, one page for every gateway, which
//! connects, emits each event with its example and logs what comes back.
//! Spec text reaches it as JSON inside `<script type="application/json">`
//! ([`super::text::script_json`]) or HTML-escaped by the template.

use minijinja::{Value as TemplateValue, context};
use serde_json::{Value, json};

use super::text::script_json;
use super::{Backend, Output, RenderError, header, specs_of};
use crate::model::Gateway;

pub struct Page;

impl Backend for Page {
    fn name(&self) -> &'static str {
        "page"
    }

    fn project(&self, gateways: &[Gateway], out: &mut Output<'_>) -> Result<(), RenderError> {
        let page = out.template("index.html.jinja", page_context(gateways))?;
        let comment = header(&specs_of(gateways), " ");
        out.add("pages/index.html", format!("<!-- {comment} -->\n{page}"));
        Ok(())
    }
}

fn page_context(gateways: &[Gateway]) -> TemplateValue {
    let server_events = |gateway: &Gateway| -> Vec<String> {
        (gateway.server_events.iter())
            .map(|event| event.name.clone())
            .collect()
    };
    let page: Vec<Value> = gateways
        .iter()
        .map(|gateway| {
            let events: Vec<Value> = gateway
                .events
                .iter()
                .map(|event| match &event.example {
                    Some(example) => json!({ "name": event.name, "example": example }),
                    None => json!({ "name": event.name }),
                })
                .collect();
            json!({
                "name": gateway.name,
                "namespace": gateway.namespace,
                "events": events,
                "serverEvents": server_events(gateway),
            })
        })
        .collect();
    context! {
        gateways => gateways.iter().map(|g| context! {
            name => g.name,
            namespace => g.namespace,
            events => g.events.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(),
            server_events => server_events(g),
        }).collect::<Vec<_>>(),
        gateways_json => TemplateValue::from_safe_string(script_json(&Value::Array(page))),
    }
}
