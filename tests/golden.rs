//! Every spec in specs/ renders to exactly what generated/ holds: the
//! committed output never drifts from the specs.

use std::path::Path;

#[test]
fn generated_matches_what_the_specs_render_byte_for_byte() {
    let root = gatesmith_tests::root();
    let files = gatesmith::render_specs(Path::new("specs")).unwrap_or_else(|err| panic!("{err}"));
    assert!(!files.is_empty());
    let mut drift = Vec::new();
    for file in &files {
        let path = root.join("generated").join(&file.path);
        match std::fs::read_to_string(&path) {
            Ok(on_disk) if on_disk == file.contents => {}
            Ok(_) => drift.push(format!("{} differs", path.display())),
            Err(err) => drift.push(format!("{}: {err}", path.display())),
        }
    }
    assert!(
        drift.is_empty(),
        "generated/ drifted from specs/: {drift:?}\nrun `cargo run -p gatesmith -- generate` and commit the result"
    );
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
