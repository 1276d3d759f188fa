//! `gatesmith check` and `generate` as CI and users run them: the binary,
//! in a project folder, catching each kind of drift and writing nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const LESSON: &str = include_str!("../../specs/aaa.yaml");
const PING: &str = "gateway: ping\nevents:\n  ping:\n    ack: pong\n";

struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    /// A project with the lesson's spec and a second one, generated.
    fn generated() -> Self {
        let project = Project {
            dir: tempfile::tempdir().expect("temp dir"),
        };
        project.write("specs/aaa.yaml", LESSON);
        project.write("specs/ping.yaml", PING);
        let generate = project.run(&["generate"]);
        assert!(generate.status.success(), "{}", text(&generate));
        project
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    fn write(&self, relative: &str, contents: &str) {
        let path = self.path(relative);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        std::fs::write(path, contents).expect("write");
    }

    fn read(&self, relative: &str) -> String {
        std::fs::read_to_string(self.path(relative)).expect("read")
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_gatesmith"))
            .args(args)
            .args(["--specs", "specs", "--out", "out"])
            .current_dir(self.dir.path())
            // As an installed gatesmith, not one that `cargo run` started.
            .env_remove("CARGO")
            .output()
            .expect("run gatesmith")
    }

    /// Every file under the project and its contents.
    fn snapshot(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        fn walk(dir: &Path, into: &mut BTreeMap<PathBuf, Vec<u8>>) {
            for entry in std::fs::read_dir(dir).expect("read_dir").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, into);
                } else {
                    into.insert(path.clone(), std::fs::read(&path).expect("read"));
                }
            }
        }
        let mut files = BTreeMap::new();
        walk(self.dir.path(), &mut files);
        files
    }

    /// Runs `check`, asserts it failed and changed nothing, returns stderr.
    fn failing_check(&self) -> String {
        let before = self.snapshot();
        let check = self.run(&["check"]);
        assert_eq!(check.status.code(), Some(1), "{}", text(&check));
        assert_eq!(before, self.snapshot(), "check wrote to the disk");
        String::from_utf8_lossy(&check.stderr).into_owned()
    }
}

fn text(output: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

const FIX: &str = "to fix it, run: gatesmith generate --specs specs --out out";

#[test]
fn check_passes_right_after_generate() {
    let project = Project::generated();
    let check = project.run(&["check"]);
    assert!(check.status.success(), "{}", text(&check));
}

#[test]
fn check_catches_a_forgotten_regeneration_with_a_diff_and_the_fix() {
    let project = Project::generated();
    project.write(
        "specs/ping.yaml",
        &PING.replace("ack: pong", "ack: pong again"),
    );
    let report = project.failing_check();
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

    let fix = project.run(&["generate"]);
    assert!(fix.status.success(), "{}", text(&fix));
    assert!(project.run(&["check"]).status.success());
}

#[test]
fn check_catches_a_hand_edit_and_generate_keeps_it_unless_forced() {
    let project = Project::generated();
    let edited = project.read("out/src/aaa.rs").replace(
        "This action adds a new aaa",
        "This action adds a new aaa, fixed by hand",
    );
    project.write("out/src/aaa.rs", &edited);

    let report = project.failing_check();
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

    let refused = project.run(&["generate"]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("will not overwrite out/src/aaa.rs"),
        "{}",
        text(&refused)
    );
    assert_eq!(project.read("out/src/aaa.rs"), edited);

    let forced = project.run(&["generate", "--force"]);
    assert!(forced.status.success(), "{}", text(&forced));
    assert!(
        String::from_utf8_lossy(&forced.stdout)
            .contains("updated   out/src/aaa.rs (forced: it was edited by hand"),
        "{}",
        text(&forced)
    );
    assert!(project.run(&["check"]).status.success());
}

#[test]
fn check_catches_a_stale_file_and_generate_deletes_it() {
    let project = Project::generated();
    std::fs::remove_file(project.path("specs/ping.yaml")).expect("rm");

    let report = project.failing_check();
    assert!(
        report.contains("out/src/ping.rs: stale: no spec renders it any more"),
        "{report}"
    );
    assert!(report.contains("+++ /dev/null"), "{report}");
    assert!(report.ends_with(&format!("{FIX}\n")), "{report}");

    let generate = project.run(&["generate"]);
    assert!(generate.status.success(), "{}", text(&generate));
    assert!(
        String::from_utf8_lossy(&generate.stdout).contains("deleted   out/src/ping.rs (stale"),
        "{}",
        text(&generate)
    );
    assert!(!project.path("out/src/ping.rs").exists());
    assert!(!project.read("out/src/lib.rs").contains("ping"));
    assert!(project.run(&["check"]).status.success());
}

#[test]
fn dry_run_prints_the_plan_check_reports_and_writes_nothing() {
    let project = Project::generated();
    std::fs::remove_file(project.path("specs/ping.yaml")).expect("rm");
    project.write("specs/pong.yaml", &PING.replace("ping", "pong"));
    let before = project.snapshot();
    let dry_run = project.run(&["generate", "--dry-run"]);
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
    let project = Project::generated();
    project.write("out/src/ping.rs", "// mine\n");
    project.write(
        "specs/ping.yaml",
        &PING.replace("ack: pong", "ack: pong again"),
    );
    let refused = project.run(&["generate"]);
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
    let project = Project::generated();
    project.write("specs/ping.yaml", &PING.replace("ack: pong", "acks: pong"));
    let report = project.failing_check();
    assert!(report.contains("specs/ping.yaml:4:5"), "{report}");
    assert!(report.contains("did you mean `ack`"), "{report}");
}
