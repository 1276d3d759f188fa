//! Every spec in specs/ renders to exactly what generated/ holds, manifest
//! included: the committed output never drifts from the specs.

#[test]
fn generated_matches_what_the_specs_render_byte_for_byte() {
    let root = gatesmith_tests::root();
    let plan = gatesmith::plan(&gatesmith::Project::new(
        root.join("specs"),
        root.join("generated"),
    ))
    .unwrap_or_else(|err| panic!("{err}"));
    assert!(plan.len() > 1);
    let drifted = gatesmith::check::drift(&plan);
    assert!(
        drifted.is_empty(),
        "generated/ drifted from specs/:\n{}",
        gatesmith::check::report(&drifted, "cargo run -p gatesmith -- generate")
    );
}

#[test]
fn generate_run_twice_changes_nothing_the_second_time() {
    let out = tempfile::tempdir().expect("temp dir");
    let first = gatesmith::generate(&gatesmith::Project::new("specs", out.path()), false)
        .unwrap_or_else(|err| panic!("{err}"));
    assert!(
        first
            .iter()
            .all(|p| p.action == gatesmith::write::Action::Create)
    );
    let second = gatesmith::generate(&gatesmith::Project::new("specs", out.path()), false)
        .unwrap_or_else(|err| panic!("{err}"));
    assert!(
        second
            .iter()
            .all(|p| p.action == gatesmith::write::Action::Unchanged),
        "{second:?}"
    );
}
