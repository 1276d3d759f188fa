//! The benchmark's baseline: the lesson's gateway (plus `echo`) written by
//! hand on socketioxide 0.18 + axum, the way socketioxide's own examples
//! write handlers, with no gatesmith code in the way. It does what
//! bench/specs/bench.yaml declares, event for event, so that the two servers
//! differ only in how the code came to be.
//!
//! Serves on `PORT` (default 3000); `RUST_LOG` filters the logs (`info`).
//! With `GATESMITH_REDIS_URL=redis://HOST:PORT` set, as gatesmith's `Host`
//! reads it, it shares broadcasts through that Redis server (7 or later)
//! with socketioxide-redis's fred adapter, the client configured as
//! gatesmith-runtime configures it; without it, the in-memory adapter.

use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use axum::Router;
use axum::serve::ListenerExt;
use serde::Deserialize;
use serde_json::{Value, json};
use socketioxide::adapter::{Adapter, Emitter, LocalAdapter};
use socketioxide::extract::{AckSender, Extension, SocketRef, TryData};
use socketioxide::handler::ConnectHandler;
use socketioxide::layer::SocketIoLayer;
use socketioxide::socket::DisconnectReason;
use socketioxide::{SocketIo, SocketIoBuilder};
use socketioxide_redis::drivers::fred::FredDriver;
use socketioxide_redis::drivers::fred::fred_client as fred;
use socketioxide_redis::{FredAdapter, RedisAdapterCtr};
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

fn main() -> std::io::Result<()> {
    // `#[tokio::main]`'s multi-thread runtime, as socketioxide's examples
    // run; `HANDWRITTEN_RUNTIME=current_thread` gives the runtime
    // `Host::run` picks on one core, to compare the code alone (bench/callgrind).
    let runtime = match std::env::var("HANDWRITTEN_RUNTIME").as_deref() {
        Ok("current_thread") => tokio::runtime::Builder::new_current_thread(),
        _ => tokio::runtime::Builder::new_multi_thread(),
    }
    .enable_all()
    .build()?;
    runtime.block_on(run())
}

async fn run() -> std::io::Result<()> {
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

    // Unset or blank: in memory, as gatesmith's `Host::from_env` reads it.
    let redis_url = std::env::var("GATESMITH_REDIS_URL")
        .ok()
        .filter(|url| !url.trim().is_empty());
    match redis_url {
        None => {
            let (layer, io) = with_limits(SocketIo::builder()).build_layer();
            // Handlers are registered in a connect middleware, which runs before the
            // CONNECT reply: an event emitted the moment the client is connected
            // would otherwise race the `on_connect` handler and could be dropped.
            io.ns(
                "/",
                on_connect::<LocalAdapter>.with(register_handlers::<LocalAdapter>),
            );
            serve(port, layer, io).await
        }
        Some(url) => {
            let adapter = connect_redis(url.trim()).await?;
            let (layer, io) =
                with_limits(SocketIo::builder().with_adapter::<RedisAdapter>(adapter))
                    .build_layer();
            // With a remote adapter, creating the namespace subscribes to its
            // Redis channels: it is a future, and it can fail.
            io.ns(
                "/",
                on_connect::<RedisAdapter>.with(register_handlers::<RedisAdapter>),
            )
            .await
            .map_err(|err| std::io::Error::other(format!("namespace / on Redis: {err}")))?;
            serve(port, layer, io).await
        }
    }
}

/// The adapter in Redis mode.
type RedisAdapter = FredAdapter<Emitter>;

fn with_limits<A: Adapter>(builder: SocketIoBuilder<A>) -> SocketIoBuilder<A> {
    builder
        .max_payload(MAX_MESSAGE_BYTES as u64)
        .ws_max_message_size(MAX_MESSAGE_BYTES)
}

/// Connects to Redis as gatesmith-runtime does (runtime/src/redis.rs), so
/// that the two servers differ in their code, not in their Redis client:
/// RESP3 (socketioxide-redis needs it), a 5 s connection timeout, a 2 s
/// command timeout, reconnection for ever, and the adapter's sharded
/// channels subscribed again after each reconnection (neither fred nor
/// socketioxide-redis restores them).
async fn connect_redis(url: &str) -> std::io::Result<RedisAdapterCtr<FredDriver>> {
    use fred::interfaces::{EventInterface, PubsubInterface};
    use fred::prelude::{Builder, Config, ReconnectPolicy};
    use fred::types::RespVersion;

    let mut config = Config::from_url(url)
        .map_err(|err| std::io::Error::other(format!("GATESMITH_REDIS_URL: {err}")))?;
    config.version = RespVersion::RESP3;
    let client = Builder::from_config(config)
        .with_connection_config(|c| c.connection_timeout = Duration::from_secs(5))
        .with_performance_config(|p| p.default_command_timeout = Duration::from_secs(2))
        .set_policy(ReconnectPolicy::new_exponential(0, 100, 2_000, 2))
        .build_subscriber_client()
        .map_err(|err| std::io::Error::other(format!("Redis client: {err}")))?;
    let adapter = RedisAdapterCtr::new_with_fred(client.clone())
        .await
        .map_err(|err| std::io::Error::other(format!("cannot reach Redis: {err}")))?;
    let mut reconnected = client.reconnect_rx();
    tokio::spawn(async move {
        use tokio::sync::broadcast::error::RecvError;
        loop {
            match reconnected.recv().await {
                Ok(_) => {
                    for channel in client.tracked_shard_channels() {
                        if let Err(err) = client.ssubscribe(channel.to_string()).await {
                            tracing::error!(%err, "could not subscribe again after reconnecting");
                        }
                    }
                }
                Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => break,
            }
        }
    });
    tracing::info!("sharing broadcasts through Redis");
    Ok(adapter)
}

async fn serve<A: Adapter>(
    port: u16,
    layer: SocketIoLayer<A>,
    io: SocketIo<A>,
) -> std::io::Result<()> {
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

async fn register_handlers<A: Adapter>(socket: SocketRef<A>) -> Result<(), Infallible> {
    socket.extensions.insert(Gone(CancellationToken::new()));
    socket.on("echo", echo::<A>);
    socket.on("createAaa", create_aaa::<A>);
    socket.on("findAllAaa", find_all_aaa::<A>);
    socket.on("findOneAaa", find_one_aaa::<A>);
    socket.on("updateAaa", update_aaa::<A>);
    socket.on("removeAaa", remove_aaa::<A>);
    socket.on_disconnect(on_disconnect::<A>);
    Ok(())
}

async fn on_connect<A: Adapter>(socket: SocketRef<A>) {
    tracing::info!(socket = %socket.id, ns = socket.ns(), "client connected");
}

async fn on_disconnect<A: Adapter>(
    socket: SocketRef<A>,
    reason: DisconnectReason,
    Extension(gone): Extension<Gone>,
) {
    gone.0.cancel();
    tracing::info!(socket = %socket.id, %reason, "client disconnected");
}

/// Acks the payload as received, whatever JSON it is.
async fn echo<A: Adapter>(TryData(payload): TryData<Value>, ack: AckSender<A>) {
    match payload {
        Ok(payload) => send_ack(ack, &payload),
        Err(err) => refuse(ack, "echo", &err),
    }
}

/// Every client hears `guang` 777, then the sender gets its ack.
async fn create_aaa<A: Adapter>(
    io: SocketIo<A>,
    TryData(payload): TryData<CreateAaaDto>,
    ack: AckSender<A>,
) {
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
async fn find_all_aaa<A: Adapter>(socket: SocketRef<A>, Extension(gone): Extension<Gone>) {
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
async fn find_one_aaa<A: Adapter>(
    socket: SocketRef<A>,
    TryData(id): TryData<i64>,
    ack: AckSender<A>,
) {
    match id {
        Ok(id) => {
            emit(&socket, &666);
            send_ack(ack, &format!("This action returns a #{id} aaa"));
        }
        Err(err) => refuse(ack, "findOneAaa", &err),
    }
}

async fn update_aaa<A: Adapter>(TryData(payload): TryData<UpdateAaaDto>, ack: AckSender<A>) {
    match payload {
        Ok(payload) => send_ack(ack, &format!("This action updates a #{} aaa", payload.id)),
        Err(err) => refuse(ack, "updateAaa", &err),
    }
}

async fn remove_aaa<A: Adapter>(TryData(id): TryData<i64>, ack: AckSender<A>) {
    match id {
        Ok(id) => send_ack(ack, &format!("This action removes a #{id} aaa")),
        Err(err) => refuse(ack, "removeAaa", &err),
    }
}

fn emit<A: Adapter, T: serde::Serialize + ?Sized>(socket: &SocketRef<A>, data: &T) {
    if let Err(err) = socket.emit("guang", data) {
        tracing::warn!(socket = %socket.id, %err, "could not emit guang");
    }
}

fn send_ack<A: Adapter, T: serde::Serialize + ?Sized>(ack: AckSender<A>, data: &T) {
    if let Err(err) = ack.send(data) {
        tracing::warn!(%err, "could not send ack");
    }
}

/// A payload that does not decode gets an error ack, as NestJS's
/// `WsException` would, instead of silence and a client-side timeout.
fn refuse<A: Adapter>(ack: AckSender<A>, event: &str, err: &socketioxide::ParserError) {
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
