//! Pass 1: every schema of a spec lowered into the type table, the named
//! ones under `schemas:` and the inline ones of events and server events,
//! before any event is checked against them.

use serde_json::Value;

use super::Report;
use super::keywords;
use super::schema::kind_of;
use super::types::{Field, IntFormat, NumFormat, Shape, Struct, Ty, TypeDef, TypeName, Types};
use crate::spec::{Kind, Schema, SchemaObject, Spec};

/// What pass 1 found: the table, and the types of each event's payload and
/// ack and of each server event's data and answer, in spec order.
#[derive(Debug, Default)]
pub(super) struct Lowered {
    pub types: Types,
    pub payloads: Vec<Option<Ty>>,
    pub acks: Vec<Option<Ty>>,
    pub server_data: Vec<Option<Ty>>,
    pub server_replies: Vec<Option<Ty>>,
}

pub(super) fn lower(spec: &Spec, report: &mut Report<'_>) -> Lowered {
    let mut lowering = Lowering {
        spec,
        report,
        types: Types::default(),
    };
    lowering.schemas();
    let mut server_data = Vec::new();
    let mut server_replies = Vec::new();
    for (name, event) in &spec.server_events {
        let at = ["server_events", name.as_str()];
        server_data.push(event.data.as_ref().map(|schema| {
            lowering.ty(schema, &[&at[..], &["data"]].concat(), &parts(name, "Data"))
        }));
        server_replies.push(event.reply.as_ref().map(|schema| {
            lowering.ty(
                schema,
                &[&at[..], &["reply"]].concat(),
                &parts(name, "Reply"),
            )
        }));
    }
    let mut payloads = Vec::new();
    let mut acks = Vec::new();
    for (name, event) in &spec.events {
        let at = ["events", name.as_str()];
        payloads.push(event.payload.as_ref().map(|schema| {
            let payload_at = [&at[..], &["payload"]].concat();
            lowering.ty(schema, &payload_at, &parts(name, "Payload"))
        }));
        acks.push(event.ack_schema.as_ref().map(|schema| {
            let ack_at = [&at[..], &["ack_schema"]].concat();
            lowering.ty(schema, &ack_at, &parts(name, "Ack"))
        }));
    }
    Lowered {
        types: lowering.types,
        payloads,
        acks,
        server_data,
        server_replies,
    }
}

fn parts(first: &str, second: &str) -> Vec<String> {
    vec![first.to_owned(), second.to_owned()]
}

struct Lowering<'s, 'r, 'f> {
    spec: &'s Spec,
    report: &'r mut Report<'f>,
    types: Types,
}

/// Whether an inline schema declares a type of its own (a struct, an enum
/// or a union) rather than naming or aliasing one.
fn declares_type(object: &SchemaObject) -> bool {
    object.reference.is_none()
        && (object.enum_values.is_some()
            || object.one_of.is_some()
            || (matches!(object.kind, Some(Kind::Object) | None) && !object.properties.is_empty()))
}

fn owned(at: &[&str]) -> Vec<String> {
    at.iter().map(|s| (*s).to_owned()).collect()
}

impl Lowering<'_, '_, '_> {
    fn schemas(&mut self) {
        let spec = self.spec;
        // Every schema has its place first: schemas may refer to later ones.
        let mut reserved = Vec::new();
        for name in spec.schemas.keys() {
            if Kind::from_name(name).is_some() {
                self.report.error(
                    &["schemas", name],
                    format!("schema name {name:?} is a JSON Schema type: choose another name"),
                );
                continue;
            }
            let id = self.types.reserve(name, owned(&["schemas", name]));
            reserved.push((name, id));
        }
        for (name, id) in reserved {
            let at = ["schemas", name.as_str()];
            let base = [name.clone()];
            let (description, shape) = match &spec.schemas[name] {
                Schema::Inline(object) if declares_type(object) => {
                    keywords::check(object, &at, self.report);
                    if object.nullable {
                        self.report.error(&at, format!("a named struct, enum or union cannot be `nullable`: write `{{ $ref: {name}, nullable: true }}` where it may be null"));
                    }
                    (object.description.clone(), self.shape(object, &at, &base))
                }
                other => {
                    let description = match other {
                        Schema::Inline(object) => object.description.clone(),
                        Schema::Name(_) => None,
                    };
                    (description, Shape::Alias(self.ty(other, &at, &base)))
                }
            };
            self.types.fill(id, description, shape);
        }
    }

    /// The type of a schema; an inline object, enum or union becomes a
    /// named type, named after `base`, its place.
    fn ty(&mut self, schema: &Schema, at: &[&str], base: &[String]) -> Ty {
        match schema {
            Schema::Name(name) => self.named(name, at),
            Schema::Inline(object) => {
                keywords::check(object, at, self.report);
                let ty = self.inline(object, at, base);
                if object.nullable {
                    Ty::Nullable(Box::new(ty))
                } else {
                    ty
                }
            }
        }
    }

    fn inline(&mut self, object: &SchemaObject, at: &[&str], base: &[String]) -> Ty {
        if let Some(reference) = &object.reference {
            return self.named(reference, at);
        }
        if declares_type(object) {
            let shape = self.shape(object, at, base);
            let id = self.types.add(TypeDef {
                name: TypeName::Inline(base.to_vec()),
                description: object.description.clone(),
                shape,
                at: owned(at),
            });
            return Ty::Named(id);
        }
        match kind_of(object) {
            Some(Kind::String) => Ty::String,
            Some(Kind::Integer) => Ty::Integer(match object.format.as_deref() {
                Some("int32") => IntFormat::Int32,
                Some("uint32") => IntFormat::Uint32,
                Some("uint64") => IntFormat::Uint64,
                _ => IntFormat::Int64,
            }),
            Some(Kind::Number) => Ty::Number(match object.format.as_deref() {
                Some("float") => NumFormat::Float,
                _ => NumFormat::Double,
            }),
            Some(Kind::Boolean) => Ty::Boolean,
            Some(Kind::Array) => match &object.items {
                Some(items) => {
                    let at = [at, &["items"]].concat();
                    let base = [base, &["Item".to_owned()]].concat();
                    Ty::List(Box::new(self.ty(items, &at, &base)))
                }
                None => {
                    self.report
                        .error(at, "an array needs `items`: the type of its elements");
                    Ty::Any
                }
            },
            Some(Kind::Object) | None => Ty::Any,
        }
    }

    /// The struct, enum or union an inline schema declares (see
    /// [`declares_type`]).
    fn shape(&mut self, object: &SchemaObject, at: &[&str], base: &[String]) -> Shape {
        if let Some(values) = &object.enum_values {
            Shape::Enum(self.variants(values, at))
        } else if let Some(choices) = &object.one_of {
            Shape::Union(self.choices(choices, at, base))
        } else {
            Shape::Struct(Struct {
                fields: self.fields(object, at, base),
                closed: object.additional_properties == Some(false),
            })
        }
    }

    fn variants(&mut self, values: &[Value], at: &[&str]) -> Vec<String> {
        let enum_at = [at, &["enum"]].concat();
        let mut variants = Vec::new();
        for value in values {
            let Value::String(text) = value else {
                self.report.value_error(&enum_at, format!("enum value {value} is not a string: gatesmith's enums are strings (write \"{value}\")"));
                continue;
            };
            variants.push(text.clone());
        }
        if values.is_empty() {
            self.report
                .value_error(&enum_at, "an enum needs at least one value");
        }
        variants
    }

    fn choices(&mut self, schemas: &[Schema], at: &[&str], base: &[String]) -> Vec<Ty> {
        let one_of_at = [at, &["oneOf"]].concat();
        let object = [base, &["Object".to_owned()]].concat();
        let choices = (schemas.iter())
            .map(|schema| self.ty(schema, &one_of_at, &object))
            .collect();
        if schemas.len() < 2 {
            self.report.value_error(
                &one_of_at,
                "a `oneOf` needs at least two schemas: with one, write that schema instead",
            );
        }
        choices
    }

    fn fields(&mut self, object: &SchemaObject, at: &[&str], base: &[String]) -> Vec<Field> {
        for name in &object.required {
            if !object.properties.contains_key(name) {
                self.report.error(
                    &[at, &["required"]].concat(),
                    format!("required property {name:?} is not among the properties"),
                );
            }
        }
        let mut fields = Vec::new();
        for (name, schema) in &object.properties {
            let field_at = [at, &["properties", name.as_str()]].concat();
            let ty = self.ty(
                schema,
                &field_at,
                &[base, std::slice::from_ref(name)].concat(),
            );
            let description = match schema {
                Schema::Inline(object) => object.description.clone(),
                Schema::Name(_) => None,
            };
            fields.push(Field {
                name: name.clone(),
                ty,
                required: object.required.contains(name),
                description,
            });
        }
        fields
    }

    fn named(&mut self, name: &str, at: &[&str]) -> Ty {
        let name = name.strip_prefix("#/schemas/").unwrap_or(name);
        match Kind::from_name(name) {
            Some(Kind::String) => Ty::String,
            Some(Kind::Integer) => Ty::Integer(IntFormat::Int64),
            Some(Kind::Number) => Ty::Number(NumFormat::Double),
            Some(Kind::Boolean) => Ty::Boolean,
            Some(Kind::Object) => Ty::Any,
            Some(Kind::Array) => {
                self.report.error(
                    at,
                    "`array` needs its items: write { type: array, items: <type> }",
                );
                Ty::Any
            }
            None => match self.types.schema(name) {
                Some(id) => Ty::Named(id),
                None => {
                    self.unknown(name, at);
                    Ty::Any
                }
            },
        }
    }

    fn unknown(&mut self, name: &str, at: &[&str]) {
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
        let suggestion = crate::diagnostic::closest(name, known.iter().copied().chain(types))
            .map(|closest| format!(" — did you mean `{closest}`?"))
            .unwrap_or_default();
        self.report
            .value_error(at, format!("unknown schema {name:?}{suggestion}: {hint}"));
    }
}
