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
        // The port is free once the listener is dropped; nothing else on
        // this machine takes it in the moment before the server binds it.
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        Self {
            child: spawn(port),
            port,
        }
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
        self.child = spawn(self.port);
    }
}

fn spawn(port: u16) -> Child {
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
            panic!("redis-server exited at start: {status}");
        }
        assert!(
            Instant::now() < deadline,
            "redis-server does not accept connections on port {port} after 10 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}
