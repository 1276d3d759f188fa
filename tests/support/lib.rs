//! Support shared by the integration tests: serving a generated gateway
//! (the lesson's, or a test fixture's) on a free port, running the Node
//! test files against it, and generating random valid specs
//! ([`random_spec`]).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use gatesmith_generated::{aaa, chat};
use gatesmith_runtime::{Gateway, Host};

pub mod random_spec;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Serves the generated gateways (the lesson's and the chat) and their
/// page, as `generated/src/main.rs` does, on a free port of 127.0.0.1,
/// until the test's runtime ends.
pub async fn serve_lesson() -> SocketAddr {
    serve_all(
        gatesmith_generated::PAGES_DIR,
        vec![
            aaa::gateway(aaa::SpecAaaService),
            chat::gateway(chat::SpecChatService),
        ],
    )
    .await
}

/// Serves `gateway` and the pages in `pages_dir` (a generated crate's
/// `PAGES_DIR`) on a free port of 127.0.0.1, until the test's runtime ends.
pub async fn serve(pages_dir: &str, gateway: Gateway) -> SocketAddr {
    serve_all(pages_dir, vec![gateway]).await
}

/// [`serve`] for several gateways, each on its namespace.
pub async fn serve_all(pages_dir: &str, gateways: Vec<Gateway>) -> SocketAddr {
    let mut host = Host::new()
        .addr(([127, 0, 0, 1], 0).into())
        .pages(pages_dir);
    for gateway in gateways {
        host = host.gateway(gateway);
    }
    let bound = host.bind().await.expect("bind a free port on 127.0.0.1");
    let addr = bound.local_addr();
    tokio::spawn(bound.serve_until(std::future::pending()));
    addr
}

static NPM: Mutex<()> = Mutex::new(());

/// Installs `tests/node`'s locked packages when they are missing.
pub fn npm_install() {
    let _one_at_a_time = NPM.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let dir = root().join("tests/node");
    if dir.join("node_modules/.package-lock.json").exists() {
        return;
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(&dir)
        .status()
        .expect("run npm (Node 20 and npm must be installed)");
    assert!(status.success(), "npm ci failed in {}", dir.display());
}

/// Runs `node --test FILE` from `tests/node` against `url`, with `env` set
/// besides, and fails the test with Node's report when any of its tests fail.
pub fn node_test(file: &str, url: &str, env: &[(&str, &Path)]) {
    node_test_matching(file, None, url, env);
}

/// [`node_test`], running only the tests whose names match `pattern` (a
/// regular expression) when one is given.
pub fn node_test_matching(file: &str, pattern: Option<&str>, url: &str, env: &[(&str, &Path)]) {
    npm_install();
    let dir = root().join("tests/node");
    let mut command = Command::new("node");
    command.args(["--test", "--test-reporter=spec"]);
    if let Some(pattern) = pattern {
        command.arg(format!("--test-name-pattern={pattern}"));
    }
    let output = command
        .arg(file)
        .env("GATESMITH_URL", url)
        .envs(env.iter().copied())
        .current_dir(&dir)
        .output()
        .expect("run node (Node 20 must be installed)");
    let report = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    println!("{report}");
    assert!(
        output.status.success(),
        "node --test {file} failed:\n{report}"
    );
}

/// Debian's Chromium, which the browser test drives.
pub fn chromium() -> PathBuf {
    let path = std::env::var_os("CHROMIUM")
        .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    assert!(
        Path::new(&path).exists(),
        "Chromium not found at {}: install it with `apt-get install chromium` (scripts/test does) or set CHROMIUM",
        path.display()
    );
    path
}

/// A raw WebSocket connection to a socket.io server, for tests that need
/// to see frames the official client hides.
pub type WsClient =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The next text frame, answering engine.io pings on the way; `None` once
/// the connection is closed. Fails the test when nothing comes within 5 s.
pub async fn next_text(ws: &mut WsClient) -> Option<String> {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    loop {
        match tokio::time::timeout(std::time::Duration::from_secs(5), ws.next()).await {
            Ok(Some(Ok(Message::Text(text)))) if text.as_str() == "2" => {
                ws.send(Message::text("3")).await.ok()?;
            }
            Ok(Some(Ok(Message::Text(text)))) => return Some(text.as_str().to_owned()),
            Ok(Some(Ok(Message::Close(_))) | Some(Err(_)) | None) => return None,
            Ok(Some(Ok(_))) => {}
            Err(_) => panic!("no frame from the server within 5 s"),
        }
    }
}

/// `GET path` from 127.0.0.1:`port` on a connection of its own: the status
/// and the body.
pub fn http_get(port: u16, path: &str) -> (u16, String) {
    let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    let (status, _, body) = http_request(port, &request);
    (status, body)
}

/// Sends `request` (whole, as written) to 127.0.0.1:`port` on a connection
/// of its own: the status, the headers (names lowercased) and the body.
pub fn http_request(port: u16, request: &str) -> (u16, Vec<(String, String)>, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .expect("timeout");
    stream.write_all(request.as_bytes()).expect("send");
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let mut lines = head.lines();
    let status = (lines.next())
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|line| line.split_once(": "))
        .map(|(name, value)| (name.to_ascii_lowercase(), value.to_owned()))
        .collect();
    (status, headers, body.to_owned())
}
