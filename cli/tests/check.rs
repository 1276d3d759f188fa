//! `gatesmith check` and `generate` as CI and users run them: the binary,
//! in a project folder, catching each kind of drift and writing nothing.

mod common;

use common::{Project, text};

const LESSON: &str = include_str!("../../specs/aaa.yaml");
const PING: &str = "gateway: ping\nnamespace: /ping\nevents:\n  ping:\n    ack: pong\n";

/// A project with the lesson's spec and a second one, generated into `out/`
/// (which its gatesmith.toml names).
fn generated() -> Project {
    let project = Project::empty();
    project.write("gatesmith.toml", "out = \"out\"\n");
    project.write("specs/aaa.yaml", LESSON);
    project.write("specs/ping.yaml", PING);
    project.ok(&["generate"]);
    project
}

/// Runs `check`, asserts it failed and changed nothing, returns stderr.
fn failing_check(project: &Project) -> String {
    let before = project.snapshot();
    let report = project.fails(&["check"]);
    assert_eq!(before, project.snapshot(), "check wrote to the disk");
    report
}

const FIX: &str = "to fix it, run: gatesmith generate --specs specs --out out";

#[test]
fn check_passes_right_after_generate() {
    let project = generated();
    let check = project.gatesmith(&["check"]);
    assert!(check.status.success(), "{}", text(&check));
}

#[test]
fn check_catches_a_forgotten_regeneration_with_a_diff_and_the_fix() {
    let project = generated();
    project.write(
        "specs/ping.yaml",
        &PING.replace("ack: pong", "ack: pong again"),
    );
    let report = failing_check(&project);
    assert!(
        report.contains("out/src/ping.rs: out of date: the specs changed since it was generated"),
        "{report}"
    );
    assert!(report.contains("--- out/src/ping.rs (on disk)"), "{report}");
    assert!(
        report.contains("+++ out/src/ping.rs (rendered from the specs)"),
        "{report}"
    );
    assert!(
        report.contains("-        async move { \"pong\".to_owned() }"),
        "{report}"
    );
    assert!(
        report.contains("+        async move { \"pong again\".to_owned() }"),
        "{report}"
    );
    assert!(report.ends_with(&format!("{FIX}\n")), "{report}");
    assert!(
        !report.contains("out/src/aaa.rs"),
        "only ping.rs depends on ping.yaml: {report}"
    );

    let fix = project.gatesmith(&["generate"]);
    assert!(fix.status.success(), "{}", text(&fix));
    assert!(project.gatesmith(&["check"]).status.success());
}

#[test]
fn check_catches_a_hand_edit_and_generate_keeps_it_unless_forced() {
    let project = generated();
    let edited = project.read("out/src/aaa.rs").replace(
        "This action adds a new aaa",
        "This action adds a new aaa, fixed by hand",
    );
    project.write("out/src/aaa.rs", &edited);

    let report = failing_check(&project);
    assert!(
        report.contains("out/src/aaa.rs: edited by hand since it was generated; needs --force"),
        "{report}"
    );
    assert!(
        report.contains(
            "-        async move { \"This action adds a new aaa, fixed by hand\".to_owned() }"
        ),
        "{report}"
    );
    assert!(
        report.contains(&format!("{} --force", &FIX["to fix it, run: ".len()..])),
        "{report}"
    );

    let refused = project.gatesmith(&["generate"]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("will not overwrite out/src/aaa.rs"),
        "{}",
        text(&refused)
    );
    assert_eq!(project.read("out/src/aaa.rs"), edited);

    let forced = project.gatesmith(&["generate", "--force"]);
    assert!(forced.status.success(), "{}", text(&forced));
    assert!(
        String::from_utf8_lossy(&forced.stdout)
            .contains("updated   out/src/aaa.rs (forced: it was edited by hand"),
        "{}",
        text(&forced)
    );
    assert!(project.gatesmith(&["check"]).status.success());
}

#[test]
fn check_catches_a_stale_file_and_generate_deletes_it() {
    let project = generated();
    std::fs::remove_file(project.path("specs/ping.yaml")).expect("rm");

    let report = failing_check(&project);
    assert!(
        report.contains("out/src/ping.rs: stale: no spec renders it any more"),
        "{report}"
    );
    assert!(report.contains("+++ /dev/null"), "{report}");
    assert!(report.ends_with(&format!("{FIX}\n")), "{report}");

    let generate = project.gatesmith(&["generate"]);
    assert!(generate.status.success(), "{}", text(&generate));
    assert!(
        String::from_utf8_lossy(&generate.stdout).contains("deleted   out/src/ping.rs (stale"),
        "{}",
        text(&generate)
    );
    assert!(!project.path("out/src/ping.rs").exists());
    assert!(!project.read("out/src/lib.rs").contains("ping"));
    assert!(project.gatesmith(&["check"]).status.success());
}

#[test]
fn dry_run_prints_the_plan_check_reports_and_writes_nothing() {
    let project = generated();
    std::fs::remove_file(project.path("specs/ping.yaml")).expect("rm");
    project.write("specs/pong.yaml", &PING.replace("ping", "pong"));
    let before = project.snapshot();
    let dry_run = project.gatesmith(&["generate", "--dry-run"]);
    assert!(dry_run.status.success(), "{}", text(&dry_run));
    assert_eq!(before, project.snapshot());
    let plan = String::from_utf8_lossy(&dry_run.stdout);
    for line in [
        "would be created   out/src/pong.rs",
        "would be updated   out/src/lib.rs",
        "would be unchanged out/src/aaa.rs",
        "would be deleted   out/src/ping.rs",
        "would be updated   out/gatesmith.manifest",
    ] {
        assert!(plan.contains(line), "{line:?} missing from:\n{plan}");
    }
}

#[test]
fn generate_never_overwrites_a_file_without_the_header() {
    let project = generated();
    project.write("out/src/ping.rs", "// mine\n");
    project.write(
        "specs/ping.yaml",
        &PING.replace("ack: pong", "ack: pong again"),
    );
    let refused = project.gatesmith(&["generate"]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(
        String::from_utf8_lossy(&refused.stderr)
            .contains("will not overwrite out/src/ping.rs: it has no gatesmith header"),
        "{}",
        text(&refused)
    );
    assert_eq!(project.read("out/src/ping.rs"), "// mine\n");
}
#[test]
fn check_fails_on_an_invalid_spec_with_its_location() {
    let project = generated();
    project.write("specs/ping.yaml", &PING.replace("ack: pong", "acks: pong"));
    let report = failing_check(&project);
    assert!(report.contains("specs/ping.yaml:5:5"), "{report}");
    assert!(report.contains("did you mean `ack`"), "{report}");
}
