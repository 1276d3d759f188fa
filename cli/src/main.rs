use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use gatesmith::write;

const EXIT_CODES: &str = "Exit codes:
  0  success (check: the output folder is what the specs render)
  1  a spec, template or file error, a refusal to overwrite without --force,
     or (check) drift; reported on stderr
  2  bad usage";

/// Declare socket.io gateways in YAML; render the Rust gateway and its page.
#[derive(Debug, Parser)]
#[command(version, after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Render every spec into the output crate: one Rust module per gateway,
    /// `src/lib.rs`, `pages/index.html` and the manifest. Prints one line per
    /// file; deletes generated files whose spec is gone.
    #[command(after_help = EXIT_CODES)]
    Generate {
        #[command(flatten)]
        paths: Paths,
        /// Print what would be written and deleted; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Also replace files gatesmith does not own: a file without its
        /// header, or a generated file edited by hand. Says what it replaces.
        #[arg(long)]
        force: bool,
    },
    /// For CI: render in memory and compare with the output folder, writing
    /// nothing. Fails on a spec error, a file that is missing, out of date,
    /// edited by hand or stale; prints a unified diff and the command that
    /// fixes it.
    #[command(after_help = EXIT_CODES)]
    Check {
        #[command(flatten)]
        paths: Paths,
    },
    /// Print the JSON Schema of the spec format (the committed copy is
    /// docs/spec.schema.json), for editors: start a spec with
    /// `# yaml-language-server: $schema=<path or URL of that file>`.
    Schema,
}

#[derive(Debug, Args)]
struct Paths {
    /// The folder of specs (*.yaml, *.yml).
    #[arg(long, default_value = "specs")]
    specs: PathBuf,
    /// The crate to write into.
    #[arg(long, default_value = "generated")]
    out: PathBuf,
}

impl Paths {
    /// The command that regenerates these paths, as this program was run.
    fn generate_command(&self) -> String {
        // `cargo run` sets CARGO for the program it runs.
        let program = if std::env::var_os("CARGO").is_some() {
            "cargo run -p gatesmith --"
        } else {
            "gatesmith"
        };
        format!(
            "{program} generate --specs {} --out {}",
            shell_word(&self.specs),
            shell_word(&self.out)
        )
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Generate {
            paths,
            dry_run,
            force,
        } => generate(&paths, dry_run, force),
        Command::Check { paths } => check(&paths),
        Command::Schema => {
            print!("{}", gatesmith::spec::json_schema());
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

fn generate(paths: &Paths, dry_run: bool, force: bool) -> Result<(), String> {
    let plan = gatesmith::plan(&paths.specs, &paths.out).map_err(|err| err.to_string())?;
    if !dry_run {
        write::execute(&plan, force).map_err(|err| err.to_string())?;
    }
    for planned in &plan {
        println!("{}", planned.describe(dry_run, force));
    }
    Ok(())
}

fn check(paths: &Paths) -> Result<(), String> {
    let plan = gatesmith::plan(&paths.specs, &paths.out).map_err(|err| err.to_string())?;
    let drifted = gatesmith::check::drift(&plan);
    if drifted.is_empty() {
        println!(
            "{} is what {} renders ({} files)",
            paths.out.display(),
            paths.specs.display(),
            plan.len()
        );
        return Ok(());
    }
    Err(gatesmith::check::report(
        &drifted,
        &paths.generate_command(),
    ))
}

/// `path` as one word of a POSIX shell command line.
fn shell_word(path: &Path) -> String {
    let text = path.display().to_string();
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+,=:@".contains(c));
    if plain {
        text
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}
