//! gatesmith at scale: many random valid specs (proptest strategies,
//! `tests/support/random_spec.rs`) render to Rust that compiles (all of it
//! in one trybuild run); random and mutated YAML gives diagnostics, never a
//! panic (a property proptest shrinks, failures kept in
//! `tests/scale.proptest-regressions`); rendering is deterministic, and a
//! change to one event changes only the files that depend on it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use gatesmith::Project;
use gatesmith::model::Gateway;
use gatesmith::render::{File, Templates};
use gatesmith_tests::random_spec::{RandomSpec, Rng, fixed_spec};
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, RngSeed, TestCaseError, TestRunner};

/// The seeds whose specs are compiled together: 0..40, or the range
/// `GATESMITH_SCALE_SEEDS` gives (`100..300`), to explore further.
fn seeds() -> std::ops::Range<u64> {
    let Ok(range) = std::env::var("GATESMITH_SCALE_SEEDS") else {
        return 0..40;
    };
    let bounds: Option<(u64, u64)> = range
        .split_once("..")
        .and_then(|(a, b)| Some((a.trim().parse().ok()?, b.trim().parse().ok()?)));
    let (start, end) = bounds
        .unwrap_or_else(|| panic!("GATESMITH_SCALE_SEEDS={range:?}: write a range, as 100..300"));
    start..end
}

/// Specs that once rendered code that did not compile, compiled in the
/// same run as the random ones.
const REGRESSIONS: &[(&str, &str)] = &[
    // Event methods named like methods of `Arc` or of the prelude's traits
    // were called on the handler's `Arc<service>` and resolved to those.
    (
        "regression-methods.yaml",
        "gateway: methods\nnamespace: /methods\nevents:\n  clone: {}\n  into: { payload: integer }\n  drop: { ack: done }\n  to_owned: {}\n  try_into: { payload: string }\n  as_ref: {}\n",
    ),
    // A gateway without events left `|events|` unused.
    (
        "regression-no-events.yaml",
        "gateway: quiet\nnamespace: /quiet\n",
    ),
    // An integer beyond i32 was an out-of-range `i32` literal in `json!`.
    (
        "regression-numbers.yaml",
        "gateway: numbers\nnamespace: /numbers\nevents:\n  big:\n    ack: [2147483648, -2147483649, -9223372036854775808, 18446744073709551615, 1e300]\n    emit: [{ to: all, event: big, data: { n: 3000000000 } }]\n",
    ),
    // A character that changes the text direction made a doc comment
    // rustc refuses.
    (
        "regression-bidi.yaml",
        "gateway: bidi\nnamespace: /bidi\ndescription: \"evil \\u202E text\"\nschemas:\n  Dto: { type: object, description: \"\\u2066\", properties: { \"\\u202Ea\": string } }\nevents:\n  \"\\u2067e\": { description: \"\\u202A\", payload: Dto }\n",
    ),
];

/// An empty folder of its own under cargo's scratch space for tests.
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create a scratch folder");
    dir
}

/// Writes each spec as `<seed>.yaml`, one in seven with a byte order mark
/// first, as some editors save UTF-8.
fn write_specs(dir: &Path, specs: &[RandomSpec]) {
    std::fs::create_dir_all(dir).expect("create the specs folder");
    for spec in specs {
        let bom = if spec.seed % 7 == 0 { "\u{feff}" } else { "" };
        std::fs::write(
            dir.join(format!("{:03}.yaml", spec.seed)),
            format!("{bom}{}", spec.yaml),
        )
        .expect("write a spec");
    }
}

/// The checked gateways of `dir`; a refused spec fails the test with its
/// diagnostics and its text, as the generator must write only valid specs.
fn load_valid(dir: &Path) -> Vec<Gateway> {
    gatesmith::load(dir).unwrap_or_else(|err| {
        let mut shown = String::new();
        if let gatesmith::GenerateError::Spec(errors) = &err {
            let mut paths: Vec<&Path> = errors.iter().map(|e| e.path.as_path()).collect();
            paths.dedup();
            for path in paths {
                let text = std::fs::read_to_string(path).unwrap_or_default();
                let _ = write!(shown, "\n--- {}\n{text}", path.display());
            }
        }
        panic!("a random spec was refused:\n{err}\n{shown}")
    })
}

fn write_files(out: &Path, files: &[File]) {
    for file in files {
        let path = out.join(&file.path);
        std::fs::create_dir_all(path.parent().expect("files sit in a folder"))
            .expect("create the output folders");
        std::fs::write(&path, &file.contents).expect("write a rendered file");
    }
}

/// A program that mounts the rendered crate (its `lib.rs`, so module names
/// are compiled too) and hands every gateway, built with its all-defaults
/// service, to one host. Warnings are errors (generated code must build
/// cleanly in its users' crates), but for unused items, which a program
/// using only the defaults has many of.
fn program(lib: &Path, gateways: &[Gateway]) -> String {
    let mut text = String::from(
        "//! Every gateway of the random specs, on one host.\n\n\
         #![deny(warnings)]\n\
         #![allow(dead_code)]\n\n",
    );
    let _ = writeln!(
        text,
        "#[path = {:?}]\nmod generated;\n",
        lib.to_str().expect("a UTF-8 scratch path")
    );
    text.push_str("fn main() {\n    let host = gatesmith_runtime::Host::new()\n");
    for gateway in gateways {
        let _ = writeln!(
            text,
            "        .gateway(generated::{m}::gateway(generated::{m}::Spec{s}))",
            m = gatesmith::ident::snake(&gateway.name),
            s = gatesmith::ident::upper_camel_join(&gateway.name, "Service")
        );
    }
    text.push_str("        .pages(generated::PAGES_DIR);\n    drop(host);\n}\n");
    text
}

#[test]
fn random_specs_render_to_gateways_that_compile_together() {
    let started = Instant::now();
    let dir = scratch("scale-compile");
    let specs: Vec<RandomSpec> = seeds().map(fixed_spec).collect();
    write_specs(&dir.join("specs"), &specs);
    for (name, text) in REGRESSIONS {
        std::fs::write(dir.join("specs").join(name), text).expect("write a spec");
    }
    let gateways = load_valid(&dir.join("specs"));
    assert_eq!(
        gateways.len(),
        specs.len() + REGRESSIONS.len(),
        "one gateway per spec"
    );
    let files = gatesmith::render::render(&gateways, &Templates::builtin())
        .unwrap_or_else(|err| panic!("{err}"));
    write_files(&dir.join("out"), &files);
    for gateway in &gateways {
        println!("{} ← {}", gateway.name, gateway.spec_path);
    }
    let main = dir.join("all_random_gateways.rs");
    std::fs::write(&main, program(&dir.join("out/src/lib.rs"), &gateways))
        .expect("write the program");
    let rendered = started.elapsed();
    {
        let cases = trybuild::TestCases::new();
        cases.pass(&main);
    }
    println!(
        "{} specs, {} events: rendered in {rendered:?}, compiled in {:?}",
        gateways.len(),
        gateways.iter().map(|g| g.events.len()).sum::<usize>(),
        started.elapsed() - rendered
    );
}

/// What the fuzz inserts: YAML's indicators, quotes, whitespace that YAML
/// or Rust treats specially, non-ASCII, and bits of interpolation.
const TOKENS: &[&str] = &[
    ":",
    "-",
    "- ",
    "{",
    "}",
    "[",
    "]",
    "\"",
    "'",
    "\t",
    "#",
    "&a ",
    "*a",
    "!",
    "!!binary ",
    "|",
    ">",
    "%",
    "@",
    "`",
    ",",
    "?",
    "é",
    "名",
    "🎉",
    "\0",
    "\r",
    "\n",
    " ",
    "  ",
    "\u{2028}",
    "\u{85}",
    "\u{feff}",
    "\u{202e}",
    "{{",
    "}}",
    "{{ payload.",
    "<<: ",
    "---\n",
    "...\n",
    "~",
];

/// Values of other types and shapes, for `key: value` lines.
const VALUES: &[&str] = &[
    "[]",
    "{}",
    "",
    "null",
    "~",
    "123",
    "-1",
    "1.5",
    "true",
    "\"x\"",
    "''",
    "-1s",
    "2h",
    "61m",
    "0.4ms",
    "*a",
    "&a x",
    "!!binary aGk=",
    "'{{ payload }}'",
    "'{{ payload.zz }}'",
    "'{{ payload.id.x }}'",
    "'{{ socket.name }}'",
    "'{{ socket.id }}'",
    "'{{'",
    "'a {{ payload }} b'",
    "[1, [2, {a: b}]]",
    "{ $ref: Nope }",
    "{ $ref: CreateAaaDto }",
    "array",
    "string",
    "object",
    "Nope",
    "CreateAaaDto",
    "\"#/schemas/\"",
    "{ type: array }",
    "{ type: array, items: { type: array, items: CreateAaaDto } }",
    "{ type: object, properties: { a: A } }",
    "{ type: object, required: [a, b], properties: { a: string } }",
    "{ type: object, required: [next], properties: { next: UpdateAaaDto } }",
    "{ type: enum }",
    "9999999999999999999999",
    "0x1F",
    ".inf",
    ".nan",
    "[{ to: sender, event: e, after: 1s }]",
    "[{ to: everyone, event: e }]",
    "[{ event: e, data: '{{ payload }}' }]",
];

/// Keys to put in place of a key.
const KEYS: &[&str] = &[
    "",
    "\"\"",
    "type",
    "gateway",
    "events",
    "schemas",
    "payload",
    "x",
    "名前",
    "'a:b'",
    "<<",
    "? complex",
    "handleConnection",
    "handle_disconnect",
    "String",
    "Value",
    "AaaService",
    "a.b",
    "A",
    "a",
    "on_disconnect",
    "$ref",
    "required",
    "items",
];

/// One random edit of `text`: lines deleted, duplicated, swapped or
/// re-indented; tokens inserted; values and keys replaced; truncation.
fn mutate(text: &str, rng: &mut Rng) -> String {
    let mut lines: Vec<String> = text.split('\n').map(str::to_owned).collect();
    let line = rng.below(lines.len());
    match rng.below(12) {
        0 => {
            lines.remove(line);
        }
        1 => lines.insert(line, lines[line].clone()),
        2 => {
            let other = rng.below(lines.len());
            lines.swap(line, other);
        }
        3 => {
            let indent = rng.pick(&["", " ", "  ", "    ", "\t", "      "]);
            lines[line] = format!("{indent}{}", lines[line].trim_start());
        }
        4 | 5 => {
            let at = char_boundary(&lines[line], rng);
            lines[line].insert_str(at, rng.pick(TOKENS));
        }
        6 => {
            let cut = char_boundary(text, rng);
            return text[..cut].to_owned();
        }
        7 | 8 => {
            if let Some(colon) = lines[line].find(": ") {
                lines[line] = format!("{}: {}", &lines[line][..colon], rng.pick(VALUES));
            }
        }
        9 => {
            let indent = lines[line].len() - lines[line].trim_start().len();
            if let Some(colon) = lines[line].find(':') {
                let key = rng.pick(KEYS);
                lines[line] = format!(
                    "{}{key}{}",
                    &lines[line][..indent.min(colon)],
                    &lines[line][colon..]
                );
            }
        }
        10 => {
            // A block of lines, elsewhere.
            let end = (line + rng.between(1, 6)).min(lines.len());
            let block: Vec<String> = lines[line..end].to_vec();
            let at = rng.below(lines.len() + 1);
            lines.splice(at..at, block);
        }
        _ => {
            let at = char_boundary(&lines[line], rng);
            let mut chars: Vec<char> = lines[line].chars().collect();
            let index = lines[line][..at].chars().count();
            if index < chars.len() {
                chars[index] = char::from(b' ' + rng.below(95) as u8);
            }
            lines[line] = chars.into_iter().collect();
        }
    }
    lines.join("\n")
}

fn char_boundary(text: &str, rng: &mut Rng) -> usize {
    let mut at = rng.below(text.len() + 1);
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Parses, checks and renders `input` as gatesmith's `load` and `render`
/// do, and returns its diagnostics, or an empty list when it rendered.
fn diagnostics(input: &str) -> Vec<gatesmith::diagnostic::SpecError> {
    let path = Path::new("specs/fuzz.yaml");
    let checked = gatesmith::load_one(path, "specs/fuzz.yaml", input);
    match checked {
        Ok(gateways) => {
            // A spec the model accepts must render: render errors are bugs.
            if let Err(err) = gatesmith::render::render(&gateways, &Templates::builtin()) {
                panic!("a checked spec failed to render: {err}");
            }
            Vec::new()
        }
        Err(errors) => errors,
    }
}

/// What is wrong with the diagnostics of `input`, if anything: each must
/// name the file, and its line and column when it has a position in it.
fn diagnostic_faults(input: &str, errors: &[gatesmith::diagnostic::SpecError]) -> Vec<String> {
    // Lines as YAML counts them: a lone `\r` ends one too.
    let lines = input
        .split('\n')
        .flat_map(|line| line.strip_suffix('\r').unwrap_or(line).split('\r'))
        .count();
    let mut faults = Vec::new();
    for err in errors {
        let text = err.to_string();
        match err.position {
            Some((line, column)) => {
                let at = format!("specs/fuzz.yaml:{line}:{column}");
                if !text.contains(&at) || line == 0 || column == 0 || line > lines {
                    faults.push(format!(
                        "does not show {at} within the input's {lines} lines:\n{text}"
                    ));
                }
            }
            None if !text.contains("specs/fuzz.yaml") => {
                faults.push(format!("does not name the file:\n{text}"));
            }
            None => {}
        }
    }
    faults
}

/// A fuzz input: the lesson's spec or a random one, mutated one to four
/// times, and now and then text made only of tokens. The choices come
/// from a tape proptest draws: shrunk, it gives the lesson, one mutation,
/// the first line.
fn fuzz_input(bases: Vec<String>) -> impl Strategy<Value = String> {
    (any::<u8>(), proptest::collection::vec(any::<u64>(), 64)).prop_map(move |(kind, tape)| {
        let mut rng = Rng::new(tape);
        if kind % 50 == 49 {
            return (0..rng.between(1, 40)).map(|_| rng.pick(TOKENS)).collect();
        }
        // The lesson half the time: small inputs are fast to check.
        let base = if rng.one_in(2) {
            0
        } else {
            rng.below(bases.len())
        };
        let mut text = bases[base].clone();
        for _ in 0..rng.between(1, 4) {
            text = mutate(&text, &mut rng);
        }
        text
    })
}

/// What is wrong with how gatesmith took `input`: a panic, or a diagnostic
/// without its place. `Ok(true)` when it rendered, `Ok(false)` refused.
fn take(input: &str) -> Result<bool, String> {
    match std::panic::catch_unwind(|| diagnostics(input)) {
        Ok(errors) if errors.is_empty() => Ok(true),
        Ok(errors) => match diagnostic_faults(input, &errors).first() {
            Some(fault) => Err(fault.clone()),
            None => Ok(false),
        },
        Err(panic) => {
            let message = (panic.downcast_ref::<String>().cloned())
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Err(format!("panicked: {message}"))
        }
    }
}

#[test]
fn random_and_mutated_yaml_gives_diagnostics_never_a_panic() {
    const INPUTS: u32 = 4000;
    let started = Instant::now();
    let lesson = std::fs::read_to_string(gatesmith_tests::root().join("specs/aaa.yaml"))
        .expect("read specs/aaa.yaml");
    let bases: Vec<String> = std::iter::once(lesson)
        .chain((1000..1012).map(|seed| fixed_spec(seed).yaml))
        .collect();
    // The input being checked, for the report if it hangs. A stack overflow
    // aborts the process before any report: run again with
    // GATESMITH_FUZZ_TRACE set to have each input written to a file before
    // it is checked.
    let current = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let trace = std::env::var_os("GATESMITH_FUZZ_TRACE")
        .map(|_| PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fuzz-current.yaml"));
    let progress = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let worker = {
        let progress = std::sync::Arc::clone(&progress);
        let current = std::sync::Arc::clone(&current);
        // The stack of the CLI's main thread, on which specs are checked.
        std::thread::Builder::new()
            .stack_size(8 << 20)
            .spawn(move || {
                // The same inputs on every run; a failure is shrunk to a
                // small input and its choices saved, to be tried first from
                // then on.
                let mut runner = TestRunner::new(Config {
                    cases: INPUTS,
                    rng_seed: RngSeed::Fixed(0x5EED),
                    failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
                        "tests/scale.proptest-regressions",
                    ))),
                    ..Config::default()
                });
                let accepted = std::cell::Cell::new(0);
                let result = runner.run(&fuzz_input(bases), |input| {
                    input.clone_into(&mut current.lock().unwrap_or_else(|p| p.into_inner()));
                    if let Some(trace) = &trace {
                        std::fs::write(trace, &input).expect("write the traced input");
                    }
                    let taken = take(&input);
                    progress.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    match taken {
                        Ok(rendered) => {
                            accepted.set(accepted.get() + usize::from(rendered));
                            Ok(())
                        }
                        Err(problem) => Err(TestCaseError::fail(format!(
                            "{problem}\n--- input:\n{input}\n---"
                        ))),
                    }
                });
                (result.map_err(|err| err.to_string()), accepted.get())
            })
            .expect("start the fuzz thread")
    };
    let mut seen = 0;
    let mut since = Instant::now();
    while !worker.is_finished() {
        std::thread::sleep(std::time::Duration::from_millis(50));
        let now = progress.load(std::sync::atomic::Ordering::Relaxed);
        if now != seen {
            (seen, since) = (now, Instant::now());
        } else if since.elapsed() > std::time::Duration::from_secs(20) {
            let input = current.lock().unwrap_or_else(|p| p.into_inner()).clone();
            panic!("no answer after 20 s for input #{now}:\n{input}");
        }
    }
    let (result, accepted) = worker.join().expect("the fuzz thread catches panics");
    println!(
        "{INPUTS} inputs in {:?}: {accepted} rendered",
        started.elapsed()
    );
    if let Err(failure) = result {
        panic!("{failure}");
    }
    assert!(
        accepted > INPUTS as usize / 20,
        "the mutations should leave some specs valid"
    );
}

/// The files of `after` whose contents differ from `before`'s.
fn changed(before: &[File], after: &[File]) -> Vec<String> {
    assert_eq!(
        before.iter().map(|f| &f.path).collect::<Vec<_>>(),
        after.iter().map(|f| &f.path).collect::<Vec<_>>(),
        "the same files, in the same order"
    );
    (before.iter().zip(after))
        .filter(|(a, b)| a.contents != b.contents)
        .map(|(file, _)| file.path.to_string_lossy().replace('\\', "/"))
        .collect()
}

#[test]
fn rendering_is_deterministic_and_a_changed_event_changes_only_what_shows_it() {
    let dir = scratch("scale-determinism");
    let specs: Vec<RandomSpec> = (200..206).map(fixed_spec).collect();
    write_specs(&dir, &specs);
    let project = Project::new(&dir, dir.join("out"));
    let first = gatesmith::render_specs(&project).unwrap_or_else(|err| panic!("{err}"));
    let second = gatesmith::render_specs(&project).unwrap_or_else(|err| panic!("{err}"));
    assert!(first == second, "rendering twice gave different bytes");

    gatesmith::generate(&project, false).unwrap_or_else(|err| panic!("{err}"));
    let again = gatesmith::generate(&project, false).unwrap_or_else(|err| panic!("{err}"));
    assert!(
        again
            .iter()
            .all(|p| p.action == gatesmith::write::Action::Unchanged),
        "{again:?}"
    );

    // One spec in the middle, with an event to change. Without a payload,
    // any value is a valid example for it.
    let (target, event) = specs[2..]
        .iter()
        .find_map(|spec| {
            let events = spec.value["events"].as_object()?;
            let (name, _) = events.iter().find(|(_, e)| e.get("payload").is_none())?;
            Some((spec, name.clone()))
        })
        .expect("a spec with an event without a payload among the seeds");
    let module = gatesmith::ident::snake(&target.gateway);
    let change = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut value = target.value.clone();
        edit(&mut value["events"][event.as_str()]);
        let yaml = gatesmith_tests::random_spec::to_yaml(&value);
        std::fs::write(dir.join(format!("{:03}.yaml", target.seed)), yaml).expect("write a spec");
        let files = gatesmith::render_specs(&project).unwrap_or_else(|err| panic!("{err}"));
        changed(&first, &files)
    };
    let module_file = format!("src/{module}.rs");

    let typings_file = format!("client/{module}.d.ts");
    // The ack is in the module, and in the typings when its type changes.
    let diff = change(&|event| event["ack"] = serde_json::json!("changed {{ socket.id }}"));
    let only_module_and_typings =
        diff.first() == Some(&module_file) && diff.iter().skip(1).all(|file| *file == typings_file);
    assert!(
        only_module_and_typings,
        "changing {event:?}'s ack changed {diff:?}"
    );
    // The example is on the page only.
    let diff = change(&|event| event["example"] = serde_json::json!({ "changed": [1, 2] }));
    assert_eq!(diff, ["pages/index.html"], "changing {event:?}'s example");
    // A new event sent back is in both: the page listens to it.
    let diff = change(&|event| {
        event["reply"] = serde_json::json!([{ "event": "brand-new", "data": "{{ socket.id }}" }]);
    });
    assert_eq!(
        diff,
        [
            module_file.as_str(),
            typings_file.as_str(),
            "pages/index.html"
        ],
        "adding a reply to {event:?}"
    );
    // Back as it was, everything is as it was.
    std::fs::write(dir.join(format!("{:03}.yaml", target.seed)), &target.yaml)
        .expect("write a spec");
    let restored = gatesmith::render_specs(&project).unwrap_or_else(|err| panic!("{err}"));
    assert!(restored == first, "restoring the spec restores every file");
}
