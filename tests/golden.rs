//! Every committed output is exactly what its specs render, manifest
//! included: generated/ for specs/ (the lesson), tests/escaping/ for
//! tests/escaping/specs/ (the escaping fixture), bench/gatesmith-server/ for
//! bench/specs/ (the benchmarked gateway). None may drift.

/// Plans `specs` into `out` in memory and asserts nothing would change.
fn assert_committed_output_matches(specs: &str, out: &str) {
    let root = gatesmith_tests::root();
    let plan = gatesmith::plan(&gatesmith::Project::new(root.join(specs), root.join(out)))
        .unwrap_or_else(|err| panic!("{err}"));
    assert!(plan.len() > 1);
    let drifted = gatesmith::check::drift(&plan);
    assert!(
        drifted.is_empty(),
        "{out}/ drifted from {specs}/:\n{}",
        gatesmith::check::report(
            &drifted,
            &format!("cargo run -p gatesmith -- generate --specs {specs} --out {out}")
        )
    );
}

#[test]
fn generated_matches_what_the_specs_render_byte_for_byte() {
    assert_committed_output_matches("specs", "generated");
}

#[test]
fn the_escaping_fixture_matches_what_its_spec_renders_byte_for_byte() {
    assert_committed_output_matches("tests/escaping/specs", "tests/escaping");
}

#[test]
fn the_benchmarked_gateway_matches_what_its_spec_renders_byte_for_byte() {
    // Otherwise a template change would leave the benchmark measuring old code.
    assert_committed_output_matches("bench/specs", "bench/gatesmith-server");
}

#[test]
fn generate_run_twice_changes_nothing_the_second_time() {
    let out = tempfile::tempdir().expect("temp dir");
    let project = gatesmith::Project::new("specs", out.path());
    let first = gatesmith::generate(&project, false).unwrap_or_else(|err| panic!("{err}"));
    assert!(
        first
            .iter()
            .all(|p| p.action == gatesmith::write::Action::Create)
    );
    let second = gatesmith::generate(&project, false).unwrap_or_else(|err| panic!("{err}"));
    assert!(
        second
            .iter()
            .all(|p| p.action == gatesmith::write::Action::Unchanged),
        "{second:?}"
    );
}
