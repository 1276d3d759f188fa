//! A scratch project folder and the `gatesmith` binary run in it, as a
//! user runs it, for the CLI tests.

#![allow(dead_code)] // each test file uses its own share of this

pub mod built;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    pub fn empty() -> Self {
        Project {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    pub fn write(&self, relative: &str, contents: &str) {
        let path = self.path(relative);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        std::fs::write(path, contents).expect("write");
    }

    pub fn read(&self, relative: &str) -> String {
        std::fs::read_to_string(self.path(relative)).expect("read")
    }

    /// Runs `gatesmith ARGS` in the project, as an installed gatesmith
    /// (not one that `cargo run` started: that changes the fix it prints).
    pub fn gatesmith(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_gatesmith"))
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("CARGO")
            .output()
            .expect("run gatesmith")
    }

    /// Runs `gatesmith ARGS`, asserts it succeeded, returns its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let output = self.gatesmith(args);
        assert!(output.status.success(), "{args:?}: {}", text(&output));
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Runs `gatesmith ARGS`, asserts it failed with 1, returns its stderr.
    pub fn fails(&self, args: &[&str]) -> String {
        let output = self.gatesmith(args);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {}", text(&output));
        String::from_utf8_lossy(&output.stderr).into_owned()
    }

    /// Every file under the project and its contents.
    pub fn snapshot(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        fn walk(dir: &Path, into: &mut BTreeMap<PathBuf, Vec<u8>>) {
            for entry in std::fs::read_dir(dir).expect("read_dir").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, into);
                } else {
                    into.insert(path.clone(), std::fs::read(&path).expect("read"));
                }
            }
        }
        let mut files = BTreeMap::new();
        walk(self.dir.path(), &mut files);
        files
    }
}

/// An output's status, stdout and stderr, for assertion messages.
pub fn text(output: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}
