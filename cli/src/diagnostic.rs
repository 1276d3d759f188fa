//! Errors in a spec, shown the way a compiler shows them: what is wrong,
//! where (file, line, column, the line itself and a caret), and what to do.

use std::fmt;
use std::path::{Path, PathBuf};

/// One error in one spec file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    pub path: PathBuf,
    /// 1-based line and column, when known.
    pub position: Option<(usize, usize)>,
    pub message: String,
    pub help: Option<String>,
    source_line: Option<String>,
}

impl SpecError {
    pub fn new(
        path: &Path,
        source: &str,
        position: Option<(usize, usize)>,
        message: impl Into<String>,
    ) -> Self {
        // Lines as YAML counts them: a lone `\r` ends one too.
        let mut lines: Vec<&str> = source
            .split('\n')
            .flat_map(|line| line.strip_suffix('\r').unwrap_or(line).split('\r'))
            .collect();
        if lines.last() == Some(&"") {
            lines.pop(); // what follows the last line break is no line
        }
        // A position past the last line (a value missing at the very end)
        // is shown at the end of the last line.
        let position = position.map(|(line, column)| match lines.last() {
            Some(last) if line > lines.len() => (lines.len(), last.chars().count() + 1),
            _ => (line, column),
        });
        let source_line =
            position.and_then(|(line, _)| lines.get(line.wrapping_sub(1)).map(|l| (*l).to_owned()));
        Self {
            path: path.to_owned(),
            position,
            message: message.into(),
            help: None,
            source_line,
        }
    }

    /// Adds what to do about it, shown under the caret.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "error: {}", self.message)?;
        match (self.position, &self.source_line) {
            (Some((line, column)), Some(text)) => {
                let gutter = " ".repeat(line.to_string().len());
                writeln!(f, "{gutter}--> {}:{line}:{column}", self.path.display())?;
                writeln!(f, "{gutter} |")?;
                writeln!(f, "{line} | {text}")?;
                // The caret goes under the column's character, however wide
                // the characters before it are in UTF-8.
                let before: String = text.chars().take(column.saturating_sub(1)).collect();
                let pad: String = before
                    .chars()
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                write!(f, "{gutter} | {pad}^")?;
                if let Some(help) = &self.help {
                    write!(f, "\n{gutter} = help: {help}")?;
                }
                Ok(())
            }
            (Some((line, column)), None) => {
                write!(
                    f,
                    "  --> {}:{line}:{column} (at the end of the file)",
                    self.path.display()
                )?;
                if let Some(help) = &self.help {
                    write!(f, "\n   = help: {help}")?;
                }
                Ok(())
            }
            (None, _) => {
                write!(f, "  --> {}", self.path.display())?;
                if let Some(help) = &self.help {
                    write!(f, "\n   = help: {help}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for SpecError {}

/// A problem a later stage found in a spec, placed by the mapping keys
/// from the top down to it (`["events", "ping"]`): at that key, or at its
/// value. The pipeline turns it into a [`SpecError`] of the spec's file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub at: Vec<String>,
    pub on_value: bool,
    pub message: String,
}

impl Problem {
    /// A problem with the key at the end of `at`.
    pub fn at_key(at: &[String], message: impl Into<String>) -> Self {
        Self {
            at: at.to_vec(),
            on_value: false,
            message: message.into(),
        }
    }

    /// A problem with the value of the key at the end of `at`.
    pub fn at_value(at: &[String], message: impl Into<String>) -> Self {
        Self {
            on_value: true,
            ..Self::at_key(at, message)
        }
    }
}

/// The candidate closest to what was written, if one is close enough to be
/// a likely typo: `acks` → `ack`, `propertys` → `properties`.
pub fn closest<'a>(
    written: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let written = written.to_lowercase();
    candidates
        .into_iter()
        .map(|candidate| {
            let score = strsim::jaro_winkler(&written, &candidate.to_lowercase());
            (score, candidate)
        })
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_the_line_a_caret_and_what_to_do() {
        let source = "gateway: aaa\nevents:\n  findOneAaa:\n    payload: Nope\n";
        let err = SpecError::new(
            Path::new("specs/aaa.yaml"),
            source,
            Some((4, 14)),
            "unknown schema `Nope`",
        )
        .with_help("declare it under `schemas:`");
        assert_eq!(
            err.to_string(),
            "error: unknown schema `Nope`\n --> specs/aaa.yaml:4:14\n  |\n4 |     payload: Nope\n  |              ^\n  = help: declare it under `schemas:`"
        );
    }
}
