//! `gatesmith.toml`: a project's settings, read from the working directory,
//! so that `gatesmith generate` and `gatesmith check` need no flags. Flags
//! win over the file; the file wins over the defaults.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::generate::Project;

/// The config file's name.
pub const FILE: &str = "gatesmith.toml";

/// What `gatesmith.toml` may say. Paths are relative to the file's folder.
#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The folder of specs; default `specs`.
    pub specs: Option<PathBuf>,
    /// The crate to write into; default `generated`.
    pub out: Option<PathBuf>,
    /// A folder of template overrides; default none (the built-ins).
    pub templates: Option<PathBuf>,
}

impl Config {
    /// Reads `dir/gatesmith.toml`; no file is the empty config.
    pub fn load(dir: &Path) -> Result<Self, String> {
        let path = dir.join(FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(err) => return Err(format!("{}: {err}", path.display())),
        };
        let mut config: Self = toml::from_str(&text).map_err(|err| {
            format!(
                "error in {}: {err}keys allowed: specs, out, templates (paths relative to the file)",
                path.display()
            )
        })?;
        for field in [&mut config.specs, &mut config.out, &mut config.templates] {
            if let Some(relative) = field.take() {
                *field = Some(dir.join(relative));
            }
        }
        Ok(config)
    }

    /// The project these settings and the command line's describe.
    pub fn project(
        self,
        specs: Option<PathBuf>,
        out: Option<PathBuf>,
        templates: Option<PathBuf>,
    ) -> Project {
        let mut project = Project::new(
            specs.or(self.specs).unwrap_or_else(|| "specs".into()),
            out.or(self.out).unwrap_or_else(|| "generated".into()),
        );
        project.templates = templates.or(self.templates);
        project
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_win_over_the_file_and_the_file_over_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            Config::load(dir.path()).unwrap().project(None, None, None),
            Project::new("specs", "generated")
        );
        std::fs::write(
            dir.path().join(FILE),
            "out = \"gen\"\ntemplates = \"tpl\"\n",
        )
        .unwrap();
        let config = Config::load(dir.path()).unwrap();
        let project = config.clone().project(None, None, None);
        assert_eq!(project.out, dir.path().join("gen"));
        assert_eq!(project.templates, Some(dir.path().join("tpl")));
        assert_eq!(project.specs, PathBuf::from("specs"));
        let flagged = config.project(None, Some("elsewhere".into()), None);
        assert_eq!(flagged.out, PathBuf::from("elsewhere"));
    }

    #[test]
    fn an_unknown_key_is_an_error_with_its_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE), "specs = \"s\"\ntemplate = \"t\"\n").unwrap();
        let err = Config::load(dir.path()).unwrap_err();
        assert!(err.contains("line 2"), "{err}");
        assert!(err.contains("unknown field `template`"), "{err}");
    }
}
