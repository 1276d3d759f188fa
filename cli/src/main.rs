use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use gatesmith::config::Config;
use gatesmith::render::{BUILTIN, Templates};
use gatesmith::{Project, scaffold, write};

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
    /// Make a project: Cargo.toml, gatesmith.toml, specs/ with a starter
    /// gateway, src/main.rs (yours), the generated module and page, a
    /// README; `cargo run` in it serves http://localhost:3000. Like `nest new`.
    #[command(after_help = EXIT_CODES)]
    New {
        /// The project's folder: created, or empty (see --non-empty).
        dir: PathBuf,
        /// The package name [default: the folder's name]
        #[arg(long)]
        name: Option<String>,
        /// Depend on the gatesmith-runtime crate in this folder [default:
        /// this repository's runtime/ when gatesmith runs from a clone of it]
        #[arg(long, conflicts_with = "runtime_version")]
        runtime_path: Option<PathBuf>,
        /// Depend on this version of gatesmith-runtime from crates.io instead.
        #[arg(long)]
        runtime_version: Option<String>,
        /// Add the project's files to a folder that has files already; a
        /// file that is there is never replaced.
        #[arg(long)]
        non_empty: bool,
    },
    /// Render every spec into the output crate: one Rust module per gateway,
    /// `src/lib.rs`, `pages/index.html` and the manifest. Prints one line per
    /// file; deletes generated files whose spec is gone.
    ///
    /// With `resource NAME` or `gateway NAME` (`gatesmith g resource users`),
    /// scaffolds a gateway instead, as `nest g resource` does.
    #[command(
        after_help = EXIT_CODES,
        visible_alias = "g",
        args_conflicts_with_subcommands = true,
        subcommand_negates_reqs = true
    )]
    Generate {
        #[command(subcommand)]
        scaffold: Option<Scaffold>,
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
    /// Watch the specs, the template overrides and src/; on a change,
    /// regenerate, rebuild and restart the server. A spec or build error is
    /// printed and the last good server keeps running; Ctrl-C stops both.
    /// Like `nest start --watch`.
    #[command(after_help = EXIT_CODES)]
    Dev {
        #[command(flatten)]
        paths: Paths,
    },
    /// List the built-in templates, or copy one out to start an override.
    Templates {
        #[command(subcommand)]
        command: TemplatesCommand,
    },
    /// Print the JSON Schema of the spec format (the committed copy is
    /// docs/spec.schema.json), for editors: start a spec with
    /// `# yaml-language-server: $schema=<path or URL of that file>`.
    Schema,
}

/// What `gatesmith g` scaffolds, in the project of the working directory.
#[derive(Debug, Subcommand)]
enum Scaffold {
    /// A CRUD gateway, as `nest g resource NAME --type ws --crud`: the spec
    /// specs/NAME.yaml (createX, findAllXs, findOneX, updateX, removeX; the
    /// Create and Update payloads and the entity), src/services/NAME.rs (an
    /// in-memory store, yours), registered in src/main.rs, then regenerated.
    #[command(after_help = EXIT_CODES)]
    Resource {
        /// The resource, plural as Nest takes it: `users`, `user-profile`,
        /// `UserProfile` and `user_profile` give the same names.
        name: String,
        /// Nest's transport; gatesmith's is socket.io, so only `ws` (accepted
        /// so that `nest g resource NAME --type ws` habits work).
        #[arg(long = "type", value_parser = ["ws"], default_value = "ws", value_name = "TRANSPORT")]
        _transport: String,
        /// `--crud false`: a gateway with no events instead.
        #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
        crud: bool,
        /// Print what would be written; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// A gateway with no events yet: specs/NAME.yaml and
    /// src/services/NAME.rs, registered in src/main.rs, then regenerated.
    #[command(after_help = EXIT_CODES)]
    Gateway {
        name: String,
        /// Print what would be written; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Subcommand)]
enum TemplatesCommand {
    /// Each built-in template, what it renders, and the file overriding it.
    List {
        /// The override folder [default: `templates` in gatesmith.toml]
        #[arg(long)]
        templates: Option<PathBuf>,
    },
    /// Copy a built-in template into the override folder, to edit it there.
    Eject {
        /// The template's name, as `templates list` shows it.
        name: String,
        /// The override folder [default: `templates` in gatesmith.toml]
        #[arg(long)]
        templates: Option<PathBuf>,
        /// Replace a file that is already there.
        #[arg(long)]
        force: bool,
    },
}

/// Where to read and write. Each defaults to `gatesmith.toml` in the working
/// directory, if there is one, else to `specs`, `generated` and none.
#[derive(Debug, Args)]
struct Paths {
    /// The folder of specs (*.yaml, *.yml) [default: specs]
    #[arg(long)]
    specs: Option<PathBuf>,
    /// The crate to write into [default: generated]
    #[arg(long)]
    out: Option<PathBuf>,
    /// A folder of template overrides: a file there named like a built-in
    /// template (see `gatesmith templates list`) replaces it.
    #[arg(long)]
    templates: Option<PathBuf>,
}

impl Paths {
    fn project(self) -> Result<Project, String> {
        Ok(Config::load(Path::new(""))?.project(self.specs, self.out, self.templates))
    }
}

/// The command that regenerates `project`, as this program was run.
fn generate_command(project: &Project) -> String {
    // `cargo run` sets CARGO for the program it runs.
    let program = if std::env::var_os("CARGO").is_some() {
        "cargo run -p gatesmith --"
    } else {
        "gatesmith"
    };
    let mut command = format!(
        "{program} generate --specs {} --out {}",
        shell_word(&project.specs),
        shell_word(&project.out)
    );
    if let Some(templates) = &project.templates {
        command.push_str(&format!(" --templates {}", shell_word(templates)));
    }
    command
}

fn main() -> ExitCode {
    stop_quietly_on_a_closed_pipe();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::New {
            dir,
            name,
            runtime_path,
            runtime_version,
            non_empty,
        } => {
            let runtime = match (runtime_path, runtime_version) {
                (Some(path), _) => scaffold::Runtime::Path(path),
                (None, Some(version)) => scaffold::Runtime::Version(version),
                (None, None) => scaffold::Runtime::default_for_this_build(),
            };
            let options = scaffold::NewOptions {
                name,
                runtime,
                non_empty,
            };
            scaffold::new_project(&dir, &options).map(|report| print!("{report}"))
        }
        Command::Generate {
            scaffold: Some(what),
            ..
        } => {
            let (name, kind, dry_run) = match what {
                Scaffold::Resource {
                    name,
                    crud,
                    dry_run,
                    ..
                } => {
                    let kind = if crud {
                        scaffold::Kind::Crud
                    } else {
                        scaffold::Kind::Gateway
                    };
                    (name, kind, dry_run)
                }
                Scaffold::Gateway { name, dry_run } => (name, scaffold::Kind::Gateway, dry_run),
            };
            scaffold::add_gateway(&name, kind, dry_run).map(|report| print!("{report}"))
        }
        Command::Generate {
            scaffold: None,
            paths,
            dry_run,
            force,
        } => paths
            .project()
            .and_then(|project| generate(&project, dry_run, force)),
        Command::Dev { paths } => paths
            .project()
            .and_then(|project| gatesmith::dev::run(&project)),
        Command::Check { paths } => paths.project().and_then(|project| check(&project)),
        Command::Templates { command } => templates(command),
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

fn generate(project: &Project, dry_run: bool, force: bool) -> Result<(), String> {
    let plan = gatesmith::plan(project).map_err(|err| err.to_string())?;
    if !dry_run {
        write::execute(&plan, force).map_err(|err| err.to_string())?;
    }
    for planned in &plan {
        println!("{}", planned.describe(dry_run, force));
    }
    Ok(())
}

fn check(project: &Project) -> Result<(), String> {
    let plan = gatesmith::plan(project).map_err(|err| err.to_string())?;
    let drifted = gatesmith::check::drift(&plan);
    if drifted.is_empty() {
        println!(
            "{} is what {} renders ({} files)",
            project.out.display(),
            project.specs.display(),
            plan.len()
        );
        return Ok(());
    }
    Err(gatesmith::check::report(
        &drifted,
        &generate_command(project),
    ))
}

fn templates(command: TemplatesCommand) -> Result<(), String> {
    let config = Config::load(Path::new(""))?;
    match command {
        TemplatesCommand::List { templates } => {
            let dir = templates.or(config.templates);
            let overrides = match &dir {
                Some(dir) if dir.exists() => {
                    Templates::with_overrides(dir).map_err(|err| err.to_string())?
                }
                _ => Templates::builtin(),
            };
            for (name, renders, _) in BUILTIN {
                let source = match overrides.override_of(name) {
                    Some(path) => format!("overridden by {}", path.display()),
                    None => "built-in".to_owned(),
                };
                println!("{name:<18} {source:<40} {renders}");
            }
            Ok(())
        }
        TemplatesCommand::Eject {
            name,
            templates,
            force,
        } => {
            let dir = templates.or(config.templates).ok_or(
                "say where to put it: --templates DIR, or `templates = \"DIR\"` in gatesmith.toml",
            )?;
            let path =
                gatesmith::render::eject(&name, &dir, force).map_err(|err| err.to_string())?;
            println!(
                "created   {} (a copy of the built-in {name}; gatesmith now renders with it)",
                path.display()
            );
            Ok(())
        }
    }
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

/// `gatesmith generate | head` must stop quietly once `head` has read
/// enough, as Unix tools do. Rust ignores SIGPIPE, which turned the closed
/// pipe into an error that made `println!` panic.
fn stop_quietly_on_a_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: called first in `main`, before any thread exists; it restores
    // the default action of one signal.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
