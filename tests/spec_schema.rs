//! The JSON Schema of the spec format: the committed copy is what
//! `gatesmith schema` prints, and editors reading it (Ajv, as
//! yaml-language-server does) accept our specs and flag wrong shapes
//! (tests/node/spec-schema.test.mjs).

#[test]
fn the_committed_schema_is_what_gatesmith_schema_prints() {
    let path = gatesmith_tests::root().join("docs/spec.schema.json");
    let committed = std::fs::read_to_string(&path).expect("read docs/spec.schema.json");
    assert!(
        committed == gatesmith::spec::json_schema(),
        "docs/spec.schema.json is out of date: run `cargo run -p gatesmith -- schema > docs/spec.schema.json`"
    );
}

#[test]
fn editors_accept_our_specs_and_flag_wrong_shapes() {
    gatesmith_tests::node_test("spec-schema.test.mjs", "unused", &[]);
}
