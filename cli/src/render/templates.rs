//! The templates a render uses: the built-ins, embedded in the binary, each
//! replaced by a file of the same name in an override folder when there is
//! one. Overrides fall back to the built-ins for the rest, so a gatesmith
//! upgrade brings new built-ins to every template a project did not take
//! over; an override can also extend a built-in (`{% extends
//! "builtin/index.html.jinja" %}`) and replace only its blocks.

use std::path::{Path, PathBuf};

use minijinja::{AutoEscape, Environment};

use super::RenderError;

/// Every built-in template: its name, what it renders, its source.
pub const BUILTIN: &[(&str, &str, &str)] = &[
    (
        "gateway.rs.jinja",
        "src/<module>.rs, one per spec: types, service trait, gateway()",
        include_str!("../../../templates/gateway.rs.jinja"),
    ),
    (
        "lib.rs.jinja",
        "src/lib.rs: a module per gateway, PAGES_DIR",
        include_str!("../../../templates/lib.rs.jinja"),
    ),
    (
        "index.html.jinja",
        "pages/index.html: the page that drives every gateway",
        include_str!("../../../templates/index.html.jinja"),
    ),
];

/// Prefix under which built-ins stay reachable from overrides.
const BUILTIN_PREFIX: &str = "builtin/";

/// The templates of one render.
#[derive(Debug, Clone, Default)]
pub struct Templates {
    /// Template name → the file that overrides it.
    overrides: Vec<(String, PathBuf, String)>,
}

impl Templates {
    /// The built-ins alone.
    pub fn builtin() -> Self {
        Self::default()
    }

    /// The built-ins, each replaced by `dir/<name>` when that file exists.
    /// A `*.jinja` file in `dir` that names no built-in is an error: a
    /// misspelt override would otherwise be silently ignored.
    pub fn with_overrides(dir: &Path) -> Result<Self, RenderError> {
        let entries = std::fs::read_dir(dir).map_err(|error| RenderError::OverrideFolder {
            dir: dir.to_owned(),
            error,
        })?;
        let mut overrides = Vec::new();
        let mut names: Vec<PathBuf> = entries
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| path.extension().is_some_and(|ext| ext == "jinja"))
            .collect();
        names.sort();
        for path in names {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if !BUILTIN.iter().any(|(builtin, ..)| *builtin == name) {
                return Err(RenderError::UnknownTemplate {
                    where_: format!("{}: ", path.display()),
                    closest: closest(&name),
                    name,
                    hint: format!(
                        "overrides take a built-in's file name: {}",
                        (BUILTIN.iter())
                            .map(|(n, ..)| format!("`{n}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                });
            }
            let source = std::fs::read_to_string(&path).map_err(|error| RenderError::Io {
                path: path.clone(),
                error,
            })?;
            overrides.push((name, path, source));
        }
        Ok(Self { overrides })
    }

    /// The file overriding `name`, if any.
    pub fn override_of(&self, name: &str) -> Option<&Path> {
        self.overrides
            .iter()
            .find(|(n, ..)| n == name)
            .map(|(_, path, _)| path.as_path())
    }

    /// Where template `name` comes from, for messages.
    pub fn origin(&self, name: &str) -> String {
        let name = name.strip_prefix(BUILTIN_PREFIX).unwrap_or(name);
        match self.override_of(name) {
            Some(path) => path.display().to_string(),
            None => format!("the built-in template {name}"),
        }
    }

    pub(super) fn environment(&self) -> Result<Environment<'_>, RenderError> {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html.jinja") {
                AutoEscape::Html
            } else {
                AutoEscape::None
            }
        });
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        env.set_keep_trailing_newline(true);
        for (name, _, source) in BUILTIN {
            env.add_template_owned(format!("{BUILTIN_PREFIX}{name}"), *source)
                .map_err(|err| self.error(err))?;
            let source = match self.overrides.iter().find(|(n, ..)| n == name) {
                Some((_, _, overridden)) => overridden.as_str(),
                None => source,
            };
            env.add_template(name, source)
                .map_err(|err| self.error(err))?;
        }
        Ok(env)
    }

    /// A template error that names the file and line it comes from, with
    /// minijinja's excerpt of the template.
    pub(super) fn error(&self, err: minijinja::Error) -> RenderError {
        let origin = err
            .name()
            .map_or_else(|| "a template".to_owned(), |name| self.origin(name));
        RenderError::Template {
            origin,
            line: err.line(),
            detail: format!("{err:#}"),
        }
    }
}

/// Copies the built-in template `name` to `dir/name`, to be edited there;
/// an existing file is kept unless `force`.
pub fn eject(name: &str, dir: &Path, force: bool) -> Result<PathBuf, RenderError> {
    let Some((_, _, source)) = BUILTIN.iter().find(|(n, ..)| *n == name) else {
        return Err(RenderError::UnknownTemplate {
            where_: String::new(),
            name: name.to_owned(),
            closest: closest(name),
            hint: "`gatesmith templates list` shows them".to_owned(),
        });
    };
    let path = dir.join(name);
    if path.exists() && !force {
        return Err(RenderError::Exists(path));
    }
    std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::write(&path, source))
        .map_err(|error| RenderError::Io {
            path: path.clone(),
            error,
        })?;
    Ok(path)
}

fn closest(name: &str) -> String {
    crate::diagnostic::closest(name, BUILTIN.iter().map(|(builtin, ..)| *builtin))
        .map(|builtin| format!(" (did you mean `{builtin}`?)"))
        .unwrap_or_default()
}
