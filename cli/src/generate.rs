//! The pipeline from a folder of specs to files, used by every command.

use std::path::{Component, Path, PathBuf};

use crate::diagnostic::SpecError;
use crate::model::{self, Gateway};
use crate::render::{self, File, RenderError, Templates};
use crate::spec;
use crate::write::{self, Planned, WriteError};

/// What stops the pipeline, at the stage that found it.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// Every error found in the specs, in file order (parse and check).
    #[error("{}", spec_errors(.0))]
    Spec(Vec<SpecError>),
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error("{path}: {error}", path = .0.display(), error = .1)]
    Io(PathBuf, #[source] std::io::Error),
}

/// Each error, then how many there were.
fn spec_errors(errors: &[SpecError]) -> String {
    let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
    let count = errors.len();
    format!(
        "{}\n\n{count} error{} in the specs; nothing was written",
        shown.join("\n\n"),
        if count == 1 { "" } else { "s" }
    )
}

/// Parses and checks every `*.yaml` / `*.yml` file of `specs`, in name order.
pub fn load(specs: &Path) -> Result<Vec<Gateway>, GenerateError> {
    load_with(specs, &[])
}

/// The spec files of `specs`, in name order.
pub fn spec_paths(specs: &Path) -> Result<Vec<PathBuf>, GenerateError> {
    let entries =
        std::fs::read_dir(specs).map_err(|err| GenerateError::Io(specs.to_owned(), err))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            path.extension()
                .is_some_and(|ext| ext == "yaml" || ext == "yml")
        })
        .collect();
    paths.sort();
    Ok(paths)
}

/// As [`load`], with `extra` specs (path and source) that are not on the
/// disk yet, as if they were: what scaffolding is about to write.
pub fn load_with(specs: &Path, extra: &[(PathBuf, String)]) -> Result<Vec<Gateway>, GenerateError> {
    let mut sources = Vec::new();
    // Specs about to be written may be the first, in a folder not made yet.
    let on_disk = match spec_paths(specs) {
        Err(GenerateError::Io(_, err))
            if err.kind() == std::io::ErrorKind::NotFound && !extra.is_empty() =>
        {
            Vec::new()
        }
        found => found?,
    };
    for path in on_disk {
        let source =
            std::fs::read_to_string(&path).map_err(|err| GenerateError::Io(path.clone(), err))?;
        sources.push((path, source));
    }
    sources.extend(extra.iter().cloned());
    sources.sort_by(|a, b| a.0.cmp(&b.0));
    let mut gateways: Vec<Gateway> = Vec::new();
    let mut errors = Vec::new();
    for (path, source) in &sources {
        let shown = path.to_string_lossy().replace('\\', "/");
        for read in spec::read(path, source) {
            match check(read, &shown) {
                Ok((gateway, file)) => admit(&mut gateways, gateway, &file, &mut errors),
                Err(found) => errors.extend(found),
            }
        }
    }
    if sources.is_empty() {
        errors.push(SpecError::new(
            specs,
            "",
            None,
            format!("no spec (*.yaml) in {}", specs.display()),
        ));
    }
    if errors.is_empty() {
        Ok(gateways)
    } else {
        Err(GenerateError::Spec(errors))
    }
}

/// Reads and checks one spec file: every error in it, in file order, or
/// the gateways it declares. `shown` is its path as headers name it.
pub fn load_one(path: &Path, shown: &str, source: &str) -> Result<Vec<Gateway>, Vec<SpecError>> {
    let mut gateways = Vec::new();
    let mut errors = Vec::new();
    for read in spec::read(path, source) {
        match check(read, shown) {
            Ok((gateway, file)) => admit(&mut gateways, gateway, &file, &mut errors),
            Err(found) => errors.extend(found),
        }
    }
    if errors.is_empty() {
        Ok(gateways)
    } else {
        errors.sort_by_key(|err| err.position);
        Err(errors)
    }
}

/// Adds `gateway` (of `file`) to `gateways`, unless it takes the module or
/// the namespace of one already there: then the error goes to `errors`.
fn admit(
    gateways: &mut Vec<Gateway>,
    gateway: Gateway,
    file: &spec::SpecFile,
    errors: &mut Vec<SpecError>,
) {
    let stem = render::stem(&gateway);
    if let Some(other) = gateways.iter().find(|g| render::stem(g) == stem) {
        errors.extend(file.error(
            &["gateway"],
            format!(
                "gateway {:?} becomes the module `{stem}`, as {} does: rename one",
                gateway.name, other.spec_path
            ),
        ));
    } else if let Some(other) = gateways.iter().find(|g| g.namespace == gateway.namespace) {
        // socketioxide keeps one handler per namespace: the second gateway
        // would silently replace the first. A namespace left to its
        // default `/` is shown at the gateway's name.
        let at: &[&str] = if file.has(&["namespace"]) {
            &["namespace"]
        } else {
            &["gateway"]
        };
        errors.extend(file.error(
            at,
            format!(
                "namespace {:?} is already served by gateway {:?} ({}): give each gateway its own namespace",
                gateway.namespace, other.name, other.spec_path
            ),
        ));
    } else {
        gateways.push(gateway);
    }
}

/// Checks one gateway of a spec file: the gateway, with the file to place
/// errors about it, or every error in it, in file order.
fn check(read: spec::Read, shown: &str) -> Result<(Gateway, spec::SpecFile), Vec<SpecError>> {
    let mut errors = read.errors;
    if let Some(spec) = &read.spec {
        let checked = model::check(spec, &read.file, shown);
        errors.extend(checked.errors);
        // What the outputs cannot spell, reported with the model's errors.
        let problems = render::check(&checked.gateway);
        errors.extend(problems.iter().filter_map(|p| read.file.place(p)));
        if errors.is_empty() {
            return Ok((checked.gateway, read.file));
        }
    }
    errors.sort_by_key(|err| err.position);
    Err(errors)
}

/// Where a project's specs, output and template overrides are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    pub specs: PathBuf,
    pub out: PathBuf,
    /// A folder of template overrides (see [`Templates::with_overrides`]).
    pub templates: Option<PathBuf>,
}

impl Project {
    /// Specs from `specs` rendered into `out` with the built-in templates.
    pub fn new(specs: impl Into<PathBuf>, out: impl Into<PathBuf>) -> Self {
        Self {
            specs: specs.into(),
            out: out.into(),
            templates: None,
        }
    }

    /// The same, with the overrides of `dir`.
    pub fn templates(mut self, dir: impl Into<PathBuf>) -> Self {
        self.templates = Some(dir.into());
        self
    }

    fn load_templates(&self) -> Result<Templates, GenerateError> {
        match &self.templates {
            Some(dir) => Ok(Templates::with_overrides(dir)?),
            None => Ok(Templates::builtin()),
        }
    }
}

/// Every file the project's specs render to, in memory.
pub fn render_specs(project: &Project) -> Result<Vec<File>, GenerateError> {
    render_specs_with(project, &[])
}

/// As [`render_specs`], with `extra` specs not on the disk yet (see [`load_with`]).
pub fn render_specs_with(
    project: &Project,
    extra: &[(PathBuf, String)],
) -> Result<Vec<File>, GenerateError> {
    let templates = project.load_templates()?;
    let (specs, out) = (&project.specs, &project.out);
    let mut gateways = load_with(specs, extra)?;
    // Headers name each spec as seen from the output folder, so that the
    // same project renders the same bytes from any working directory.
    for gateway in &mut gateways {
        gateway.spec_path = relative(out, Path::new(&gateway.spec_path))
            .map_err(|err| GenerateError::Io(out.to_owned(), err))?;
    }
    Ok(render::render(&gateways, &templates)?)
}

/// `to` as a `/`-separated path relative to the folder `from`.
fn relative(from: &Path, to: &Path) -> std::io::Result<String> {
    let from = normalized(&std::path::absolute(from)?);
    let to = normalized(&std::path::absolute(to)?);
    let common = from
        .components()
        .zip(to.components())
        .take_while(|(a, b)| a == b)
        .count();
    let ups = from.components().count() - common;
    let parts: Vec<String> = std::iter::repeat_n("..".to_owned(), ups)
        .chain(
            to.components()
                .skip(common)
                .map(|c| c.as_os_str().to_string_lossy().into_owned()),
        )
        .collect();
    Ok(parts.join("/"))
}

/// `path` without `.` and with each `..` applied to what precedes it.
fn normalized(path: &Path) -> PathBuf {
    let mut clean = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                clean.pop();
            }
            other => clean.push(other),
        }
    }
    clean
}

/// What writing the project's files would do, file by file, without
/// writing anything.
pub fn plan(project: &Project) -> Result<Vec<Planned>, GenerateError> {
    plan_with(project, &[])
}

/// As [`plan`], with `extra` specs not on the disk yet (see [`load_with`]).
pub fn plan_with(
    project: &Project,
    extra: &[(PathBuf, String)],
) -> Result<Vec<Planned>, GenerateError> {
    let files = render_specs_with(project, extra)?;
    Ok(write::plan(&project.out, files)?)
}

/// Renders the project and writes what changed, unless `dry_run`. Refuses,
/// writing nothing, to replace a user's file or a hand edit.
pub fn generate(project: &Project, dry_run: bool) -> Result<Vec<Planned>, GenerateError> {
    let plan = plan(project)?;
    if !dry_run {
        write::execute(&plan, false)?;
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_paths_are_named_from_the_output_folder_however_they_were_given() {
        let from_root = relative(Path::new("generated"), Path::new("specs/aaa.yaml")).unwrap();
        assert_eq!(from_root, "../specs/aaa.yaml");
        let roundabout = relative(
            Path::new("./x/../generated/"),
            Path::new("./specs/./aaa.yaml"),
        )
        .unwrap();
        assert_eq!(roundabout, from_root);
        let inside = relative(Path::new("fixture"), Path::new("fixture/specs/e.yaml")).unwrap();
        assert_eq!(inside, "specs/e.yaml");
    }

    #[test]
    fn two_gateways_cannot_share_a_namespace() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        std::fs::write(dir.path().join("a.yaml"), "gateway: a\nnamespace: /x\n").expect("write");
        std::fs::write(dir.path().join("b.yaml"), "gateway: b\nnamespace: /x\n").expect("write");
        let Err(GenerateError::Spec(errors)) = load(dir.path()) else {
            panic!("two gateways on /x were accepted");
        };
        assert_eq!(errors.len(), 1, "{errors:?}");
        let message = errors[0].to_string();
        assert!(
            message.contains("namespace \"/x\" is already served by gateway \"a\""),
            "{message}"
        );
        assert!(
            message.contains("b.yaml:2:1"),
            "at b's namespace: {message}"
        );
    }

    #[test]
    fn one_file_may_hold_several_gateways_each_checked_as_if_alone() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let two = "gateway: a\nnamespace: /a\nevents: { ping: { ack: pong } }\n---\ngateway: b\nnamespace: /b\n";
        std::fs::write(dir.path().join("both.yaml"), two).expect("write");
        let gateways = load(dir.path()).expect("two gateways in one file");
        let names: Vec<(&str, &str)> = (gateways.iter())
            .map(|g| (g.name.as_str(), g.namespace.as_str()))
            .collect();
        assert_eq!(names, [("a", "/a"), ("b", "/b")]);

        // A `---` at the end and a document of comments only hold nothing.
        let trailing = format!("{two}---\n# nothing here\n---\n");
        std::fs::write(dir.path().join("both.yaml"), trailing).expect("write");
        assert_eq!(load(dir.path()).expect("trailing documents").len(), 2);

        // load_one refuses a clash within its file as load does.
        let same = "gateway: a\n---\ngateway: b\n";
        let errors = load_one(Path::new("same.yaml"), "same.yaml", same).expect_err("a clash");
        let shown = errors[0].to_string();
        assert!(
            shown.contains("same.yaml:3:1") && shown.contains("namespace \"/\" is already served"),
            "shown at the gateway's name, as the namespace is not written: {shown}"
        );

        let many: String = (0..65)
            .map(|n| format!("gateway: g{n}\nnamespace: /g{n}\n---\n"))
            .collect();
        let errors = load_one(Path::new("many.yaml"), "many.yaml", &many).expect_err("65 gateways");
        let shown = errors[0].to_string();
        assert!(
            shown.contains("at most 64 gateways") && shown.contains("many.yaml:193:1"),
            "{shown}"
        );

        // An error in the second is placed in the whole file; a clash
        // between the two is caught as between two files.
        let bad = "gateway: a\nnamespace: /a\n---\ngateway: b\nnamespace: /a\nevents: { ping: { ack: pong, bogus: 2 } }\n";
        std::fs::write(dir.path().join("both.yaml"), bad).expect("write");
        let Err(GenerateError::Spec(errors)) = load(dir.path()) else {
            panic!("a broken second gateway was accepted");
        };
        let shown = errors[0].to_string();
        assert!(shown.contains("both.yaml:6:"), "{shown}");
        let clash = "gateway: a\nnamespace: /a\n---\ngateway: b\nnamespace: /a\n";
        std::fs::write(dir.path().join("both.yaml"), clash).expect("write");
        let Err(GenerateError::Spec(errors)) = load(dir.path()) else {
            panic!("two gateways on /a in one file were accepted");
        };
        let shown = errors[0].to_string();
        assert!(
            shown.contains("both.yaml:5:1") && shown.contains("already served by gateway \"a\""),
            "{shown}"
        );
    }
}
