//! Stage 2, check: a parsed [`Spec`] validated and resolved into what the
//! templates need. Every error found is returned, each with its location;
//! nothing downstream validates again.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::diagnostic::SpecError;
use crate::ident;
use crate::payload_schema;
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
    /// The server events the spec declares, with their data's type.
    pub declared_server_events: Vec<ServerEvent>,
    /// The JSON Schema of the payloads and data ([`payload_schema::document`]).
    pub payload_schema: Value,
    /// The connect guard's tokens: environment variable and role.
    pub connect_guard: Option<Vec<(String, String)>>,
}

/// A server event the spec declares under `server_events`.
#[derive(Debug, Clone)]
pub struct ServerEvent {
    pub name: String,
    /// The marker type that names it in Rust: `Guang`.
    pub marker: String,
    pub description: Option<String>,
    pub data: Option<Type>,
    /// What the client answers when asked (`reply:`): the event is `Askable`.
    pub reply: Option<Type>,
    /// The service method that gets the answer, when an emission of the
    /// spec asks it (`ask:`).
    pub answered: Option<String>,
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
    /// An integer or number of a declared `format` other than the default.
    Numeric(Numeric),
    /// `nullable: true`: the value or `null`.
    Nullable(Box<Type>),
}

/// The Rust types of `format: int32`, `uint32`, `uint64` and `float`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Numeric {
    I32,
    U32,
    U64,
    F32,
}

impl Numeric {
    pub fn rust(self) -> &'static str {
        match self {
            Numeric::I32 => "i32",
            Numeric::U32 => "u32",
            Numeric::U64 => "u64",
            Numeric::F32 => "f32",
        }
    }
}

impl Type {
    /// Whether `{}` in `format!` shows it as a JavaScript template would.
    pub fn is_plain_scalar(&self) -> bool {
        matches!(
            self,
            Type::String | Type::Integer | Type::Number | Type::Boolean | Type::Numeric(_)
        )
    }

    /// Whether the Rust type spells `Value` somewhere.
    pub fn mentions_json(&self) -> bool {
        match self {
            Type::Json => true,
            Type::List(item) | Type::Nullable(item) => item.mentions_json(),
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

/// A named type: a struct, a string enum, a union, or an alias of
/// another type. Exactly one of `fields`, `variants`, `choices` and
/// `alias_of` is present.
#[derive(Debug, Clone, Default)]
pub struct TypeDef {
    pub name: String,
    pub description: Option<String>,
    /// Present for a struct.
    pub fields: Option<Vec<Field>>,
    /// A struct with `additionalProperties: false`: unknown fields refused.
    pub closed: bool,
    /// Present for a string enum.
    pub variants: Option<Vec<Variant>>,
    /// Present for a `oneOf` union.
    pub choices: Option<Vec<Choice>>,
    /// Present for an alias.
    pub alias_of: Option<Type>,
}

impl TypeDef {
    /// The types this one holds: its fields', its choices' or its alias's.
    pub fn contained(&self) -> impl Iterator<Item = &Type> {
        (self.fields.iter().flatten().map(|f| &f.ty))
            .chain(self.choices.iter().flatten().map(|c| &c.ty))
            .chain(&self.alias_of)
    }
}

/// One string of an enum, and its Rust variant.
#[derive(Debug, Clone)]
pub struct Variant {
    pub value: String,
    pub ident: String,
}

/// One schema of a `oneOf`, and its Rust variant.
#[derive(Debug, Clone)]
pub struct Choice {
    pub ident: String,
    pub ty: Type,
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
    /// The ack's declared type (`ack_schema`), which the method returns.
    pub ack_type: Option<Type>,
    pub replies: Vec<Emission>,
    pub emits: Vec<Emission>,
    /// The room the sender joins, then leaves, before any emission.
    pub join: Option<Data>,
    pub leave: Option<Data>,
    /// The role the sender must have, and the room it must be in.
    pub guard_role: Option<String>,
    pub guard_room: Option<Data>,
}

#[derive(Debug, Clone)]
pub struct Emission {
    pub to: Target,
    /// The room, for `Target::Room` and `Target::RoomOthers`: a string.
    pub room: Option<Data>,
    pub event: String,
    pub data: Data,
    pub after_ms: u64,
    /// The sender is asked: its answer goes to a service method.
    pub ask: Option<Ask>,
}

/// An emission that waits for the sender's answer (`ask:`).
#[derive(Debug, Clone, PartialEq)]
pub struct Ask {
    pub timeout_ms: u64,
    /// The server event's marker type: `Confirm`.
    pub marker: String,
    /// The service method that gets the answer: `confirm_answered`.
    pub method: String,
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
    let document = payload_schema::document(spec);
    // What the checks need beyond the published document: the acks' schemas.
    let mut checked = document.clone();
    checked["acks"] = (spec.events.iter())
        .filter_map(|(name, event)| {
            Some((name.clone(), payload_schema::of(event.ack_schema.as_ref()?)))
        })
        .collect::<serde_json::Map<_, _>>()
        .into();
    let mut checker = Checker {
        spec,
        file,
        errors: Vec::new(),
        types: Vec::new(),
        document,
        validators: payload_schema::Validators::new(checked),
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
    /// The payloads' JSON Schema, to check examples and emitted data with.
    document: Value,
    validators: payload_schema::Validators,
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
        let declared_server_events = self.server_events();
        let mut methods: BTreeMap<String, String> = BTreeMap::new();
        let hooks: &[&str] = if spec.connect_guard.is_some() {
            &["handle_connection", "handle_disconnect", "authorize"]
        } else {
            &["handle_connection", "handle_disconnect"]
        };
        for &reserved in hooks {
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
            if emission.to == Target::SenderRooms {
                self.error(&["on_disconnect"], "on_disconnect cannot emit `to: sender_rooms`: the sender has left its rooms; use `room` with the room's name");
            }
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
            declared_server_events,
            payload_schema: self.document.clone(),
            connect_guard: self.connect_guard(),
        };
        // Each server event an emission asks gets one method for its answers.
        let asked: Vec<(String, String)> = (gateway.emissions())
            .filter_map(|e| Some((e.event.clone(), e.ask.as_ref()?.method.clone())))
            .collect();
        for (event, method) in asked {
            let Some(declared) =
                (gateway.declared_server_events.iter_mut()).find(|d| d.name == event)
            else {
                continue;
            };
            if declared.answered.is_some() {
                continue;
            }
            if let Some(other) = methods.get(&method) {
                self.error(
                    &["server_events", &event],
                    format!("the answers to `{event}` go to the Rust method `{method}`, as {other} does: rename one of them"),
                );
            }
            declared.answered = Some(method);
        }
        let mut server_events: Vec<String> = Vec::new();
        let emitted = gateway.emissions().map(|e| &e.event);
        for event in (gateway.declared_server_events.iter().map(|e| &e.name)).chain(emitted) {
            if !server_events.contains(event) {
                server_events.push(event.clone());
            }
        }
        server_events.push("exception".to_owned());
        gateway.server_events = server_events;
        gateway
    }

    fn connect_guard(&mut self) -> Option<Vec<(String, String)>> {
        let guard = self.spec.connect_guard.as_ref()?;
        if guard.tokens.is_empty() {
            self.error(
                &["connect_guard", "tokens"],
                "a connect guard needs at least one token: `VARIABLE: role`",
            );
        }
        for variable in guard.tokens.keys() {
            let well_formed = variable.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && variable
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !well_formed {
                self.error(&["connect_guard", "tokens", variable], format!("{variable:?} is not an environment variable's name: use letters, digits and `_`"));
            }
        }
        Some(
            guard
                .tokens
                .iter()
                .map(|(v, r)| (v.clone(), r.clone()))
                .collect(),
        )
    }

    fn server_events(&mut self) -> Vec<ServerEvent> {
        let mut markers: BTreeMap<String, &str> = BTreeMap::new();
        let mut declared = Vec::new();
        for (name, event) in &self.spec.server_events {
            let at = ["server_events", name.as_str()];
            let marker = ident::upper_camel(name);
            if let Some(other) = markers.insert(marker.clone(), name) {
                self.error(&at, format!("server events {other:?} and {name:?} both become the Rust type `server_events::{marker}`: rename one"));
            }
            let data = event.data.as_ref().map(|schema| {
                self.ty(
                    schema,
                    &[&at[..], &["data"]].concat(),
                    &ident::upper_camel_join(name, "Data"),
                )
            });
            let reply = event.reply.as_ref().map(|schema| {
                self.ty(
                    schema,
                    &[&at[..], &["reply"]].concat(),
                    &ident::upper_camel_join(name, "Reply"),
                )
            });
            declared.push(ServerEvent {
                name: name.clone(),
                marker,
                description: event.description.clone(),
                data,
                reply,
                answered: None,
            });
        }
        declared
    }

    /// The checker of values against the schema at `section` / `name` of
    /// the document; `None` if it does not compile, which an error already
    /// reports.
    fn validator(
        &mut self,
        section: &str,
        name: &str,
    ) -> Option<std::rc::Rc<jsonschema::Validator>> {
        self.validators.get(section, name)
    }

    /// Reports where `data` (what an emission sends, or an ack) does not fit
    /// `schema`. An interpolated value is known only by its type: there,
    /// only a type that cannot fit is an error.
    fn check_fits(&mut self, (section, name): (&str, &str), data: &Data, at: &[&str], what: &str) {
        let Some(validator) = self.validator(section, name) else {
            return;
        };
        let mut holes = Vec::new();
        let sample = self.sample(data, String::new(), &mut holes);
        for err in validator.iter_errors(&sample) {
            let path = err.instance_path().as_str().to_owned();
            let hole = holes
                .iter()
                .find(|(hole, _)| path == *hole || path.starts_with(&format!("{hole}/")));
            let message = match hole {
                None => err.to_string(),
                Some((hole, Some(kind))) if *hole == path && type_cannot_fit(&err, &path) => {
                    format!("the interpolated value is of type {kind}, which does not fit here")
                }
                Some(_) => continue,
            };
            let place = if path.is_empty() {
                String::new()
            } else {
                format!(" at {path}")
            };
            self.value_error(
                at,
                format!("{what} does not fit its schema{place}: {message}"),
            );
        }
    }

    /// `data` as JSON, each interpolated value stood in for by a value of
    /// its JSON type; `holes` gets their JSON Pointers and types.
    fn sample(
        &self,
        data: &Data,
        pointer: String,
        holes: &mut Vec<(String, Option<&'static str>)>,
    ) -> Value {
        match data {
            Data::Literal(value) => value.clone(),
            Data::Text(_) => {
                holes.push((pointer, Some("string")));
                Value::from("")
            }
            Data::Var(var) => {
                let kind = self.json_kind(&var.ty);
                holes.push((pointer, kind));
                match kind {
                    Some("string") => Value::from(""),
                    Some("integer") => Value::from(0),
                    Some("number") => Value::from(0.5),
                    Some("boolean") => Value::from(false),
                    Some("array") => Value::Array(Vec::new()),
                    Some("object") => Value::Object(Default::default()),
                    _ => Value::Null,
                }
            }
            Data::Array(items) => (items.iter().enumerate())
                .map(|(i, item)| self.sample(item, format!("{pointer}/{i}"), holes))
                .collect(),
            Data::Object(fields) => Value::Object(
                (fields.iter())
                    .map(|(key, item)| {
                        let escaped = key.replace('~', "~0").replace('/', "~1");
                        (
                            key.clone(),
                            self.sample(item, format!("{pointer}/{escaped}"), holes),
                        )
                    })
                    .collect(),
            ),
        }
    }

    /// The JSON type every value of `ty` has; `None` when it varies.
    fn json_kind(&self, ty: &Type) -> Option<&'static str> {
        json_kind(ty, &self.types)
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
                Schema::Inline(object) if declares_type(object) => {
                    self.check_keywords(object, &at);
                    if object.nullable {
                        self.error(&at, format!("a named struct, enum or union cannot be `nullable`: write `{{ $ref: {name}, nullable: true }}` where it may be null"));
                    }
                    self.declared_type(object, &at, &type_name)
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
                        alias_of: Some(ty),
                        ..TypeDef::default()
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
                for ty in def.contained() {
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
                    .contained()
                    .filter_map(|ty| match ty {
                        // An `Option` holds its value in place, as a field does.
                        Type::Named(name) => Some(name.clone()),
                        Type::Nullable(inner) => match &**inner {
                            Type::Named(name) => Some(name.clone()),
                            _ => None,
                        },
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

    /// The Rust type of a schema; an inline object, enum or union becomes
    /// a type named `type_name`.
    fn ty(&mut self, schema: &Schema, at: &[&str], type_name: &str) -> Type {
        match schema {
            Schema::Name(name) => self.named(name, at),
            Schema::Inline(object) => {
                self.check_keywords(object, at);
                let ty = self.inline_ty(object, at, type_name);
                if object.nullable {
                    Type::Nullable(Box::new(ty))
                } else {
                    ty
                }
            }
        }
    }

    fn inline_ty(&mut self, object: &SchemaObject, at: &[&str], type_name: &str) -> Type {
        if let Some(reference) = &object.reference {
            return self.named(reference, at);
        }
        if declares_type(object) {
            let taken = self.types.iter().any(|def| def.name == type_name)
                || (self.spec.schemas.keys()).any(|name| ident::upper_camel(name) == type_name);
            if let Some(item) = self.generated_item(type_name) {
                self.error(at, format!("this inline schema becomes the Rust type `{type_name}`, which is {item}: declare it under `schemas:` with another name and refer to it"));
                return Type::Json;
            }
            if taken {
                self.error(at, format!("this inline schema becomes the Rust type `{type_name}`, which a schema already is: declare it under `schemas:` and refer to it by name"));
                return Type::Json;
            }
            let def = self.declared_type(object, at, type_name);
            self.types.push(def);
            return Type::Named(type_name.to_owned());
        }
        match payload_schema::kind_of(object) {
            Some(Kind::String) => Type::String,
            Some(Kind::Integer) => match object.format.as_deref() {
                Some("int32") => Type::Numeric(Numeric::I32),
                Some("uint32") => Type::Numeric(Numeric::U32),
                Some("uint64") => Type::Numeric(Numeric::U64),
                _ => Type::Integer,
            },
            Some(Kind::Number) => match object.format.as_deref() {
                Some("float") => Type::Numeric(Numeric::F32),
                _ => Type::Number,
            },
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
            Some(Kind::Object) | None => Type::Json,
        }
    }

    /// The struct, enum or union an inline schema declares (see
    /// [`declares_type`]), named `type_name`.
    fn declared_type(&mut self, object: &SchemaObject, at: &[&str], type_name: &str) -> TypeDef {
        let def = TypeDef {
            name: type_name.to_owned(),
            description: object.description.clone(),
            ..TypeDef::default()
        };
        if let Some(values) = &object.enum_values {
            TypeDef {
                variants: Some(self.variants(values, at)),
                ..def
            }
        } else if let Some(choices) = &object.one_of {
            TypeDef {
                choices: Some(self.choices(choices, at, type_name)),
                ..def
            }
        } else {
            TypeDef {
                fields: Some(self.fields(object, at, type_name)),
                closed: object.additional_properties == Some(false),
                ..def
            }
        }
    }

    fn variants(&mut self, values: &[Value], at: &[&str]) -> Vec<Variant> {
        let enum_at = [at, &["enum"]].concat();
        let mut idents: BTreeMap<String, &str> = BTreeMap::new();
        let mut variants = Vec::new();
        for value in values {
            let Value::String(text) = value else {
                self.value_error(&enum_at, format!("enum value {value} is not a string: gatesmith's enums are strings (write \"{value}\")"));
                continue;
            };
            let variant = ident::upper_camel(text);
            if let Some(other) = idents.insert(variant.clone(), text) {
                self.value_error(&enum_at, format!("enum values {other:?} and {text:?} both become the Rust variant `{variant}`: rename one"));
                continue;
            }
            variants.push(Variant {
                value: text.clone(),
                ident: variant,
            });
        }
        if values.is_empty() {
            self.value_error(&enum_at, "an enum needs at least one value");
        }
        variants
    }

    fn choices(&mut self, schemas: &[Schema], at: &[&str], type_name: &str) -> Vec<Choice> {
        let one_of_at = [at, &["oneOf"]].concat();
        let mut idents: BTreeMap<String, String> = BTreeMap::new();
        let mut choices = Vec::new();
        for schema in schemas {
            let object_name = ident::upper_camel_join(type_name, "Object");
            let ty = self.ty(schema, &one_of_at, &object_name);
            let variant = match &ty {
                Type::Named(name) if *name == object_name => "Object".to_owned(),
                ty => variant_name(ty),
            };
            if let Some(other) = idents.insert(variant.clone(), rust_shape(&ty)) {
                self.value_error(&one_of_at, format!("two choices of this `oneOf` ({other} and {}) both become the Rust variant `{variant}`: declare one under `schemas:` and refer to it by name", rust_shape(&ty)));
                continue;
            }
            choices.push(Choice { ident: variant, ty });
        }
        if schemas.len() < 2 {
            self.value_error(
                &one_of_at,
                "a `oneOf` needs at least two schemas: with one, write that schema instead",
            );
        }
        choices
    }

    /// Reports keywords that do not apply to the schema's type, bounds that
    /// leave no value, unknown formats and patterns that do not compile.
    fn check_keywords(&mut self, object: &SchemaObject, at: &[&str]) {
        let kind = payload_schema::kind_of(object);
        let kind_name = kind.map_or("of no declared type", payload_schema::kind_name);
        let keyword_at = |keyword: &'static str| [at, &[keyword]].concat();
        let mut misplaced = Vec::new();
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
                if present
                    && (object.reference.is_some() || !kind.is_some_and(|k| kinds.contains(&k)))
                {
                    misplaced.push((keyword, applies_to));
                }
            }
        }
        for (keyword, applies_to) in misplaced {
            let message = if object.reference.is_some() {
                format!(
                    "`{keyword}` beside `$ref` would be ignored: put it in the schema referred to"
                )
            } else {
                format!("`{keyword}` applies to {applies_to}, and this schema is {kind_name}")
            };
            self.error(&keyword_at(keyword), message);
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
                self.value_error(
                    &keyword_at("format"),
                    format!("unknown format {format:?}: {hint}"),
                );
            }
        }
        if object.one_of.is_some() && (object.kind.is_some() || !object.properties.is_empty()) {
            self.error(&keyword_at("oneOf"), "`oneOf` stands alone: its schemas say the types; move `type` and `properties` into them");
        }
        let empty_ranges = [
            (
                "minLength",
                object
                    .min_length
                    .zip(object.max_length)
                    .is_some_and(|(min, max)| min > max),
            ),
            (
                "minItems",
                object
                    .min_items
                    .zip(object.max_items)
                    .is_some_and(|(min, max)| min > max),
            ),
            (
                "minimum",
                object
                    .minimum
                    .as_ref()
                    .zip(object.maximum.as_ref())
                    .is_some_and(|(min, max)| min.as_f64() > max.as_f64()),
            ),
        ];
        for (keyword, empty) in empty_ranges {
            if empty {
                self.value_error(
                    &keyword_at(keyword),
                    format!("`{keyword}` is above its maximum: no value can fit"),
                );
            }
        }
        if let Some(pattern) = &object.pattern
            && let Err(err) = jsonschema::validator_for(&serde_json::json!({ "pattern": pattern }))
        {
            self.value_error(&keyword_at("pattern"), format!("pattern {pattern:?} is not a regular expression JSON Schema accepts (ECMA-262): {err}"));
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
        let example = match &payload {
            Some(_) => Some(self.payload_example(name, event)),
            None => event.example.clone(),
        };
        let ack_type = event.ack_schema.as_ref().map(|schema| {
            self.ty(
                schema,
                &[&at[..], &["ack_schema"]].concat(),
                &ident::upper_camel_join(name, "Ack"),
            )
        });
        let ack_at = [&at[..], &["ack"]].concat();
        let mut ack = event
            .ack
            .as_ref()
            .map(|value| self.data(value, &ack_at, payload.as_ref()));
        if let Some(schema) = &event.ack_schema {
            let schema = payload_schema::of(schema);
            match &ack {
                Some(data) => self.check_fits(("acks", name), data, &ack_at, "the ack"),
                // A typed ack is always sent: by default, a valid value.
                None => {
                    let made = payload_schema::example(&schema, &self.document["$defs"]);
                    if self
                        .validator("acks", name)
                        .is_some_and(|check| !check.is_valid(&made))
                    {
                        self.error(&[&at[..], &["ack_schema"]].concat(), "gatesmith cannot make a value that fits this schema (a `pattern` or bounds it cannot satisfy): give the event an `ack:`");
                    }
                    ack = Some(Data::Literal(made));
                }
            }
        }
        let reply_at = ["events", name, "reply"];
        let replies = (event.reply.iter())
            .map(|r| {
                self.emission(
                    Target::Sender,
                    None,
                    &r.event,
                    r.data.as_ref(),
                    (r.after, None),
                    &reply_at,
                    payload.as_ref(),
                )
            })
            .collect();
        let emits = self.emissions(&event.emit, &["events", name, "emit"], payload.as_ref());
        let join = (event.join.as_deref())
            .map(|room| self.room(room, &["events", name, "join"], payload.as_ref()));
        let leave = (event.leave.as_deref())
            .map(|room| self.room(room, &["events", name, "leave"], payload.as_ref()));
        let guard = event.guard.clone().unwrap_or_default();
        if guard.role.is_some() && self.spec.connect_guard.is_none() {
            self.error(&["events", name, "guard", "role"], "roles come from the connect guard: declare `connect_guard` with the tokens that give this role");
        }
        if let (Some(role), Some(connect)) = (&guard.role, &self.spec.connect_guard)
            && !connect.tokens.values().any(|given| given == role)
        {
            self.value_error(&["events", name, "guard", "role"], format!("no token of `connect_guard` gives the role {role:?}: no client could send this event"));
        }
        let guard_room = (guard.in_room.as_deref()).map(|room| {
            self.room(
                room,
                &["events", name, "guard", "in_room"],
                payload.as_ref(),
            )
        });
        Event {
            name: name.to_owned(),
            method,
            description: event.description.clone(),
            payload,
            example,
            ack,
            ack_type,
            replies,
            emits,
            join,
            leave,
            guard_role: guard.role,
            guard_room,
        }
    }

    /// A room's name: text, which may interpolate values that are text.
    fn room(&mut self, room: &str, at: &[&str], payload: Option<&Type>) -> Data {
        let data = self.data(&Value::from(room), at, payload);
        if let Data::Var(var) = &data
            && self.json_kind(&var.ty) != Some("string")
        {
            self.value_error(at, "a room's name is text: interpolate a string, or write it inside text (`room-{{ payload.id }}`)");
        }
        data
    }

    /// What the page sends for an event with a payload: the spec's example,
    /// which must fit, or a value made from the schema.
    fn payload_example(&mut self, name: &str, event: &spec::Event) -> Value {
        let schema = self.document["events"][name].clone();
        let validator = self.validator("events", name);
        let Some(given) = &event.example else {
            let made = payload_schema::example(&schema, &self.document["$defs"]);
            if validator.is_some_and(|check| !check.is_valid(&made)) {
                self.error(&["events", name, "payload"], "gatesmith cannot make an example that fits this payload (a `pattern` or bounds it cannot satisfy): give the event an `example:`");
            }
            return made;
        };
        for mismatch in validator
            .iter()
            .flat_map(|check| payload_schema::mismatches(check, given))
        {
            self.value_error(
                &["events", name, "example"],
                format!("the example does not fit the payload's schema: {mismatch}"),
            );
        }
        given.clone()
    }

    fn emissions(
        &mut self,
        emissions: &[spec::Emission],
        at: &[&str],
        payload: Option<&Type>,
    ) -> Vec<Emission> {
        (emissions.iter())
            .map(|e| {
                let room = e.room.as_deref();
                let timing = (e.after, e.ask);
                self.emission(e.to, room, &e.event, e.data.as_ref(), timing, at, payload)
            })
            .collect()
    }

    #[allow(clippy::too_many_arguments)]
    fn emission(
        &mut self,
        to: Target,
        room: Option<&str>,
        event: &str,
        data: Option<&Value>,
        (after, ask): (Option<spec::Delay>, Option<spec::Delay>),
        at: &[&str],
        payload: Option<&Type>,
    ) -> Emission {
        let mut data_at = at.to_vec();
        data_at.push("data");
        let data = match data {
            Some(value) => self.data(value, &data_at, payload),
            None => Data::Literal(Value::Null),
        };
        self.check_emitted(event, &data, at, &data_at);
        let room = match (to, room) {
            (Target::Room | Target::RoomOthers, Some(room)) => {
                Some(self.room(room, &[at, &["room"]].concat(), payload))
            }
            (Target::Room | Target::RoomOthers, None) => {
                self.error(
                    at,
                    "`to: room` and `to: room_others` need `room:`, the room's name",
                );
                None
            }
            (_, Some(_)) => {
                self.error(
                    &[at, &["room"]].concat(),
                    "`room:` goes with `to: room` or `to: room_others` only",
                );
                None
            }
            (_, None) => None,
        };
        let ask = ask.and_then(|timeout| self.ask(to, event, timeout, after.is_some(), at));
        Emission {
            to,
            room,
            event: event.to_owned(),
            data,
            after_ms: after.map_or(0, |d| d.0),
            ask,
        }
    }

    /// The question of an emission with `ask: timeout`, if it can be asked.
    fn ask(
        &mut self,
        to: Target,
        event: &str,
        timeout: spec::Delay,
        delayed: bool,
        at: &[&str],
    ) -> Option<Ask> {
        let ask_at = [at, &["ask"]].concat();
        let refusal = if to != Target::Sender {
            Some("`ask:` waits for one client's answer: use it with `to: sender`".to_owned())
        } else if delayed {
            Some("`ask:` and `after:` do not go together: ask now, or emit later without waiting for an answer".to_owned())
        } else if timeout.0 == 0 {
            Some("`ask:` needs time for the answer, as `5s`".to_owned())
        } else {
            match self.spec.server_events.get(event) {
                Some(declared) if declared.reply.is_some() => None,
                Some(_) => Some(format!(
                    "`{event}` declares no `reply:` under `server_events`: declare the schema of the answer there"
                )),
                None => Some(format!(
                    "`ask:` needs `{event}` declared under `server_events`, with `reply:`, the schema of the answer"
                )),
            }
        };
        if let Some(message) = refusal {
            self.error(&ask_at, message);
            return None;
        }
        Some(Ask {
            timeout_ms: timeout.0,
            marker: ident::upper_camel(event),
            method: ident::snake(&format!("{event} answered")),
        })
    }

    /// Once a spec declares its server events, every emission must name one
    /// and its data fit that event's schema.
    fn check_emitted(&mut self, event: &str, data: &Data, at: &[&str], data_at: &[&str]) {
        let declared = &self.spec.server_events;
        if declared.is_empty() {
            return;
        }
        let Some(server_event) = declared.get(event) else {
            let names: Vec<&str> = declared.keys().map(String::as_str).collect();
            let suggestion = crate::diagnostic::closest(event, names.iter().copied())
                .map(|closest| format!(" — did you mean `{closest}`?"))
                .unwrap_or_default();
            self.error(at, format!("event {event:?} is not declared under `server_events`{suggestion}: declare it there, with the schema of its data"));
            return;
        };
        match &server_event.data {
            Some(_) => {
                let what = format!("the data of `{event}`");
                self.check_fits(("server_events", event), data, data_at, &what);
            }
            None if *data == Data::Literal(Value::Null) => {}
            None => self.value_error(data_at, format!("`{event}` is declared without data under `server_events`: remove `data`, or declare its schema there")),
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
}

/// Whether `err`, about a value stood in for by one of its JSON type, says
/// that no value of that type could fit: a `type` error, or a `oneOf` /
/// `anyOf` each of whose choices has one at the same place.
fn type_cannot_fit(err: &jsonschema::ValidationError<'_>, path: &str) -> bool {
    use jsonschema::error::ValidationErrorKind;
    let type_error_here = |e: &jsonschema::ValidationError<'_>| {
        e.instance_path().as_str() == path && type_cannot_fit(e, path)
    };
    match err.kind() {
        ValidationErrorKind::Type { .. } => true,
        ValidationErrorKind::OneOfNotValid { context } | ValidationErrorKind::AnyOf { context } => {
            context
                .iter()
                .all(|choice| choice.iter().any(type_error_here))
        }
        _ => false,
    }
}

/// Keywords that apply only to some types: those types, their name in
/// messages, and each keyword with whether the schema uses it.
type KeywordsOf<'a> = (&'a [Kind], &'a str, &'a [(&'static str, bool)]);

/// `ty` with aliases followed to the type they name; `types` are the
/// module's named types.
pub fn resolved<'t>(ty: &'t Type, types: &'t [TypeDef]) -> &'t Type {
    let mut ty = ty;
    // At most one step per type: alias cycles are refused.
    for _ in 0..=types.len() {
        let Type::Named(name) = ty else { break };
        let alias = (types.iter())
            .find(|def| &def.name == name)
            .and_then(|def| def.alias_of.as_ref());
        match alias {
            Some(alias) => ty = alias,
            None => break,
        }
    }
    ty
}

/// The JSON type every value of `ty` has; `None` when it varies (any JSON,
/// `null` too, a `oneOf`).
pub fn json_kind(ty: &Type, types: &[TypeDef]) -> Option<&'static str> {
    match resolved(ty, types) {
        Type::String => Some("string"),
        Type::Integer | Type::Numeric(Numeric::I32 | Numeric::U32 | Numeric::U64) => {
            Some("integer")
        }
        Type::Number | Type::Numeric(Numeric::F32) => Some("number"),
        Type::Boolean => Some("boolean"),
        Type::List(_) => Some("array"),
        Type::Json | Type::Nullable(_) => None,
        Type::Named(name) => {
            let def = types.iter().find(|def| &def.name == name)?;
            if def.fields.is_some() {
                Some("object")
            } else if def.variants.is_some() {
                Some("string")
            } else {
                None
            }
        }
    }
}

/// Whether an inline schema declares a type of its own (a struct, an enum
/// or a union) rather than naming or aliasing one.
fn declares_type(object: &SchemaObject) -> bool {
    object.reference.is_none()
        && (object.enum_values.is_some()
            || object.one_of.is_some()
            || (matches!(object.kind, Some(Kind::Object) | None) && !object.properties.is_empty()))
}

/// The variant of a `oneOf` enum that holds a `ty`.
fn variant_name(ty: &Type) -> String {
    match ty {
        Type::String => "String".to_owned(),
        Type::Integer | Type::Numeric(Numeric::I32 | Numeric::U32 | Numeric::U64) => {
            "Integer".to_owned()
        }
        Type::Number | Type::Numeric(Numeric::F32) => "Number".to_owned(),
        Type::Boolean => "Boolean".to_owned(),
        Type::Json => "Json".to_owned(),
        Type::List(_) => "List".to_owned(),
        Type::Named(name) => name.clone(),
        Type::Nullable(inner) => variant_name(inner),
    }
}

/// `ty` as the Rust type it becomes, for messages.
fn rust_shape(ty: &Type) -> String {
    format!("`{}`", crate::rust::type_name(ty))
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
        Type::List(item) | Type::Nullable(item) => names_within(item, out),
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
            .map(|mut gateways| gateways.remove(0))
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
            found[0].contains("this inline schema becomes the Rust type `ShopService`, which is the gateway's service trait"),
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

    #[test]
    fn an_asking_emission_goes_to_the_sender_of_an_event_with_a_reply() {
        let spec = |emit: &str, extra: &str| {
            format!(
                "gateway: g\nserver_events:\n  confirm: {{ data: string, reply: boolean }}\n  note: {{ data: string }}\nevents:\n  e:\n    emit: [{emit}]\n{extra}"
            )
        };
        let gateway = check_str(&spec(
            "{ to: sender, event: confirm, data: sure?, ask: 5s }",
            "",
        ))
        .unwrap_or_else(|errors| panic!("{errors:?}"));
        let ask = gateway.events[0].emits[0].ask.clone().expect("asked");
        assert_eq!(
            (ask.timeout_ms, ask.marker.as_str(), ask.method.as_str()),
            (5000, "Confirm", "confirm_answered")
        );
        assert_eq!(
            gateway.declared_server_events[0].answered.as_deref(),
            Some("confirm_answered")
        );
        assert_eq!(gateway.declared_server_events[1].answered, None);
        let keyword = "gateway: g\nserver_events:\n  type: { reply: boolean }\nevents:\n  e:\n    emit: [{ to: sender, event: type, ask: 1s }]\n";
        let gateway = check_str(keyword).unwrap_or_else(|errors| panic!("{errors:?}"));
        assert_eq!(
            gateway.declared_server_events[0].answered.as_deref(),
            Some("type_answered"),
            "a keyword event's method is a plain identifier"
        );
        for (wrong, extra, says) in [
            (
                "{ to: all, event: confirm, data: x, ask: 5s }",
                "",
                "t.yaml:7:48\n  |\n7 |     emit: [{ to: all, event: confirm, data: x, ask: 5s }]",
            ),
            (
                "{ to: all, event: confirm, data: x, ask: 5s }",
                "",
                "`ask:` waits for one client's answer: use it with `to: sender`",
            ),
            (
                "{ to: sender, event: confirm, data: x, ask: 5s, after: 1s }",
                "",
                "`ask:` and `after:` do not go together",
            ),
            (
                "{ to: sender, event: confirm, data: x, ask: 0s }",
                "",
                "`ask:` needs time for the answer",
            ),
            (
                "{ to: sender, event: note, data: x, ask: 5s }",
                "",
                "`note` declares no `reply:` under `server_events`",
            ),
            (
                "{ to: sender, event: confirm, data: x, ask: 5s }",
                "  confirm_answered: {}\n",
                "the answers to `confirm` go to the Rust method `confirm_answered`, as event \"confirm_answered\" does",
            ),
        ] {
            let found = errors(&spec(wrong, extra));
            assert!(found.iter().any(|e| e.contains(says)), "{wrong}: {found:?}");
        }
        let undeclared = errors(
            "gateway: g\nevents:\n  e:\n    emit: [{ to: sender, event: confirm, ask: 5s }]\n",
        );
        assert!(
            undeclared.iter().any(|e| e
                .contains("`ask:` needs `confirm` declared under `server_events`, with `reply:`")),
            "{undeclared:?}"
        );
    }

    #[test]
    fn emissions_must_name_a_declared_server_event_and_fit_its_data() {
        let spec = |emit: &str| {
            format!(
                "gateway: g\nserver_events:\n  guang:\n    data: {{ oneOf: [integer, {{ type: object, required: [msg], properties: {{ msg: string }} }}] }}\n  bye: {{}}\nevents:\n  e:\n    payload: {{ type: object, required: [id, name], properties: {{ id: integer, name: string }} }}\n    emit: [{emit}]\n"
            )
        };
        for fine in [
            "{ to: all, event: guang, data: 777 }",
            "{ to: all, event: guang, data: { msg: hello } }",
            "{ to: all, event: guang, data: { msg: \"{{ payload.name }}\" } }",
            "{ to: all, event: guang, data: \"{{ payload.id }}\" }",
            "{ to: all, event: bye }",
        ] {
            check_str(&spec(fine)).unwrap_or_else(|errors| panic!("{fine}: {errors:?}"));
        }
        for (wrong, says) in [
            (
                "{ to: all, event: guang, data: hello }",
                "the data of `guang` does not fit its schema",
            ),
            (
                "{ to: all, event: guang, data: { msg: 5 } }",
                "the data of `guang` does not fit its schema",
            ),
            (
                "{ to: all, event: guang, data: \"{{ payload.name }}\" }",
                "does not fit its schema",
            ),
            (
                "{ to: all, event: guabg, data: 1 }",
                "event \"guabg\" is not declared under `server_events` — did you mean `guang`?",
            ),
            (
                "{ to: all, event: bye, data: 1 }",
                "`bye` is declared without data",
            ),
        ] {
            let found = errors(&spec(wrong));
            assert!(
                found.len() == 1 && found[0].contains(says),
                "{wrong}: {found:#?}"
            );
        }
    }

    #[test]
    fn examples_must_fit_their_payload_and_are_made_to_fit_without_one() {
        let found = errors(
            "gateway: g\nevents:\n  e:\n    payload: { type: string, maxLength: 3 }\n    example: toolong\n  p:\n    payload: { type: string, pattern: '^a+$' }\n",
        );
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(
            found[0].contains("the example does not fit the payload's schema"),
            "{}",
            found[0]
        );
        assert!(found[0].contains("5:14"), "at the example: {}", found[0]);
        assert!(
            found[1].contains("give the event an `example:`"),
            "{}",
            found[1]
        );
        let gateway =
            check_str("gateway: g\nevents:\n  e:\n    payload: { type: integer, minimum: 10 }\n")
                .unwrap_or_else(|errors| panic!("{errors:?}"));
        assert_eq!(gateway.events[0].example, Some(serde_json::json!(10)));
    }

    #[test]
    fn keywords_must_suit_their_type_and_leave_some_value() {
        let found = errors(
            "gateway: g\nschemas:\n  A: { type: integer, maxLength: 3 }\n  B: { type: string, minLength: 5, maxLength: 2 }\n  C: { type: string, format: uri }\n  D: { type: string, pattern: '(' }\n  E: { type: string, enum: [a, 1] }\n  F: { $ref: A, minimum: 1 }\n",
        );
        let expected = [
            "`maxLength` applies to strings, and this schema is integer",
            "`minLength` is above its maximum",
            "unknown format \"uri\": the formats of a string are uuid, email, date-time",
            "pattern \"(\" is not a regular expression",
            "enum value 1 is not a string",
            "`minimum` beside `$ref` would be ignored",
        ];
        assert_eq!(found.len(), expected.len(), "{found:#?}");
        for (found, expected) in found.iter().zip(expected) {
            assert!(found.contains(expected), "{expected:?} in {found}");
        }
    }

    #[test]
    fn enums_unions_formats_and_nullable_become_rust_types() {
        let gateway = check_str(
            "gateway: g\nschemas:\n  Role: { enum: [admin, read-only] }\n  Id: { type: integer, format: uint32 }\n  Either: { oneOf: [string, Id, { type: object, properties: { x: integer } }] }\n  Maybe: { $ref: Role, nullable: true }\n",
        )
        .unwrap_or_else(|errors| panic!("{errors:?}"));
        let role = &gateway.types[0];
        let variants: Vec<(&str, &str)> = (role.variants.iter().flatten())
            .map(|v| (v.value.as_str(), v.ident.as_str()))
            .collect();
        assert_eq!(variants, [("admin", "Admin"), ("read-only", "ReadOnly")]);
        assert_eq!(gateway.types[1].alias_of, Some(Type::Numeric(Numeric::U32)));
        let either = gateway
            .types
            .iter()
            .find(|t| t.name == "Either")
            .expect("Either");
        let choices: Vec<&str> = (either.choices.iter().flatten())
            .map(|c| c.ident.as_str())
            .collect();
        assert_eq!(choices, ["String", "Id", "Object"]);
        let maybe = gateway
            .types
            .iter()
            .find(|t| t.name == "Maybe")
            .expect("Maybe");
        assert_eq!(
            maybe.alias_of,
            Some(Type::Nullable(Box::new(Type::Named("Role".into()))))
        );
    }

    #[test]
    fn room_targets_need_a_room_and_rooms_are_text() {
        let spec = |event: &str| {
            format!(
                "gateway: g\nevents:\n  e:\n    payload: {{ type: object, required: [n, r], properties: {{ n: integer, r: string }} }}\n{event}"
            )
        };
        let gateway = check_str(&spec("    join: \"{{ payload.r }}\"\n    leave: \"room-{{ payload.n }}\"\n    emit: [{ to: room_others, room: lobby, event: x }, { to: sender_rooms, event: y }]\n"))
            .unwrap_or_else(|errors| panic!("{errors:?}"));
        let event = &gateway.events[0];
        assert!(matches!(event.join, Some(Data::Var(_))), "{:?}", event.join);
        assert!(
            matches!(event.leave, Some(Data::Text(_))),
            "{:?}",
            event.leave
        );
        assert_eq!(
            event.emits[0].room,
            Some(Data::Literal(Value::from("lobby")))
        );
        for (wrong, says) in [
            ("    emit: [{ to: room, event: x }]\n", "need `room:`"),
            (
                "    emit: [{ to: all, room: lobby, event: x }]\n",
                "`room:` goes with `to: room`",
            ),
            ("    join: \"{{ payload.n }}\"\n", "a room's name is text"),
        ] {
            let found = errors(&spec(wrong));
            assert!(
                found.len() == 1 && found[0].contains(says),
                "{wrong}: {found:#?}"
            );
        }
    }

    #[test]
    fn event_guards_need_a_role_some_token_gives() {
        let guarded = "gateway: g\nconnect_guard:\n  tokens: { G_TOKEN: member }\nevents:\n  a: { guard: { role: member } }\n";
        let gateway = check_str(guarded).unwrap_or_else(|errors| panic!("{errors:?}"));
        assert_eq!(
            gateway.connect_guard,
            Some(vec![("G_TOKEN".to_owned(), "member".to_owned())])
        );
        assert_eq!(gateway.events[0].guard_role.as_deref(), Some("member"));
        for (wrong, says) in [
            (
                "gateway: g\nevents:\n  a: { guard: { role: admin } }\n",
                "roles come from the connect guard",
            ),
            (
                "gateway: g\nconnect_guard:\n  tokens: { G_TOKEN: member }\nevents:\n  a: { guard: { role: admin } }\n",
                "no token of `connect_guard` gives the role \"admin\"",
            ),
            (
                "gateway: g\nconnect_guard:\n  tokens: { G-TOKEN: member }\n",
                "is not an environment variable's name",
            ),
            (
                "gateway: g\nconnect_guard:\n  tokens: {}\nevents:\n  authorize: {}\n",
                "at least one token",
            ),
        ] {
            let found = errors(wrong);
            assert!(
                found.iter().any(|f| f.contains(says)),
                "{wrong}: {found:#?}"
            );
        }
        let found =
            errors("gateway: g\nconnect_guard:\n  tokens: { T: x }\nevents:\n  authorize: {}\n");
        assert!(
            found[0].contains("becomes the Rust method `authorize`"),
            "{found:#?}"
        );
    }
}
