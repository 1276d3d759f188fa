//! The Rust names of a gateway's contract, made through `crate::ident`,
//! and the spec errors only Rust has: names that collide once converted,
//! names the generated module already uses, and types rustc cannot build
//! (a struct containing itself, chains deeper than it follows).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::diagnostic::Problem;
use crate::ident;
use crate::model::{Gateway, Sent, Shape, Ty, TypeId, TypeName, Types, names_within};

/// Every Rust name of one gateway's module.
#[derive(Debug, Clone)]
pub struct Names {
    /// The module: `chat_room`.
    pub module: String,
    /// The service trait: `ChatRoomService`.
    pub service: String,
    /// Each type's name, by [`TypeId`].
    types: Vec<String>,
}

impl Names {
    pub fn new(gateway: &Gateway) -> Self {
        let types = &gateway.types;
        Self {
            module: ident::snake(&gateway.name),
            service: ident::upper_camel_join(&gateway.name, "Service"),
            types: types.by_id().map(|(_, def)| type_name(&def.name)).collect(),
        }
    }

    /// The name of the type `id`.
    pub fn ty(&self, id: TypeId) -> &str {
        &self.types[id.index()]
    }

    /// The service method of the event `name`: `find_all_aaa`.
    pub fn method(name: &str) -> String {
        ident::snake(name)
    }

    /// The field holding the JSON property `name`.
    pub fn field(name: &str) -> String {
        ident::snake(name)
    }

    /// The variant of a string enum holding `value`.
    pub fn variant(value: &str) -> String {
        ident::upper_camel(value)
    }

    /// The marker type of the server event `name`, in `mod server_events`.
    pub fn marker(name: &str) -> String {
        ident::upper_camel(name)
    }

    /// The service method that gets the answers to the server event `name`.
    pub fn answered(name: &str) -> String {
        ident::snake(&format!("{name} answered"))
    }

    /// The variant of the union `union` that holds a `ty`.
    pub fn choice(&self, union: TypeId, ty: &Ty) -> String {
        match ty {
            Ty::String => "String".to_owned(),
            Ty::Integer(_) => "Integer".to_owned(),
            Ty::Number(_) => "Number".to_owned(),
            Ty::Boolean => "Boolean".to_owned(),
            Ty::Any => "Json".to_owned(),
            Ty::List(_) => "List".to_owned(),
            Ty::Named(id) if *self.ty(*id) == ident::upper_camel_join(self.ty(union), "Object") => {
                "Object".to_owned()
            }
            Ty::Named(id) => self.ty(*id).to_owned(),
            Ty::Nullable(inner) => self.choice(union, inner),
        }
    }
}

/// The Rust type a type name becomes: a schema's name in UpperCamelCase,
/// an inline type's place joined (`NoteAuthor`).
pub fn type_name(name: &TypeName) -> String {
    ident::upper_camel_path(name.parts())
}

/// How many types deep a schema may nest: rustc gives up on types nested
/// too deep (its layout and drop-check queries stop at the recursion limit
/// of 128, and each level, a type in an `Option`, costs two).
const MAX_NESTING: usize = 50;

/// The problems the Rust backend has with a gateway, placed in its spec.
pub fn check(gateway: &Gateway) -> Vec<Problem> {
    let names = Names::new(gateway);
    let mut problems = Vec::new();
    type_names(gateway, &names, &mut problems);
    members(gateway, &names, &mut problems);
    cycles(gateway, &names, &mut problems);
    nesting(gateway, &mut problems);
    methods(gateway, &mut problems);
    problems
}

/// What else the generated module declares under `type_name`, if anything.
fn generated_item(names: &Names, type_name: &str) -> Option<String> {
    if type_name == names.service {
        Some("the gateway's service trait".to_owned())
    } else if type_name == format!("Spec{}", names.service) {
        Some(format!(
            "the gateway's default service `Spec{}`",
            names.service
        ))
    } else {
        None
    }
}

fn type_names(gateway: &Gateway, names: &Names, problems: &mut Vec<Problem>) {
    let types = &gateway.types;
    // Schemas in spec order, then inline types as made.
    let ids: Vec<TypeId> = types.by_id().map(|(id, _)| id).collect();
    let mut schemas: BTreeMap<&str, &str> = BTreeMap::new();
    for &id in &ids {
        let def = types.get(id);
        let TypeName::Schema(schema) = &def.name else {
            continue;
        };
        let name = names.ty(id);
        if let Some(other) = schemas.insert(name, schema) {
            problems.push(Problem::at_key(&def.at, format!("schemas {other:?} and {schema:?} both become the Rust type `{name}`: rename one")));
        } else if let Some(item) = generated_item(names, name) {
            problems.push(Problem::at_key(&def.at, format!("schema {schema:?} becomes the Rust type `{name}`, which is {item}: rename the schema")));
        }
    }
    let mut inline: BTreeSet<&str> = BTreeSet::new();
    for &id in &ids {
        let def = types.get(id);
        if matches!(def.name, TypeName::Schema(_)) {
            continue;
        }
        let name = names.ty(id);
        if let Some(item) = generated_item(names, name) {
            problems.push(Problem::at_key(&def.at, format!("this inline schema becomes the Rust type `{name}`, which is {item}: declare it under `schemas:` with another name and refer to it")));
        } else if schemas.contains_key(name) || !inline.insert(name) {
            problems.push(Problem::at_key(&def.at, format!("this inline schema becomes the Rust type `{name}`, which a schema already is: declare it under `schemas:` and refer to it by name")));
        }
    }
}

/// Fields, enum variants and union variants that collide once converted.
fn members(gateway: &Gateway, names: &Names, problems: &mut Vec<Problem>) {
    for (id, def) in gateway.types.iter() {
        match &def.shape {
            Shape::Struct(object) => {
                let mut fields: BTreeMap<String, &str> = BTreeMap::new();
                for field in &object.fields {
                    let ident = Names::field(&field.name);
                    if let Some(other) = fields.insert(ident.clone(), &field.name) {
                        let at =
                            [&def.at[..], &["properties".to_owned(), field.name.clone()]].concat();
                        problems.push(Problem::at_key(&at, format!("properties {other:?} and {:?} both become the Rust field `{ident}`: rename one", field.name)));
                    }
                }
            }
            Shape::Enum(values) => {
                let mut variants: BTreeMap<String, &str> = BTreeMap::new();
                let at = [&def.at[..], &["enum".to_owned()]].concat();
                for value in values {
                    let variant = Names::variant(value);
                    if let Some(other) = variants.insert(variant.clone(), value) {
                        problems.push(Problem::at_value(&at, format!("enum values {other:?} and {value:?} both become the Rust variant `{variant}`: rename one")));
                    }
                }
            }
            Shape::Union(choices) => {
                let mut variants: BTreeMap<String, String> = BTreeMap::new();
                let at = [&def.at[..], &["oneOf".to_owned()]].concat();
                for choice in choices {
                    let variant = names.choice(id, choice);
                    let shape = format!("`{}`", super::expr::type_name(choice, names));
                    if let Some(other) = variants.insert(variant.clone(), shape.clone()) {
                        problems.push(Problem::at_value(&at, format!("two choices of this `oneOf` ({other} and {shape}) both become the Rust variant `{variant}`: declare one under `schemas:` and refer to it by name")));
                    }
                }
            }
            Shape::Alias(_) => {}
        }
    }
}

/// The schemas in spec order, with their ids.
fn schemas(types: &Types) -> Vec<(TypeId, &str)> {
    (types.by_id())
        .filter_map(|(id, def)| match &def.name {
            TypeName::Schema(name) => Some((id, name.as_str())),
            TypeName::Inline(_) => None,
        })
        .collect()
}

/// A struct may not contain itself except through a list: even an
/// optional field would make the Rust type infinitely large. An alias may
/// not contain itself at all, not even through a list: Rust expands
/// aliases, and `type Ids = Vec<Ids>` never ends.
fn cycles(gateway: &Gateway, names: &Names, problems: &mut Vec<Problem>) {
    let types = &gateway.types;
    let is_alias = |id: &TypeId| matches!(types.get(*id).shape, Shape::Alias(_));
    let mut direct: HashMap<TypeId, Vec<TypeId>> = HashMap::new();
    let mut aliases: HashMap<TypeId, Vec<TypeId>> = HashMap::new();
    for (id, def) in types.iter() {
        let held = (def.contained().into_iter())
            .filter_map(|ty| match ty {
                // An `Option` holds its value in place, as a field does.
                Ty::Named(named) => Some(*named),
                Ty::Nullable(inner) => match &**inner {
                    Ty::Named(named) => Some(*named),
                    _ => None,
                },
                _ => None,
            })
            .collect();
        direct.insert(id, held);
        if let Shape::Alias(alias) = &def.shape {
            let mut named = Vec::new();
            names_within(alias, &mut named);
            named.retain(is_alias);
            aliases.insert(id, named);
        }
    }
    // One cycle is one mistake, reported at the first of its schemas.
    let mut reported: BTreeSet<BTreeSet<TypeId>> = BTreeSet::new();
    for (id, schema) in schemas(types) {
        let (cycle, message) = if let Some(cycle) = cycle_from(&direct, id) {
            let shown = shown(&cycle, names);
            let message = format!(
                "schema {schema:?} contains itself ({shown}): break the cycle with an array (`type: array`)"
            );
            (cycle, message)
        } else if let Some(cycle) = cycle_from(&aliases, id) {
            let shown = shown(&cycle, names);
            let message = format!(
                "schema {schema:?} contains itself ({shown}), and only an object with properties may: make one of them an object"
            );
            (cycle, message)
        } else {
            continue;
        };
        if reported.insert(cycle.into_iter().collect()) {
            problems.push(Problem::at_key(&types.get(id).at, message));
        }
    }
}

fn shown(cycle: &[TypeId], names: &Names) -> String {
    (cycle.iter())
        .map(|id| names.ty(*id))
        .collect::<Vec<_>>()
        .join(" → ")
}

/// The path from `start` back to itself in `graph`. Each type is visited
/// once: following every path instead takes exponential time on specs
/// where many schemas refer to many others.
fn cycle_from(graph: &HashMap<TypeId, Vec<TypeId>>, start: TypeId) -> Option<Vec<TypeId>> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![(start, vec![start])];
    while let Some((id, trail)) = stack.pop() {
        for &next in graph.get(&id).into_iter().flatten() {
            if next == start {
                return Some([trail, vec![start]].concat());
            }
            if seen.insert(next) {
                stack.push((next, [trail.clone(), vec![next]].concat()));
            }
        }
    }
    None
}

/// rustc gives up on types nested too deep: chains longer than
/// [`MAX_NESTING`] are refused.
fn nesting(gateway: &Gateway, problems: &mut Vec<Problem>) {
    let types = &gateway.types;
    let inside: HashMap<TypeId, Vec<TypeId>> = (types.iter())
        .map(|(id, def)| {
            let mut named = Vec::new();
            for ty in def.contained() {
                names_within(ty, &mut named);
            }
            (id, named)
        })
        .collect();
    // The longest chain below each type; a type met again on its own chain
    // is a cycle through a list, which rustc handles, and ends it.
    fn depth(
        id: TypeId,
        inside: &HashMap<TypeId, Vec<TypeId>>,
        known: &mut HashMap<TypeId, usize>,
        chain: &mut Vec<TypeId>,
    ) -> usize {
        if let Some(&depth) = known.get(&id) {
            return depth;
        }
        if chain.contains(&id) {
            return 0;
        }
        chain.push(id);
        let below = (inside.get(&id).into_iter().flatten())
            .map(|&next| depth(next, inside, known, chain))
            .max()
            .unwrap_or(0);
        chain.pop();
        known.insert(id, below + 1);
        below + 1
    }
    let mut known = HashMap::new();
    for (id, schema) in schemas(types) {
        let levels = depth(id, &inside, &mut known, &mut Vec::new());
        if levels > MAX_NESTING {
            problems.push(Problem::at_key(&types.get(id).at, format!("schema {schema:?} nests {levels} types deep; gatesmith allows {MAX_NESTING}, as the Rust compiler gives up not far beyond: flatten the chain")));
        }
    }
}

/// Service methods (one per event, the hooks, the answers to questions)
/// and server events' marker types that collide.
fn methods(gateway: &Gateway, problems: &mut Vec<Problem>) {
    let mut markers: BTreeMap<String, &str> = BTreeMap::new();
    for event in &gateway.server_events {
        if !matches!(event.kind, Sent::Declared { .. }) {
            continue;
        }
        let marker = Names::marker(&event.name);
        if let Some(other) = markers.insert(marker.clone(), &event.name) {
            let at = ["server_events".to_owned(), event.name.clone()];
            problems.push(Problem::at_key(&at, format!("server events {other:?} and {:?} both become the Rust type `server_events::{marker}`: rename one", event.name)));
        }
    }
    let mut methods: BTreeMap<String, String> = BTreeMap::new();
    let hooks: &[&str] = if gateway.connect_guard.is_some() {
        &["handle_connection", "handle_disconnect", "authorize"]
    } else {
        &["handle_connection", "handle_disconnect"]
    };
    for &hook in hooks {
        methods.insert(hook.to_owned(), format!("the lifecycle hook `{hook}`"));
    }
    for event in &gateway.events {
        let name = &event.name;
        let method = Names::method(name);
        if let Some(other) = methods.insert(method.clone(), format!("event {name:?}")) {
            let at = ["events".to_owned(), name.clone()];
            problems.push(Problem::at_key(&at, format!("event {name:?} becomes the Rust method `{method}`, as {other} does: rename one of them")));
        }
    }
    for event in &gateway.server_events {
        if !matches!(event.kind, Sent::Declared { asked: true, .. }) {
            continue;
        }
        let method = Names::answered(&event.name);
        if let Some(other) = methods.get(&method) {
            let at = ["server_events".to_owned(), event.name.clone()];
            problems.push(Problem::at_key(&at, format!("the answers to `{}` go to the Rust method `{method}`, as {other} does: rename one of them", event.name)));
        }
    }
}
