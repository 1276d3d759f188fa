//! The wire: engine.io v4 packets, one per WebSocket text message, carrying
//! socket.io v5 packets; and a connection that has joined namespace `/`.
//!
//! Only what a load generator needs: no polling, no binary attachments, no
//! namespace but `/`. Anything else a server sends is a [`Failure`], never a
//! panic: the generator counts it and goes on with its other clients.

use std::fmt;
use std::net::SocketAddr;

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::http::Uri;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Error as WsError, Message, Utf8Bytes};
use tokio_tungstenite::{WebSocketStream, client_async_with_config};

/// Why a client stopped, or a frame it could not accept.
#[derive(Debug)]
pub enum Failure {
    /// TCP or the WebSocket handshake failed, or took too long.
    Connect(String),
    /// The server answered CONNECT with CONNECT_ERROR (`44`).
    Refused(String),
    /// The server or the network ended the connection before we did.
    Closed(String),
    /// A frame that breaks the protocol, or an ack for no request.
    BadFrame(String),
}

impl Failure {
    pub fn kind(&self) -> Kind {
        match self {
            Failure::Connect(_) => Kind::Connect,
            Failure::Refused(_) => Kind::Refused,
            Failure::Closed(_) => Kind::Closed,
            Failure::BadFrame(_) => Kind::BadFrame,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Connect(why) => write!(f, "could not connect: {why}"),
            Failure::Refused(why) => write!(f, "connect refused (44): {why}"),
            Failure::Closed(why) => write!(f, "disconnected: {why}"),
            Failure::BadFrame(why) => write!(f, "bad frame: {why}"),
        }
    }
}

/// The kinds of [`Failure`], to count them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Connect,
    Refused,
    Closed,
    BadFrame,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Connect, Kind::Refused, Kind::Closed, Kind::BadFrame];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Connect => "connect failed",
            Kind::Refused => "refused",
            Kind::Closed => "disconnected",
            Kind::BadFrame => "bad frame",
        }
    }
}

/// One packet from the server, borrowed from the frame's text.
#[derive(Debug, PartialEq, Eq)]
pub enum Packet<'a> {
    /// engine.io OPEN (`0{...}`), the first frame of a connection.
    Open(&'a str),
    /// engine.io CLOSE (`1`).
    Close,
    /// engine.io PING (`2`): must be answered with PONG (`3`), or the server
    /// drops the connection after its ping timeout.
    Ping,
    /// engine.io PONG or NOOP: nothing to do.
    Ignored,
    /// socket.io CONNECT on `/` (`40{"sid":...}`).
    Connected,
    /// socket.io DISCONNECT (`41`).
    Disconnected,
    /// socket.io EVENT (`42[...]`): the arguments, event name first.
    Event(&'a str),
    /// socket.io ACK (`43<id>[...]`): the id and the arguments.
    Ack { id: u64, args: &'a str },
    /// socket.io CONNECT_ERROR (`44{...}`).
    ConnectError(&'a str),
}

/// Reads one engine.io packet.
pub fn parse(text: &str) -> Result<Packet<'_>, Failure> {
    let bad = || Failure::BadFrame(shorten(text));
    let Some(kind) = text.as_bytes().first() else {
        return Err(bad());
    };
    // `get`, not slicing: a first character of several bytes is a bad
    // frame, not a panic.
    let rest = text.get(1..).unwrap_or("");
    match kind {
        b'0' if rest.starts_with('{') => Ok(Packet::Open(rest)),
        b'1' => Ok(Packet::Close),
        b'2' if rest.is_empty() => Ok(Packet::Ping),
        b'3' | b'6' => Ok(Packet::Ignored),
        b'4' => parse_socketio(rest).ok_or_else(bad),
        _ => Err(bad()),
    }
}

/// Reads a socket.io packet: type, `/nsp,` when not `/`, ack id, JSON data.
fn parse_socketio(text: &str) -> Option<Packet<'_>> {
    let kind = *text.as_bytes().first()?;
    let mut rest = text.get(1..)?;
    if rest.starts_with('/') {
        // Only `/` is joined, and socket.io writes `/` by leaving it out; a
        // spelled-out `/` is accepted, any other namespace is not ours.
        let end = rest.find(',').unwrap_or(rest.len());
        if &rest[..end] != "/" {
            return None;
        }
        rest = rest.get(end + 1..).unwrap_or("");
    }
    let digits = rest
        .bytes()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(rest.len());
    let id = match digits {
        0 => None,
        _ => Some(rest[..digits].parse::<u64>().ok()?),
    };
    let data = &rest[digits..];
    match kind {
        b'0' if data.starts_with('{') => Some(Packet::Connected),
        b'1' => Some(Packet::Disconnected),
        // An event asking for an ack (`42<id>[...]`) is read like any other:
        // nothing the benchmark sends makes a server ask one.
        b'2' if data.starts_with('[') => Some(Packet::Event(data)),
        b'3' if data.starts_with('[') => Some(Packet::Ack {
            id: id?,
            args: data,
        }),
        b'4' => Some(Packet::ConnectError(data)),
        _ => None,
    }
}

/// The arguments of an event: `["<event>"]` or `["<event>",<payload>]`,
/// the payload re-serialized so that its JSON is checked once, up front.
pub fn event_args(event: &str, payload: Option<&str>) -> Result<String, String> {
    let name = serde_json::to_string(event).map_err(|err| err.to_string())?;
    match payload {
        None => Ok(format!("[{name}]")),
        Some(payload) => {
            let value: serde_json::Value = serde_json::from_str(payload)
                .map_err(|err| format!("--payload is not JSON: {err}"))?;
            Ok(format!("[{name},{value}]"))
        }
    }
}

/// The EVENT frame for `args`, asking for an ack `id` when given.
pub fn event_frame(id: Option<u64>, args: &str) -> Message {
    Message::text(match id {
        Some(id) => format!("42{id}{args}"),
        None => format!("42{args}"),
    })
}

/// Whether an EVENT's arguments are those of `event` (JSON as socket.io
/// servers write it: no spaces).
pub fn is_event(args: &str, quoted_event: &str) -> bool {
    args.strip_prefix('[')
        .and_then(|rest| rest.strip_prefix(quoted_event))
        .is_some_and(|rest| rest.starts_with(',') || rest.starts_with(']'))
}

/// Where the server is: its address, resolved once, and the URL of its
/// socket.io endpoint.
#[derive(Debug, Clone)]
pub struct Target {
    pub addr: SocketAddr,
    pub url: String,
}

impl Target {
    /// `url` is the server's base (`ws://127.0.0.1:3000`); the socket.io path
    /// and query are added unless it already has a path.
    pub async fn resolve(url: &str) -> Result<Self, String> {
        let uri: Uri = url.parse().map_err(|err| format!("--url {url:?}: {err}"))?;
        if uri.scheme_str() != Some("ws") {
            return Err(format!("--url {url:?}: only ws:// is supported"));
        }
        let host = uri
            .host()
            .ok_or_else(|| format!("--url {url:?} has no host"))?;
        let port = uri.port_u16().unwrap_or(80);
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.trim_matches(['[', ']']), port))
            .await
            .map_err(|err| format!("--url {url:?}: {err}"))?
            .collect();
        // IPv4 first: `localhost` often resolves to ::1 first, while the
        // servers listen on 0.0.0.0 (a dual-stack [::] takes IPv4 as well).
        let addr = addrs
            .iter()
            .find(|addr| addr.is_ipv4())
            .or(addrs.first())
            .copied()
            .ok_or_else(|| format!("--url {url:?}: the host has no address"))?;
        let url = match uri.path_and_query().map(|p| p.as_str()) {
            None | Some("/") | Some("") => format!(
                "{}/socket.io/?EIO=4&transport=websocket",
                url.trim_end_matches('/')
            ),
            Some(_) => url.to_owned(),
        };
        Ok(Self { addr, url })
    }
}

/// A client connected to namespace `/`.
pub struct Conn {
    pub ws: WebSocketStream<TcpStream>,
}

impl Conn {
    /// Opens the WebSocket, reads OPEN, joins `/` and waits for its CONNECT,
    /// answering pings all along (the first may come at once).
    pub async fn connect(target: &Target) -> Result<Self, Failure> {
        let connect_err = |err: &dyn fmt::Display| Failure::Connect(err.to_string());
        let tcp = TcpStream::connect(target.addr)
            .await
            .map_err(|e| connect_err(&e))?;
        // Requests are small and latency is what is measured: no Nagle.
        tcp.set_nodelay(true).map_err(|e| connect_err(&e))?;
        // tungstenite zeroes up to `read_buffer_size` bytes before every
        // read, and keeps that much per connection: its default of 128 KiB
        // cost measurable CPU per ack and 128 MiB per thousand idle clients.
        // The frames here are tens of bytes; a larger one still fits, the
        // buffer grows to hold it.
        let config = WebSocketConfig::default().read_buffer_size(4 * 1024);
        let (ws, _) = client_async_with_config(target.url.as_str(), tcp, Some(config))
            .await
            .map_err(|e| connect_err(&e))?;
        let mut conn = Self { ws };
        match parse(&conn.next_text().await?)? {
            Packet::Open(_) => {}
            other => return Err(Failure::BadFrame(format!("expected OPEN, got {other:?}"))),
        }
        conn.ws.send(Message::text("40")).await.map_err(closed)?;
        loop {
            match parse(&conn.next_text().await?)? {
                Packet::Connected => return Ok(conn),
                Packet::ConnectError(why) => return Err(Failure::Refused(shorten(why))),
                Packet::Ping => conn.ws.send(Message::text("3")).await.map_err(closed)?,
                Packet::Close | Packet::Disconnected => {
                    return Err(Failure::Closed("before CONNECT".to_owned()));
                }
                _ => {}
            }
        }
    }

    /// The next text frame.
    pub async fn next_text(&mut self) -> Result<Utf8Bytes, Failure> {
        loop {
            if let Some(text) = text_of(self.ws.next().await)? {
                return Ok(text);
            }
        }
    }

    /// Queues a frame; [`Conn::flush`] sends what is queued in one write.
    pub async fn feed(&mut self, message: Message) -> Result<(), Failure> {
        self.ws.feed(message).await.map_err(closed)
    }

    pub async fn flush(&mut self) -> Result<(), Failure> {
        self.ws.flush().await.map_err(closed)
    }

    /// Handles what needs no caller: answers PING, ignores events, and turns
    /// the end of the connection into a failure. A packet that only makes
    /// sense to the caller (an ack) is an error here.
    pub async fn handle(&mut self, packet: Packet<'_>) -> Result<(), Failure> {
        match packet {
            Packet::Ping => self.feed(Message::text("3")).await,
            Packet::Ignored | Packet::Event(_) => Ok(()),
            Packet::Close => Err(Failure::Closed("engine.io CLOSE".to_owned())),
            Packet::Disconnected => Err(Failure::Closed("socket.io DISCONNECT".to_owned())),
            Packet::ConnectError(why) => Err(Failure::Refused(shorten(why))),
            other => Err(Failure::BadFrame(format!("unexpected {other:?}"))),
        }
    }

    /// Stays connected, answering pings, until `signal` holds a value.
    pub async fn hold_until<T: Clone>(
        &mut self,
        signal: &mut watch::Receiver<Option<T>>,
    ) -> Result<T, Failure> {
        loop {
            // The value is cloned out at once: the borrow `wait_for` returns
            // must not live across an await.
            let value = async {
                let value = signal.wait_for(Option::is_some).await;
                value.ok().and_then(|value| value.clone())
            };
            tokio::select! {
                value = value => {
                    // None: the sender is gone, the run is being torn down.
                    return value.ok_or_else(|| Failure::Closed("run aborted".to_owned()));
                }
                text = self.next_text() => {
                    let text = text?;
                    self.handle(parse(&text)?).await?;
                    self.flush().await?;
                }
            }
        }
    }

    /// Ends the connection politely; its errors no longer matter.
    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }
}

/// The text of a WebSocket message; `None` for WebSocket-level control
/// frames, which tungstenite answers itself.
pub fn text_of(message: Option<Result<Message, WsError>>) -> Result<Option<Utf8Bytes>, Failure> {
    match message {
        Some(Ok(Message::Text(text))) => Ok(Some(text)),
        Some(Ok(Message::Binary(_))) => Err(Failure::BadFrame("binary message".to_owned())),
        Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => Ok(None),
        Some(Ok(Message::Close(frame))) => Err(Failure::Closed(match frame {
            Some(frame) => format!("WebSocket close {} {}", frame.code, frame.reason),
            None => "WebSocket close".to_owned(),
        })),
        Some(Err(err)) => Err(closed(err)),
        None => Err(Failure::Closed("connection ended".to_owned())),
    }
}

fn closed(err: WsError) -> Failure {
    Failure::Closed(err.to_string())
}

/// A frame quoted in an error, cut to a readable length.
fn shorten(text: &str) -> String {
    const MAX: usize = 120;
    match text.char_indices().nth(MAX) {
        Some((at, _)) => format!("{:?}…", &text[..at]),
        None => format!("{text:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_io_packets() {
        assert_eq!(
            parse(r#"0{"sid":"a","pingInterval":25000}"#).ok(),
            Some(Packet::Open(r#"{"sid":"a","pingInterval":25000}"#))
        );
        assert_eq!(parse("2").ok(), Some(Packet::Ping));
        assert_eq!(parse("3").ok(), Some(Packet::Ignored));
        assert_eq!(parse("6").ok(), Some(Packet::Ignored));
        assert_eq!(parse("1").ok(), Some(Packet::Close));
        for bad in ["", "2probe", "9", "0", "x", "é", "4é"] {
            assert!(matches!(parse(bad), Err(Failure::BadFrame(_))), "{bad:?}");
        }
    }

    #[test]
    fn socket_io_packets() {
        assert_eq!(parse(r#"40{"sid":"x"}"#).ok(), Some(Packet::Connected));
        assert_eq!(parse(r#"40/,{"sid":"x"}"#).ok(), Some(Packet::Connected));
        assert_eq!(parse("41").ok(), Some(Packet::Disconnected));
        assert_eq!(
            parse(r#"42["guang",666]"#).ok(),
            Some(Packet::Event(r#"["guang",666]"#))
        );
        assert_eq!(
            parse(r#"4317["hi"]"#).ok(),
            Some(Packet::Ack {
                id: 17,
                args: r#"["hi"]"#
            })
        );
        assert_eq!(
            parse(r#"44{"message":"no"}"#).ok(),
            Some(Packet::ConnectError(r#"{"message":"no"}"#))
        );
        for bad in [
            "4",
            r#"43["no id"]"#,
            "4317",
            r#"4399999999999999999999999["overflow"]"#,
            r#"42/admin,["other namespace"]"#,
            r#"451-["binary"]"#,
            "40",
        ] {
            assert!(matches!(parse(bad), Err(Failure::BadFrame(_))), "{bad:?}");
        }
    }

    #[test]
    fn event_frames() {
        let args = event_args("echo", Some(r#"{ "msg": "hi" }"#)).unwrap();
        assert_eq!(args, r#"["echo",{"msg":"hi"}]"#);
        assert_eq!(
            event_frame(Some(7), &args),
            Message::text(r#"427["echo",{"msg":"hi"}]"#)
        );
        assert_eq!(
            event_frame(None, &event_args("findAllAaa", None).unwrap()),
            Message::text(r#"42["findAllAaa"]"#)
        );
        assert!(event_args("echo", Some("{nope")).is_err());
    }

    #[test]
    fn event_names() {
        assert!(is_event(r#"["guang",{"msg":"aaa"}]"#, r#""guang""#));
        assert!(is_event(r#"["guang"]"#, r#""guang""#));
        assert!(!is_event(r#"["guangs",1]"#, r#""guang""#));
        assert!(!is_event(r#"[1]"#, r#""guang""#));
    }
}
