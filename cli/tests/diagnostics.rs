//! What a user sees for a bad spec: every mistake of the file at once, each
//! with its file, line, column, the line, a caret and what to do.

use std::process::Command;

fn check(specs: &str) -> (Option<i32>, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_gatesmith"))
        .args(["check", "--specs", specs, "--out", "unused"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run gatesmith");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn a_spec_with_eleven_kinds_of_mistake_gets_eleven_located_messages_in_one_run() {
    let (code, report) = check("tests/specs");
    assert_eq!(code, Some(1), "{report}");
    let located: Vec<&str> = report
        .lines()
        .filter_map(|line| {
            line.trim_start()
                .strip_prefix("--> tests/specs/every-mistake.yaml:")
        })
        .collect();
    assert_eq!(
        located,
        [
            "4:3", "8:30", "18:5", "21:3", "24:14", "25:18", "28:34", "29:34", "30:34", "32:11",
            "33:3"
        ],
        "{report}"
    );
    for expected in [
        "schema \"Order\" contains itself (Order → Basket → Order)",
        "`maxLength` applies to strings, and this schema is integer",
        "unknown key `acks` — did you mean `ack`?",
        "event \"findAll\" becomes the Rust method `find_all`, as event \"find-all\" does",
        "unknown schema \"Nope\"",
        "`to`: `everyone` is not allowed here",
        "cannot read delay \"2 sec\"",
        "delay \"-1s\" is negative",
        "delay \"2h\" is longer than the 1 hour allowed",
        "`emit`: expected a list, found a string \"refunded\"",
        "`track` is declared twice, first on line 26",
        "11 errors in the specs; nothing was written",
    ] {
        assert!(
            report.contains(expected),
            "{expected:?} missing from:\n{report}"
        );
    }
    assert!(
        report.contains(
            "18 |     acks: \"ordered\"\n   |     ^\n   |\n   = help: keys allowed here:"
        ),
        "the line, a caret under the key and the help: {report}"
    );
}

#[test]
fn yaml_syntax_errors_are_located() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("broken.yaml"),
        "gateway: a\nevents:\n  e:\n    ack: [unclosed\n  f: {}\n",
    )
    .expect("write");
    let (code, report) = check(dir.path().to_str().expect("utf-8 temp path"));
    assert_eq!(code, Some(1), "{report}");
    assert!(report.contains("this is not valid YAML"), "{report}");
    assert!(report.contains("broken.yaml:5:"), "{report}");
}

#[test]
fn a_reader_that_stops_early_does_not_make_gatesmith_panic() {
    use std::process::{Command, Stdio};
    // `gatesmith schema | head -1`: the reader goes away before gatesmith
    // has written everything.
    let mut child = Command::new(env!("CARGO_BIN_EXE_gatesmith"))
        .arg("schema")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run gatesmith");
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("wait for gatesmith");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(
        output.status.code(),
        Some(101),
        "a panic's exit code: {stderr}"
    );
}
