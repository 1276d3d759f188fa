//! Stage 4, write: rendered files compared with the disk, as a plan of
//! writes that `generate` carries out, `check` reports and `--dry-run`
//! prints.
//!
//! Two facts decide what may be touched. A file without gatesmith's header
//! belongs to the user. The manifest (`gatesmith.manifest` in the output
//! folder) holds the hash of every file gatesmith wrote there: a generated
//! file whose hash no longer matches was edited by hand, and a file the
//! manifest lists that the specs no longer render is stale. Neither a user's
//! file nor a hand edit is ever replaced or deleted without `--force`.

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::path::{Component, Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::render::{File, GENERATED_MARK};

/// The manifest's file name, in the output folder.
pub const MANIFEST: &str = "gatesmith.manifest";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Create,
    Update,
    Unchanged,
    /// Stale: the file's spec is gone; gatesmith wrote it and nobody edited it.
    Delete,
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Action::Create => "created",
            Action::Update => "updated",
            Action::Unchanged => "unchanged",
            Action::Delete => "deleted",
        })
    }
}

/// Why an action needs `--force`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conflict {
    /// The file exists and lacks gatesmith's header: it is the user's.
    UserOwned,
    /// The file differs from what gatesmith last wrote there.
    HandEdited,
}

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Conflict::UserOwned => "it has no gatesmith header, so it is yours",
            Conflict::HandEdited => {
                "it was edited by hand since gatesmith wrote it (its hash differs from the manifest's)"
            }
        })
    }
}

/// One file of the plan: where, what happens to it, what it holds now and
/// what it will hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub path: PathBuf,
    pub action: Action,
    /// Set when carrying out the action replaces or deletes something that
    /// gatesmith does not own: only `--force` allows it.
    pub conflict: Option<Conflict>,
    pub on_disk: Option<String>,
    /// `None` when the file is deleted.
    pub contents: Option<String>,
}

impl Planned {
    /// The plan's line for this file: `updated generated/src/aaa.rs`.
    pub fn describe(&self, dry_run: bool, force: bool) -> String {
        let verb = if dry_run { "would be " } else { "" };
        // A project whose output is its own folder (`out = "."`) names its
        // files as the user does: `src/lib.rs`, not `./src/lib.rs`.
        let path = self.path.display().to_string();
        let path = path.strip_prefix("./").unwrap_or(&path);
        let mut line = format!("{verb}{:<9} {path}", self.action);
        match (self.conflict, self.action) {
            (Some(conflict), _) if force => line.push_str(&format!(" (forced: {conflict})")),
            (Some(conflict), _) => line.push_str(&format!(" (needs --force: {conflict})")),
            (None, Action::Delete) => line.push_str(" (stale: no spec renders it any more)"),
            _ => {}
        }
        line
    }

    /// What a reviewer reads: the change from the disk to the plan, as a
    /// unified diff, empty when nothing changes.
    pub fn diff(&self) -> String {
        if self.action == Action::Unchanged {
            return String::new();
        }
        let shown = self.path.display().to_string();
        let old = self.on_disk.as_deref().unwrap_or("");
        let new = self.contents.as_deref().unwrap_or("");
        let old_name = if self.on_disk.is_some() {
            format!("{shown} (on disk)")
        } else {
            "/dev/null".to_owned()
        };
        let new_name = if self.contents.is_some() {
            format!("{shown} (rendered from the specs)")
        } else {
            "/dev/null".to_owned()
        };
        similar::TextDiff::from_lines(old, new)
            .unified_diff()
            .context_radius(3)
            .header(&old_name, &new_name)
            .to_string()
    }
}

/// What stops the write stage.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// Carrying out the plan would replace or delete what gatesmith does not
    /// own; nothing was written.
    #[error("{}", refusal(.0))]
    Conflicts(Vec<Planned>),
    /// The manifest is not one gatesmith can read.
    #[error(
        "{}:{line}: {message}\n  the manifest lists `<sha256>  <path>` per generated file; \
         fix the line, or delete the manifest (then no file is pruned as stale and hand \
         edits go unnoticed until the next generate)",
        .path.display()
    )]
    Manifest {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{path}: {error}", path = .0.display(), error = .1)]
    Io(PathBuf, #[source] io::Error),
}

/// Why nothing was written: each file gatesmith would not touch, and what
/// to do.
fn refusal(conflicts: &[Planned]) -> String {
    let mut text = String::new();
    for planned in conflicts {
        let what = match planned.action {
            Action::Delete => "delete",
            _ => "overwrite",
        };
        let conflict = planned.conflict.unwrap_or(Conflict::UserOwned);
        text.push_str(&format!(
            "error: gatesmith will not {what} {}: {conflict}\n",
            planned.path.display()
        ));
    }
    text.push_str(&format!(
        "nothing was written. Move hand-written code into your service \
         implementation (a file without the `{GENERATED_MARK}` header, which gatesmith \
         never touches), or run again with --force to {}",
        if conflicts.len() == 1 {
            "replace that file"
        } else {
            "replace those files"
        }
    ));
    text
}

/// Compares `files` with what is under `out` and with the manifest there.
/// Reads, never writes. Conflicts are part of the plan; [`execute`] refuses
/// them unless forced.
pub fn plan(out: &Path, files: Vec<File>) -> Result<Vec<Planned>, WriteError> {
    let manifest_path = out.join(MANIFEST);
    let manifest = read_manifest(&manifest_path)?;
    let mut planned = Vec::with_capacity(files.len() + 1);
    let mut rendered = Vec::with_capacity(files.len());
    for file in files {
        rendered.push(file.path.clone());
        planned.push(plan_file(out, &manifest, file)?);
    }
    for (relative, hash) in &manifest {
        if rendered.iter().any(|path| path == relative) {
            continue;
        }
        let path = out.join(relative);
        let Some(on_disk) = read(&path)? else {
            continue;
        };
        // A stale file the user took over (header removed) is theirs now:
        // it leaves the manifest and stays on disk.
        if !has_mark(&on_disk) {
            continue;
        }
        let conflict = (sha256(&on_disk) != *hash).then_some(Conflict::HandEdited);
        planned.push(Planned {
            path,
            action: Action::Delete,
            conflict,
            on_disk: Some(on_disk),
            contents: None,
        });
    }
    let manifest_file = File {
        path: PathBuf::from(MANIFEST),
        contents: manifest_contents(planned.iter().filter_map(|p| {
            let contents = p.contents.as_deref()?;
            Some((p.path.strip_prefix(out).unwrap_or(&p.path), contents))
        })),
    };
    // The manifest describes itself only through its header.
    let manifest_plan = plan_file(out, &BTreeMap::new(), manifest_file)?;
    planned.push(manifest_plan);
    Ok(planned)
}

fn plan_file(
    out: &Path,
    manifest: &BTreeMap<PathBuf, String>,
    file: File,
) -> Result<Planned, WriteError> {
    let path = out.join(&file.path);
    let on_disk = read(&path)?;
    let (action, conflict) = match &on_disk {
        None => (Action::Create, None),
        Some(existing) if *existing == file.contents => (Action::Unchanged, None),
        Some(existing) if !has_mark(existing) => (Action::Update, Some(Conflict::UserOwned)),
        Some(existing) => match manifest.get(&file.path) {
            Some(hash) if *hash != sha256(existing) => (Action::Update, Some(Conflict::HandEdited)),
            _ => (Action::Update, None),
        },
    };
    Ok(Planned {
        path,
        action,
        conflict,
        on_disk,
        contents: Some(file.contents),
    })
}

/// Carries out the plan: writes what it creates or updates, deletes what
/// is stale, and removes folders that deleting left empty. Refuses, before
/// touching anything, if the plan has conflicts and `force` is not set.
pub fn execute(plan: &[Planned], force: bool) -> Result<(), WriteError> {
    let conflicts: Vec<Planned> = plan
        .iter()
        .filter(|p| p.conflict.is_some())
        .cloned()
        .collect();
    if !force && !conflicts.is_empty() {
        return Err(WriteError::Conflicts(conflicts));
    }
    for planned in plan {
        match (planned.action, &planned.contents) {
            (Action::Unchanged, _) => {}
            (Action::Delete, _) | (_, None) => {
                std::fs::remove_file(&planned.path)
                    .map_err(|err| WriteError::Io(planned.path.clone(), err))?;
                // Only empty folders go; a folder with anything else left in
                // it, or that cannot be removed, stays as it is.
                let mut folder = planned.path.parent();
                while let Some(dir) = folder {
                    if std::fs::remove_dir(dir).is_err() {
                        break;
                    }
                    folder = dir.parent();
                }
            }
            (_, Some(contents)) => {
                if let Some(parent) = planned.path.parent() {
                    std::fs::create_dir_all(parent)
                        .map_err(|err| WriteError::Io(parent.to_owned(), err))?;
                }
                std::fs::write(&planned.path, contents)
                    .map_err(|err| WriteError::Io(planned.path.clone(), err))?;
            }
        }
    }
    Ok(())
}

/// Writes a user-owned file that scaffolding creates once (a spec, a
/// service, `main.rs`): fails, writing nothing, if anything is at `path`
/// already, even if it appeared since the plan was made.
pub fn create_new(path: &Path, contents: &str) -> Result<(), WriteError> {
    use std::io::Write as _;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|err| WriteError::Io(parent.to_owned(), err))?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|err| WriteError::Io(path.to_owned(), err))?;
    file.write_all(contents.as_bytes())
        .map_err(|err| WriteError::Io(path.to_owned(), err))
}

fn read(path: &Path) -> Result<Option<String>, WriteError> {
    match std::fs::read(path) {
        // Not UTF-8: certainly not gatesmith's; compared as text it can only
        // differ, and it must not pass for a generated file.
        Ok(bytes) => Ok(Some(String::from_utf8(bytes).unwrap_or_else(|err| {
            String::from_utf8_lossy(err.as_bytes()).replace(GENERATED_MARK, "")
        }))),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(WriteError::Io(path.to_owned(), err)),
    }
}

fn has_mark(contents: &str) -> bool {
    contents
        .lines()
        .take(2)
        .any(|line| line.contains(GENERATED_MARK))
}

fn sha256(contents: &str) -> String {
    Sha256::digest(contents.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// `<sha256>  <path>` per file, as `sha256sum` prints it, so that
/// `sha256sum -c gatesmith.manifest` in the output folder checks it too.
fn manifest_contents<'a>(files: impl Iterator<Item = (&'a Path, &'a str)>) -> String {
    let mut listed: Vec<(String, String)> = files
        .map(|(path, contents)| (slashed(path), sha256(contents)))
        .collect();
    listed.sort();
    let mut text = format!(
        "# {GENERATED_MARK}: the files it wrote in this folder and their SHA-256.\n\
         # Do not edit: `gatesmith generate` keeps it; commit it with the generated files.\n"
    );
    for (path, hash) in listed {
        text.push_str(&format!("{hash}  {path}\n"));
    }
    text
}

fn slashed(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Reads the manifest, refusing any path that leaves the output folder: a
/// manifest, like any committed file, may come from someone else, and
/// gatesmith deletes what it lists.
fn read_manifest(path: &Path) -> Result<BTreeMap<PathBuf, String>, WriteError> {
    let Some(text) = read(path)? else {
        return Ok(BTreeMap::new());
    };
    let mut listed = BTreeMap::new();
    for (index, line) in text.lines().enumerate() {
        let bad = |message: String| WriteError::Manifest {
            path: path.to_owned(),
            line: index + 1,
            message,
        };
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((hash, file)) = line.split_once("  ") else {
            return Err(bad(format!("expected `<sha256>  <path>`, found {line:?}")));
        };
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad(format!("{hash:?} is not a SHA-256 in hex")));
        }
        let file = PathBuf::from(file);
        if file.as_os_str().is_empty()
            || !file.components().all(|c| matches!(c, Component::Normal(_)))
        {
            return Err(bad(format!(
                "{} is not a path inside the output folder",
                file.display()
            )));
        }
        listed.insert(file, hash.to_ascii_lowercase());
    }
    Ok(listed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, contents: &str) -> File {
        File {
            path: path.into(),
            contents: contents.into(),
        }
    }

    fn generated(body: &str) -> String {
        format!("// {GENERATED_MARK} from specs/a.yaml.\n{body}\n")
    }

    fn actions(plan: &[Planned], out: &Path) -> Vec<(String, Action, Option<Conflict>)> {
        plan.iter()
            .map(|p| {
                (
                    slashed(p.path.strip_prefix(out).unwrap()),
                    p.action,
                    p.conflict,
                )
            })
            .collect()
    }

    fn generate(out: &Path, files: &[(&str, &str)], force: bool) -> Result<Vec<Planned>, String> {
        let files = files.iter().map(|(p, c)| file(p, c)).collect();
        let plan = plan(out, files).map_err(|e| e.to_string())?;
        execute(&plan, force).map_err(|e| e.to_string())?;
        Ok(plan)
    }

    #[test]
    fn creates_then_reports_unchanged_then_updates() {
        let out = tempfile::tempdir().unwrap();
        let out = out.path();
        let v1 = generated("v1");
        let first = generate(out, &[("src/a.rs", &v1)], false).unwrap();
        assert_eq!(
            actions(&first, out),
            [
                ("src/a.rs".into(), Action::Create, None),
                (MANIFEST.into(), Action::Create, None)
            ]
        );
        let again = generate(out, &[("src/a.rs", &v1)], false).unwrap();
        assert!(again.iter().all(|p| p.action == Action::Unchanged));
        let v2 = generated("v2");
        let changed = generate(out, &[("src/a.rs", &v2)], false).unwrap();
        assert_eq!(changed[0].action, Action::Update);
        assert_eq!(changed[0].conflict, None);
        assert_eq!(std::fs::read_to_string(out.join("src/a.rs")).unwrap(), v2);
    }

    #[test]
    fn never_overwrites_a_users_file_without_force() {
        let out = tempfile::tempdir().unwrap();
        let out = out.path();
        std::fs::create_dir_all(out.join("src")).unwrap();
        std::fs::write(out.join("src/main.rs"), "fn main() {}\n").unwrap();
        let refused = generate(out, &[("src/main.rs", &generated("x"))], false).unwrap_err();
        assert!(refused.contains("will not overwrite"), "{refused}");
        assert!(refused.contains("src/main.rs"), "{refused}");
        assert!(refused.contains("--force"), "{refused}");
        assert_eq!(
            std::fs::read_to_string(out.join("src/main.rs")).unwrap(),
            "fn main() {}\n"
        );
        assert!(!out.join(MANIFEST).exists(), "nothing at all is written");

        let forced = generate(out, &[("src/main.rs", &generated("x"))], true).unwrap();
        assert_eq!(forced[0].conflict, Some(Conflict::UserOwned));
        assert!(
            forced[0]
                .describe(false, true)
                .contains("forced: it has no gatesmith header")
        );
        assert_eq!(
            std::fs::read_to_string(out.join("src/main.rs")).unwrap(),
            generated("x")
        );
    }

    #[test]
    fn a_hand_edit_is_detected_and_kept_unless_forced() {
        let out = tempfile::tempdir().unwrap();
        let out = out.path();
        generate(out, &[("src/a.rs", &generated("v1"))], false).unwrap();
        let edited = generated("v1 // my fix");
        std::fs::write(out.join("src/a.rs"), &edited).unwrap();

        let plan = plan(out, vec![file("src/a.rs", &generated("v2"))]).unwrap();
        assert_eq!(plan[0].conflict, Some(Conflict::HandEdited));
        assert!(
            plan[0].diff().contains("-v1 // my fix"),
            "{}",
            plan[0].diff()
        );
        assert!(plan[0].diff().contains("+v2"));
        let refused = execute(&plan, false).unwrap_err().to_string();
        assert!(refused.contains("edited by hand"), "{refused}");
        assert_eq!(
            std::fs::read_to_string(out.join("src/a.rs")).unwrap(),
            edited
        );

        execute(&plan, true).unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join("src/a.rs")).unwrap(),
            generated("v2")
        );
    }

    #[test]
    fn a_file_whose_spec_is_gone_is_deleted_with_its_empty_folder() {
        let out = tempfile::tempdir().unwrap();
        let out = out.path();
        let a = generated("a");
        generate(
            out,
            &[("src/a.rs", &a), ("gone/b.rs", &generated("b"))],
            false,
        )
        .unwrap();
        std::fs::write(out.join("src/keep.rs"), "mine\n").unwrap();

        let plan = generate(out, &[("src/a.rs", &a)], false).unwrap();
        assert!(
            actions(&plan, out).contains(&("gone/b.rs".into(), Action::Delete, None)),
            "{plan:?}"
        );
        assert!(!out.join("gone").exists());
        assert!(out.join("src/keep.rs").exists());
        let manifest = std::fs::read_to_string(out.join(MANIFEST)).unwrap();
        assert!(!manifest.contains("gone/b.rs"), "{manifest}");
        assert!(manifest.contains("  src/a.rs\n"), "{manifest}");
    }

    #[test]
    fn a_stale_file_edited_by_hand_or_taken_over_is_not_deleted() {
        let out = tempfile::tempdir().unwrap();
        let out = out.path();
        let a = generated("a");
        generate(
            out,
            &[
                ("a.rs", &a),
                ("edited.rs", &generated("e")),
                ("taken.rs", "x"),
            ],
            true,
        )
        .unwrap();
        std::fs::write(out.join("edited.rs"), generated("e, edited")).unwrap();
        std::fs::write(out.join("taken.rs"), "now mine\n").unwrap();

        let refused = generate(out, &[("a.rs", &a)], false).unwrap_err();
        assert!(refused.contains("will not delete"), "{refused}");
        assert!(refused.contains("edited.rs"), "{refused}");
        assert!(!refused.contains("taken.rs"), "{refused}");
        assert!(out.join("edited.rs").exists());
        assert!(out.join("taken.rs").exists());
    }

    #[test]
    fn a_file_created_once_is_never_written_over() {
        let out = tempfile::tempdir().unwrap();
        let path = out.path().join("src/services/users.rs");
        create_new(&path, "mine\n").unwrap();
        let err = create_new(&path, "theirs\n").unwrap_err().to_string();
        assert!(err.contains("users.rs"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "mine\n");
    }

    #[test]
    fn the_manifest_checks_with_sha256sum_and_cannot_point_outside() {
        let out = tempfile::tempdir().unwrap();
        let out = out.path();
        generate(out, &[("src/a.rs", &generated("a"))], false).unwrap();
        let manifest = std::fs::read_to_string(out.join(MANIFEST)).unwrap();
        let line = manifest.lines().find(|l| !l.starts_with('#')).unwrap();
        assert_eq!(line, format!("{}  src/a.rs", sha256(&generated("a"))));

        std::fs::write(
            out.join(MANIFEST),
            format!("{}  ../../etc/passwd\n", "0".repeat(64)),
        )
        .unwrap();
        let refused = plan(out, vec![]).unwrap_err().to_string();
        assert!(
            refused.contains(":1: ../../etc/passwd is not a path inside"),
            "{refused}"
        );
    }
}
