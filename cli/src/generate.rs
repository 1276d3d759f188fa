//! The pipeline from a folder of specs to files, used by every command.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::diagnostic::SpecError;
use crate::model::{self, Gateway};
use crate::render::{self, File, RenderError};
use crate::spec;
use crate::write::{self, Planned, WriteError};

#[derive(Debug)]
pub enum GenerateError {
    /// Every error found in the specs, in file order.
    Spec(Vec<SpecError>),
    Render(RenderError),
    Write(WriteError),
    Io(PathBuf, std::io::Error),
}

impl fmt::Display for GenerateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GenerateError::Spec(errors) => {
                for (index, err) in errors.iter().enumerate() {
                    if index > 0 {
                        writeln!(f, "\n")?;
                    }
                    write!(f, "{err}")?;
                }
                let count = errors.len();
                write!(
                    f,
                    "\n\n{count} error{} in the specs; nothing was written",
                    if count == 1 { "" } else { "s" }
                )
            }
            GenerateError::Render(err) => write!(f, "{err}"),
            GenerateError::Write(err) => write!(f, "{err}"),
            GenerateError::Io(path, err) => write!(f, "{}: {err}", path.display()),
        }
    }
}

impl std::error::Error for GenerateError {}

/// Parses and checks every `*.yaml` / `*.yml` file of `specs`, in name order.
pub fn load(specs: &Path) -> Result<Vec<Gateway>, GenerateError> {
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
    let mut gateways: Vec<Gateway> = Vec::new();
    let mut errors = Vec::new();
    for path in &paths {
        let source =
            std::fs::read_to_string(path).map_err(|err| GenerateError::Io(path.clone(), err))?;
        let shown = path.to_string_lossy().replace('\\', "/");
        let checked = spec::parse(path, &source)
            .map_err(|err| vec![err])
            .and_then(|spec| model::check(&spec, path, &shown, &source));
        match checked {
            Ok(gateway) => {
                if let Some(other) = gateways.iter().find(|g| g.module == gateway.module) {
                    errors.push(SpecError::at(
                        path,
                        &source,
                        &["gateway"],
                        format!(
                            "gateway {:?} becomes the module `{}`, as {} does: rename one",
                            gateway.name, gateway.module, other.spec_path
                        ),
                    ));
                } else {
                    gateways.push(gateway);
                }
            }
            Err(found) => errors.extend(found),
        }
    }
    if paths.is_empty() {
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

/// Every file the specs of `specs` render to, in memory.
pub fn render_specs(specs: &Path) -> Result<Vec<File>, GenerateError> {
    let gateways = load(specs)?;
    render::render(&gateways).map_err(GenerateError::Render)
}

/// Renders `specs` and writes what changed under `out`, unless `dry_run`.
pub fn generate(specs: &Path, out: &Path, dry_run: bool) -> Result<Vec<Planned>, GenerateError> {
    let files = render_specs(specs)?;
    let plan = write::plan(out, files).map_err(GenerateError::Write)?;
    if !dry_run {
        write::execute(&plan).map_err(GenerateError::Write)?;
    }
    Ok(plan)
}
