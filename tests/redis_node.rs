//! Several hosts sharing broadcasts and rooms through Redis
//! (`GATESMITH_REDIS_URL`, `Host::redis`): a `redis-server` of the test's
//! own and two processes of the generated host (`specs/aaa.yaml` and the
//! chat of `specs/chat.yaml`), driven with the official client from Node
//! (tests/node/redis.test.mjs says what each check asserts).

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

#[path = "support/gateway_process.rs"]
mod gateway_process;
#[path = "support/redis_server.rs"]
mod redis_server;
use gateway_process::GatewayProcess;
use redis_server::RedisServer;

const HOST: &str = env!("CARGO_BIN_EXE_generated-host");

fn node(redis: &RedisServer) -> GatewayProcess {
    GatewayProcess::start_program(HOST, &[("GATESMITH_REDIS_URL", &redis.url())])
}

#[test]
fn two_nodes_share_one_chat_and_one_survives_the_other_being_killed() {
    let redis = RedisServer::start();
    let (mut a, mut b) = (node(&redis), node(&redis));
    let (url_b, pid_a) = (b.url(), a.id().to_string());
    gatesmith_tests::node_test(
        "redis.test.mjs",
        &a.url(),
        &[
            ("GATESMITH_URL_B", Path::new(&url_b)),
            ("GATESMITH_PID_A", Path::new(&pid_a)),
        ],
    );
    // The last check killed A: had it been skipped, A would still run.
    let status = a.wait_exit(Duration::from_secs(5));
    assert_eq!(status.signal(), Some(9), "node A was killed: {status}");
    b.read_lines();
    assert!(
        !b.stderr.iter().any(|line| line.contains("panicked")),
        "node B's log:\n{}",
        b.stderr.join("\n")
    );
}

#[test]
fn while_redis_is_down_clients_are_answered_and_once_back_the_nodes_share_again() {
    let mut redis = RedisServer::start();
    let (mut a, mut b) = (node(&redis), node(&redis));
    let url_b = b.url();
    assert_eq!(gatesmith_tests::http_get(a.port, "/readyz").0, 200);
    redis.stop();
    for node in [&mut a, &mut b] {
        node.wait_for_log("Redis connection lost", Duration::from_secs(15));
        // A load balancer stops sending it new clients meanwhile.
        assert_eq!(
            gatesmith_tests::http_get(node.port, "/readyz"),
            (503, "not ready: Redis is unreachable\n".to_owned())
        );
    }
    gatesmith_tests::node_test_matching(
        "redis.test.mjs",
        Some("Redis is down"),
        &a.url(),
        &[
            ("GATESMITH_URL_B", Path::new(&url_b)),
            ("GATESMITH_REDIS_DOWN", Path::new("1")),
        ],
    );
    redis.start_again();
    for node in [&mut a, &mut b] {
        node.wait_for_log("reconnected to Redis", Duration::from_secs(15));
        assert_eq!(gatesmith_tests::http_get(node.port, "/readyz").0, 200);
    }
    gatesmith_tests::node_test_matching(
        "redis.test.mjs",
        Some("everyone|room spans"),
        &a.url(),
        &[("GATESMITH_URL_B", Path::new(&url_b))],
    );
}

#[test]
fn a_host_that_cannot_reach_redis_or_read_its_url_stops_saying_why() {
    // Port 1 is privileged: nothing listens there, and no other test can
    // take it (a freed ephemeral port could go to another test's Redis).
    let unreachable = "redis://127.0.0.1:1";
    for (url, expected) in [
        (unreachable, format!("cannot reach Redis at {unreachable}")),
        (
            "redis://user:secret@",
            "GATESMITH_REDIS_URL: redis://***@ is not a Redis URL".to_owned(),
        ),
        (
            "localhost:6379",
            "GATESMITH_REDIS_URL: localhost:6379 is not a Redis URL".to_owned(),
        ),
    ] {
        let output = Command::new(HOST)
            .env("PORT", "0")
            .env("GATESMITH_REDIS_URL", url)
            .output()
            .expect("run the generated host");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{url}: it served anyway");
        assert!(stderr.contains(&expected), "{url}: {stderr}");
        assert!(!stderr.contains("secret"), "{url}: {stderr}");
        assert!(!stderr.contains("serving on"), "{url}: {stderr}");
    }
}

#[test]
fn the_host_these_tests_run_is_the_generated_one() {
    // tests/bin/generated_host.rs is a copy of generated/src/main.rs (but
    // for its doc and the pages folder, named from another crate).
    let code = |path: &str| -> Vec<String> {
        let text = std::fs::read_to_string(gatesmith_tests::root().join(path)).expect(path);
        (text.lines())
            .filter(|line| !line.starts_with("//") && !line.contains(".pages("))
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(
        code("tests/bin/generated_host.rs"),
        code("generated/src/main.rs"),
        "update tests/bin/generated_host.rs to serve what generated/src/main.rs serves"
    );
}
