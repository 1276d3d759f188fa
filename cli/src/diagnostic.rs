//! Errors in a spec, shown the way a compiler shows them: what is wrong,
//! where (file, line, column, the line itself and a caret), what else is
//! involved ("first declared here"), and what to do. The drawing is
//! annotate-snippets', the crate rustc's and cargo's messages use.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use annotate_snippets::{AnnotationKind, Level, Origin, Renderer, Snippet};

/// One error in one spec file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    pub path: PathBuf,
    /// 1-based line and column, when known.
    pub position: Option<(usize, usize)>,
    pub message: String,
    pub help: Option<String>,
    /// Other places the error involves, each with what is there.
    pub labels: Vec<((usize, usize), String)>,
    /// The file's lines, as YAML counts them, to show the places.
    lines: Arc<[String]>,
}

impl SpecError {
    pub fn new(
        path: &Path,
        source: &str,
        position: Option<(usize, usize)>,
        message: impl Into<String>,
    ) -> Self {
        // Lines as YAML counts them: a lone `\r` ends one too.
        let mut lines: Vec<String> = source
            .split('\n')
            .flat_map(|line| line.strip_suffix('\r').unwrap_or(line).split('\r'))
            .map(str::to_owned)
            .collect();
        if lines.last().is_some_and(String::is_empty) {
            lines.pop(); // what follows the last line break is no line
        }
        let position = position.map(|at| within(&lines, at));
        Self {
            path: path.to_owned(),
            position,
            message: message.into(),
            help: None,
            labels: Vec::new(),
            lines: lines.into(),
        }
    }

    /// Adds what to do about it, shown under the caret.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds another place the error involves, and what is there.
    pub fn with_label(mut self, at: (usize, usize), label: impl Into<String>) -> Self {
        let at = within(&self.lines, at);
        self.labels.push((at, label.into()));
        self
    }

    /// The line `line` (1-based) of the file, if it has one.
    fn line(&self, line: usize) -> Option<&str> {
        self.lines.get(line.wrapping_sub(1)).map(String::as_str)
    }
}

/// A position past the last line (a value missing at the very end) is
/// shown at the end of the last line.
fn within(lines: &[String], (line, column): (usize, usize)) -> (usize, usize) {
    match lines.last() {
        Some(last) if line > lines.len() => (lines.len(), last.chars().count() + 1),
        _ => (line, column),
    }
}

/// The byte range of the character at 1-based `column` of `text`; at the
/// end of the line, the empty range there.
fn char_at(text: &str, column: usize) -> std::ops::Range<usize> {
    let mut chars = text.char_indices().skip(column.saturating_sub(1));
    match chars.next() {
        Some((start, c)) => start..start + c.len_utf8(),
        None => text.len()..text.len(),
    }
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path.display().to_string();
        let title = Level::ERROR.primary_title(self.message.as_str());
        let place = self
            .position
            .and_then(|(line, column)| Some((line, column, self.line(line)?)));
        let group = match place {
            Some((line, column, _)) => {
                // The lines from the first place to the last, with a caret
                // under each place (the ones between are folded away).
                let labels: Vec<&((usize, usize), String)> = (self.labels.iter())
                    .filter(|((l, _), _)| self.line(*l).is_some())
                    .collect();
                let first = (labels.iter().map(|((l, _), _)| *l)).fold(line, usize::min);
                let last = (labels.iter().map(|((l, _), _)| *l)).fold(line, usize::max);
                let mut text = String::new();
                let mut starts = Vec::new();
                for number in first..=last {
                    starts.push(text.len());
                    text.push_str(self.line(number).unwrap_or_default());
                    text.push('\n');
                }
                let span = |(line, column): (usize, usize)| {
                    let start = starts[line - first];
                    let range = char_at(self.line(line).unwrap_or_default(), column);
                    start + range.start..start + range.end
                };
                let mut snippet = Snippet::source(text.clone())
                    .line_start(first)
                    .path(path.clone())
                    .fold(true)
                    .annotation(AnnotationKind::Primary.span(span((line, column))));
                for (at, label) in labels {
                    snippet = snippet.annotation(
                        AnnotationKind::Context
                            .span(span(*at))
                            .label(label.as_str()),
                    );
                }
                title.element(snippet)
            }
            None => {
                let mut origin = Origin::path(path.clone());
                if let Some((line, column)) = self.position {
                    origin = origin.line(line).char_column(column);
                }
                title.element(origin)
            }
        };
        let group = match &self.help {
            Some(help) => group.element(Level::HELP.message(help.as_str())),
            None => group,
        };
        f.write_str(Renderer::plain().render(&[group]).trim_end())
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
            "error: unknown schema `Nope`\n --> specs/aaa.yaml:4:14\n  |\n4 |     payload: Nope\n  |              ^\n  |\n  = help: declare it under `schemas:`"
        );
    }

    #[test]
    fn other_places_are_shown_with_what_is_there() {
        let source = "gateway: a\nevents:\n  one: {}\n  two: {}\n  three: {}\n  one: {}\n";
        let err = SpecError::new(
            Path::new("specs/a.yaml"),
            source,
            Some((6, 3)),
            "`one` is declared twice",
        )
        .with_label((3, 3), "first declared here");
        let shown = err.to_string();
        assert!(shown.contains(" --> specs/a.yaml:6:3\n"), "{shown}");
        assert!(
            shown.contains("3 |   one: {}\n  |   - first declared here\n"),
            "{shown}"
        );
        assert!(shown.contains("6 |   one: {}\n  |   ^"), "{shown}");
    }

    #[test]
    fn a_caret_goes_under_its_character_however_wide_those_before_it() {
        let source = "name: \"é🎉\" x\n";
        // Column 12 is the `x`; the emoji before it takes two columns on a
        // terminal, so the caret is 4 (`1 | `) + 12 columns in.
        let err = SpecError::new(Path::new("s.yaml"), source, Some((1, 12)), "here");
        let shown = err.to_string();
        let caret = (shown.lines())
            .find(|l| l.contains('^'))
            .expect("the caret");
        assert_eq!(caret.find('^'), Some(16), "{shown}");
    }

    #[test]
    fn an_error_without_a_line_still_names_its_file() {
        let err = SpecError::new(Path::new("specs"), "", None, "no spec (*.yaml) in specs");
        assert_eq!(
            err.to_string(),
            "error: no spec (*.yaml) in specs\n--> specs"
        );
        let at_end = SpecError::new(Path::new("e.yaml"), "", Some((1, 1)), "empty");
        assert!(at_end.to_string().contains("--> e.yaml:1:1"), "{at_end}");
    }
}
