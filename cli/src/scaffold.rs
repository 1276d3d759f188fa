//! Scaffolding, as the Nest CLI does it: `gatesmith new` makes a project,
//! `gatesmith g resource` / `g gateway` add a gateway to one. Each writes
//! the user's files once (a spec, a service, a line in `main.rs`), never
//! over anything, then runs the same pipeline as `generate` for the rest.
//!
//! Everything is planned in memory first, the new spec checked and
//! rendered with the others: on any error nothing is written.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use heck::{ToKebabCase, ToUpperCamelCase};
use minijinja::{Environment, UndefinedBehavior, context};
use serde::Serialize;

use crate::config::{self, Config};
use crate::generate::{Project, plan_with};
use crate::ident;
use crate::write::{self, Action, Planned, WriteError};

/// The scaffolding templates, embedded in the binary as the others are.
const TEMPLATES: &[(&str, &str)] = &[
    (
        "Cargo.toml",
        include_str!("../../templates/scaffold/Cargo.toml.jinja"),
    ),
    (
        "gatesmith.toml",
        include_str!("../../templates/scaffold/gatesmith.toml.jinja"),
    ),
    (
        "gitignore",
        include_str!("../../templates/scaffold/gitignore.jinja"),
    ),
    (
        "README.md",
        include_str!("../../templates/scaffold/README.md.jinja"),
    ),
    (
        "app.yaml",
        include_str!("../../templates/scaffold/app.yaml.jinja"),
    ),
    (
        "main.rs",
        include_str!("../../templates/scaffold/main.rs.jinja"),
    ),
    (
        "resource.yaml",
        include_str!("../../templates/scaffold/resource.yaml.jinja"),
    ),
    (
        "gateway.yaml",
        include_str!("../../templates/scaffold/gateway.yaml.jinja"),
    ),
    (
        "resource_service.rs",
        include_str!("../../templates/scaffold/resource_service.rs.jinja"),
    ),
    (
        "gateway_service.rs",
        include_str!("../../templates/scaffold/gateway_service.rs.jinja"),
    ),
];

fn render(name: &str, ctx: minijinja::Value) -> Result<String, String> {
    let mut env = Environment::new();
    env.set_keep_trailing_newline(true);
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    for (template, source) in TEMPLATES {
        env.add_template(template, source)
            .map_err(|err| format!("scaffold template {template}: {err}"))?;
    }
    env.get_template(name)
        .and_then(|template| template.render(ctx))
        .map_err(|err| format!("scaffold template {name}: {err}"))
}

/// The names a resource or gateway gets, from any spelling of its name
/// (`user-profile`, `UserProfile`, `user_profile` give the same ones).
///
/// As `nest g resource` names them: the name as given is the plural
/// (`findAllUsers`; `aaa` gives `findAllAaa`), and its last word made
/// singular by the rules of the `pluralize` package Nest uses (ported by
/// the `pluralizer` crate) names one (`createUser`, `User`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Names {
    /// kebab-case: the gateway's name, its spec's file name, its namespace.
    pub name: String,
    /// The generated module and the service file: `user_profile`.
    pub module: String,
    /// The service trait the generated module declares: `UsersService`.
    #[serde(rename = "trait")]
    pub trait_: String,
    /// The user's type implementing it: `UsersStore`, `ChatGateway`.
    pub store: String,
    pub entity: String,
    pub create_dto: String,
    pub update_dto: String,
    pub create: String,
    pub find_all: String,
    pub find_one: String,
    pub update: String,
    pub remove: String,
    pub create_method: String,
    pub find_all_method: String,
    pub find_one_method: String,
    pub update_method: String,
    pub remove_method: String,
    /// `user profile`, for messages.
    pub singular_words: String,
    pub plural_words: String,
}

/// What `g` scaffolds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The five CRUD events, their schemas and an in-memory store.
    Crud,
    /// A gateway with no events yet.
    Gateway,
}

impl Names {
    pub fn new(input: &str, kind: Kind) -> Result<Self, String> {
        let valid = input
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            && input.starts_with(|c: char| c.is_ascii_alphabetic());
        if !valid {
            return Err(format!(
                "{input:?} is not a name gatesmith can scaffold: use ASCII letters, digits, `-` \
                 and `_`, starting with a letter (`users`, `user-profile`, `UserProfile`)"
            ));
        }
        let name = input.to_kebab_case();
        let mut words: Vec<String> = name.split('-').map(str::to_owned).collect();
        if let Some(last) = words.last_mut() {
            *last = pluralizer::pluralize(last, 1, false);
        }
        let singular = words.join("-");
        let one = singular.to_upper_camel_case();
        let all = name.to_upper_camel_case();
        let module = ident::snake(&name);
        if module == "services" || module == "lib" || module == "main" {
            return Err(format!(
                "{input:?} would become src/{module}.rs, which the project already uses: pick another name"
            ));
        }
        let event = |verb: &str, noun: &str| format!("{verb}{noun}");
        let create = event("create", &one);
        let find_all = event("findAll", &all);
        let find_one = event("findOne", &one);
        let update = event("update", &one);
        let remove = event("remove", &one);
        Ok(Names {
            trait_: ident::upper_camel_join(&name, "Service"),
            store: match kind {
                Kind::Crud => format!("{all}Store"),
                Kind::Gateway => format!("{all}Gateway"),
            },
            entity: ident::upper_camel(&one),
            create_dto: format!("Create{one}Dto"),
            update_dto: format!("Update{one}Dto"),
            create_method: ident::snake(&create),
            find_all_method: ident::snake(&find_all),
            find_one_method: ident::snake(&find_one),
            update_method: ident::snake(&update),
            remove_method: ident::snake(&remove),
            create,
            find_all,
            find_one,
            update,
            remove,
            singular_words: singular.replace('-', " "),
            plural_words: name.replace('-', " "),
            module,
            name,
        })
    }
}

/// A line of the report, as Nest prints them: `CREATE src/main.rs (312 bytes)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub verb: &'static str,
    pub path: PathBuf,
    pub bytes: usize,
}

impl std::fmt::Display for Line {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} ({} bytes)",
            self.verb,
            shown(&self.path),
            self.bytes
        )
    }
}

/// What a scaffolding command did, or would do with `--dry-run`.
#[derive(Debug, Default)]
pub struct Report {
    pub lines: Vec<Line>,
    /// Said after the lines: what to do next, or what to do by hand.
    pub notes: Vec<String>,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for line in &self.lines {
            writeln!(f, "{line}")?;
        }
        for note in &self.notes {
            write!(f, "\n{note}\n")?;
        }
        Ok(())
    }
}

/// A path as the user gave it, without a leading `./`.
fn shown(path: &Path) -> String {
    let text = path.display().to_string();
    text.strip_prefix("./").unwrap_or(&text).to_owned()
}

/// A user-owned file to create: written once, never over anything.
struct UserFile {
    path: PathBuf,
    contents: String,
}

/// Plan checks shared by `new` and `g`: refuses the generated files'
/// conflicts (a user's file in the way, a hand edit) before anything is
/// written, then writes the user's files, then the generated ones.
fn carry_out(
    created: &[UserFile],
    updated: &[UserFile],
    plan: &[Planned],
    dry_run: bool,
) -> Result<Vec<Line>, String> {
    let conflicts: Vec<Planned> = plan
        .iter()
        .filter(|p| p.conflict.is_some())
        .cloned()
        .collect();
    if !conflicts.is_empty() {
        return Err(format!(
            "{}\n(scaffolding itself never forces: if that is what you want, run `gatesmith \
             generate --force` first, then this command again)",
            WriteError::Conflicts(conflicts)
        ));
    }
    if let Some(taken) = created.iter().find(|file| file.path.exists()) {
        return Err(format!(
            "{} already exists; gatesmith never replaces a file of yours: nothing was written",
            shown(&taken.path)
        ));
    }
    if !dry_run {
        for file in created {
            write::create_new(&file.path, &file.contents).map_err(|err| err.to_string())?;
        }
        for file in updated {
            std::fs::write(&file.path, &file.contents)
                .map_err(|err| format!("{}: {err}", shown(&file.path)))?;
        }
        write::execute(plan, false).map_err(|err| err.to_string())?;
    }
    let mut lines = Vec::new();
    for (verb, files) in [("CREATE", created), ("UPDATE", updated)] {
        lines.extend(files.iter().map(|file| Line {
            verb,
            path: file.path.clone(),
            bytes: file.contents.len(),
        }));
    }
    for planned in plan {
        let verb = match planned.action {
            Action::Create => "CREATE",
            Action::Update => "UPDATE",
            Action::Delete => "DELETE",
            Action::Unchanged => continue,
        };
        lines.push(Line {
            verb,
            path: planned.path.clone(),
            bytes: planned.contents.as_deref().map_or(0, str::len),
        });
    }
    Ok(lines)
}

/// How a new project depends on `gatesmith-runtime`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Runtime {
    Path(PathBuf),
    Version(String),
}

impl Runtime {
    /// This repository's runtime when gatesmith runs from a clone of it (the
    /// folder it was built from still holds the runtime), else the version
    /// of gatesmith itself, from crates.io.
    pub fn default_for_this_build() -> Self {
        let repo_runtime = Path::new(env!("CARGO_MANIFEST_DIR")).join("../runtime");
        match std::fs::canonicalize(&repo_runtime) {
            Ok(path) if path.join("Cargo.toml").is_file() => Runtime::Path(path),
            _ => Runtime::Version(env!("CARGO_PKG_VERSION").to_owned()),
        }
    }

    fn dependency(&self) -> Result<String, String> {
        match self {
            Runtime::Path(path) => {
                let absolute = std::path::absolute(path)
                    .map_err(|err| format!("{}: {err}", path.display()))?;
                if !absolute.join("Cargo.toml").is_file() {
                    return Err(format!(
                        "--runtime-path {}: no Cargo.toml there; give the folder of the gatesmith-runtime crate (`runtime/` in the gatesmith repository)",
                        path.display()
                    ));
                }
                let text = absolute.display().to_string();
                Ok(format!(
                    "gatesmith-runtime = {{ path = {} }}",
                    toml_string(&text)
                ))
            }
            Runtime::Version(version) => {
                Ok(format!("gatesmith-runtime = {}", toml_string(version)))
            }
        }
    }
}

fn toml_string(text: &str) -> String {
    // A TOML basic string is a JSON string for what a path or version holds.
    serde_json::to_string(text).unwrap_or_else(|_| format!("\"{text}\""))
}

/// `gatesmith new`'s options.
#[derive(Debug, Clone)]
pub struct NewOptions {
    /// The package name; default: the folder's name.
    pub name: Option<String>,
    pub runtime: Runtime,
    /// Write into a folder that already holds files (never replacing one).
    pub non_empty: bool,
}

/// `gatesmith new DIR`: a project that `cargo run` serves.
pub fn new_project(dir: &Path, options: &NewOptions) -> Result<Report, String> {
    if dir.exists() && !dir.is_dir() {
        return Err(format!("{} exists and is not a folder", shown(dir)));
    }
    if dir.is_dir() && !options.non_empty {
        let mut entries: Vec<String> = std::fs::read_dir(dir)
            .map_err(|err| format!("{}: {err}", shown(dir)))?
            .filter_map(|entry| entry.ok())
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .collect();
        entries.sort();
        if !entries.is_empty() {
            let more = if entries.len() > 3 { ", …" } else { "" };
            entries.truncate(3);
            return Err(format!(
                "{} is not empty (it holds {}{more}): nothing was written. Pick a new folder, or \
                 pass --non-empty to add the project's files beside what is there (no file is \
                 ever replaced)",
                shown(dir),
                entries.join(", ")
            ));
        }
    }
    let package = match &options.name {
        Some(name) => name.clone(),
        None => {
            let absolute =
                std::path::absolute(dir).map_err(|err| format!("{}: {err}", shown(dir)))?;
            let normal: PathBuf = absolute.components().collect();
            normal
                .file_name()
                .map(|name| name.to_string_lossy().to_kebab_case())
                .unwrap_or_default()
        }
    };
    let crate_name = package.replace('-', "_");
    let valid = package.starts_with(|c: char| c.is_ascii_alphabetic())
        && package
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && ident::snake(&crate_name) == crate_name
        && !["test", "gatesmith_runtime", "std", "core", "alloc"].contains(&crate_name.as_str());
    if !valid {
        return Err(format!(
            "{package:?} cannot name a Rust package: pass --name NAME (ASCII letters, digits, `-`, \
             `_`, starting with a letter, not a Rust keyword)"
        ));
    }
    let ctx = context! {
        package => &package,
        crate => &crate_name,
        runtime_dependency => options.runtime.dependency()?,
    };
    let specs = dir.join("specs");
    let app_spec = specs.join("app.yaml");
    let app = render("app.yaml", ctx.clone())?;
    let created = vec![
        UserFile {
            path: dir.join("Cargo.toml"),
            contents: render("Cargo.toml", ctx.clone())?,
        },
        UserFile {
            path: dir.join(config::FILE),
            contents: render("gatesmith.toml", ctx.clone())?,
        },
        UserFile {
            path: dir.join(".gitignore"),
            contents: render("gitignore", ctx.clone())?,
        },
        UserFile {
            path: dir.join("README.md"),
            contents: render("README.md", ctx.clone())?,
        },
        UserFile {
            path: app_spec.clone(),
            contents: app.clone(),
        },
        UserFile {
            path: dir.join("src/main.rs"),
            contents: render("main.rs", ctx)?,
        },
    ];
    let project = Project::new(&specs, dir);
    let plan = plan_with(&project, &[(app_spec, app)]).map_err(|err| err.to_string())?;
    // In a folder that is not empty, a file where a generated one goes is
    // as much in the way as one where a user's file goes.
    if let Some(taken) = plan.iter().find(|p| p.action != Action::Create) {
        return Err(format!(
            "{} already exists; gatesmith never replaces a file of yours: nothing was written",
            shown(&taken.path)
        ));
    }
    let lines = carry_out(&created, &[], &plan, false)?;
    let cd = if dir == Path::new(".") {
        String::new()
    } else {
        format!("cd {} && ", shown(dir))
    };
    Ok(Report {
        lines,
        notes: vec![format!(
            "Next: `{cd}cargo run` serves the gateway at http://localhost:3000; \
             `gatesmith g resource users` adds a CRUD gateway; `gatesmith dev` rebuilds on every save."
        )],
    })
}

/// `gatesmith g resource NAME` / `g gateway NAME`, in the project of the
/// working directory (the folder of its `gatesmith.toml`).
pub fn add_gateway(input: &str, kind: Kind, dry_run: bool) -> Result<Report, String> {
    let root = Path::new(".");
    if !root.join(config::FILE).is_file() {
        return Err(format!(
            "no {} here: run this in a project made by `gatesmith new` (its folder), or write a \
             {} naming its `specs` and `out`",
            config::FILE,
            config::FILE
        ));
    }
    let project = Config::load(Path::new(""))?.project(None, None, None);
    let names = Names::new(input, kind)?;
    let crate_dir = &project.out;
    let crate_name = crate_name(&crate_dir.join("Cargo.toml"))?;

    let existing = crate::load(&project.specs).or_else(|err| match err {
        // A project whose specs folder has no spec yet.
        crate::GenerateError::Spec(errors)
            if errors.len() == 1 && errors[0].message.starts_with("no spec") =>
        {
            Ok(Vec::new())
        }
        err => Err(format!(
            "{err}\nfix the specs first: gatesmith adds a gateway only to a project that generates"
        )),
    })?;
    if let Some(gateway) = existing
        .iter()
        .find(|g| crate::render::stem(g) == names.module)
    {
        return Err(format!(
            "{input:?} exists already: {} declares the gateway {:?} (module `{}`); nothing was written",
            gateway.spec_path,
            gateway.name,
            crate::render::stem(gateway)
        ));
    }
    let spec_path = project.specs.join(format!("{}.yaml", names.name));
    for taken in [
        spec_path.clone(),
        project.specs.join(format!("{}.yml", names.name)),
    ] {
        if taken.exists() {
            return Err(format!(
                "{input:?} exists already: {}; nothing was written",
                shown(&taken)
            ));
        }
    }
    // Sorted as rustfmt sorts them.
    let mut imports = [
        &names.create_dto,
        &names.update_dto,
        &names.entity,
        &names.trait_,
    ];
    imports.sort();
    let ctx = context! { n => &names, crate => &crate_name, imports => imports };
    let (spec_template, service_template) = match kind {
        Kind::Crud => ("resource.yaml", "resource_service.rs"),
        Kind::Gateway => ("gateway.yaml", "gateway_service.rs"),
    };
    let spec = render(spec_template, ctx.clone())?;
    let service_path = crate_dir
        .join("src/services")
        .join(format!("{}.rs", names.module));
    let service = rustfmt(&render(service_template, ctx)?);
    let created = vec![
        UserFile {
            path: spec_path.clone(),
            contents: spec.clone(),
        },
        UserFile {
            path: service_path,
            contents: service,
        },
    ];
    let plan = plan_with(&project, &[(spec_path, spec)]).map_err(|err| {
        format!("{err}\n(the spec gatesmith would write for {input:?} does not check; pick another name)")
    })?;

    let main_path = crate_dir.join("src/main.rs");
    let service_expr = format!(
        "{crate_name}::{module}::gateway(services::{module}::{store}{new})",
        module = names.module,
        store = names.store,
        new = match kind {
            Kind::Crud => "::default()",
            Kind::Gateway => "",
        }
    );
    let mut updated = Vec::new();
    let mut notes = Vec::new();
    let main = std::fs::read_to_string(&main_path);
    match main
        .as_ref()
        .map_err(ToString::to_string)
        .and_then(|main| register(main, &names.module, &service_expr))
    {
        Ok(edited) => {
            // A main.rs kept as rustfmt keeps it stays so; another style is
            // the user's, and left as it is.
            let formatted = main.as_ref().is_ok_and(|main| rustfmt(main) == *main);
            updated.push(UserFile {
                path: main_path,
                contents: if formatted { rustfmt(&edited) } else { edited },
            })
        }
        Err(why) => notes.push(format!(
            "{} was not edited ({why}). Add these two lines to it yourself:\n  \
             inside `mod services {{ … }}`:      pub mod {};\n  \
             in main's Host chain, before .run(): .gateway({service_expr})",
            shown(&main_path),
            names.module
        )),
    }
    if dry_run {
        notes.push("NOTE: --dry-run: nothing was written.".to_owned());
    }
    let lines = carry_out(&created, &updated, &plan, dry_run)?;
    Ok(Report { lines, notes })
}

/// `source` as `rustfmt` (edition 2024) formats it, so that `cargo fmt`
/// finds nothing to change in what gatesmith wrote: the long names of a
/// resource (`user-profile`) wrap, imports sort around the crate's name.
/// Without rustfmt (or if it fails), `source` as it is.
fn rustfmt(source: &str) -> String {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    let formatted = (|| {
        let mut child = Command::new("rustfmt")
            .args(["--edition", "2024"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        child.stdin.take()?.write_all(source.as_bytes()).ok()?;
        let output = child.wait_with_output().ok()?;
        if !output.status.success() {
            return None;
        }
        String::from_utf8(output.stdout).ok()
    })();
    formatted.unwrap_or_else(|| source.to_owned())
}

/// The library crate's name, from its `Cargo.toml`.
fn crate_name(manifest: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(manifest).map_err(|err| {
        format!(
            "{}: {err} (the project's crate is the `out` of {})",
            shown(manifest),
            config::FILE
        )
    })?;
    let value: toml::Table =
        toml::from_str(&text).map_err(|err| format!("{}: {err}", shown(manifest)))?;
    value
        .get("package")
        .and_then(|package| package.get("name"))
        .and_then(|name| name.as_str())
        .map(|name| name.replace('-', "_"))
        .ok_or_else(|| format!("{}: no [package] name", shown(manifest)))
}

/// `main.rs` with the gateway registered: `pub mod MODULE;` in its
/// `mod services` block and `.gateway(EXPR)` before the Host chain's
/// `.run()`. Fails, saying why, when either place is not found exactly once
/// or the result would not parse: then the user adds the lines.
pub fn register(main: &str, module: &str, gateway_expr: &str) -> Result<String, String> {
    if syn::parse_file(main).is_err() {
        return Err("it does not parse as Rust".to_owned());
    }
    let lines: Vec<&str> = main.lines().collect();
    let one = |what: &str, found: Vec<usize>| match found.as_slice() {
        [index] => Ok(*index),
        [] => Err(format!("no {what} line")),
        _ => Err(format!("more than one {what} line")),
    };
    let is_services = |line: &str| {
        let line = line.trim();
        let line = line.strip_prefix("pub ").unwrap_or(line);
        line == "mod services {}" || line == "mod services {"
    };
    let services = one(
        "`mod services {`",
        (0..lines.len())
            .filter(|&i| is_services(lines[i]))
            .collect(),
    )?;
    let run = one(
        "`.run()`",
        (0..lines.len())
            .filter(|&i| lines[i].trim_start().starts_with(".run()"))
            .collect(),
    )?;
    if run < services {
        return Err("`.run()` comes before `mod services`".to_owned());
    }
    let mut out = String::with_capacity(main.len() + 128);
    for (index, line) in lines.iter().enumerate() {
        if index == run {
            let indent = &line[..line.len() - line.trim_start().len()];
            let _ = writeln!(out, "{indent}.gateway({gateway_expr})");
        }
        if index == services && line.trim_end().ends_with("{}") {
            let head = line.trim_end().trim_end_matches("{}");
            let indent = &line[..line.len() - line.trim_start().len()];
            let _ = writeln!(out, "{head}{{\n{indent}    pub mod {module};\n{indent}}}");
            continue;
        }
        out.push_str(line);
        out.push('\n');
        if index == services {
            let indent = &line[..line.len() - line.trim_start().len()];
            let _ = writeln!(out, "{indent}    pub mod {module};");
        }
    }
    if !main.ends_with('\n') {
        out.pop();
    }
    if syn::parse_file(&out).is_err() {
        return Err("adding the lines would not give Rust that parses".to_owned());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nest_names_from_any_spelling() {
        let users = Names::new("users", Kind::Crud).unwrap();
        assert_eq!(
            [
                &users.create,
                &users.find_all,
                &users.find_one,
                &users.update,
                &users.remove
            ],
            [
                "createUser",
                "findAllUsers",
                "findOneUser",
                "updateUser",
                "removeUser"
            ]
        );
        assert_eq!(
            (
                users.entity.as_str(),
                users.create_dto.as_str(),
                users.update_dto.as_str()
            ),
            ("User", "CreateUserDto", "UpdateUserDto")
        );
        assert_eq!(users.trait_, "UsersService");
        assert_eq!(users.store, "UsersStore");
        assert_eq!(users.find_all_method, "find_all_users");

        // As `nest g resource aaa` named the lesson's events.
        let aaa = Names::new("aaa", Kind::Crud).unwrap();
        assert_eq!(
            (aaa.create.as_str(), aaa.find_all.as_str()),
            ("createAaa", "findAllAaa")
        );

        let spellings = ["user-profile", "UserProfile", "user_profile", "userProfile"];
        let first = Names::new(spellings[0], Kind::Crud).unwrap();
        for spelling in spellings {
            assert_eq!(
                Names::new(spelling, Kind::Crud).unwrap(),
                first,
                "{spelling}"
            );
        }
        assert_eq!(first.name, "user-profile");
        assert_eq!(first.module, "user_profile");
        assert_eq!(first.create, "createUserProfile");
        assert_eq!(first.singular_words, "user profile");

        let categories = Names::new("categories", Kind::Crud).unwrap();
        assert_eq!(categories.create, "createCategory");
        assert_eq!(categories.find_all, "findAllCategories");
    }

    #[test]
    fn names_that_cannot_be_scaffolded_are_refused() {
        for bad in [
            "",
            "1users",
            "user profile",
            "users!",
            "é",
            "-x",
            "services",
            "lib",
        ] {
            assert!(Names::new(bad, Kind::Crud).is_err(), "{bad:?}");
        }
    }

    const MAIN: &str = "use gatesmith_runtime::Host;\n\nmod services {}\n\nfn main() -> std::io::Result<()> {\n    Host::from_env()?\n        .pages(shop::PAGES_DIR)\n        .run()\n}\n";

    #[test]
    fn registering_adds_the_module_and_the_gateway() {
        let once = register(MAIN, "users", "shop::users::gateway(x())").unwrap();
        assert_eq!(
            once,
            "use gatesmith_runtime::Host;\n\nmod services {\n    pub mod users;\n}\n\nfn main() -> std::io::Result<()> {\n    Host::from_env()?\n        .pages(shop::PAGES_DIR)\n        .gateway(shop::users::gateway(x()))\n        .run()\n}\n"
        );
        let twice = register(&once, "chat", "shop::chat::gateway(y())").unwrap();
        assert!(
            twice.contains("mod services {\n    pub mod chat;\n    pub mod users;\n}"),
            "{twice}"
        );
        assert!(
            twice.contains(
                ".gateway(shop::users::gateway(x()))\n        .gateway(shop::chat::gateway(y()))\n        .run()"
            ),
            "{twice}"
        );
    }

    #[test]
    fn a_main_changed_too_much_is_not_edited() {
        for (main, why) in [
            (MAIN.replace("mod services {}\n", ""), "no `mod services {`"),
            (
                MAIN.replace("        .run()", "        .run()\n        .run()"),
                "more than one `.run()`",
            ),
            (
                MAIN.replace("        .run()\n", "        ;\n"),
                "no `.run()`",
            ),
            (MAIN.replace("fn main", "fn main {"), "does not parse"),
        ] {
            let err = register(&main, "users", "x").unwrap_err();
            assert!(err.contains(why), "{err} / {why}");
        }
    }
}
