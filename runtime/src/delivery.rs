//! No silent loss: what the server sends one socket (an ack, an
//! `exception`, an emission to the sender) is queued now, or as soon as
//! the socket's outgoing queue has room, within the write timeout; a socket
//! whose queue stays full that long is dropped as a slow consumer, so that
//! its client reconnects knowing it may have missed something instead of
//! waiting for ever. A broadcast that finds full queues drops the clients
//! behind them the same way.

use std::time::Duration;

use socketioxide::SendError;
use socketioxide::adapter::Adapter;
use socketioxide::extract::SocketRef;
use socketioxide_core::adapter::errors::SocketError;
use tokio::time::Instant;

use crate::session::Session;

/// Why a send to one socket failed.
pub(crate) enum Failed {
    /// Its outgoing queue is full: try again once it has room.
    Full,
    /// The socket is gone: nothing to send to.
    Gone,
    /// The data could not be serialized.
    Unsendable(String),
}

impl From<&SendError> for Failed {
    fn from(err: &SendError) -> Self {
        match err {
            SendError::Socket(SocketError::InternalChannelFull) => Failed::Full,
            SendError::Socket(SocketError::Closed) => Failed::Gone,
            SendError::Serialize(err) => Failed::Unsendable(err.to_string()),
        }
    }
}

/// The longest pause between two tries of a send waiting for room.
const LONGEST_PAUSE: Duration = Duration::from_millis(50);

/// Retries `send` to `socket` until its queue has room, for at most the
/// session's write timeout; then drops the client as a slow consumer.
/// `what` names the send in logs.
pub(crate) fn when_room<A, F>(
    socket: SocketRef<A>,
    session: &std::sync::Arc<Session>,
    what: &'static str,
    mut send: F,
) where
    A: Adapter,
    F: FnMut(&SocketRef<A>) -> Result<(), SendError> + Send + 'static,
{
    let session = std::sync::Arc::clone(session);
    tokio::spawn(async move {
        let deadline = Instant::now() + session.write_timeout();
        let mut pause = Duration::from_millis(1);
        loop {
            tokio::time::sleep(pause).await;
            let err = match send(&socket) {
                Ok(()) => return,
                Err(err) => err,
            };
            match Failed::from(&err) {
                Failed::Full if Instant::now() < deadline => pause = (pause * 2).min(LONGEST_PAUSE),
                Failed::Full => {
                    session.drop_slow_consumer(what);
                    return;
                }
                Failed::Gone => return,
                Failed::Unsendable(why) => {
                    crate::throttle::log!(
                        warn,
                        "could not serialize what a socket is sent",
                        what,
                        why
                    );
                    return;
                }
            }
        }
    });
}
