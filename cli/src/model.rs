//! Stage 2, check: a parsed [`Spec`] validated and resolved into what the
//! templates need. Every error found is returned, each with its location;
//! nothing downstream validates again.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::diagnostic::SpecError;
use crate::ident;
use crate::spec::{self, Kind, Schema, SchemaObject, Spec, SpecFile, Target};

/// One gateway, ready to render.
#[derive(Debug, Clone)]
pub struct Gateway {
    /// The spec's path as shown in headers, with `/` separators.
    pub spec_path: String,
    pub name: String,
    pub namespace: String,
    pub description: Option<String>,
    /// The Rust module: `aaa`.
    pub module: String,
    /// The service trait: `AaaService`.
    pub service: String,
    pub types: Vec<TypeDef>,
    pub events: Vec<Event>,
    pub on_connect: Vec<Emission>,
    pub on_disconnect: Vec<Emission>,
    /// Every event the server may send to a client, `exception` included.
    pub server_events: Vec<String>,
}

/// A Rust type for a payload.
#[derive(Debug, Clone, PartialEq)]
pub enum Type {
    String,
    Integer,
    Number,
    Boolean,
    /// Any JSON: an object declared without properties.
    Json,
    List(Box<Type>),
    Named(String),
}

impl Type {
    /// Whether `{}` in `format!` shows it as a JavaScript template would.
    pub fn is_plain_scalar(&self) -> bool {
        matches!(
            self,
            Type::String | Type::Integer | Type::Number | Type::Boolean
        )
    }

    /// Whether the Rust type spells `Value` somewhere.
    pub fn mentions_json(&self) -> bool {
        match self {
            Type::Json => true,
            Type::List(item) => item.mentions_json(),
            _ => false,
        }
    }
}

impl Gateway {
    /// Every emission the gateway declares: events' side effects and
    /// replies, then the lifecycle ones.
    pub fn emissions(&self) -> impl Iterator<Item = &Emission> {
        self.events
            .iter()
            .flat_map(|e| e.emits.iter().chain(&e.replies))
            .chain(&self.on_connect)
            .chain(&self.on_disconnect)
    }
}

/// A named type: a struct, or an alias of another type.
#[derive(Debug, Clone)]
pub struct TypeDef {
    pub name: String,
    pub description: Option<String>,
    /// Present for a struct.
    pub fields: Option<Vec<Field>>,
    /// Present for an alias.
    pub alias_of: Option<Type>,
}

#[derive(Debug, Clone)]
pub struct Field {
    /// The JSON name.
    pub name: String,
    /// The Rust field.
    pub ident: String,
    pub ty: Type,
    pub required: bool,
    pub description: Option<String>,
}

/// An event clients emit.
#[derive(Debug, Clone)]
pub struct Event {
    pub name: String,
    /// The service method.
    pub method: String,
    pub description: Option<String>,
    pub payload: Option<Type>,
    /// What the page sends: the spec's `example`, or a value of the type.
    pub example: Option<Value>,
    pub ack: Option<Data>,
    pub replies: Vec<Emission>,
    pub emits: Vec<Emission>,
}

#[derive(Debug, Clone)]
pub struct Emission {
    pub to: Target,
    pub event: String,
    pub data: Data,
    pub after_ms: u64,
}

/// A value to send, with the payload interpolated where the spec says so.
#[derive(Debug, Clone, PartialEq)]
pub enum Data {
    /// JSON with nothing to interpolate.
    Literal(Value),
    /// A string with `{{ ... }}` inside.
    Text(Vec<Part>),
    /// A string that is a single `{{ ... }}`: the value keeps its type.
    Var(Var),
    Array(Vec<Data>),
    Object(Vec<(String, Data)>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    Text(String),
    Var(Var),
}

/// `payload`, `payload.id` or `socket.id`, resolved to Rust.
#[derive(Debug, Clone, PartialEq)]
pub struct Var {
    pub root: Root,
    /// Rust field names below the root.
    pub fields: Vec<String>,
    pub ty: Type,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Root {
    Payload,
    SocketId,
}

/// Checks one parsed spec; `file` places the errors.
pub fn check(spec: &Spec, file: &SpecFile, spec_path: &str) -> Result<Gateway, Vec<SpecError>> {
    let mut checker = Checker {
        spec,
        file,
        errors: Vec::new(),
        types: Vec::new(),
    };
    let gateway = checker.gateway(spec_path);
    if checker.errors.is_empty() {
        Ok(gateway)
    } else {
        Err(checker.errors)
    }
}

struct Checker<'a> {
    spec: &'a Spec,
    file: &'a SpecFile,
    errors: Vec<SpecError>,
    types: Vec<TypeDef>,
}

impl Checker<'_> {
    fn error(&mut self, at: &[&str], message: impl Into<String>) {
        self.errors.extend(self.file.error(at, message));
    }

    /// An error about the value at `at`, rather than its key.
    fn value_error(&mut self, at: &[&str], message: impl Into<String>) {
        self.errors.extend(self.file.error_on_value(at, message));
    }

    fn gateway(&mut self, spec_path: &str) -> Gateway {
        let spec = self.spec;
        let well_formed = spec.gateway.starts_with(|c: char| c.is_ascii_alphabetic())
            && spec
                .gateway
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !well_formed {
            self.error(&["gateway"], format!("gateway name {:?} must start with a letter and hold only letters, digits, `-` or `_`", spec.gateway));
        }
        if !spec.namespace.starts_with('/') {
            self.error(
                &["namespace"],
                format!(
                    "namespace {:?} must start with `/`, as `/` or `/chat`",
                    spec.namespace
                ),
            );
        } else if spec.namespace.contains(',') || spec.namespace.chars().any(char::is_control) {
            // socket.io packets end the namespace at `,`.
            self.error(
                &["namespace"],
                format!(
                    "namespace {:?} holds `,` or a control character, which socket.io cannot carry in a namespace",
                    spec.namespace
                ),
            );
        }
        self.schemas();
        let mut methods: BTreeMap<String, String> = BTreeMap::new();
        for reserved in ["handle_connection", "handle_disconnect"] {
            methods.insert(
                reserved.to_owned(),
                format!("the lifecycle hook `{reserved}`"),
            );
        }
        let mut events = Vec::new();
        for (name, event) in &spec.events {
            if let Some(why) = cannot_be_received(name) {
                self.error(&["events", name], why);
            }
            let method = ident::snake(name);
            if let Some(other) = methods.insert(method.clone(), format!("event {name:?}")) {
                self.error(
                    &["events", name],
                    format!("event {name:?} becomes the Rust method `{method}`, as {other} does: rename one of them"),
                );
            }
            events.push(self.event(name, method, event));
        }
        let on_connect = self.emissions(&spec.on_connect, &["on_connect"], None);
        let on_disconnect = self.emissions(&spec.on_disconnect, &["on_disconnect"], None);
        for emission in &on_disconnect {
            if emission.to == Target::Sender {
                self.error(&["on_disconnect"], "on_disconnect cannot emit `to: sender`: the sender is gone; use `all` or `others`");
            }
            if emission.after_ms > 0 {
                self.error(&["on_disconnect", "after"], "on_disconnect emissions cannot be delayed: a socket's delayed emissions end when it disconnects");
            }
        }
        let gateway_ident = ident::snake(&spec.gateway);
        let mut gateway = Gateway {
            spec_path: spec_path.to_owned(),
            name: spec.gateway.clone(),
            namespace: spec.namespace.clone(),
            description: spec.description.clone(),
            service: ident::upper_camel_join(&spec.gateway, "Service"),
            module: gateway_ident,
            types: std::mem::take(&mut self.types),
            events,
            on_connect,
            on_disconnect,
            server_events: Vec::new(),
        };
        let mut server_events: Vec<String> = Vec::new();
        for emission in gateway.emissions() {
            if !server_events.contains(&emission.event) {
                server_events.push(emission.event.clone());
            }
        }
        server_events.push("exception".to_owned());
        gateway.server_events = server_events;
        gateway
    }

    /// What else the generated module declares under `type_name`, if anything.
    fn generated_item(&self, type_name: &str) -> Option<String> {
        let service = ident::upper_camel_join(&self.spec.gateway, "Service");
        if type_name == service {
            Some("the gateway's service trait".to_owned())
        } else if type_name == format!("Spec{service}") {
            Some(format!("the gateway's default service `Spec{service}`"))
        } else {
            None
        }
    }

    fn schemas(&mut self) {
        let spec = self.spec;
        let mut idents: BTreeMap<String, &str> = BTreeMap::new();
        for (name, schema) in &spec.schemas {
            let type_name = ident::upper_camel(name);
            if let Some(other) = idents.insert(type_name.clone(), name) {
                self.error(&["schemas", name], format!("schemas {other:?} and {name:?} both become the Rust type `{type_name}`: rename one"));
                continue;
            }
            if Kind::from_name(name).is_some() {
                self.error(
                    &["schemas", name],
                    format!("schema name {name:?} is a JSON Schema type: choose another name"),
                );
                continue;
            }
            if let Some(item) = self.generated_item(&type_name) {
                self.error(
                    &["schemas", name],
                    format!("schema {name:?} becomes the Rust type `{type_name}`, which is {item}: rename the schema"),
                );
                continue;
            }
            let at = ["schemas", name.as_str()];
            let def = match schema {
                Schema::Inline(object)
                    if object.reference.is_none()
                        && matches!(object.kind, Some(Kind::Object) | None)
                        && !object.properties.is_empty() =>
                {
                    let fields = self.fields(object, &at, &type_name);
                    TypeDef {
                        name: type_name,
                        description: object.description.clone(),
                        fields: Some(fields),
                        alias_of: None,
                    }
                }
                other => {
                    let ty = self.ty(other, &at, &type_name);
                    let description = match other {
                        Schema::Inline(object) => object.description.clone(),
                        Schema::Name(_) => None,
                    };
                    TypeDef {
                        name: type_name,
                        description,
                        fields: None,
                        alias_of: Some(ty),
                    }
                }
            };
            self.types.push(def);
        }
        self.check_cycles();
        self.check_nesting();
    }

    /// rustc gives up on types nested too deep: its layout and drop-check
    /// queries stop at the recursion limit of 128, and each level (a type in
    /// an `Option`) costs two. So the deepest chain is capped below that.
    fn check_nesting(&mut self) {
        let inside: BTreeMap<&str, Vec<String>> = self
            .types
            .iter()
            .map(|def| {
                let mut named = Vec::new();
                for ty in def
                    .fields
                    .iter()
                    .flatten()
                    .map(|f| &f.ty)
                    .chain(&def.alias_of)
                {
                    names_within(ty, &mut named);
                }
                (def.name.as_str(), named)
            })
            .collect();
        // The longest chain below each type; a type met again on its own
        // chain is a cycle through a list, which rustc handles, and ends it.
        fn depth<'a>(
            name: &'a str,
            inside: &'a BTreeMap<&str, Vec<String>>,
            known: &mut BTreeMap<&'a str, usize>,
            chain: &mut Vec<&'a str>,
        ) -> usize {
            if let Some(&depth) = known.get(name) {
                return depth;
            }
            if chain.contains(&name) {
                return 0;
            }
            chain.push(name);
            let below = inside
                .get(name)
                .into_iter()
                .flatten()
                .map(|next| depth(next, inside, known, chain))
                .max()
                .unwrap_or(0);
            chain.pop();
            known.insert(name, below + 1);
            below + 1
        }
        let mut known = BTreeMap::new();
        let mut too_deep = Vec::new();
        for schema_name in self.spec.schemas.keys() {
            let type_name = ident::upper_camel(schema_name);
            let Some((&name, _)) = inside.get_key_value(type_name.as_str()) else {
                continue; // refused already
            };
            let levels = depth(name, &inside, &mut known, &mut Vec::new());
            if levels > MAX_NESTING {
                too_deep.push((schema_name.clone(), levels));
            }
        }
        for (schema_name, levels) in too_deep {
            self.error(&["schemas", &schema_name], format!("schema {schema_name:?} nests {levels} types deep; gatesmith allows {MAX_NESTING}, as the Rust compiler gives up not far beyond: flatten the chain"));
        }
    }

    /// A struct may not contain itself except through a list: even an
    /// optional field would make the Rust type infinitely large. An alias
    /// may not contain itself at all, not even through a list: Rust
    /// expands aliases, and `type Ids = Vec<Ids>` never ends.
    fn check_cycles(&mut self) {
        let direct: BTreeMap<String, Vec<String>> = self
            .types
            .iter()
            .map(|def| {
                let direct = def
                    .fields
                    .iter()
                    .flatten()
                    .map(|f| &f.ty)
                    .chain(def.alias_of.iter())
                    .filter_map(|ty| match ty {
                        Type::Named(name) => Some(name.clone()),
                        _ => None,
                    })
                    .collect();
                (def.name.clone(), direct)
            })
            .collect();
        let is_alias =
            |name: &str| (self.types.iter()).any(|def| def.name == name && def.alias_of.is_some());
        let aliases: BTreeMap<String, Vec<String>> = (self.types.iter())
            .filter_map(|def| {
                let mut named = Vec::new();
                names_within(def.alias_of.as_ref()?, &mut named);
                named.retain(|name| is_alias(name));
                Some((def.name.clone(), named))
            })
            .collect();
        // One cycle is one mistake, reported at the first of its schemas.
        let mut reported: BTreeSet<BTreeSet<String>> = BTreeSet::new();
        for schema_name in self.spec.schemas.keys() {
            let start = ident::upper_camel(schema_name);
            let (cycle, message) = if let Some(cycle) = cycle_from(&direct, &start) {
                let message = format!(
                    "schema {schema_name:?} contains itself ({cycle}): break the cycle with an array (`type: array`)"
                );
                (cycle, message)
            } else if let Some(cycle) = cycle_from(&aliases, &start) {
                let message = format!(
                    "schema {schema_name:?} contains itself ({cycle}), and only an object with properties may: make one of them an object"
                );
                (cycle, message)
            } else {
                continue;
            };
            if !reported.insert(cycle.split(" → ").map(str::to_owned).collect()) {
                continue;
            }
            self.error(&["schemas", schema_name], message);
        }
    }

    fn fields(&mut self, object: &SchemaObject, at: &[&str], type_name: &str) -> Vec<Field> {
        for name in &object.required {
            if !object.properties.contains_key(name) {
                let mut at = at.to_vec();
                at.push("required");
                self.error(
                    &at,
                    format!("required property {name:?} is not among the properties"),
                );
            }
        }
        let mut idents: BTreeMap<String, &str> = BTreeMap::new();
        let mut fields = Vec::new();
        for (name, schema) in &object.properties {
            let mut field_at = at.to_vec();
            field_at.extend(["properties", name.as_str()]);
            let field_ident = ident::snake(name);
            if let Some(other) = idents.insert(field_ident.clone(), name) {
                self.error(&field_at, format!("properties {other:?} and {name:?} both become the Rust field `{field_ident}`: rename one"));
            }
            let ty = self.ty(schema, &field_at, &ident::upper_camel_join(type_name, name));
            let description = match schema {
                Schema::Inline(object) => object.description.clone(),
                Schema::Name(_) => None,
            };
            fields.push(Field {
                name: name.clone(),
                ident: field_ident,
                ty,
                required: object.required.contains(name),
                description,
            });
        }
        fields
    }

    /// The Rust type of a schema; an inline object becomes a struct named
    /// `type_name`.
    fn ty(&mut self, schema: &Schema, at: &[&str], type_name: &str) -> Type {
        match schema {
            Schema::Name(name) => self.named(name, at),
            Schema::Inline(object) => {
                if let Some(reference) = &object.reference {
                    return self.named(reference, at);
                }
                match object.kind {
                    Some(Kind::String) => Type::String,
                    Some(Kind::Integer) => Type::Integer,
                    Some(Kind::Number) => Type::Number,
                    Some(Kind::Boolean) => Type::Boolean,
                    Some(Kind::Array) => match &object.items {
                        Some(items) => {
                            let mut at = at.to_vec();
                            at.push("items");
                            Type::List(Box::new(self.ty(
                                items,
                                &at,
                                &ident::upper_camel_join(type_name, "Item"),
                            )))
                        }
                        None => {
                            self.error(at, "an array needs `items`: the type of its elements");
                            Type::Json
                        }
                    },
                    Some(Kind::Object) | None if object.properties.is_empty() => Type::Json,
                    Some(Kind::Object) | None => {
                        let taken = self.types.iter().any(|def| def.name == type_name)
                            || self
                                .spec
                                .schemas
                                .keys()
                                .any(|name| ident::upper_camel(name) == type_name);
                        if let Some(item) = self.generated_item(type_name) {
                            self.error(at, format!("this inline object becomes the Rust type `{type_name}`, which is {item}: declare it under `schemas:` with another name and refer to it"));
                            return Type::Json;
                        }
                        if taken {
                            self.error(at, format!("this inline object becomes the Rust type `{type_name}`, which a schema already is: declare it under `schemas:` and refer to it by name"));
                            return Type::Json;
                        }
                        let fields = self.fields(object, at, type_name);
                        self.types.push(TypeDef {
                            name: type_name.to_owned(),
                            description: object.description.clone(),
                            fields: Some(fields),
                            alias_of: None,
                        });
                        Type::Named(type_name.to_owned())
                    }
                }
            }
        }
    }

    fn named(&mut self, name: &str, at: &[&str]) -> Type {
        let name = name.strip_prefix("#/schemas/").unwrap_or(name);
        match Kind::from_name(name) {
            Some(Kind::String) => Type::String,
            Some(Kind::Integer) => Type::Integer,
            Some(Kind::Number) => Type::Number,
            Some(Kind::Boolean) => Type::Boolean,
            Some(Kind::Object) => Type::Json,
            Some(Kind::Array) => {
                self.error(
                    at,
                    "`array` needs its items: write { type: array, items: <type> }",
                );
                Type::Json
            }
            None if self.spec.schemas.contains_key(name) => Type::Named(ident::upper_camel(name)),
            None => {
                let known: Vec<&str> = self.spec.schemas.keys().map(String::as_str).collect();
                let hint = if known.is_empty() {
                    "declare it under `schemas:`".to_owned()
                } else {
                    format!(
                        "known schemas: {}; or one of string, integer, number, boolean, object",
                        known.join(", ")
                    )
                };
                let types = ["string", "integer", "number", "boolean", "object"];
                let suggestion =
                    crate::diagnostic::closest(name, known.iter().copied().chain(types))
                        .map(|closest| format!(" — did you mean `{closest}`?"))
                        .unwrap_or_default();
                self.value_error(at, format!("unknown schema {name:?}{suggestion}: {hint}"));
                Type::Json
            }
        }
    }

    fn event(&mut self, name: &str, method: String, event: &spec::Event) -> Event {
        let at = ["events", name];
        let payload = event.payload.as_ref().map(|schema| {
            let mut payload_at = at.to_vec();
            payload_at.push("payload");
            self.ty(
                schema,
                &payload_at,
                &ident::upper_camel_join(name, "Payload"),
            )
        });
        let example = match (&payload, &event.example) {
            (_, Some(example)) => Some(example.clone()),
            (Some(ty), None) => Some(self.example_of(ty)),
            (None, None) => None,
        };
        let ack = event.ack.as_ref().map(|value| {
            let mut ack_at = at.to_vec();
            ack_at.push("ack");
            self.data(value, &ack_at, payload.as_ref())
        });
        let reply_at = ["events", name, "reply"];
        let replies = (event.reply.iter())
            .map(|r| {
                self.emission(
                    Target::Sender,
                    &r.event,
                    r.data.as_ref(),
                    r.after,
                    &reply_at,
                    payload.as_ref(),
                )
            })
            .collect();
        let emits = self.emissions(&event.emit, &["events", name, "emit"], payload.as_ref());
        Event {
            name: name.to_owned(),
            method,
            description: event.description.clone(),
            payload,
            example,
            ack,
            replies,
            emits,
        }
    }

    fn emissions(
        &mut self,
        emissions: &[spec::Emission],
        at: &[&str],
        payload: Option<&Type>,
    ) -> Vec<Emission> {
        (emissions.iter())
            .map(|e| self.emission(e.to, &e.event, e.data.as_ref(), e.after, at, payload))
            .collect()
    }

    fn emission(
        &mut self,
        to: Target,
        event: &str,
        data: Option<&Value>,
        after: Option<spec::Delay>,
        at: &[&str],
        payload: Option<&Type>,
    ) -> Emission {
        let mut data_at = at.to_vec();
        data_at.push("data");
        let data = match data {
            Some(value) => self.data(value, &data_at, payload),
            None => Data::Literal(Value::Null),
        };
        Emission {
            to,
            event: event.to_owned(),
            data,
            after_ms: after.map_or(0, |d| d.0),
        }
    }

    fn data(&mut self, value: &Value, at: &[&str], payload: Option<&Type>) -> Data {
        match value {
            Value::String(text) if text.contains("{{") => match parse_template(text) {
                Ok(parts) => {
                    let mut resolved = Vec::new();
                    for part in parts {
                        match part {
                            Piece::Text(text) => resolved.push(Part::Text(text)),
                            Piece::Expr(expr) => match self.var(&expr, payload) {
                                Ok(var) => resolved.push(Part::Var(var)),
                                Err(message) => {
                                    self.error(at, message);
                                    return Data::Literal(value.clone());
                                }
                            },
                        }
                    }
                    match resolved.as_slice() {
                        [Part::Var(var)] => Data::Var(var.clone()),
                        // Only escaped `\{{` (text pieces come merged).
                        [Part::Text(text)] => Data::Literal(Value::String(text.clone())),
                        _ => Data::Text(resolved),
                    }
                }
                Err(message) => {
                    self.error(at, message);
                    Data::Literal(value.clone())
                }
            },
            Value::Array(items) if items.iter().any(has_template) => Data::Array(
                items
                    .iter()
                    .map(|item| self.data(item, at, payload))
                    .collect(),
            ),
            Value::Object(fields) if fields.values().any(has_template) => Data::Object(
                fields
                    .iter()
                    .map(|(key, item)| (key.clone(), self.data(item, at, payload)))
                    .collect(),
            ),
            other => Data::Literal(other.clone()),
        }
    }

    fn var(&self, expr: &str, payload: Option<&Type>) -> Result<Var, String> {
        let mut path = expr.split('.').map(str::trim);
        match path.next() {
            Some("socket") => match path.collect::<Vec<_>>().as_slice() {
                ["id"] => Ok(Var {
                    root: Root::SocketId,
                    fields: Vec::new(),
                    ty: Type::String,
                }),
                _ => Err(format!(
                    "unknown value `{{{{ {expr} }}}}`: of the socket only `socket.id` is available"
                )),
            },
            Some("payload") => {
                let Some(mut ty) = payload.cloned() else {
                    return Err(format!(
                        "`{{{{ {expr} }}}}` refers to the payload, but this event declares none: add `payload:`"
                    ));
                };
                let mut fields = Vec::new();
                for name in path {
                    let Type::Named(type_name) = &ty else {
                        return Err(format!(
                            "`{{{{ {expr} }}}}`: the payload has no field {name:?} (it is not an object)"
                        ));
                    };
                    let def = self.through_aliases(type_name);
                    let field = def
                        .and_then(|def| def.fields.as_ref())
                        .and_then(|fields| fields.iter().find(|f| f.name == name));
                    let Some(field) = field else {
                        return Err(format!(
                            "`{{{{ {expr} }}}}`: `{type_name}` has no field {name:?}"
                        ));
                    };
                    if !field.required {
                        return Err(format!(
                            "`{{{{ {expr} }}}}`: field {name:?} is optional; only required fields can be interpolated"
                        ));
                    }
                    fields.push(field.ident.clone());
                    ty = field.ty.clone();
                }
                Ok(Var {
                    root: Root::Payload,
                    fields,
                    ty,
                })
            }
            _ => Err(format!(
                "unknown value `{{{{ {expr} }}}}`: use `{{{{ payload }}}}`, `{{{{ payload.<field> }}}}` or `{{{{ socket.id }}}}`"
            )),
        }
    }

    /// The definition of the type `name`, following aliases of another
    /// named type (`Dto2: Dto`) to the struct they mean.
    fn through_aliases(&self, name: &str) -> Option<&TypeDef> {
        let mut def = self.types.iter().find(|def| def.name == name)?;
        // At most one step per type: alias cycles are reported, not followed.
        for _ in 0..self.types.len() {
            let Some(Type::Named(next)) = &def.alias_of else {
                break;
            };
            def = self.types.iter().find(|def| &def.name == next)?;
        }
        Some(def)
    }

    /// A valid value of `ty`, for the page to send when the spec gives none.
    fn example_of(&self, ty: &Type) -> Value {
        self.example_within(ty, &mut Vec::new())
            .unwrap_or(Value::Null)
    }

    /// `None` when `ty` leads back to a type of `building`: a type that
    /// contains itself (through a list, the only way the model allows)
    /// would otherwise give an endless example; its list is sent empty.
    fn example_within<'t>(&'t self, ty: &'t Type, building: &mut Vec<&'t str>) -> Option<Value> {
        Some(match ty {
            Type::String => Value::from("text"),
            Type::Integer => Value::from(1),
            Type::Number => Value::from(1.5),
            Type::Boolean => Value::from(true),
            Type::Json => Value::Object(Default::default()),
            Type::List(item) => {
                Value::Array(self.example_within(item, building).into_iter().collect())
            }
            Type::Named(name) => {
                if building.contains(&name.as_str()) {
                    return None;
                }
                let Some(def) = self.types.iter().find(|def| &def.name == name) else {
                    return Some(Value::Null);
                };
                building.push(name);
                let value = match &def.alias_of {
                    Some(alias) => self.example_within(alias, building),
                    None => def
                        .fields
                        .iter()
                        .flatten()
                        .filter(|field| field.required)
                        .map(|field| {
                            let value = self.example_within(&field.ty, building)?;
                            Some((field.name.clone(), value))
                        })
                        .collect::<Option<_>>()
                        .map(Value::Object),
                };
                building.pop();
                return value;
            }
        })
    }
}

/// The path from `start` back to itself in `graph`, as `A → B → A`. Each
/// type is visited once: following every path instead takes exponential
/// time on specs where many schemas refer to many others.
fn cycle_from(graph: &BTreeMap<String, Vec<String>>, start: &str) -> Option<String> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![(start, vec![start])];
    while let Some((name, trail)) = stack.pop() {
        for next in graph.get(name).into_iter().flatten() {
            if next == start {
                return Some([trail, vec![start]].concat().join(" → "));
            }
            if seen.insert(next.as_str()) {
                stack.push((next, [trail.clone(), vec![next.as_str()]].concat()));
            }
        }
    }
    None
}

/// How many types deep a schema may nest (see `check_nesting`).
const MAX_NESTING: usize = 50;

/// Every named type `ty` mentions, through lists.
fn names_within(ty: &Type, out: &mut Vec<String>) {
    match ty {
        Type::Named(name) => out.push(name.clone()),
        Type::List(item) => names_within(item, out),
        _ => {}
    }
}

/// Why clients cannot emit an event of this name to a gatesmith gateway, if
/// they cannot. Names the server sends are not limited so.
fn cannot_be_received(name: &str) -> Option<String> {
    // socketioxide 0.18 reads an incoming event's name as a borrowed `&str`,
    // which fails for a JSON string with escapes, and then drops the client.
    if name.contains(|c: char| c == '"' || c == '\\' || c < ' ') {
        return Some(format!(
            "event name {name:?} cannot be received: socketioxide cannot read an incoming event name \
             holding `\"`, `\\` or a control character (JSON escapes them); \
             the names of events the server sends may hold them"
        ));
    }
    // socket.io clients throw when asked to emit these.
    const RESERVED: &[&str] = &[
        "connect",
        "connect_error",
        "disconnect",
        "disconnecting",
        "newListener",
        "removeListener",
    ];
    RESERVED
        .contains(&name)
        .then(|| format!("event name {name:?} is reserved by socket.io: clients cannot emit it"))
}

fn has_template(value: &Value) -> bool {
    match value {
        Value::String(text) => text.contains("{{"),
        Value::Array(items) => items.iter().any(has_template),
        Value::Object(fields) => fields.values().any(has_template),
        _ => false,
    }
}

#[derive(Debug, PartialEq)]
enum Piece {
    Text(String),
    Expr(String),
}

/// Splits `text` into literal text and `{{ … }}` expressions. `\{{` is a
/// literal `{{`: without an escape no string could say `{{`. As a backslash
/// may also have to precede an expression, `\\` right before `{{` is one
/// literal backslash (as in Handlebars). Any other backslash is kept as
/// written: only one right before `{{` means something.
fn parse_template(text: &str) -> Result<Vec<Piece>, String> {
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        let before = &rest[..open];
        let unslashed = before.trim_end_matches('\\');
        let backslashes = before.len() - unslashed.len();
        literal.push_str(unslashed);
        literal.extend(std::iter::repeat_n('\\', backslashes / 2));
        let after = &rest[open + 2..];
        if backslashes % 2 == 1 {
            literal.push_str("{{");
            rest = after;
            continue;
        }
        let Some(close) = after.find("}}") else {
            return Err(format!(
                "`{{{{` without `}}}}` in {text:?}: close it, or write `\\{{{{` for a literal `{{{{`"
            ));
        };
        if !literal.is_empty() {
            pieces.push(Piece::Text(std::mem::take(&mut literal)));
        }
        pieces.push(Piece::Expr(after[..close].trim().to_owned()));
        rest = &after[close + 2..];
    }
    literal.push_str(rest);
    if !literal.is_empty() {
        pieces.push(Piece::Text(literal));
    }
    Ok(pieces)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn check_str(source: &str) -> Result<Gateway, Vec<SpecError>> {
        crate::load_one(Path::new("specs/t.yaml"), "specs/t.yaml", source)
    }

    fn errors(source: &str) -> Vec<String> {
        check_str(source)
            .expect_err("the spec should be refused")
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn the_lessons_spec_resolves_payloads_acks_and_delays() {
        let source =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/aaa.yaml"))
                .unwrap();
        let gateway = check_str(&source).unwrap();
        assert_eq!(
            (gateway.module.as_str(), gateway.service.as_str()),
            ("aaa", "AaaService")
        );
        let methods: Vec<&str> = gateway.events.iter().map(|e| e.method.as_str()).collect();
        assert_eq!(
            methods,
            [
                "create_aaa",
                "find_all_aaa",
                "find_one_aaa",
                "update_aaa",
                "remove_aaa"
            ]
        );
        let update = &gateway.events[3];
        assert_eq!(update.payload, Some(Type::Named("UpdateAaaDto".into())));
        let Some(Data::Text(parts)) = &update.ack else {
            panic!("{:?}", update.ack)
        };
        assert!(
            matches!(&parts[1], Part::Var(Var { fields, ty: Type::Integer, .. }) if fields == &["id"])
        );
        let delays: Vec<u64> = gateway.events[1]
            .replies
            .iter()
            .map(|r| r.after_ms)
            .collect();
        assert_eq!(delays, [0, 2000, 5000]);
        assert_eq!(gateway.server_events, ["guang", "exception"]);
    }

    #[test]
    fn all_errors_are_reported_at_once_with_their_lines() {
        let found = errors(
            "gateway: g\nevents:\n  a:\n    payload: Nope\n  b:\n    ack: '{{ payload.id }}'\n  c:\n    payload: integer\n    ack: '{{ payload.id }}'\n",
        );
        assert_eq!(found.len(), 3, "{found:#?}");
        assert!(
            found[0].contains("unknown schema \"Nope\"") && found[0].contains("specs/t.yaml:4:14"),
            "{}",
            found[0]
        );
        assert!(
            found[1].contains("declares none: add `payload:`") && found[1].contains(":6:5"),
            "{}",
            found[1]
        );
        assert!(found[2].contains("not an object"), "{}", found[2]);
    }

    #[test]
    fn names_that_collide_in_rust_are_refused_naming_both() {
        let found = errors("gateway: g\nevents:\n  find-all: {}\n  findAll: {}\n");
        assert!(
            found[0]
                .contains("\"findAll\" becomes the Rust method `find_all`, as event \"find-all\""),
            "{found:?}"
        );
        let found = errors("gateway: g\nevents:\n  handleConnection: {}\n");
        assert!(found[0].contains("lifecycle hook"), "{found:?}");
    }

    #[test]
    fn keywords_and_odd_names_still_make_identifiers() {
        let gateway =
            check_str("gateway: g\nevents:\n  type: {}\n  'user:join': {}\n  'événement': {}\n")
                .unwrap();
        let methods: Vec<&str> = gateway.events.iter().map(|e| e.method.as_str()).collect();
        assert_eq!(methods, ["type_", "user_join", "v_nement"]);
    }

    #[test]
    fn a_schema_that_contains_itself_is_refused() {
        let found = errors(
            "gateway: g\nschemas:\n  A: { type: object, required: [b], properties: { b: B } }\n  B: { type: object, required: [a], properties: { a: A } }\n",
        );
        assert!(
            found.iter().any(|e| e.contains("contains itself")),
            "{found:?}"
        );
    }

    #[test]
    fn examples_are_synthesized_from_the_schema() {
        let gateway = check_str(
            "gateway: g\nschemas:\n  Dto: { type: object, required: [n, tags], properties: { n: integer, tags: { type: array, items: string }, note: string } }\nevents:\n  e: { payload: Dto }\n",
        )
        .unwrap();
        assert_eq!(
            gateway.events[0].example,
            Some(serde_json::json!({"n": 1, "tags": ["text"]}))
        );
    }

    #[test]
    fn a_type_that_contains_itself_through_a_list_gets_a_finite_example() {
        // Found by tests/scale.rs: the example recursed until the stack overflowed.
        let gateway = check_str(
            "gateway: g\nschemas:\n  Tree: { type: object, required: [name, kids], properties: { name: string, kids: { type: array, items: Tree } } }\n  Forest: { type: array, items: Tree }\nevents:\n  grow: { payload: Tree }\n  plant: { payload: Forest }\n",
        )
        .unwrap();
        assert_eq!(
            gateway.events[0].example,
            Some(serde_json::json!({"name": "text", "kids": []}))
        );
        assert_eq!(
            gateway.events[1].example,
            Some(serde_json::json!([{"name": "text", "kids": []}]))
        );
        // A spec refused for its cycle is still checked without overflowing.
        let found = errors(
            "gateway: g\nschemas:\n  Loop: { type: object, required: [next], properties: { next: Loop } }\nevents:\n  e: { payload: Loop }\n",
        );
        assert!(found[0].contains("contains itself"), "{found:?}");
    }

    #[test]
    fn disconnect_emissions_cannot_be_delayed_or_sent_to_the_gone_sender() {
        let found = errors(
            "gateway: g\non_disconnect:\n  - { to: sender, event: bye }\n  - { to: all, event: left, after: 1s }\n",
        );
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found[0].contains("the sender is gone") && found[1].contains("cannot be delayed"),
            "{found:?}"
        );
    }

    #[test]
    fn an_inline_object_cannot_take_a_schemas_rust_name() {
        let found = errors(
            "gateway: g\nschemas:\n  PingPayload: { type: object, properties: { a: string } }\nevents:\n  ping: { payload: { type: object, properties: { b: string } } }\n",
        );
        assert!(
            found[0].contains("`PingPayload`, which a schema already is"),
            "{found:?}"
        );
    }

    #[test]
    fn a_cycle_is_reported_at_the_schema_that_holds_it() {
        let found = errors(
            "gateway: g\nschemas:\n  Wrapper: { type: object, properties: { inner: { type: object, properties: { a: string } } } }\n  Loop: { type: object, required: [next], properties: { next: Loop } }\n",
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].contains("schema \"Loop\" contains itself (Loop → Loop)")
                && found[0].contains(":4:3"),
            "{found:?}"
        );
    }

    #[test]
    fn types_cannot_take_the_service_traits_names_and_imports_are_not_shadowed() {
        // Found by tests/scale.rs: such a type shadowed an import, a prelude
        // type or the service, and the module did not compile. Imports and
        // prelude names get a trailing `_`; the service's names are refused.
        let found = errors(
            "gateway: shop\nschemas:\n  Value: integer\n  String: { type: object, properties: { a: integer } }\n  shop-service: string\n  SpecShopService: string\n",
        );
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(
            found[0].contains("`ShopService`, which is the gateway's service trait")
                && found[0].contains(":5:3"),
            "{}",
            found[0]
        );
        assert!(found[1].contains("`SpecShopService`"), "{}", found[1]);
        let gateway =
            check_str("gateway: shop\nschemas:\n  Value: integer\n  String: { type: object, properties: { a: integer } }\n")
                .unwrap_or_else(|errors| panic!("{errors:?}"));
        let names: Vec<&str> = gateway.types.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["Value_", "String_"]);
        let found = errors(
            "gateway: shop\nschemas:\n  Shop: { type: object, properties: { service: { type: object, properties: { a: integer } } } }\n",
        );
        assert!(
            found[0].contains("this inline object becomes the Rust type `ShopService`, which is the gateway's service trait"),
            "{found:?}"
        );
    }

    #[test]
    fn an_alias_cannot_contain_itself_even_through_a_list() {
        // `type A = Vec<A>;` does not compile.
        let found = errors(
            "gateway: g\nschemas:\n  A: { type: array, items: A }\n  B: { type: array, items: { type: array, items: C } }\n  C: B\n",
        );
        assert_eq!(found.len(), 2, "one error per cycle: {found:#?}");
        assert!(
            found[0].contains("schema \"A\" contains itself (A → A), and only an object"),
            "{}",
            found[0]
        );
        assert!(found[1].contains("(B → C → B)"), "{}", found[1]);
        // Through a struct, a list is enough.
        check_str(
            "gateway: g\nschemas:\n  Kids: { type: array, items: Tree }\n  Tree: { type: object, required: [kids], properties: { kids: Kids } }\n",
        )
        .unwrap();
    }

    #[test]
    fn many_schemas_referring_to_many_others_are_checked_quickly() {
        // Each schema refers to the next two: 2^n paths, one type each.
        let mut source = String::from("gateway: g\nschemas:\n");
        // 48 levels: within the nesting limit, 2^48 paths.
        for i in 0..48 {
            source.push_str(&format!(
                "  S{i}: {{ type: object, properties: {{ a: S{}, b: S{} }} }}\n",
                i + 1,
                i + 2
            ));
        }
        source.push_str("  S48: integer\n  S49: integer\n");
        let started = std::time::Instant::now();
        check_str(&source).unwrap();
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn payload_fields_are_found_through_an_alias_of_a_struct() {
        let gateway = check_str(
            "gateway: g\nschemas:\n  Dto: { type: object, required: [id], properties: { id: integer } }\n  Same: Dto\nevents:\n  e: { payload: Same, ack: '#{{ payload.id }}' }\n",
        )
        .unwrap();
        let Some(Data::Text(parts)) = &gateway.events[0].ack else {
            panic!("{:?}", gateway.events[0].ack)
        };
        assert!(matches!(
            &parts[1],
            Part::Var(Var {
                ty: Type::Integer,
                ..
            })
        ));
    }

    #[test]
    fn a_named_object_without_properties_is_any_json() {
        let gateway = check_str("gateway: g\nschemas:\n  Meta: { type: object }\n").unwrap();
        assert_eq!(gateway.types[0].alias_of, Some(Type::Json));
        assert!(gateway.types[0].fields.is_none());
    }

    #[test]
    fn a_misspelt_schema_name_gets_a_suggestion() {
        let found = errors(
            "gateway: g\nschemas:\n  CreateDto: { type: object }\nevents:\n  e: { payload: CreateDt }\n  f: { payload: integr }\n",
        );
        assert!(
            found[0].contains("unknown schema \"CreateDt\" — did you mean `CreateDto`?"),
            "{found:?}"
        );
        assert!(
            found[1].contains("unknown schema \"integr\" — did you mean `integer`?"),
            "{found:?}"
        );
    }

    #[test]
    fn a_backslash_before_braces_makes_them_literal() {
        let text = |t: &str| Piece::Text(t.to_owned());
        let expr = |e: &str| Piece::Expr(e.to_owned());
        for (source, pieces) in [
            (r"\{{ payload }}", vec![text("{{ payload }}")]),
            (r"a \{{ b \{{c", vec![text("a {{ b {{c")]),
            (r"\{{{{ payload }}", vec![text("{{"), expr("payload")]),
            (
                r"\\{{ payload }}!",
                vec![text(r"\"), expr("payload"), text("!")],
            ),
            (r"\\\{{ x", vec![text(r"\{{ x")]),
            (
                r"C:\dir {{ socket.id }} \n",
                vec![text(r"C:\dir "), expr("socket.id"), text(r" \n")],
            ),
            ("}} {{ a }}", vec![text("}} "), expr("a")]),
        ] {
            assert_eq!(parse_template(source), Ok(pieces), "{source}");
        }
        let unclosed = parse_template("{{ oops").err().unwrap_or_default();
        assert!(unclosed.contains(r"write `\{{`"), "{unclosed}");
    }

    #[test]
    fn escaped_braces_in_acks_and_data_stay_text() {
        let gateway = check_str(
            "gateway: g\nevents:\n  e:\n    payload: integer\n    ack: '\\{{ payload }} is {{ payload }}'\n    reply:\n      - event: r\n        data: { k: '\\{{ x }}', n: '{{ payload }}', l: ['\\\\{{ payload }}'] }\n  f:\n    ack: '\\{{ not a value }}'\n",
        )
        .unwrap_or_else(|errors| panic!("{errors:?}"));
        let Some(Data::Text(parts)) = &gateway.events[0].ack else {
            panic!("{:?}", gateway.events[0].ack)
        };
        assert_eq!(parts[0], Part::Text("{{ payload }} is ".into()));
        let Data::Object(fields) = &gateway.events[0].replies[0].data else {
            panic!("{:?}", gateway.events[0].replies[0].data)
        };
        assert_eq!(fields[0].1, Data::Literal("{{ x }}".into()));
        assert!(matches!(fields[1].1, Data::Var(_)));
        let Data::Array(items) = &fields[2].1 else {
            panic!("{:?}", fields[2].1)
        };
        assert!(matches!(&items[0], Data::Text(parts) if parts[0] == Part::Text("\\".into())));
        assert_eq!(
            gateway.events[1].ack,
            Some(Data::Literal("{{ not a value }}".into())),
            "no payload needed: nothing is interpolated"
        );
    }

    #[test]
    fn events_clients_cannot_emit_are_refused() {
        let found = errors(
            "gateway: g\nevents:\n  'say \"hi\"': {}\n  'a\\b': {}\n  \"tab\\there\": {}\n  disconnect: {}\n  \"fine 'quotes' </script> \\u2028 🎉\": { reply: [{ event: \"\\\"\\\\\\n\" }] }\n",
        );
        assert_eq!(found.len(), 4, "{found:#?}");
        for error in &found[..3] {
            assert!(error.contains("cannot be received"), "{error}");
        }
        assert!(found[3].contains("reserved by socket.io"), "{}", found[3]);
    }

    #[test]
    fn a_type_cannot_take_the_service_traits_name() {
        let found = errors(
            "gateway: shop\nschemas:\n  ShopService: { type: object, properties: { a: string } }\n  spec shop service: { type: object, properties: { a: string } }\n",
        );
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found[0].contains(
                "becomes the Rust type `ShopService`, which is the gateway's service trait"
            ),
            "{found:?}"
        );
        assert!(found[1].contains("`SpecShopService`"), "{found:?}");
    }

    #[test]
    fn a_namespace_socket_io_cannot_carry_is_refused() {
        for namespace in ["/a,b", "/a\\tb"] {
            let found = errors(&format!("gateway: g\nnamespace: \"{namespace}\"\n"));
            assert!(
                found[0].contains("which socket.io cannot carry"),
                "{found:?}"
            );
        }
    }

    #[test]
    fn a_chain_of_types_deeper_than_rustc_follows_is_refused() {
        let chain = |length: usize| {
            let mut text = String::from(
                "gateway: g\nschemas:\n  T0: { type: object, properties: { a: integer } }\n",
            );
            for index in 1..length {
                text.push_str(&format!(
                    "  T{index}: {{ type: object, properties: {{ inner: T{} }} }}\n",
                    index - 1
                ));
            }
            text
        };
        check_str(&chain(50)).unwrap_or_else(|errors| panic!("{errors:?}"));
        let found = errors(&chain(52));
        assert_eq!(found.len(), 2, "T50 and T51: {found:#?}");
        assert!(
            found[0].contains("schema \"T50\" nests 51 types deep"),
            "{}",
            found[0]
        );
        // A cycle through a list is no chain at all.
        check_str("gateway: g\nschemas:\n  Tree: { type: object, properties: { kids: { type: array, items: Tree } } }\n")
            .unwrap_or_else(|errors| panic!("{errors:?}"));
    }
}
