//! The connection to the Redis server that hosts share broadcasts through.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use socketioxide_redis::RedisAdapterCtr;
use socketioxide_redis::drivers::fred::FredDriver;
use socketioxide_redis::drivers::fred::fred_client as fred;
use tokio_util::task::AbortOnDropHandle;

use fred::clients::SubscriberClient;
use fred::interfaces::PubsubInterface;
use fred::prelude::{Config, EventInterface, ReconnectPolicy};
use fred::types::RespVersion;

/// How long connecting (at start, and each retry) may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long a broadcast may wait for Redis before it fails (logged).
const COMMAND_TIMEOUT: Duration = Duration::from_secs(2);

/// Whether `url` is a Redis URL fred can connect with, or why not.
pub(crate) fn check_url(url: &str) -> Result<(), String> {
    config(url).map(|_| ())
}

fn config(url: &str) -> Result<Config, String> {
    let not_redis = |why: &dyn std::fmt::Display| {
        format!(
            "{} is not a Redis URL (redis://[user:password@]host[:port][/db]): {why}",
            redacted(url)
        )
    };
    // fred reads more (`http://`, a URL with no host) than makes sense here.
    let Some(rest) = url.strip_prefix("redis://") else {
        return Err(not_redis(
            &"it must begin with redis:// (TLS is not built in)",
        ));
    };
    let host = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
    if host.is_empty() || host.starts_with([':', '/']) {
        return Err(not_redis(&"it names no host"));
    }
    let mut config = Config::from_url(url).map_err(|err| not_redis(&err))?;
    // socketioxide-redis speaks RESP3 (Redis 7 or later); fred does not
    // read the protocol from the URL.
    config.version = RespVersion::RESP3;
    Ok(config)
}

/// Connects to the Redis server at `url`, for the adapter. Fails when the
/// server cannot be reached now; later outages are retried for ever, and
/// the adapter's channels are subscribed again on each reconnection (the
/// subscriptions die with the connection, and neither socketioxide-redis
/// nor fred restores them).
pub(crate) async fn connect(url: &str) -> std::io::Result<Connected> {
    let config = config(url).map_err(std::io::Error::other)?;
    let client = fred::prelude::Builder::from_config(config)
        .with_connection_config(|connection| connection.connection_timeout = CONNECT_TIMEOUT)
        // While Redis is away, fred queues commands until it is back: a
        // handler that broadcasts would wait that long for its ack.
        .with_performance_config(|performance| {
            performance.default_command_timeout = COMMAND_TIMEOUT;
        })
        // Retry for ever, from at once to every 2 s.
        .set_policy(ReconnectPolicy::new_exponential(0, 100, 2_000, 2))
        .build_subscriber_client()
        .map_err(|err| std::io::Error::other(format!("Redis client: {err}")))?;
    let adapter = RedisAdapterCtr::new_with_fred(client.clone())
        .await
        .map_err(|err| {
            std::io::Error::other(format!(
                "cannot reach Redis at {}: {err}; start it, or unset GATESMITH_REDIS_URL to serve \
                 without sharing",
                redacted(url)
            ))
        })?;
    tracing::info!(redis = %redacted(url), "sharing broadcasts and rooms through Redis");
    let mut reconnected = client.reconnect_rx();
    let mut failed = client.error_rx();
    let up = Arc::new(AtomicBool::new(true));
    let shared = Arc::clone(&up);
    let watch = tokio::spawn(async move {
        use tokio::sync::broadcast::error::RecvError;
        loop {
            tokio::select! {
                event = reconnected.recv() => match event {
                    Ok(_) => subscribe_until_done(&client, &shared).await,
                    Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => break,
                },
                error = failed.recv() => match error {
                    Ok((err, _)) => {
                        shared.store(false, Ordering::Release);
                        tracing::warn!(%err, "Redis connection lost: broadcasts to other hosts fail until it is back");
                    }
                    Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => break,
                },
            }
        }
    });
    Ok(Connected {
        adapter,
        watch: AbortOnDropHandle::new(watch),
        up,
    })
}

/// The adapter's connection, and the task that logs its outages and
/// subscribes again after each: the task ends when this is dropped, with
/// the host that holds it.
pub(crate) struct Connected {
    pub(crate) adapter: RedisAdapterCtr<FredDriver>,
    pub(crate) watch: AbortOnDropHandle<()>,
    /// Whether Redis is connected (and subscribed) now.
    pub(crate) up: Arc<AtomicBool>,
}

/// Subscribes again after a reconnection, retrying until it works: until
/// then this host neither hears nor is heard by the others, and `up` stays
/// false.
async fn subscribe_until_done(client: &SubscriberClient, up: &AtomicBool) {
    let mut wait = Duration::from_millis(100);
    loop {
        match subscribe_again(client).await {
            Ok(()) => {
                up.store(true, Ordering::Release);
                tracing::info!("reconnected to Redis");
                return;
            }
            Err(err) => {
                tracing::error!(%err, "reconnected to Redis, but could not subscribe again: retrying in {wait:?}");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(2));
            }
        }
    }
}

/// Subscribes again to the sharded channels the adapter listens on.
/// fred's `resubscribe_all` cannot serve: it first sends `SUBSCRIBE` with
/// the plain channels, none here, which Redis refuses, and stops there.
/// One channel at a time, as a cluster needs each in its own hash slot.
async fn subscribe_again(client: &SubscriberClient) -> Result<(), fred::error::Error> {
    for channel in client.tracked_shard_channels() {
        client.ssubscribe(channel.to_string()).await?;
    }
    Ok(())
}

/// `url` without its credentials, for logs and errors: everything before
/// the last `@` (a password may hold `@`), whatever the rest looks like.
pub(crate) fn redacted(url: &str) -> String {
    match url.rsplit_once('@') {
        Some((before, host)) => match before.split_once("://") {
            Some((scheme, _credentials)) => format!("{scheme}://***@{host}"),
            None => format!("***@{host}"),
        },
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_url_is_refused_without_showing_its_password() {
        assert!(check_url("redis://127.0.0.1:6379").is_ok());
        assert!(check_url("redis://user:secret@example.com:6380/2").is_ok());
        for bad in [
            "127.0.0.1:6379",
            "user:secret@redis.internal:6379",
            "redis:/user:secret@host",
            "http://user:secret@example.com",
            "redis://",
        ] {
            let why = check_url(bad).unwrap_err();
            assert!(!why.contains("secret"), "{why}");
            assert!(why.contains("is not a Redis URL"), "{why}");
        }
    }
}
