//! The contract's types: what a payload, an ack or a server event's data
//! may be, in JSON terms. Named types live in one table ([`Types`]) and
//! are referred to by [`TypeId`]; nothing here says how a language spells
//! them (the backends name them through `crate::ident`).

use std::collections::HashMap;

/// A type as JSON Schema sees it, the shapes gatesmith supports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    String,
    /// An integer; the format bounds it (`int32`, `uint64`…).
    Integer(IntFormat),
    /// A number; `float` is single precision.
    Number(NumFormat),
    Boolean,
    /// Any JSON value: `object` without properties.
    Any,
    List(Box<Ty>),
    Named(TypeId),
    /// `nullable: true`: the value or `null`.
    Nullable(Box<Ty>),
}

/// The `format` of an integer: how large it may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IntFormat {
    #[default]
    Int64,
    Int32,
    Uint32,
    Uint64,
}

/// The `format` of a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NumFormat {
    #[default]
    Double,
    Float,
}

/// The JSON type of a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonKind {
    String,
    Integer,
    Number,
    Boolean,
    Array,
    Object,
    Null,
}

impl JsonKind {
    /// Its JSON Schema name: `string`, `integer`…
    pub fn as_str(self) -> &'static str {
        match self {
            JsonKind::String => "string",
            JsonKind::Integer => "integer",
            JsonKind::Number => "number",
            JsonKind::Boolean => "boolean",
            JsonKind::Array => "array",
            JsonKind::Object => "object",
            JsonKind::Null => "null",
        }
    }

    /// The JSON type of `value`.
    pub fn of(value: &serde_json::Value) -> Self {
        use serde_json::Value;
        match value {
            Value::Null => JsonKind::Null,
            Value::Bool(_) => JsonKind::Boolean,
            Value::Number(n) if n.is_f64() => JsonKind::Number,
            Value::Number(_) => JsonKind::Integer,
            Value::String(_) => JsonKind::String,
            Value::Array(_) => JsonKind::Array,
            Value::Object(_) => JsonKind::Object,
        }
    }
}

/// A named type's place in [`Types`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TypeId(pub(super) usize);

impl TypeId {
    /// Its index in the table, for a backend's own tables of names.
    pub fn index(self) -> usize {
        self.0
    }
}

/// A named type: a struct, a string enum, a union or an alias.
#[derive(Debug, Clone)]
pub struct TypeDef {
    pub name: TypeName,
    pub description: Option<String>,
    pub shape: Shape,
    /// Where the spec declares it, as mapping keys from the top.
    pub at: Vec<String>,
}

/// What a type is named after: the spec gives schemas their names; an
/// inline schema is named after its place, outermost first (`["ping",
/// "Payload"]` for the payload of event `ping`, `["Note", "author"]` for
/// the property `author` of schema `Note`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeName {
    Schema(String),
    Inline(Vec<String>),
}

impl TypeName {
    /// The words a backend makes the type's name from.
    pub fn parts(&self) -> &[String] {
        match self {
            TypeName::Schema(name) => std::slice::from_ref(name),
            TypeName::Inline(parts) => parts,
        }
    }
}

#[derive(Debug, Clone)]
pub enum Shape {
    Struct(Struct),
    /// The strings a string may be.
    Enum(Vec<String>),
    /// A `oneOf`: the value fits exactly one of these.
    Union(Vec<Ty>),
    /// Another type under this name.
    Alias(Ty),
}

/// An object with known properties.
#[derive(Debug, Clone, Default)]
pub struct Struct {
    pub fields: Vec<Field>,
    /// `additionalProperties: false`: unknown properties are refused.
    pub closed: bool,
}

#[derive(Debug, Clone)]
pub struct Field {
    /// The JSON name.
    pub name: String,
    pub ty: Ty,
    pub required: bool,
    pub description: Option<String>,
}

impl TypeDef {
    /// The types this one holds: its fields', its choices' or its alias's.
    pub fn contained(&self) -> Vec<&Ty> {
        match &self.shape {
            Shape::Struct(s) => s.fields.iter().map(|f| &f.ty).collect(),
            Shape::Union(choices) => choices.iter().collect(),
            Shape::Alias(ty) => vec![ty],
            Shape::Enum(_) => Vec::new(),
        }
    }
}

/// Every named type of a gateway, found by id or by schema name.
#[derive(Debug, Clone, Default)]
pub struct Types {
    defs: Vec<TypeDef>,
    /// The order to declare them in: a type after the inline types it
    /// holds, as the spec reads.
    order: Vec<TypeId>,
    schemas: HashMap<String, TypeId>,
}

impl Types {
    pub fn get(&self, id: TypeId) -> &TypeDef {
        &self.defs[id.0]
    }

    /// How many types there are: every [`TypeId`] is below it.
    pub fn len(&self) -> usize {
        self.defs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.defs.is_empty()
    }

    /// Every type, in the order to declare them.
    pub fn iter(&self) -> impl Iterator<Item = (TypeId, &TypeDef)> {
        self.order.iter().map(|&id| (id, self.get(id)))
    }

    /// Every type, by id: schemas in spec order, then inline types in the
    /// order they were met.
    pub fn by_id(&self) -> impl Iterator<Item = (TypeId, &TypeDef)> {
        self.defs
            .iter()
            .enumerate()
            .map(|(i, def)| (TypeId(i), def))
    }

    /// The type of the schema the spec names `name`.
    pub fn schema(&self, name: &str) -> Option<TypeId> {
        self.schemas.get(name).copied()
    }

    /// `ty` with aliases followed to the type they name.
    pub fn resolved<'t>(&'t self, ty: &'t Ty) -> &'t Ty {
        let mut ty = ty;
        // At most one step per type: alias cycles end here (and are refused).
        for _ in 0..=self.defs.len() {
            match ty {
                Ty::Named(id) => match &self.get(*id).shape {
                    Shape::Alias(alias) => ty = alias,
                    _ => break,
                },
                _ => break,
            }
        }
        ty
    }

    /// The struct `ty` is, through aliases, if it is one.
    pub fn as_struct(&self, ty: &Ty) -> Option<&Struct> {
        match self.resolved(ty) {
            Ty::Named(id) => match &self.get(*id).shape {
                Shape::Struct(s) => Some(s),
                _ => None,
            },
            _ => None,
        }
    }

    /// The JSON type every value of `ty` has; `None` when it varies (any
    /// JSON, `null` too, a union).
    pub fn json_kind(&self, ty: &Ty) -> Option<JsonKind> {
        match self.resolved(ty) {
            Ty::String => Some(JsonKind::String),
            Ty::Integer(_) => Some(JsonKind::Integer),
            Ty::Number(_) => Some(JsonKind::Number),
            Ty::Boolean => Some(JsonKind::Boolean),
            Ty::List(_) => Some(JsonKind::Array),
            Ty::Any | Ty::Nullable(_) => None,
            Ty::Named(id) => match &self.get(*id).shape {
                Shape::Struct(_) => Some(JsonKind::Object),
                Shape::Enum(_) => Some(JsonKind::String),
                Shape::Union(_) | Shape::Alias(_) => None,
            },
        }
    }

    /// Whether a value of JSON type `kind` can be a `ty` (an integer is a
    /// number too).
    pub fn admits(&self, ty: &Ty, kind: JsonKind) -> bool {
        match self.resolved(ty) {
            Ty::Any => true,
            Ty::Nullable(inner) => kind == JsonKind::Null || self.admits(inner, kind),
            ty => match self.json_kind(ty) {
                Some(JsonKind::Number) => matches!(kind, JsonKind::Number | JsonKind::Integer),
                wanted => wanted == Some(kind),
            },
        }
    }

    /// A place for the schema `name`, to be filled by [`Types::fill`], so
    /// that schemas can refer to schemas declared after them.
    pub(super) fn reserve(&mut self, name: &str, at: Vec<String>) -> TypeId {
        let id = self.push_def(TypeDef {
            name: TypeName::Schema(name.to_owned()),
            description: None,
            shape: Shape::Alias(Ty::Any),
            at,
        });
        self.schemas.insert(name.to_owned(), id);
        id
    }

    /// Declares the reserved `id` as `shape`, after what it holds.
    pub(super) fn fill(&mut self, id: TypeId, description: Option<String>, shape: Shape) {
        let def = &mut self.defs[id.0];
        def.description = description;
        def.shape = shape;
        self.order.push(id);
    }

    /// Adds an inline type, declared after what it holds.
    pub(super) fn add(&mut self, def: TypeDef) -> TypeId {
        let id = self.push_def(def);
        self.order.push(id);
        id
    }

    fn push_def(&mut self, def: TypeDef) -> TypeId {
        self.defs.push(def);
        TypeId(self.defs.len() - 1)
    }
}

/// Every named type `ty` mentions, through lists and nullables.
pub fn names_within(ty: &Ty, out: &mut Vec<TypeId>) {
    match ty {
        Ty::Named(id) => out.push(*id),
        Ty::List(item) | Ty::Nullable(item) => names_within(item, out),
        _ => {}
    }
}
