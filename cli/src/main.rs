use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Declare socket.io gateways in YAML; render the Rust gateway and its page.
#[derive(Debug, Parser)]
#[command(
    version,
    after_help = "Exit codes: 0 success, 1 a spec, template or file error (reported on stderr), 2 bad usage."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Render every spec into the output crate: one Rust module per gateway,
    /// `src/lib.rs` and `pages/index.html`. Prints one line per file.
    Generate {
        /// The folder of specs (*.yaml).
        #[arg(long, default_value = "specs")]
        specs: PathBuf,
        /// The crate to write into.
        #[arg(long, default_value = "generated")]
        out: PathBuf,
        /// Print what would be written, write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Generate {
            specs,
            out,
            dry_run,
        } => match gatesmith::generate(&specs, &out, dry_run) {
            Ok(plan) => {
                let verb = if dry_run { "would be " } else { "" };
                for planned in &plan {
                    println!("{verb}{:<9} {}", planned.action, planned.path.display());
                }
                ExitCode::SUCCESS
            }
            Err(err) => {
                eprintln!("{err}");
                ExitCode::FAILURE
            }
        },
    }
}
