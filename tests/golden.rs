//! Every committed output is exactly what its specs render: generated/ for
//! specs/ (the lesson), tests/escaping/ for tests/escaping/specs/ (the
//! escaping fixture). Neither may drift from its specs.

use std::path::Path;

/// Renders `specs` in memory and compares every file with `out`, byte for byte.
fn assert_committed_output_matches(specs: &str, out: &str) {
    let root = gatesmith_tests::root();
    // Relative, as `gatesmith generate` is run: headers name the spec's path.
    // (Tests run in the package's folder, the repository root.)
    let files = gatesmith::render_specs(Path::new(specs)).unwrap_or_else(|err| panic!("{err}"));
    assert!(!files.is_empty());
    let mut drift = Vec::new();
    for file in &files {
        let path = root.join(out).join(&file.path);
        match std::fs::read_to_string(&path) {
            Ok(on_disk) if on_disk == file.contents => {}
            Ok(_) => drift.push(format!("{} differs", path.display())),
            Err(err) => drift.push(format!("{}: {err}", path.display())),
        }
    }
    assert!(
        drift.is_empty(),
        "{out}/ drifted from {specs}/: {drift:?}\nrun `cargo run -p gatesmith -- generate --specs {specs} --out {out}` and commit the result"
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
fn generate_run_twice_changes_nothing_the_second_time() {
    let out = tempfile::tempdir().expect("temp dir");
    let first = gatesmith::generate(Path::new("specs"), out.path(), false)
        .unwrap_or_else(|err| panic!("{err}"));
    assert!(
        first
            .iter()
            .all(|p| p.action == gatesmith::write::Action::Create)
    );
    let second = gatesmith::generate(Path::new("specs"), out.path(), false)
        .unwrap_or_else(|err| panic!("{err}"));
    assert!(
        second
            .iter()
            .all(|p| p.action == gatesmith::write::Action::Unchanged),
        "{second:?}"
    );
}
