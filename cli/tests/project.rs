//! A user's first steps, for real: `gatesmith new shop`, `gatesmith g
//! resource users`, build, serve, drive with the official socket.io client;
//! then the spec edits users make, compiled against the scaffolded service.
//! One project, built once (dependencies come from the target folder all
//! project tests share: see common/built.rs).

mod common;

use common::built::{self, Server};
use common::text;

#[test]
fn new_then_g_resource_serves_a_crud_gateway_and_spec_edits_compile_as_promised() {
    let parent = tempfile::tempdir().expect("temp dir");
    let shop = built::new_project(parent.path(), "shop");
    let created = built::gatesmith(&shop, &["g", "resource", "users"]);
    assert!(
        created.contains("CREATE src/services/users.rs ("),
        "{created}"
    );

    let build = built::cargo_build(&shop);
    assert!(build.status.success(), "{}", text(&build));

    // Two clients at once against the untouched scaffold (tests/node/crud.test.mjs).
    {
        let server = Server::start(&shop, "shop");
        built::node_test("crud.test.mjs", &server.url);
    }

    // Adding an event to the spec never breaks the user's service.
    let spec_path = shop.join("specs/users.yaml");
    let service_path = shop.join("src/services/users.rs");
    let service = std::fs::read_to_string(&service_path).expect("read the service");
    let spec = std::fs::read_to_string(&spec_path).expect("read the spec");
    let with_count = format!("{spec}\n  countUsers:\n    ack: 0\n");
    std::fs::write(&spec_path, &with_count).expect("write the spec");
    let generated = built::gatesmith(&shop, &["generate"]);
    assert!(generated.contains("updated   src/users.rs"), "{generated}");
    let build = built::cargo_build(&shop);
    assert!(
        build.status.success(),
        "an added event broke the user's service: {}",
        text(&build)
    );
    assert_eq!(
        std::fs::read_to_string(&service_path).expect("read the service"),
        service,
        "generate touched the user's service"
    );

    // Changing the payload type of an event the service overrides fails
    // the build at that method, naming it.
    let retyped = with_count.replacen(
        "  findOneUser:\n    payload: integer\n    example: 1",
        "  findOneUser:\n    payload: string\n    example: \"1\"",
        1,
    );
    assert_ne!(
        retyped, with_count,
        "the scaffolded spec has findOneUser's payload"
    );
    std::fs::write(&spec_path, retyped).expect("write the spec");
    built::gatesmith(&shop, &["generate"]);
    let build = built::cargo_build(&shop);
    let stderr = String::from_utf8_lossy(&build.stderr);
    assert!(!build.status.success(), "a retyped payload still compiled");
    assert!(
        stderr.contains("error[E0053]: method `find_one_user` has an incompatible type for trait"),
        "{stderr}"
    );
    assert!(stderr.contains("src/services/users.rs"), "{stderr}");
    assert!(
        stderr.contains("expected `std::string::String`, found `i64`"),
        "{stderr}"
    );
}

/// The files docs/from-nest.md gives: each fenced block whose first line is
/// `# file: PATH` or `// file: PATH`, as (PATH, the block).
fn files_of(page: &str) -> Vec<(String, String)> {
    let mut files = Vec::new();
    for block in page.split("```").skip(1).step_by(2) {
        let Some((_, body)) = block.split_once('\n') else {
            continue;
        };
        let first = body.lines().next().unwrap_or("");
        let path = first
            .strip_prefix("# file: ")
            .or_else(|| first.strip_prefix("// file: "));
        if let Some(path) = path {
            files.push((path.trim().to_owned(), body.to_owned()));
        }
    }
    files
}

#[test]
fn the_from_nest_page_builds_and_does_what_it_says() {
    let page =
        std::fs::read_to_string(built::repo().join("docs/from-nest.md")).expect("read the page");
    let files = files_of(&page);
    let paths: Vec<&str> = files.iter().map(|(path, _)| path.as_str()).collect();
    assert_eq!(paths, ["specs/chat.yaml", "src/services/chat.rs"]);

    let parent = tempfile::tempdir().expect("temp dir");
    let demo = built::new_project(parent.path(), "demo");
    built::gatesmith(&demo, &["g", "gateway", "chat"]);
    for (path, contents) in &files {
        std::fs::write(demo.join(path), contents).expect("write a file of the page");
    }
    built::gatesmith(&demo, &["generate"]);
    let build = built::cargo_build(&demo);
    assert!(build.status.success(), "{}", text(&build));
    let server = Server::start(&demo, "demo");
    built::node_test("from-nest.test.mjs", &server.url);
}
