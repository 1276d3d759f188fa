//! The Rust backend: the names it gives, the spec errors only Rust has,
//! and the code it renders.

use std::path::Path;

use super::*;
use crate::diagnostic::SpecError;
use crate::render::{File, Templates};

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

fn render_str(source: &str) -> Vec<File> {
    let gateways = vec![check_str(source).unwrap_or_else(|errors| panic!("{errors:?}"))];
    crate::render::render(&gateways, &Templates::builtin()).unwrap_or_else(|err| panic!("{err}"))
}

/// The Rust module rendered for `source`.
fn module(source: &str) -> String {
    render_str(source).remove(0).contents
}

/// The Rust names of the types, in the order they are declared.
fn type_names(gateway: &Gateway) -> Vec<String> {
    let names = Names::new(gateway);
    gateway
        .types
        .iter()
        .map(|(id, _)| names.ty(id).to_owned())
        .collect()
}

#[test]
fn the_lessons_names() {
    let source = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/aaa.yaml"))
        .expect("specs/aaa.yaml");
    let gateway = check_str(&source).unwrap_or_else(|errors| panic!("{errors:?}"));
    let names = Names::new(&gateway);
    assert_eq!(
        (names.module.as_str(), names.service.as_str()),
        ("aaa", "AaaService")
    );
    let methods: Vec<String> = gateway
        .events
        .iter()
        .map(|e| Names::method(&e.name))
        .collect();
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
    assert_eq!(
        type_names(&gateway),
        [
            "CreateAaaDto",
            "UpdateAaaDto",
            "GuangDataObject",
            "GuangData"
        ],
        "inline types before the type holding them"
    );
}

#[test]
fn keywords_and_odd_names_still_make_identifiers() {
    let gateway =
        check_str("gateway: g\nevents:\n  type: {}\n  'user:join': {}\n  'événement': {}\n")
            .unwrap_or_else(|errors| panic!("{errors:?}"));
    let methods: Vec<String> = gateway
        .events
        .iter()
        .map(|e| Names::method(&e.name))
        .collect();
    assert_eq!(methods, ["type_", "user_join", "v_nement"]);
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
    assert_eq!(type_names(&gateway), ["Value_", "String_"]);
    let found = errors(
        "gateway: shop\nschemas:\n  Shop: { type: object, properties: { service: { type: object, properties: { a: integer } } } }\n",
    );
    assert!(
        found[0].contains("this inline schema becomes the Rust type `ShopService`, which is the gateway's service trait"),
        "{found:?}"
    );
}

#[test]
fn enum_and_union_variants() {
    let gateway = check_str(
        "gateway: g\nschemas:\n  Role: { enum: [admin, read-only] }\n  Id: { type: integer, format: uint32 }\n  Either: { oneOf: [string, Id, { type: object, properties: { x: integer } }] }\n  Maybe: { $ref: Role, nullable: true }\n",
    )
    .unwrap_or_else(|errors| panic!("{errors:?}"));
    let module = module(
        "gateway: g\nschemas:\n  Role: { enum: [admin, read-only] }\n  Id: { type: integer, format: uint32 }\n  Either: { oneOf: [string, Id, { type: object, properties: { x: integer } }] }\n  Maybe: { $ref: Role, nullable: true }\n",
    );
    for expected in [
        "pub enum Role {",
        "    Admin,",
        "    #[serde(rename = \"read-only\")]\n    ReadOnly,",
        "pub type Id = u32;",
        "pub enum Either {\n    String(String),\n    Id(Id),\n    Object(EitherObject),\n}",
        "pub type Maybe = Option<Role>;",
    ] {
        assert!(module.contains(expected), "{expected:?} in:\n{module}");
    }
    assert_eq!(
        type_names(&gateway),
        ["Role", "Id", "EitherObject", "Either", "Maybe"]
    );
    let found = errors(
        "gateway: g\nschemas:\n  E: { enum: [a-b, a_b] }\n  U: { oneOf: [integer, { type: integer, format: int32 }] }\n",
    );
    assert!(
        found[0].contains("enum values \"a-b\" and \"a_b\" both become the Rust variant `AB`"),
        "{found:#?}"
    );
    assert!(
        found[1].contains(
            "two choices of this `oneOf` (`i64` and `i32`) both become the Rust variant `Integer`"
        ),
        "{found:#?}"
    );
}

#[test]
fn the_answers_to_a_question_go_to_a_method_of_their_own() {
    let spec = |extra: &str| {
        format!(
            "gateway: g\nserver_events:\n  confirm: {{ data: string, reply: boolean }}\n  type: {{ reply: boolean }}\nevents:\n  e:\n    emit: [{{ to: sender, event: confirm, data: sure?, ask: 5s }}, {{ to: sender, event: type, ask: 1s }}]\n{extra}"
        )
    };
    let module = module(&spec(""));
    for expected in [
        "fn confirm_answered(",
        "answer: Result<bool, gatesmith_runtime::AskError>",
        // A keyword event's method is a plain identifier.
        "fn type_answered(",
        "cx.ask_then(\n",
        "server_events::Confirm,",
        "std::time::Duration::from_millis(5000)",
        "GService::confirm_answered(&*service, answer, &cx).await",
    ] {
        assert!(module.contains(expected), "{expected:?} in:\n{module}");
    }
    let found = errors(&spec("  confirm_answered: {}\n"));
    assert!(
        found.iter().any(|e| e.contains("the answers to `confirm` go to the Rust method `confirm_answered`, as event \"confirm_answered\" does")),
        "{found:#?}"
    );
    let found = errors("gateway: g\nserver_events:\n  a-b: {}\n  a_b: {}\n");
    assert!(
        found[0].contains(
            "server events \"a-b\" and \"a_b\" both become the Rust type `server_events::AB`"
        ),
        "{found:#?}"
    );
}

#[test]
fn authorize_is_taken_with_a_connect_guard() {
    let found =
        errors("gateway: g\nconnect_guard:\n  tokens: { T: x }\nevents:\n  authorize: {}\n");
    assert!(
        found[0].contains("becomes the Rust method `authorize`"),
        "{found:#?}"
    );
    check_str("gateway: g\nevents:\n  authorize: {}\n")
        .unwrap_or_else(|errors| panic!("{errors:?}"));
}

#[test]
fn properties_that_become_one_field_are_refused() {
    let found = errors(
        "gateway: g\nschemas:\n  A: { type: object, properties: { a-b: string, a_b: string } }\n",
    );
    assert!(
        found[0].contains("properties \"a-b\" and \"a_b\" both become the Rust field `a_b`")
            && found[0].contains(":3:49"),
        "{found:#?}"
    );
}

#[test]
fn names_that_collide_in_rust_are_refused_naming_both() {
    let found = errors("gateway: g\nevents:\n  find-all: {}\n  findAll: {}\n");
    assert!(
        found[0].contains("\"findAll\" becomes the Rust method `find_all`, as event \"find-all\""),
        "{found:?}"
    );
    let found = errors("gateway: g\nevents:\n  handleConnection: {}\n");
    assert!(found[0].contains("lifecycle hook"), "{found:?}");
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
fn a_type_cannot_take_the_service_traits_name() {
    let found = errors(
        "gateway: shop\nschemas:\n  ShopService: { type: object, properties: { a: string } }\n  spec shop service: { type: object, properties: { a: string } }\n",
    );
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found[0]
            .contains("becomes the Rust type `ShopService`, which is the gateway's service trait"),
        "{found:?}"
    );
    assert!(found[1].contains("`SpecShopService`"), "{found:?}");
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
fn handlers_call_the_service_through_its_trait() {
    // Found by tests/scale.rs: `service.clone(&cx)` on the handler's
    // `Arc` called `Arc::clone`, and `into`, `drop`… the prelude's.
    let module = module("gateway: g\nevents:\n  clone: {}\n  into: { payload: integer }\n");
    assert!(
        module.contains("GService::clone(&*service, &cx).await"),
        "{module}"
    );
    assert!(
        module.contains("GService::into(&*service, payload, &cx).await"),
        "{module}"
    );
}

#[test]
fn a_gateway_without_events_registers_none() {
    // Found by tests/scale.rs: `.events(|events| {})` left `events` unused.
    let module = module("gateway: g\n");
    assert!(!module.contains("|events|"), "{module}");
    assert!(
        module.contains("use gatesmith_runtime::{EventContext, Gateway};"),
        "nothing else imported: {module}"
    );
}

#[test]
fn spec_text_never_runs_as_a_doctest() {
    // A description with a code block made `cargo test` of the
    // generated crate compile it as a doctest.
    let files = render_str("gateway: g\ndescription: \"```\\nnot rust\\n```\"\n");
    let lib = (files.iter())
        .find(|file| file.path.ends_with("lib.rs"))
        .expect("lib.rs is rendered");
    assert!(
        lib.contents.contains("#[cfg(not(doctest))]\npub mod g;"),
        "{}",
        lib.contents
    );
}

#[test]
fn declared_server_events_are_sent_typed() {
    let module = module(
        "gateway: g\nserver_events:\n  guang: { data: { oneOf: [integer, { type: object, required: [msg], properties: { msg: string } }] } }\n  bye: {}\n  big: { data: { type: object, required: [n, x], properties: { n: { type: number }, x: { type: integer, format: uint64 } } } }\nevents:\n  e:\n    payload: { type: object, required: [id], properties: { id: { type: integer, format: int32 } } }\n    emit:\n      - { to: all, event: guang, data: 777 }\n      - { to: others, event: bye }\n      - { to: sender, event: big, data: { n: 3, x: \"{{ payload.id }}\" }, after: 2s }\n    reply: [{ event: guang, data: { msg: \"#{{ payload.id }}\" } }]\n",
    );
    for expected in [
        "cx.send(server_events::Guang, To::All, &GuangData::Integer(777)).await;",
        "cx.send(server_events::Bye, To::Others, &()).await;",
        "BigData {\n",
        "n: 3.0,",
        "x: payload.id as u64,",
        "msg: format!(\"#{}\", payload.id),",
    ] {
        assert!(module.contains(expected), "{expected:?} in:\n{module}");
    }
    assert!(
        module.contains("cx.send_after(\n")
            && module.contains("std::time::Duration::from_millis(2000)"),
        "{module}"
    );
    assert!(!module.contains("json!"), "no JSON left to build: {module}");
}

#[test]
fn data_of_a_type_told_only_at_run_time_is_sent_as_json() {
    // A payload of one struct into a server event of another: the model
    // lets it through (it may fit), rustc could not take it typed.
    let module = module(
        "gateway: g\nschemas:\n  A: { type: object, required: [msg], properties: { msg: string } }\nserver_events:\n  note: { data: { type: object, required: [msg], properties: { msg: string } } }\nevents:\n  e:\n    payload: A\n    emit: [{ to: all, event: note, data: \"{{ payload }}\" }]\n",
    );
    assert!(
        module.contains("cx.emit(To::All, \"note\", &payload).await;"),
        "{module}"
    );
}

#[test]
fn acks_interpolate_the_payload() {
    let module = module(
        "gateway: g\nschemas:\n  Dto: { type: object, required: [id], properties: { id: integer } }\nevents:\n  e: { payload: Dto, ack: 'This action updates a #{{ payload.id }} aaa {ok}' }\n  f: { payload: Dto, ack: 'got {{ payload }}' }\n",
    );
    for expected in [
        r#"format!("This action updates a #{} aaa {{ok}}", payload.id)"#,
        // Not a plain value: shown as JSON, as JavaScript would.
        "gatesmith_runtime::Shown(",
    ] {
        assert!(module.contains(expected), "{expected:?} in:\n{module}");
    }
}

#[test]
fn integers_beyond_i32_keep_their_type() {
    // Found by tests/scale.rs: `json!(3000000000)` is an i32 literal out
    // of range, which rustc refuses.
    let module = module(
        "gateway: g\nevents:\n  e:\n    ack: [2147483647, 3000000000, -2147483649, -9223372036854775808, 1e300, 1.5]\n",
    );
    let tokens: String = module.split_whitespace().collect();
    assert!(
        tokens.contains(
            "[2147483647,3000000000_i64,-2147483649_i64,-9223372036854775808_i64,1e+300,1.5]"
        ),
        "{module}"
    );
}

#[test]
fn spec_strings_reach_rust_as_literals() {
    let module = module(
        "gateway: g\nevents:\n  e: { ack: \"a\\u0001\\\"b\", emit: [{ to: all, event: x, data: { \"k\\\"\": [1, 2.5, null, true] } }] }\n",
    );
    assert!(module.contains(r#""a\u{1}\"b".to_owned()"#), "{module}");
    assert!(
        module.contains(r#"{ "k\"" : [1, 2.5, null, true] }"#),
        "{module}"
    );
}
