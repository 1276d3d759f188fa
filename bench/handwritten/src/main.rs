//! The benchmark's baseline: the lesson's gateway (plus `echo`) written by
//! hand on socketioxide 0.18 + axum, the way socketioxide's own examples
//! write handlers, with no gatesmith code in the way. It does what
//! bench/specs/bench.yaml declares, event for event, so that the two servers
//! differ only in how the code came to be.
//!
//! Serves on `PORT` (default 3000); `RUST_LOG` filters the logs (`info`).

use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use axum::Router;
use axum::serve::ListenerExt;
use serde::Deserialize;
use serde_json::{Value, json};
use socketioxide::SocketIo;
use socketioxide::extract::{AckSender, Extension, SocketRef, TryData};
use socketioxide::handler::ConnectHandler;
use socketioxide::socket::DisconnectReason;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// Largest message a client may send, as gatesmith-runtime allows: the same
/// limit for both servers, over polling and WebSocket alike.
const MAX_MESSAGE_BYTES: usize = 1 << 20;

#[derive(Debug, Deserialize)]
#[expect(
    dead_code,
    reason = "decoded to validate the payload, as the lesson's DTO; the handler never reads it"
)]
struct CreateAaaDto {
    name: String,
}

#[derive(Debug, Deserialize)]
struct UpdateAaaDto {
    id: i64,
    #[expect(
        dead_code,
        reason = "optional in the lesson's DTO; the ack only shows the id"
    )]
    #[serde(default)]
    name: Option<String>,
}

/// Cancelled when the socket disconnects: its delayed replies must not keep
/// the socket (and their timers) alive after the client is gone.
#[derive(Clone)]
struct Gone(CancellationToken);

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();

    let port = match std::env::var("PORT") {
        Ok(port) => port.trim().parse::<u16>().map_err(|_| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("PORT={port:?} is not a port number (0-65535)"),
            )
        })?,
        Err(_) => 3000,
    };

    let (layer, io) = SocketIo::builder()
        .max_payload(MAX_MESSAGE_BYTES as u64)
        .ws_max_message_size(MAX_MESSAGE_BYTES)
        .build_layer();
    // Handlers are registered in a connect middleware, which runs before the
    // CONNECT reply: an event emitted the moment the client is connected
    // would otherwise race the `on_connect` handler and could be dropped.
    io.ns("/", on_connect.with(register_handlers));

    let app = Router::new().layer(layer);
    let listener = tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::UNSPECIFIED, port)))
        .await?
        // Small acks must not wait for Nagle's algorithm (the runtime does the same).
        .tap_io(|tcp| {
            if let Err(err) = tcp.set_nodelay(true) {
                tracing::debug!(%err, "could not set TCP_NODELAY");
            }
        });
    tracing::info!("serving on http://localhost:{port}");
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            io.close().await;
        })
        .await
}

async fn register_handlers(socket: SocketRef) -> Result<(), Infallible> {
    socket.extensions.insert(Gone(CancellationToken::new()));
    socket.on("echo", echo);
    socket.on("createAaa", create_aaa);
    socket.on("findAllAaa", find_all_aaa);
    socket.on("findOneAaa", find_one_aaa);
    socket.on("updateAaa", update_aaa);
    socket.on("removeAaa", remove_aaa);
    socket.on_disconnect(on_disconnect);
    Ok(())
}

async fn on_connect(socket: SocketRef) {
    tracing::info!(socket = %socket.id, ns = socket.ns(), "client connected");
}

async fn on_disconnect(
    socket: SocketRef,
    reason: DisconnectReason,
    Extension(gone): Extension<Gone>,
) {
    gone.0.cancel();
    tracing::info!(socket = %socket.id, %reason, "client disconnected");
}

/// Acks the payload as received, whatever JSON it is.
async fn echo(TryData(payload): TryData<Value>, ack: AckSender) {
    match payload {
        Ok(payload) => send_ack(ack, &payload),
        Err(err) => refuse(ack, "echo", &err),
    }
}

/// Every client hears `guang` 777, then the sender gets its ack.
async fn create_aaa(io: SocketIo, TryData(payload): TryData<CreateAaaDto>, ack: AckSender) {
    if let Err(err) = payload {
        return refuse(ack, "createAaa", &err);
    }
    if let Err(err) = io.emit("guang", &777).await {
        tracing::warn!(%err, "could not emit guang to all");
    }
    send_ack(ack, "This action adds a new aaa");
}

/// Three `guang` to the sender: now, 2 s and 5 s after the request, unless
/// it disconnects first. No ack: the lesson's handler returns an Observable.
async fn find_all_aaa(socket: SocketRef, Extension(gone): Extension<Gone>) {
    let received = Instant::now();
    emit(&socket, &json!({ "msg": "aaa" }));
    // One task for both delayed replies: they share the request's clock.
    tokio::spawn(async move {
        for (after, msg) in [(2000, "bbb"), (5000, "ccc")] {
            tokio::select! {
                biased;
                () = gone.0.cancelled() => return,
                () = tokio::time::sleep_until(received + Duration::from_millis(after)) => {
                    emit(&socket, &json!({ "msg": msg }));
                }
            }
        }
    });
}

/// `guang` 666 to the sender, then the ack.
async fn find_one_aaa(socket: SocketRef, TryData(id): TryData<i64>, ack: AckSender) {
    match id {
        Ok(id) => {
            emit(&socket, &666);
            send_ack(ack, &format!("This action returns a #{id} aaa"));
        }
        Err(err) => refuse(ack, "findOneAaa", &err),
    }
}

async fn update_aaa(TryData(payload): TryData<UpdateAaaDto>, ack: AckSender) {
    match payload {
        Ok(payload) => send_ack(ack, &format!("This action updates a #{} aaa", payload.id)),
        Err(err) => refuse(ack, "updateAaa", &err),
    }
}

async fn remove_aaa(TryData(id): TryData<i64>, ack: AckSender) {
    match id {
        Ok(id) => send_ack(ack, &format!("This action removes a #{id} aaa")),
        Err(err) => refuse(ack, "removeAaa", &err),
    }
}

fn emit<T: serde::Serialize + ?Sized>(socket: &SocketRef, data: &T) {
    if let Err(err) = socket.emit("guang", data) {
        tracing::warn!(socket = %socket.id, %err, "could not emit guang");
    }
}

fn send_ack<T: serde::Serialize + ?Sized>(ack: AckSender, data: &T) {
    if let Err(err) = ack.send(data) {
        tracing::warn!(%err, "could not send ack");
    }
}

/// A payload that does not decode gets an error ack, as NestJS's
/// `WsException` would, instead of silence and a client-side timeout.
fn refuse(ack: AckSender, event: &str, err: &socketioxide::ParserError) {
    tracing::info!(event, %err, "payload refused");
    send_ack(
        ack,
        &json!({ "status": "error", "event": event, "message": err.to_string() }),
    );
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sigterm) => {
                sigterm.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
