//! `gatesmith check`: the write plan compared with the disk, for CI. Every
//! file that `generate` would touch is drift: a forgotten regeneration, a
//! hand edit, a stale file.

use std::fmt::Write as _;

use crate::write::{Action, Conflict, MANIFEST, Planned};

/// The files `generate` would change, in plan order.
pub fn drift(plan: &[Planned]) -> Vec<&Planned> {
    plan.iter()
        .filter(|planned| planned.action != Action::Unchanged)
        .collect()
}

/// What `check` prints when the disk drifted: one line per file saying what
/// is wrong with it, a unified diff of each, and the command that fixes it.
/// `generate` is that command with the output folder's arguments.
pub fn report(drifted: &[&Planned], generate: &str) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{} file{} differ{} from what the specs render:",
        drifted.len(),
        if drifted.len() == 1 { "" } else { "s" },
        if drifted.len() == 1 { "s" } else { "" },
    );
    for planned in drifted {
        let _ = writeln!(text, "  {}", problem(planned));
    }
    for planned in drifted {
        let _ = write!(text, "\n{}", planned.diff());
    }
    let forced = drifted.iter().any(|planned| planned.conflict.is_some());
    if forced {
        let _ = write!(
            text,
            "\nto fix it, move any change you want to keep from the files that need --force into \
             your service implementation (gatesmith never touches it), then run: {generate} --force"
        );
    } else {
        let _ = write!(text, "\nto fix it, run: {generate}");
    }
    text
}

fn problem(planned: &Planned) -> String {
    let path = planned.path.display();
    let is_manifest = planned.path.file_name() == Some(MANIFEST.as_ref());
    let why = match (planned.action, planned.conflict) {
        (Action::Update, None) if is_manifest => {
            "out of date: it lists the generated files' hashes"
        }
        (_, Some(Conflict::HandEdited)) => "edited by hand since it was generated; needs --force",
        (_, Some(Conflict::UserOwned)) => {
            "a file without gatesmith's header is where a generated one belongs; needs --force"
        }
        (Action::Create, None) => "missing: the specs render it but it was never generated",
        (Action::Update, None) => "out of date: the specs changed since it was generated",
        (Action::Delete, None) => "stale: no spec renders it any more",
        (Action::Unchanged, None) => "up to date",
    };
    format!("{path}: {why}")
}
