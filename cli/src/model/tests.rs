//! The model's checks, through the whole pipeline of one spec file
//! (`crate::load_one`): what it accepts, what it makes of it, and each
//! error with its place.

use std::path::Path;

use serde_json::Value;

use super::*;

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

/// The type of the schema `name`.
fn schema<'g>(gateway: &'g Gateway, name: &str) -> (TypeId, &'g TypeDef) {
    let id = gateway.types.schema(name).expect("a schema of that name");
    (id, gateway.types.get(id))
}

#[test]
fn the_lessons_spec_resolves_payloads_acks_and_delays() {
    let source = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/aaa.yaml"))
        .expect("specs/aaa.yaml");
    let gateway = check_str(&source).unwrap_or_else(|errors| panic!("{errors:?}"));
    let names: Vec<&str> = gateway.events.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "createAaa",
            "findAllAaa",
            "findOneAaa",
            "updateAaa",
            "removeAaa"
        ]
    );
    let update = &gateway.events[3];
    let (dto, _) = schema(&gateway, "UpdateAaaDto");
    assert_eq!(update.payload, Some(Ty::Named(dto)));
    let Some(Ack::Text(Data::Text(parts))) = &update.ack else {
        panic!("{:?}", update.ack)
    };
    assert!(
        matches!(&parts[1], Part::Var(Var { path, ty: Ty::Integer(IntFormat::Int64), .. }) if path == &["id"])
    );
    let delays: Vec<u64> = (gateway.events[1].replies.iter())
        .map(|r| r.delay_ms)
        .collect();
    assert_eq!(delays, [0, 2000, 5000]);
    let sent: Vec<&str> = (gateway.server_events.iter())
        .map(|e| e.name.as_str())
        .collect();
    assert_eq!(sent, ["guang", "exception"]);
    let directions: Vec<Direction> = gateway.messages().map(|(_, way)| way).collect();
    assert_eq!(
        directions,
        [
            [Direction::ClientToServer; 5].as_slice(),
            &[Direction::ServerToClient; 2]
        ]
        .concat()
    );
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
fn payload_fields_are_found_through_an_alias_of_a_struct() {
    let gateway = check_str(
        "gateway: g\nschemas:\n  Dto: { type: object, required: [id], properties: { id: integer } }\n  Same: Dto\nevents:\n  e: { payload: Same, ack: '#{{ payload.id }}' }\n",
    )
    .unwrap_or_else(|errors| panic!("{errors:?}"));
    let Some(Ack::Text(Data::Text(parts))) = &gateway.events[0].ack else {
        panic!("{:?}", gateway.events[0].ack)
    };
    assert!(matches!(
        &parts[1],
        Part::Var(Var {
            ty: Ty::Integer(IntFormat::Int64),
            ..
        })
    ));
}

#[test]
fn a_named_object_without_properties_is_any_json() {
    let gateway = check_str("gateway: g\nschemas:\n  Meta: { type: object }\n")
        .unwrap_or_else(|errors| panic!("{errors:?}"));
    let (_, meta) = schema(&gateway, "Meta");
    assert!(matches!(meta.shape, Shape::Alias(Ty::Any)), "{meta:?}");
}

#[test]
fn a_field_that_is_not_there_is_named_by_its_path() {
    let found = errors(
        "gateway: g\nschemas:\n  Dto: { type: object, required: [a], properties: { a: { type: object, required: [b], properties: { b: integer } } } }\nevents:\n  e: { payload: Dto, ack: '{{ payload.zz }} {{ payload.a.zz }} {{ payload.a.b.c }}' }\n",
    );
    assert_eq!(found.len(), 1, "one per string: {found:#?}");
    assert!(
        found[0].contains("`{{ payload.zz }}`: the payload has no field \"zz\""),
        "{}",
        found[0]
    );
    for (ack, says) in [
        (
            "{{ payload.a.zz }}",
            "`{{ payload.a.zz }}`: `payload.a` has no field \"zz\"",
        ),
        (
            "{{ payload.a.b.c }}",
            "`{{ payload.a.b.c }}`: `payload.a.b` has no field \"c\" (it is not an object)",
        ),
    ] {
        let found = errors(&format!(
            "gateway: g\nschemas:\n  Dto: {{ type: object, required: [a], properties: {{ a: {{ type: object, required: [b], properties: {{ b: integer }} }} }} }}\nevents:\n  e: {{ payload: Dto, ack: '{ack}' }}\n"
        ));
        assert!(found[0].contains(says), "{}", found[0]);
    }
}

#[test]
fn escaped_braces_in_acks_and_data_stay_text() {
    let gateway = check_str(
        "gateway: g\nevents:\n  e:\n    payload: integer\n    ack: '\\{{ payload }} is {{ payload }}'\n    reply:\n      - event: r\n        data: { k: '\\{{ x }}', n: '{{ payload }}', l: ['\\\\{{ payload }}'] }\n  f:\n    ack: '\\{{ not a value }}'\n",
    )
    .unwrap_or_else(|errors| panic!("{errors:?}"));
    let Some(Ack::Text(Data::Text(parts))) = &gateway.events[0].ack else {
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
        Some(Ack::Text(Data::Literal("{{ not a value }}".into()))),
        "no payload needed: nothing is interpolated"
    );
}

#[test]
fn an_asking_emission_goes_to_the_sender_of_an_event_with_a_reply() {
    let spec = |emit: &str| {
        format!(
            "gateway: g\nserver_events:\n  confirm: {{ data: string, reply: boolean }}\n  note: {{ data: string }}\nevents:\n  e:\n    emit: [{emit}]\n"
        )
    };
    let gateway = check_str(&spec(
        "{ to: sender, event: confirm, data: sure?, ask: 5s }",
    ))
    .unwrap_or_else(|errors| panic!("{errors:?}"));
    assert_eq!(
        gateway.events[0].emits[0].ask,
        Some(Ask { timeout_ms: 5000 })
    );
    let asked: Vec<bool> = (gateway.server_events.iter())
        .map(|e| matches!(e.kind, Sent::Declared { asked: true, .. }))
        .collect();
    assert_eq!(asked, [true, false, false], "confirm, note, exception");
    for (wrong, says) in [
        (
            "{ to: all, event: confirm, data: x, ask: 5s }",
            "t.yaml:7:48\n  |\n7 |     emit: [{ to: all, event: confirm, data: x, ask: 5s }]",
        ),
        (
            "{ to: all, event: confirm, data: x, ask: 5s }",
            "`ask:` waits for one client's answer: use it with `to: sender`",
        ),
        (
            "{ to: sender, event: confirm, data: x, ask: 5s, after: 1s }",
            "`ask:` and `after:` do not go together",
        ),
        (
            "{ to: sender, event: confirm, data: x, ask: 0s }",
            "`ask:` needs time for the answer",
        ),
        (
            "{ to: sender, event: note, data: x, ask: 5s }",
            "`note` declares no `reply:` under `server_events`",
        ),
    ] {
        let found = errors(&spec(wrong));
        assert!(found.iter().any(|e| e.contains(says)), "{wrong}: {found:?}");
    }
    let undeclared =
        errors("gateway: g\nevents:\n  e:\n    emit: [{ to: sender, event: confirm, ask: 5s }]\n");
    assert!(
        undeclared
            .iter()
            .any(|e| e
                .contains("`ask:` needs `confirm` declared under `server_events`, with `reply:`")),
        "{undeclared:?}"
    );
}

#[test]
fn enums_unions_formats_and_nullable_are_types_of_the_table() {
    let gateway = check_str(
        "gateway: g\nschemas:\n  Role: { enum: [admin, read-only] }\n  Id: { type: integer, format: uint32 }\n  Either: { oneOf: [string, Id, { type: object, properties: { x: integer } }] }\n  Maybe: { $ref: Role, nullable: true }\n",
    )
    .unwrap_or_else(|errors| panic!("{errors:?}"));
    let (role, role_def) = schema(&gateway, "Role");
    assert!(
        matches!(&role_def.shape, Shape::Enum(values) if values == &["admin", "read-only"]),
        "{role_def:?}"
    );
    let (id, id_def) = schema(&gateway, "Id");
    assert!(matches!(
        id_def.shape,
        Shape::Alias(Ty::Integer(IntFormat::Uint32))
    ));
    let (_, either) = schema(&gateway, "Either");
    let Shape::Union(choices) = &either.shape else {
        panic!("{either:?}")
    };
    assert_eq!(choices[..2], [Ty::String, Ty::Named(id)]);
    let Ty::Named(object) = choices[2] else {
        panic!("{choices:?}")
    };
    assert_eq!(
        gateway.types.get(object).name,
        TypeName::Inline(vec!["Either".into(), "Object".into()]),
        "an inline type is named after its place"
    );
    let (_, maybe) = schema(&gateway, "Maybe");
    assert!(
        matches!(&maybe.shape, Shape::Alias(Ty::Nullable(inner)) if **inner == Ty::Named(role)),
        "{maybe:?}"
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
        event.emits[0].to,
        To::RoomOthers(Data::Literal(Value::from("lobby")))
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
        Some(ConnectGuard {
            tokens: vec![("G_TOKEN".to_owned(), "member".to_owned())]
        })
    );
    assert_eq!(gateway.events[0].guard.role.as_deref(), Some("member"));
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
}

#[test]
fn the_model_holds_no_rust_or_typescript_spelling() {
    // Names are kept as the spec writes them; backends convert them.
    let gateway = check_str(
        "gateway: chat-room\nschemas:\n  user-profile: { type: object, properties: { 'first name': string } }\nevents:\n  findAll: { payload: user-profile }\n",
    )
    .unwrap_or_else(|errors| panic!("{errors:?}"));
    assert_eq!(gateway.name, "chat-room");
    assert_eq!(gateway.events[0].name, "findAll");
    let (_, profile) = schema(&gateway, "user-profile");
    assert_eq!(profile.name, TypeName::Schema("user-profile".into()));
    let Shape::Struct(object) = &profile.shape else {
        panic!("{profile:?}")
    };
    assert_eq!(object.fields[0].name, "first name");
}

#[test]
fn a_schema_that_does_not_compile_leaves_the_other_checks_to_run() {
    let found = errors(
        "gateway: g\nevents:\n  a:\n    payload: { type: string, pattern: '(' }\n    example: x\n  b:\n    payload: { type: string, maxLength: 3 }\n    example: toolong\n",
    );
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(
        found[0].contains("is not a regular expression"),
        "{}",
        found[0]
    );
    assert!(
        found[1].contains("the example does not fit the payload's schema")
            && found[1].contains(":8:14"),
        "{}",
        found[1]
    );
}
