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
    source_line: Option<String>,
}

impl SpecError {
    pub fn new(
        path: &Path,
        source: &str,
        position: Option<(usize, usize)>,
        message: impl Into<String>,
    ) -> Self {
        let source_line = position
            .and_then(|(line, _)| source.lines().nth(line.wrapping_sub(1)).map(str::to_owned));
        Self {
            path: path.to_owned(),
            position,
            message: message.into(),
            source_line,
        }
    }

    /// An error about the value at `at` (mapping keys from the top, such as
    /// `["events", "createAaa", "payload"]`), located in `source`.
    pub fn at(path: &Path, source: &str, at: &[&str], message: impl Into<String>) -> Self {
        Self::new(path, source, locate(source, at), message)
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
                write!(f, "{gutter} | {}^", " ".repeat(column.saturating_sub(1)))
            }
            // At the end of the file, past its last line: no line to show.
            (Some((line, column)), None) => {
                write!(f, "  --> {}:{line}:{column}", self.path.display())
            }
            (None, _) => write!(f, "  --> {}", self.path.display()),
        }
    }
}

impl std::error::Error for SpecError {}

/// Finds the line and column of the key at the end of `at` in block-style
/// YAML: each key is searched below the previous one, deeper indented.
/// Flow-style mappings (`{ a: 1 }`) are searched on the line of their parent.
fn locate(source: &str, at: &[&str]) -> Option<(usize, usize)> {
    let lines: Vec<&str> = source.lines().collect();
    let (mut from, mut min_column) = (0, 0);
    let mut found = None;
    for key in at {
        let mut hit = None;
        for (index, line) in lines.iter().enumerate().skip(from) {
            let indent = line.len() - line.trim_start().len();
            let is_content = !line.trim().is_empty() && !line.trim_start().starts_with('#');
            if index > from && found.is_some() && is_content && indent < min_column {
                break; // left the parent's block
            }
            if let Some(column) = find_key(line, key).filter(|&c| c >= min_column || index == from)
            {
                hit = Some((index, column));
                break;
            }
        }
        let (index, column) = hit?;
        found = Some((index + 1, column + 1));
        from = index;
        min_column = column + 1;
    }
    found
}

fn find_key(line: &str, key: &str) -> Option<usize> {
    let mut start = 0;
    while let Some(offset) = line.get(start..).and_then(|rest| rest.find(key)) {
        let at = start + offset;
        let before = line[..at].chars().next_back();
        let after = &line[at + key.len()..];
        let quoted = matches!(before, Some('"' | '\'')) && after.starts_with(['"', '\'']);
        let after = if quoted { &after[1..] } else { after };
        let at = if quoted { at - 1 } else { at };
        let boundary = matches!(
            line[..at].chars().next_back(),
            None | Some(' ' | '{' | ',' | '-')
        );
        if boundary && after.trim_start().starts_with(':') {
            return Some(at);
        }
        // An empty key (`'': …`) matches everywhere: step a character on.
        let step = if key.is_empty() {
            line[start + offset..]
                .chars()
                .next()
                .map_or(1, char::len_utf8)
        } else {
            key.len()
        };
        start = start + offset + step;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = "gateway: aaa\nevents:\n  createAaa:\n    payload: CreateAaaDto\n  findOneAaa:\n    payload: Nope\n    emit: [{ to: sender, event: guang }]\n";

    #[test]
    fn finds_nested_keys_below_their_parent() {
        assert_eq!(
            locate(SPEC, &["events", "findOneAaa", "payload"]),
            Some((6, 5))
        );
        assert_eq!(
            locate(SPEC, &["events", "createAaa", "payload"]),
            Some((4, 5))
        );
        assert_eq!(
            locate(SPEC, &["events", "findOneAaa", "emit", "to"]),
            Some((7, 14))
        );
        assert_eq!(locate(SPEC, &["events", "missing"]), None);
    }

    #[test]
    fn a_position_past_the_last_line_is_still_shown() {
        // Found by tests/scale.rs: an error at the end of a file lost its position.
        let err = SpecError::new(Path::new("specs/a.yaml"), "a: [\n", Some((2, 1)), "eof");
        assert_eq!(err.to_string(), "error: eof\n  --> specs/a.yaml:2:1");
    }

    #[test]
    fn an_empty_key_is_found_and_does_not_hang_the_search() {
        // Found by tests/scale.rs: searching for an empty property name
        // looped forever.
        let source = "a:\n  properties:\n    x: 1\n    '': Nope\n";
        assert_eq!(locate(source, &["a", "properties", ""]), Some((4, 5)));
        assert_eq!(locate(source, &["a", "missing", ""]), None);
        assert_eq!(find_key("no key here", ""), None);
    }

    #[test]
    fn shows_the_line_and_a_caret() {
        let err = SpecError::at(
            Path::new("specs/aaa.yaml"),
            SPEC,
            &["events", "findOneAaa", "payload"],
            "unknown schema `Nope`",
        );
        assert_eq!(
            err.to_string(),
            "error: unknown schema `Nope`\n --> specs/aaa.yaml:6:5\n  |\n6 |     payload: Nope\n  |     ^"
        );
    }
}
