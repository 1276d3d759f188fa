//! The TypeScript typings that `gatesmith generate` writes (`client/*.d.ts`)
//! type-check a real client with `tsc --strict` (TypeScript from the npm
//! registry, locked in tests/node), and refuse one sending wrong payloads,
//! naming each wrong line.

use std::process::Command;

fn tsc(file: &str) -> (bool, String) {
    gatesmith_tests::npm_install();
    let dir = gatesmith_tests::root().join("tests/node");
    let output = Command::new("node")
        .args([
            "node_modules/typescript/bin/tsc",
            "--noEmit",
            "--strict",
            "--skipLibCheck",
        ])
        .args([
            "--target",
            "es2022",
            "--module",
            "nodenext",
            "--moduleResolution",
            "nodenext",
        ])
        .arg(file)
        .current_dir(&dir)
        .output()
        .expect("run node (Node 20 must be installed)");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), report)
}

#[test]
fn a_client_type_checks_against_the_generated_typings() {
    let (ok, report) = tsc("ts/client.ts");
    assert!(ok, "tsc refused ts/client.ts:\n{report}");
}

#[test]
fn a_client_sending_wrong_payload_types_does_not_compile() {
    let (ok, report) = tsc("ts/wrong-payload.ts");
    assert!(!ok, "tsc accepted ts/wrong-payload.ts");
    let source =
        std::fs::read_to_string(gatesmith_tests::root().join("tests/node/ts/wrong-payload.ts"))
            .expect("read the wrong client");
    let wrong: Vec<usize> = (source.lines().enumerate())
        .filter(|(_, line)| line.contains("// WRONG"))
        .map(|(index, _)| index + 1)
        .collect();
    assert_eq!(wrong.len(), 3, "the file marks three wrong lines");
    for line in wrong {
        assert!(
            report.contains(&format!("ts/wrong-payload.ts({line},")),
            "tsc should name line {line}:\n{report}"
        );
    }
    assert_eq!(
        report.matches("error TS").count(),
        3,
        "one error per wrong line:\n{report}"
    );
}
