//! Random valid specs as a proptest strategy ([`spec`]), for the tests
//! that check gatesmith at scale (`tests/scale.rs`).
//!
//! A spec is built from a tape of choices that proptest draws (and, when a
//! property fails, shrinks: each choice towards 0, which is the first
//! option, the fewest items, the shortest name), so a failing spec is
//! reduced to a small one and its tape saved in the regressions file.
//! Each spec covers what docs/spec.md allows: names in
//! every style (keywords, digits, non-ASCII, emoji), named and inline
//! schemas nested in objects and arrays, references in all their spellings,
//! acks and data interpolating the payload, its required fields and the
//! socket id, every target, delays in every accepted spelling, and the
//! lifecycle hooks. The generator keeps the names it hands out distinct
//! after their conversion to Rust (with gatesmith's own [`gatesmith::ident`]),
//! and references only what makes no cycle the model refuses, so every
//! spec it writes must pass the model.
//!
//! The spec is built as a `serde_json::Value` and written with `serde_yaml`,
//! so quoting is always right, whatever the names and texts hold.

use std::collections::BTreeSet;

use gatesmith::ident;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{Map, Value, json};

/// How many choices a spec's tape holds; past them, every choice is 0.
pub const TAPE: usize = 1024;

/// The choices a generator makes, read from a tape proptest draws: a
/// shrunk tape (smaller numbers, zeros at the end) makes simpler choices.
#[derive(Debug, Clone)]
pub struct Rng {
    tape: Vec<u64>,
    at: usize,
}

impl Rng {
    pub fn new(tape: Vec<u64>) -> Self {
        Self { tape, at: 0 }
    }

    pub fn next_u64(&mut self) -> u64 {
        let choice = self.tape.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        choice
    }

    /// A number in `0..n`; `n` must not be 0.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// A number in `low..=high`.
    pub fn between(&mut self, low: usize, high: usize) -> usize {
        low + self.below(high - low + 1)
    }

    /// True once in `n` times.
    pub fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    /// One of `items`, which must not be empty.
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

/// A tape of choices, as proptest draws and shrinks it.
pub fn tape() -> impl Strategy<Value = Vec<u64>> {
    proptest::collection::vec(any::<u64>(), TAPE)
}

/// The strategy of valid specs numbered `seed`: specs of distinct numbers
/// have distinct gateways (and modules), so they can be compiled together.
pub fn spec(seed: u64) -> impl Strategy<Value = RandomSpec> {
    tape().prop_map(move |tape| random_spec(seed, tape))
}

/// The spec numbered `seed` of a fixed run: the same on every run, as the
/// tests that compile many at once need (no shrinking there: the batch
/// fails as one).
pub fn fixed_spec(seed: u64) -> RandomSpec {
    let mut bytes = [0; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &bytes);
    let mut runner = TestRunner::new_with_rng(Config::default(), rng);
    match spec(seed).new_tree(&mut runner) {
        Ok(tree) => tree.current(),
        Err(why) => panic!("the spec strategy rejected a case: {why}"),
    }
}

/// One generated spec.
#[derive(Debug, Clone)]
pub struct RandomSpec {
    pub seed: u64,
    /// The `gateway:` name; distinct seeds give distinct modules.
    pub gateway: String,
    /// The spec, as a JSON value.
    pub value: Value,
    /// The spec, as YAML text.
    pub yaml: String,
}

/// The spec numbered `seed` made from the choices of `tape`: the same
/// tape always gives the same text.
pub fn random_spec(seed: u64, tape: Vec<u64>) -> RandomSpec {
    let mut generator = Generator {
        rng: Rng::new(tape),
        types: BTreeSet::new(),
        schemas: Vec::new(),
    };
    let gateway = gateway_name(seed, &mut generator.rng);
    let value = generator.spec(&gateway);
    let yaml = to_yaml(&value);
    RandomSpec {
        seed,
        gateway,
        value,
        yaml,
    }
}

/// `value` as YAML that every YAML 1.2 reader reads back as `value`.
/// serde_yaml writes YAML 1.1, where U+0085, U+2028 and U+2029 break lines,
/// raw inside block scalars; YAML 1.2 (and gatesmith) reads them as text, so
/// a value holding one is written as JSON, which is YAML 1.2 too.
pub fn to_yaml(value: &Value) -> String {
    let yaml = serde_yaml::to_string(value).expect("a JSON value always writes as YAML");
    if yaml.contains(['\u{85}', '\u{2028}', '\u{2029}']) {
        serde_json::to_string_pretty(value).expect("a JSON value always writes as JSON")
    } else {
        yaml
    }
}

/// Words whose Rust form needs care: keywords, names the generated module
/// or the standard library already use, names that are not identifiers.
const BARE_GATEWAYS: &[&str] = &[
    "type",
    "self",
    "match",
    "fn",
    "std",
    "core",
    "serde",
    "gatesmith_runtime",
    "Gateway",
    "async",
];

const GATEWAY_WORDS: &[&str] = &[
    "chat", "room", "aaa", "type", "self", "Self", "match", "mod", "HTTP", "api", "user", "Shop",
    "x", "gen",
];

/// A gateway name made of letters, `-` and `_` and ending in the seed's
/// digits, so that two seeds never give one module; every tenth seed uses
/// a bare word of [`BARE_GATEWAYS`] instead, each at most once.
fn gateway_name(seed: u64, rng: &mut Rng) -> String {
    if seed % 10 == 3 && ((seed / 10) as usize) < BARE_GATEWAYS.len() {
        return BARE_GATEWAYS[(seed / 10) as usize].to_owned();
    }
    let mut name = String::new();
    for index in 0..rng.between(1, 3) {
        if index > 0 {
            name.push_str(rng.pick(&["-", "_", ""]));
        }
        name.push_str(rng.pick(GATEWAY_WORDS));
    }
    name.push_str(rng.pick(&["-", "_", ""]));
    name.push_str(&seed.to_string());
    name
}

const EVENT_NAMES: &[&str] = &[
    "ping",
    "createAaa",
    "findAllAaa",
    "find-one",
    "user:join",
    "chat.message",
    "type",
    "self",
    "Self",
    "match",
    "fn",
    "async",
    "gen",
    "try",
    "union",
    "café",
    "名前",
    "événement",
    "🎉",
    "ping🎉",
    "2fa",
    "HTTPRequest",
    "with space",
    "clone",
    "drop",
    "into",
    "as_ref",
    "to_owned",
    "try_into",
    "eq",
    "fmt",
    "new",
    "gateway",
    "build",
    "events",
    "service",
    "payload",
    "cx",
    "on",
    "emit",
    "default",
    "x",
    "",
    "_",
    "snake_case_name",
    "kebab-case-name",
    "SCREAMING_CASE",
    "camelCase42",
    "v2",
];

const SCHEMA_NAMES: &[&str] = &[
    "CreateDto",
    "UpdateDto",
    "user-profile",
    "Message",
    "tree_node",
    "Point",
    "Id",
    "Ids",
    "Meta",
    "Tags",
    "type",
    "Self",
    "Café",
    "名前",
    "2d-point",
    "HTTPRequest",
    "a",
    "B",
    "Object",
    "Array",
    "Gateway",
    "Value",
    "String",
    "To",
    "Duration",
    "Option",
    "Future",
    "Shown",
    "EventContext",
    "Vec",
    "Send",
    "Sync",
    "Deserialize",
    "Serialize",
];

/// Type names the generated module uses itself, which the model refuses
/// for the spec's types (besides the service trait and service).
const MODULE_TYPES: &[&str] = &[
    "Deserialize",
    "Serialize",
    "Value",
    "EventContext",
    "Gateway",
    "Shown",
    "To",
    "Duration",
    "Future",
    "Send",
    "Sync",
    "Option",
    "String",
    "Vec",
];

const PROPERTY_NAMES: &[&str] = &[
    "id",
    "name",
    "text",
    "type",
    "self",
    "Self",
    "match",
    "userName",
    "user-name",
    "created_at",
    "café",
    "名前",
    "🎉",
    "2nd",
    "with space",
    "a.b",
    "x}}",
    "{{y",
    "HTTPStatus",
    "kebab-case",
    "",
    "_",
    "payload",
    "cx",
    "items",
    "kids",
];

const WORDS: &[&str] = &[
    "user", "room", "message", "id", "list", "item", "get", "set", "find", "all", "one", "x",
    "data", "v2", "HTTP", "json", "type", "self",
];

const SCALARS: &[&str] = &["string", "integer", "number", "boolean"];

const TEXT_PIECES: &[&str] = &[
    "hello",
    "This action adds a new aaa",
    "#",
    " ",
    "{",
    "}",
    "}}",
    "\"",
    "\\",
    "\n",
    "\r\n",
    "é",
    "名前",
    "🎉",
    "\u{202e}",
    "\u{2066}",
    "\u{200f}",
    "\t",
    "'",
    "`",
    "*/",
    "/*",
    "<script>",
    "</script>",
    "<!--",
    "\u{2028}",
    "%s",
    "{}",
    "{0}",
    "{:?}",
    "$",
    "\0",
    "\u{7f}",
    "```",
    "#[",
    ": ",
    "- ",
    "yes",
    "null",
    "~",
    "0x10",
    "1.0",
];

const DELAYS: &[&str] = &[
    "500ms", "2s", "1.5s", "1m", ".5s", "2 s", "1.5m", "60min", "0s", "0ms", "3600s", "0.4ms",
    "1min", "250 ms", "0.001s", "60m",
];

/// What the generator knows of a schema: enough to write interpolations
/// that name only fields that exist and are required.
#[derive(Debug, Clone)]
enum Shape {
    Scalar,
    Json,
    List,
    Struct(Vec<(String, bool, Shape)>),
    /// A named schema, by index.
    Named(usize),
}

#[derive(Debug, Clone)]
struct NamedSchema {
    name: String,
    is_struct: bool,
    shape: Shape,
}

/// Which named schemas a schema may refer to without a cycle the model (or
/// Rust) refuses: earlier ones always; itself and later structs only behind
/// an array.
#[derive(Debug, Clone, Copy)]
struct Scope {
    /// The named schema being written; `None` for events.
    current: Option<usize>,
    behind_array: bool,
    depth: usize,
}

struct Generator {
    rng: Rng,
    /// Every Rust type name given out: schemas and inline structs.
    types: BTreeSet<String>,
    schemas: Vec<NamedSchema>,
}

impl Generator {
    fn spec(&mut self, gateway: &str) -> Value {
        let mut spec = Map::new();
        spec.insert("gateway".into(), json!(gateway));
        // Gateways of one project may not share a namespace: each ends in
        // its gateway's name.
        let namespace = if self.rng.one_in(3) {
            format!("/{gateway}")
        } else {
            let base = self.rng.pick(&[
                "/",
                "/chat",
                "/a-b/c",
                "/名前",
                "/with space",
                "/quote\"s",
                "/back\\slash",
            ]);
            format!("{}/{gateway}", base.trim_end_matches('/'))
        };
        spec.insert("namespace".into(), json!(namespace));
        if self.rng.one_in(2) {
            spec.insert("description".into(), json!(self.text(false)));
        }
        let service = format!("{}Service", ident::upper_camel(gateway));
        let schemas = self.schemas(&service);
        if !schemas.is_empty() || self.rng.one_in(3) {
            spec.insert("schemas".into(), Value::Object(schemas));
        }
        let events = self.events();
        if !events.is_empty() || self.rng.one_in(3) {
            spec.insert("events".into(), Value::Object(events));
        }
        let socket_only = ["socket.id".to_owned()];
        if self.rng.one_in(2) {
            let list = (0..self.rng.between(0, 3))
                .map(|_| self.emission(&socket_only, &["sender", "all", "others"], true))
                .collect();
            spec.insert("on_connect".into(), Value::Array(list));
        }
        if self.rng.one_in(2) {
            let list = (0..self.rng.between(0, 3))
                .map(|_| self.emission(&socket_only, &["all", "others"], false))
                .collect();
            spec.insert("on_disconnect".into(), Value::Array(list));
        }
        Value::Object(spec)
    }

    /// A name from `pool` or made of words, whose Rust form `convert` gives
    /// is not in `taken`; `None` after a few tries.
    fn fresh_name(
        &mut self,
        pool: &[&str],
        convert: fn(&str) -> String,
        taken: &BTreeSet<String>,
    ) -> Option<String> {
        for _ in 0..20 {
            let name = if self.rng.one_in(2) {
                self.rng.pick(pool).to_owned()
            } else {
                self.made_up_name()
            };
            if !taken.contains(&convert(&name)) {
                return Some(name);
            }
        }
        None
    }

    /// Words joined in one of the usual styles, sometimes with digits.
    fn made_up_name(&mut self) -> String {
        let words: Vec<&str> = (0..self.rng.between(1, 3))
            .map(|_| self.rng.pick(WORDS))
            .collect();
        let mut name = match self.rng.below(5) {
            0 => words.join("_"),
            1 => words.join("-"),
            2 => words.join(":"),
            3 => words
                .iter()
                .enumerate()
                .map(|(i, w)| if i == 0 { w.to_string() } else { capitalize(w) })
                .collect(),
            _ => words.iter().map(|w| capitalize(w)).collect(),
        };
        if self.rng.one_in(4) {
            name.push_str(&self.rng.below(100).to_string());
        }
        name
    }

    fn schemas(&mut self, service: &str) -> Map<String, Value> {
        let count = self.rng.between(0, 6);
        // Names and kinds first: a schema may refer to a later struct.
        let mut taken: BTreeSet<String> = MODULE_TYPES
            .iter()
            .map(|name| name.to_string())
            .chain([service.to_owned(), format!("Spec{service}")])
            .collect();
        let mut planned = Vec::new();
        for _ in 0..count {
            let pool: Vec<&str> = SCHEMA_NAMES
                .iter()
                .copied()
                .chain(self.rng.one_in(8).then_some(service))
                .collect();
            let Some(name) = self.fresh_name(&pool, ident::upper_camel, &taken) else {
                continue;
            };
            if matches!(
                name.as_str(),
                "string" | "integer" | "number" | "boolean" | "object" | "array"
            ) {
                continue;
            }
            taken.insert(ident::upper_camel(&name));
            let is_struct = self.rng.below(3) > 0;
            planned.push((name, is_struct));
        }
        self.types = taken;
        self.schemas = planned
            .iter()
            .map(|(name, is_struct)| NamedSchema {
                name: name.clone(),
                is_struct: *is_struct,
                shape: Shape::Json,
            })
            .collect();
        let mut out = Map::new();
        for (index, (name, is_struct)) in planned.into_iter().enumerate() {
            let scope = Scope {
                current: Some(index),
                behind_array: false,
                depth: 0,
            };
            let rust = ident::upper_camel(&name);
            let (value, shape) = if is_struct {
                self.object(&rust, scope)
            } else {
                self.alias(&rust, scope)
            };
            self.schemas[index].shape = shape;
            out.insert(name, value);
        }
        out
    }

    /// A struct: an object with at least one property.
    fn object(&mut self, rust_name: &str, scope: Scope) -> (Value, Shape) {
        let mut object = Map::new();
        if self.rng.below(3) > 0 {
            object.insert("type".into(), json!("object"));
        }
        if self.rng.one_in(3) {
            object.insert("description".into(), json!(self.text(false)));
        }
        let mut idents = BTreeSet::new();
        let mut properties = Map::new();
        let mut fields = Vec::new();
        for _ in 0..self.rng.between(1, 5) {
            let Some(name) = self.fresh_name(PROPERTY_NAMES, ident::snake, &idents) else {
                continue;
            };
            idents.insert(ident::snake(&name));
            let inner = Scope {
                depth: scope.depth + 1,
                ..scope
            };
            let place = format!("{rust_name}{}", ident::upper_camel(&name));
            let (schema, shape) = self.schema(&place, inner);
            let required = self.rng.below(3) > 0;
            properties.insert(name.clone(), schema);
            fields.push((name, required, shape));
        }
        if fields.is_empty() {
            let (schema, shape) = (json!("integer"), Shape::Scalar);
            properties.insert("id".into(), schema);
            fields.push(("id".into(), true, shape));
        }
        let mut required: Vec<Value> = fields
            .iter()
            .filter(|(_, required, _)| *required)
            .map(|(name, _, _)| json!(name))
            .collect();
        if required.len() > 1 && self.rng.one_in(2) {
            required.reverse();
        }
        object.insert("properties".into(), Value::Object(properties));
        if !required.is_empty() || self.rng.one_in(4) {
            object.insert("required".into(), Value::Array(required));
        }
        if self.rng.one_in(6) {
            object.insert("example".into(), self.literal(2, true));
        }
        (Value::Object(object), Shape::Struct(fields))
    }

    /// A named schema that is not a struct: a scalar, any JSON, an array or
    /// another schema's name.
    fn alias(&mut self, rust_name: &str, scope: Scope) -> (Value, Shape) {
        loop {
            let (value, shape) = self.schema(rust_name, scope);
            // An inline object with properties would be a struct: the plan
            // said alias, and other schemas rely on it.
            if !matches!(shape, Shape::Struct(_)) {
                return (value, shape);
            }
        }
    }

    /// Any schema, at a place whose inline object would be named `place`.
    fn schema(&mut self, place: &str, scope: Scope) -> (Value, Shape) {
        loop {
            match self.rng.below(12) {
                0 | 1 => return (json!(self.rng.pick(SCALARS)), Shape::Scalar),
                2 => {
                    let mut object = Map::new();
                    object.insert("type".into(), json!(self.rng.pick(SCALARS)));
                    if self.rng.one_in(2) {
                        object.insert("description".into(), json!(self.text(false)));
                    }
                    if self.rng.one_in(4) {
                        object.insert("example".into(), self.literal(1, true));
                    }
                    return (Value::Object(object), Shape::Scalar);
                }
                3 => {
                    let any = match self.rng.below(4) {
                        0 => json!("object"),
                        1 => json!({ "type": "object" }),
                        2 => json!({}),
                        _ => json!({ "type": "object", "properties": {} }),
                    };
                    return (any, Shape::Json);
                }
                4 | 5 if scope.depth < 4 => {
                    let inner = Scope {
                        behind_array: true,
                        depth: scope.depth + 1,
                        ..scope
                    };
                    let (items, _) = self.schema(&format!("{place}Item"), inner);
                    return (json!({ "type": "array", "items": items }), Shape::List);
                }
                6 | 7 if scope.depth < 3 && !self.types.contains(place) => {
                    self.types.insert(place.to_owned());
                    return self.object(place, scope);
                }
                8..=11 => {
                    if let Some(found) = self.reference(scope) {
                        return found;
                    }
                }
                _ => {}
            }
        }
    }

    /// A named schema that `scope` may refer to, in one of the spellings.
    fn reference(&mut self, scope: Scope) -> Option<(Value, Shape)> {
        let allowed: Vec<usize> = (0..self.schemas.len())
            .filter(|&index| match scope.current {
                None => true,
                Some(current) if index < current => true,
                Some(_) => scope.behind_array && self.schemas[index].is_struct,
            })
            .collect();
        if allowed.is_empty() {
            return None;
        }
        let index = self.rng.pick(&allowed);
        let name = self.schemas[index].name.clone();
        let value = match self.rng.below(5) {
            0 => json!(name),
            1 => json!({ "$ref": name }),
            2 => json!(format!("#/schemas/{name}")),
            3 => json!({ "$ref": format!("#/schemas/{name}") }),
            _ => json!({ "$ref": name, "description": self.text(false) }),
        };
        Some((value, Shape::Named(index)))
    }

    fn events(&mut self) -> Map<String, Value> {
        let mut methods: BTreeSet<String> = [
            "handle_connection".to_owned(),
            "handle_disconnect".to_owned(),
        ]
        .into();
        let mut events = Map::new();
        for _ in 0..self.rng.between(0, 7) {
            let Some(name) = self.fresh_name(EVENT_NAMES, ident::snake, &methods) else {
                continue;
            };
            methods.insert(ident::snake(&name));
            let event = self.event(&name);
            events.insert(name, event);
        }
        events
    }

    fn event(&mut self, name: &str) -> Value {
        if self.rng.one_in(12) {
            // serde_yaml reads `ping:` as an empty event, but not `ping: null`,
            // which is what it writes for a null.
            return json!({});
        }
        let mut event = Map::new();
        if self.rng.one_in(3) {
            event.insert("description".into(), json!(self.text(false)));
        }
        let mut vars = vec!["socket.id".to_owned()];
        if self.rng.below(4) > 0 {
            let place = format!("{}Payload", ident::upper_camel(name));
            let scope = Scope {
                current: None,
                behind_array: false,
                depth: 0,
            };
            let (payload, shape) = self.schema(&place, scope);
            event.insert("payload".into(), payload);
            vars.push("payload".to_owned());
            self.field_paths(&shape, "payload", 0, &mut vars);
        }
        // An example must fit the payload's schema: only an event without
        // a payload may have any value as its example.
        if self.rng.one_in(3) && !event.contains_key("payload") {
            event.insert("example".into(), self.literal(2, true));
        }
        match self.rng.below(6) {
            0 => {}
            1 => {
                event.insert("ack".into(), Value::Null);
            }
            _ => {
                event.insert("ack".into(), self.data(&vars, 0));
            }
        }
        if self.rng.one_in(2) {
            let reply = (0..self.rng.between(0, 3))
                .map(|_| self.emission(&vars, &[], true))
                .collect();
            event.insert("reply".into(), Value::Array(reply));
        }
        if self.rng.one_in(2) {
            let emit = (0..self.rng.between(0, 3))
                .map(|_| self.emission(&vars, &["sender", "all", "others"], true))
                .collect();
            event.insert("emit".into(), Value::Array(emit));
        }
        Value::Object(event)
    }

    /// `payload.a`, `payload.a.b`: paths of required fields whose names
    /// survive being written inside `{{ … }}`.
    fn field_paths(&self, shape: &Shape, prefix: &str, depth: usize, out: &mut Vec<String>) {
        if depth > 3 {
            return;
        }
        // Through aliases of other schemas (`Same: Dto`) to the struct.
        let mut shape = shape;
        for _ in 0..=self.schemas.len() {
            match shape {
                Shape::Named(index) => shape = &self.schemas[*index].shape,
                _ => break,
            }
        }
        let Shape::Struct(fields) = shape else {
            return;
        };
        for (name, required, shape) in fields {
            let writable =
                !name.is_empty() && name.trim() == name && !name.contains(['.', '{', '}']);
            if *required && writable {
                let path = format!("{prefix}.{name}");
                self.field_paths(shape, &path, depth + 1, out);
                out.push(path);
            }
        }
    }

    /// An emission (`targets` not empty) or a reply.
    fn emission(&mut self, vars: &[String], targets: &[&str], delays: bool) -> Value {
        let mut entry = Map::new();
        if !targets.is_empty() {
            entry.insert("to".into(), json!(self.rng.pick(targets)));
        }
        let event = if self.rng.one_in(2) {
            self.rng.pick(EVENT_NAMES).to_owned()
        } else {
            self.text(true)
        };
        entry.insert("event".into(), json!(event));
        if self.rng.below(4) > 0 {
            entry.insert("data".into(), self.data(vars, 0));
        }
        if delays && self.rng.one_in(2) {
            entry.insert("after".into(), json!(self.rng.pick(DELAYS)));
        } else if !delays && self.rng.one_in(6) {
            // Zero is no delay, so the hooks accept it.
            entry.insert(
                "after".into(),
                json!(self.rng.pick(&["0s", "0ms", "0.2ms"])),
            );
        }
        Value::Object(entry)
    }

    /// An ack or emitted data: a literal, or strings interpolating `vars`
    /// at any depth.
    fn data(&mut self, vars: &[String], depth: usize) -> Value {
        match self.rng.below(if depth < 2 { 8 } else { 5 }) {
            0 => self.literal(1, false),
            1 => json!(self.text(true)),
            2 => json!(format!("{{{{{}}}}}", self.var(vars))),
            3 | 4 => {
                let mut text = String::new();
                for _ in 0..self.rng.between(1, 3) {
                    let mut piece = self.text(true);
                    // A `{` right before `{{` would make `{{{`, a different
                    // expression.
                    while piece.ends_with('{') {
                        piece.pop();
                    }
                    text.push_str(&piece);
                    text.push_str(&format!("{{{{{}}}}}", self.var(vars)));
                }
                text.push_str(&self.text(true));
                json!(text)
            }
            5 => Value::Array(
                (0..self.rng.between(0, 3))
                    .map(|_| self.data(vars, depth + 1))
                    .collect(),
            ),
            _ => {
                let mut object = Map::new();
                for _ in 0..self.rng.between(0, 3) {
                    object.insert(self.text(false), self.data(vars, depth + 1));
                }
                Value::Object(object)
            }
        }
    }

    /// One of `vars`, with the spacing inside the braces varied.
    fn var(&mut self, vars: &[String]) -> String {
        let var = vars[self.rng.below(vars.len())].clone();
        let pad = self.rng.pick(&["", " ", "  "]);
        let end = self.rng.pick(&["", " ", "  "]);
        format!("{pad}{var}{end}")
    }

    /// A JSON value. `plain` strings hold no `{{`, so they stay literal in
    /// data; `free` ones (examples) may hold anything.
    fn literal(&mut self, depth: usize, free: bool) -> Value {
        match self.rng.below(if depth > 0 { 7 } else { 5 }) {
            0 => Value::Null,
            1 => json!(self.rng.one_in(2)),
            2 => match self.rng.below(12) {
                0 => json!(2_147_483_648_i64),
                1 => json!(-2_147_483_649_i64),
                2 => json!(3_000_000_000_u64),
                3 => json!(i64::MAX),
                4 => json!(i64::MIN),
                5 => json!(u64::MAX),
                6 => json!(-0.0),
                7 => json!(1e300),
                8 => json!(-2.5e-7),
                9 => json!(1.5),
                10 => json!(-1),
                _ => json!(self.rng.below(1000)),
            },
            3 | 4 => {
                let text = self.text(true);
                if free && self.rng.one_in(4) {
                    json!(format!("{text}{{{{ payload }}}}"))
                } else {
                    json!(text)
                }
            }
            5 => Value::Array(
                (0..self.rng.between(0, 3))
                    .map(|_| self.literal(depth - 1, free))
                    .collect(),
            ),
            _ => {
                let mut object = Map::new();
                for _ in 0..self.rng.between(0, 3) {
                    object.insert(self.text(true), self.literal(depth - 1, free));
                }
                Value::Object(object)
            }
        }
    }

    /// A text of awkward pieces, without `{{` (which would interpolate).
    /// `short` keeps it to a few pieces.
    fn text(&mut self, short: bool) -> String {
        let count = if short {
            self.rng.between(1, 3)
        } else {
            self.rng.between(1, 8)
        };
        let mut text = String::new();
        for _ in 0..count {
            text.push_str(self.rng.pick(TEXT_PIECES));
        }
        while text.contains("{{") {
            text = text.replace("{{", "{ {");
        }
        text
    }
}

fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
