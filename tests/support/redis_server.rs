//! A `redis-server` of the test's own, on a free port of 127.0.0.1, with no
//! persistence: started for a test, stopped and started again on the same
//! port when the test asks, killed when dropped. `scripts/test` installs Debian's
//! `redis-server` when it is missing.

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct RedisServer {
    child: Child,
    pub port: u16,
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl RedisServer {
    /// Starts a server and waits until it accepts connections.
    pub fn start() -> Self {
        // A free port is found by binding port 0 and letting it go: another
        // test may take it in the meantime, so a server that cannot bind
        // is started again on another.
        let mut failures = Vec::new();
        for _ in 0..5 {
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|listener| listener.local_addr())
                .expect("a free port")
                .port();
            match spawn(port) {
                Ok(child) => return Self { child, port },
                Err(why) => failures.push(why),
            }
        }
        panic!("redis-server would not start: {failures:?}");
    }

    /// `redis://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Kills the server: its clients see their connections drop.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts a new, empty server on the same port, after [`Self::stop`].
    pub fn start_again(&mut self) {
        self.child = spawn(self.port).unwrap_or_else(|why| panic!("{why}"));
    }
}

/// A server on `port`, accepting connections; or why there is none (the
/// port was taken, most likely).
fn spawn(port: u16) -> Result<Child, String> {
    let mut child = Command::new("redis-server")
        .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
        .args(["--save", "", "--appendonly", "no"])
        .stdout(Stdio::null())
        .spawn()
        .unwrap_or_else(|err| {
            panic!("start redis-server ({err}): scripts/test installs it (apt-get install redis-server)")
        });
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!(
                "redis-server on port {port} exited at start: {status}"
            ));
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            return Err(format!(
                "redis-server does not accept connections on port {port} after 10 s"
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(child)
}
