//! Images from a running engine (Docker, Podman) over its Docker-compatible
//! API on a unix socket: `GET /images/{name}/get` streams the image as a
//! docker-archive tar (what `docker save` writes), `GET /images/{name}/json`
//! inspects it.
//!
//! The HTTP/1.1 client is deliberately tiny: one request per connection
//! (`Connection: close`), a bounded status line and headers, and a body
//! delimited by `Transfer-Encoding: chunked`, `Content-Length` or the end of
//! the connection.

use crate::{RemoteError, excerpt};
use plimsoll_oci::MAX_DOCUMENT_BYTES;
use std::fmt;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Largest status line plus headers accepted.
const MAX_HEAD_BYTES: usize = 64 << 10;
/// Most header lines accepted.
const MAX_HEADERS: usize = 200;
/// Longest chunk-size line (with extensions) accepted.
const MAX_CHUNK_LINE: usize = 4096;
/// Largest error body read.
const MAX_ERROR_BODY: u64 = 64 << 10;

/// A container engine with a Docker-compatible API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Engine {
    Docker,
    Podman,
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Engine::Docker => "docker",
            Engine::Podman => "podman",
        })
    }
}

/// How to reach an engine.
#[derive(Debug, Clone, Default)]
pub struct EngineOptions {
    /// The API socket; `None`: from the environment (podman:
    /// `$CONTAINER_HOST`, `$DOCKER_HOST`, `/run/podman/podman.sock`;
    /// docker: `$DOCKER_HOST`, `/var/run/docker.sock`).
    pub socket: Option<PathBuf>,
    /// Limit for each read and write on the socket; `None`: 10 minutes
    /// (engines may prepare the whole archive before the first byte).
    pub timeout: Option<Duration>,
}

/// Streams `name` from the engine as a docker-archive tar, with the socket
/// taken from the environment.
pub fn engine_export(engine: Engine, name: &str) -> Result<Box<dyn Read + Send>, RemoteError> {
    engine_export_with(engine, name, &EngineOptions::default())
}

/// The engine's inspection of `name` (`docker image inspect`), with the
/// socket taken from the environment.
pub fn engine_inspect(engine: Engine, name: &str) -> Result<serde_json::Value, RemoteError> {
    engine_inspect_with(engine, name, &EngineOptions::default())
}

/// [`engine_export`] with explicit options.
pub fn engine_export_with(
    engine: Engine,
    name: &str,
    opts: &EngineOptions,
) -> Result<Box<dyn Read + Send>, RemoteError> {
    let resp = request(engine, name, "get", opts)?;
    Ok(resp.body)
}

/// [`engine_inspect`] with explicit options.
pub fn engine_inspect_with(
    engine: Engine,
    name: &str,
    opts: &EngineOptions,
) -> Result<serde_json::Value, RemoteError> {
    let resp = request(engine, name, "json", opts)?;
    let socket = resp.socket;
    let mut bytes = Vec::new();
    resp.body
        .take(MAX_DOCUMENT_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| RemoteError::EngineIo {
            engine,
            socket: socket.clone(),
            detail: format!("reading the inspection of {name}: {e}"),
        })?;
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(RemoteError::TooLarge {
            what: format!("{engine}'s inspection of image {name}"),
            limit: MAX_DOCUMENT_BYTES as u64,
        });
    }
    serde_json::from_slice(&bytes).map_err(|e| RemoteError::EngineIo {
        engine,
        socket,
        detail: format!("the inspection of {name} is not JSON: {e}"),
    })
}

/// The socket an engine is reached at.
pub fn engine_socket(engine: Engine, explicit: Option<&Path>) -> Result<PathBuf, RemoteError> {
    if let Some(p) = explicit {
        return Ok(p.to_path_buf());
    }
    let vars: &[&str] = match engine {
        Engine::Podman => &["CONTAINER_HOST", "DOCKER_HOST"],
        Engine::Docker => &["DOCKER_HOST"],
    };
    for var in vars {
        if let Ok(v) = std::env::var(var)
            && !v.trim().is_empty()
        {
            return socket_from_host(engine, v.trim());
        }
    }
    Ok(PathBuf::from(match engine {
        Engine::Podman => "/run/podman/podman.sock",
        Engine::Docker => "/var/run/docker.sock",
    }))
}

/// `unix:///path` → `/path`; other schemes are not supported.
fn socket_from_host(engine: Engine, host: &str) -> Result<PathBuf, RemoteError> {
    if let Some(path) = host.strip_prefix("unix://") {
        if path.starts_with('/') {
            return Ok(PathBuf::from(path));
        }
        return Err(RemoteError::EngineHost {
            engine,
            host: host.to_string(),
            detail: "a unix:// address needs an absolute path (unix:///run/x.sock)".into(),
        });
    }
    let scheme = host.split_once("://").map(|(s, _)| s).unwrap_or("");
    Err(RemoteError::EngineHost {
        engine,
        host: host.to_string(),
        detail: if scheme.is_empty() {
            "not a unix:///path address".into()
        } else {
            format!("{scheme}:// engine addresses are not supported; only unix:///path sockets are")
        },
    })
}

/// Percent-encodes everything but RFC 3986's unreserved characters, so a
/// name with '/', ':' or '@' stays one path segment.
fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// What to do when the socket is not there.
fn connect_hint(engine: Engine, e: &std::io::Error) -> &'static str {
    use std::io::ErrorKind::{ConnectionRefused, NotFound};
    match (engine, e.kind()) {
        (Engine::Podman, NotFound | ConnectionRefused) => {
            " (is `podman system service` running? \
             set CONTAINER_HOST=unix:///path/to/podman.sock)"
        }
        (Engine::Docker, NotFound | ConnectionRefused) => {
            " (is the Docker daemon running? set DOCKER_HOST=unix:///path/to/docker.sock)"
        }
        _ => "",
    }
}

struct EngineResponse {
    socket: PathBuf,
    body: Box<dyn Read + Send>,
}

fn request(
    engine: Engine,
    name: &str,
    action: &str,
    opts: &EngineOptions,
) -> Result<EngineResponse, RemoteError> {
    if name.is_empty() || name.len() > 1024 || name.chars().any(char::is_control) {
        return Err(RemoteError::BadReference {
            input: name.to_string(),
            reason: format!("not an image name or ID {engine} could know"),
        });
    }
    let socket = engine_socket(engine, opts.socket.as_deref())?;
    let io = |detail: String| RemoteError::EngineIo {
        engine,
        socket: socket.clone(),
        detail,
    };
    let stream = UnixStream::connect(&socket)
        .map_err(|e| io(format!("cannot connect: {e}{}", connect_hint(engine, &e))))?;
    let timeout = opts.timeout.unwrap_or(Duration::from_secs(600));
    stream
        .set_read_timeout(Some(timeout))
        .and_then(|_| stream.set_write_timeout(Some(timeout)))
        .map_err(|e| io(e.to_string()))?;
    let path = format!("/images/{}/{action}", encode_segment(name));
    let req = format!(
        "GET {path} HTTP/1.1\r\nHost: {engine}\r\nUser-Agent: plimsoll/{}\r\nAccept: */*\r\nConnection: close\r\n\r\n",
        env!("CARGO_PKG_VERSION")
    );
    (&stream)
        .write_all(req.as_bytes())
        .map_err(|e| io(format!("cannot send the request: {e}")))?;
    let mut reader = BufReader::with_capacity(64 << 10, stream);
    let head =
        read_head(&mut reader).map_err(|e| io(format!("reading the answer to GET {path}: {e}")))?;
    let body: Box<dyn Read + Send> = if head.chunked {
        Box::new(Chunked {
            inner: reader,
            remaining: 0,
            state: ChunkState::Size,
        })
    } else if let Some(n) = head.content_length {
        Box::new(Exact {
            inner: reader.take(n),
            remaining: n,
        })
    } else {
        Box::new(reader)
    };
    match head.status {
        200 => Ok(EngineResponse { socket, body }),
        404 => Err(RemoteError::NoSuchImage {
            engine,
            name: name.to_string(),
        }),
        status => {
            let mut bytes = Vec::new();
            let _ = body.take(MAX_ERROR_BODY).read_to_end(&mut bytes);
            let message = serde_json::from_slice::<serde_json::Value>(&bytes)
                .ok()
                .and_then(|v| {
                    v.get("message")
                        .and_then(|m| m.as_str())
                        .map(|m| excerpt(m.as_bytes()))
                })
                .unwrap_or_else(|| excerpt(&bytes));
            Err(RemoteError::EngineStatus {
                engine,
                name: name.to_string(),
                status,
                message,
            })
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
struct Head {
    status: u16,
    chunked: bool,
    content_length: Option<u64>,
}

fn invalid(msg: impl Into<String>) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, msg.into())
}

/// Reads one CRLF- (or LF-) terminated line of at most `max` bytes.
fn read_line<R: BufRead>(r: &mut R, max: usize, what: &str) -> std::io::Result<Vec<u8>> {
    let mut line = Vec::new();
    let n = r
        .by_ref()
        .take(max as u64 + 1)
        .read_until(b'\n', &mut line)?;
    if n == 0 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            format!("the connection closed before the {what}"),
        ));
    }
    if line.last() != Some(&b'\n') {
        return Err(if line.len() > max {
            invalid(format!("the {what} is longer than {max} bytes"))
        } else {
            std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                format!("the connection closed inside the {what}"),
            )
        });
    }
    line.pop();
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(line)
}

fn read_head<R: BufRead>(r: &mut R) -> std::io::Result<Head> {
    let mut budget = MAX_HEAD_BYTES;
    let status_line = read_line(r, budget, "status line")?;
    budget = budget.saturating_sub(status_line.len() + 2);
    let text = String::from_utf8_lossy(&status_line);
    let mut parts = text.splitn(3, ' ');
    let version = parts.next().unwrap_or("");
    let code = parts.next().unwrap_or("");
    if !version.starts_with("HTTP/1.") || code.len() != 3 {
        return Err(invalid(format!(
            "not an HTTP/1.x answer: {}",
            excerpt(&status_line)
        )));
    }
    let status: u16 = code
        .parse()
        .map_err(|_| invalid(format!("bad status code {code:?}")))?;
    let mut head = Head {
        status,
        chunked: false,
        content_length: None,
    };
    for _ in 0..=MAX_HEADERS {
        if budget == 0 {
            break;
        }
        let line = read_line(r, budget, "headers")?;
        budget = budget.saturating_sub(line.len() + 2);
        if line.is_empty() {
            return Ok(head);
        }
        let line = String::from_utf8_lossy(&line);
        let Some((k, v)) = line.split_once(':') else {
            return Err(invalid(format!(
                "bad header line {}",
                excerpt(line.as_bytes())
            )));
        };
        let (k, v) = (k.trim(), v.trim());
        if k.eq_ignore_ascii_case("transfer-encoding") {
            // `chunked` must be the last coding; anything else is not ours.
            let last = v.rsplit(',').next().unwrap_or("").trim();
            if last.eq_ignore_ascii_case("chunked") {
                head.chunked = true;
            } else {
                return Err(invalid(format!("unsupported Transfer-Encoding {v:?}")));
            }
        } else if k.eq_ignore_ascii_case("content-length") {
            let n: u64 = v
                .parse()
                .map_err(|_| invalid(format!("bad Content-Length {v:?}")))?;
            if head.content_length.is_some_and(|old| old != n) {
                return Err(invalid("conflicting Content-Length headers"));
            }
            head.content_length = Some(n);
        }
    }
    Err(invalid(format!(
        "the headers exceed {MAX_HEAD_BYTES} bytes or {MAX_HEADERS} lines"
    )))
}

/// A `Content-Length` body that must arrive whole.
struct Exact<R> {
    inner: R,
    remaining: u64,
}

impl<R: Read> Read for Exact<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && self.remaining > 0 && !buf.is_empty() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                format!(
                    "the engine closed the connection {} bytes before the end of the body",
                    self.remaining
                ),
            ));
        }
        self.remaining = self.remaining.saturating_sub(n as u64);
        Ok(n)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChunkState {
    /// Expecting a chunk-size line.
    Size,
    /// Inside a chunk's data.
    Data,
    /// Done (the last chunk and trailers are read).
    Done,
}

/// Decodes `Transfer-Encoding: chunked` as a stream.
struct Chunked<R> {
    inner: R,
    remaining: u64,
    state: ChunkState,
}

impl<R: BufRead> Chunked<R> {
    fn next_chunk(&mut self) -> std::io::Result<()> {
        let line = read_line(&mut self.inner, MAX_CHUNK_LINE, "chunk size")?;
        let text = String::from_utf8_lossy(&line);
        let size = text.split(';').next().unwrap_or("").trim();
        if size.is_empty() || size.len() > 16 {
            return Err(invalid(format!(
                "bad chunk size {:?}",
                excerpt(size.as_bytes())
            )));
        }
        let n = u64::from_str_radix(size, 16)
            .map_err(|_| invalid(format!("bad chunk size {:?}", excerpt(size.as_bytes()))))?;
        if n == 0 {
            // Trailers until an empty line.
            let mut budget = MAX_HEAD_BYTES;
            loop {
                let t = read_line(&mut self.inner, budget, "trailers")?;
                if t.is_empty() {
                    break;
                }
                budget = budget
                    .checked_sub(t.len() + 2)
                    .filter(|b| *b > 0)
                    .ok_or_else(|| invalid("the trailers are too long"))?;
            }
            self.state = ChunkState::Done;
        } else {
            self.remaining = n;
            self.state = ChunkState::Data;
        }
        Ok(())
    }
}

impl<R: BufRead> Read for Chunked<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            match self.state {
                ChunkState::Done => return Ok(0),
                ChunkState::Size => self.next_chunk()?,
                ChunkState::Data => {
                    let want = usize::try_from(self.remaining)
                        .unwrap_or(usize::MAX)
                        .min(buf.len());
                    let n = self.inner.read(buf.get_mut(..want).unwrap_or(&mut []))?;
                    if n == 0 {
                        return Err(std::io::Error::new(
                            std::io::ErrorKind::UnexpectedEof,
                            "the engine closed the connection inside a chunk",
                        ));
                    }
                    self.remaining = self.remaining.saturating_sub(n as u64);
                    if self.remaining == 0 {
                        let end = read_line(&mut self.inner, 2, "end of a chunk")?;
                        if !end.is_empty() {
                            return Err(invalid("a chunk is longer than its size says"));
                        }
                        self.state = ChunkState::Size;
                    }
                    return Ok(n);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dechunk(wire: &[u8]) -> std::io::Result<Vec<u8>> {
        let mut c = Chunked {
            inner: BufReader::with_capacity(3, wire),
            remaining: 0,
            state: ChunkState::Size,
        };
        let mut out = Vec::new();
        c.read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn chunked_bodies() {
        assert_eq!(
            dechunk(b"5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-T: 1\r\n\r\n").unwrap(),
            b"hello, world"
        );
        assert_eq!(dechunk(b"0\r\n\r\n").unwrap(), b"");
        assert_eq!(dechunk(b"A\nabcdefghij\n0\n\n").unwrap(), b"abcdefghij");
        for bad in [
            &b"5\r\nhel"[..],
            b"5\r\nhelloX\r\n0\r\n\r\n",
            b"zz\r\n",
            b"",
            b"5\r\nhello\r\n",
            b"fffffffffffffffff\r\n",
        ] {
            assert!(dechunk(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
        let long = format!("{}\r\n", "1".repeat(MAX_CHUNK_LINE + 10));
        assert!(dechunk(long.as_bytes()).is_err());
    }

    #[test]
    fn heads() {
        let mut r =
            &b"HTTP/1.1 200 OK\r\nContent-Type: x\r\nTransfer-Encoding: chunked\r\n\r\nBODY"[..];
        let h = read_head(&mut r).unwrap();
        assert_eq!(
            h,
            Head {
                status: 200,
                chunked: true,
                content_length: None
            }
        );
        assert_eq!(r, b"BODY");
        let mut r = &b"HTTP/1.0 404 Not Found\nContent-Length: 12\n\n"[..];
        assert_eq!(read_head(&mut r).unwrap().content_length, Some(12));
        for bad in [
            &b"SSH-2.0-OpenSSH\r\n\r\n"[..],
            b"HTTP/1.1 2000 OK\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nNoColon\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
            b"HTTP/1.1 200 OK\r\n",
        ] {
            let mut r = bad;
            assert!(
                read_head(&mut r).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        let many = format!(
            "HTTP/1.1 200 OK\r\n{}\r\n",
            "A: b\r\n".repeat(MAX_HEADERS + 5)
        );
        assert!(read_head(&mut many.as_bytes()).is_err());
        let huge = format!(
            "HTTP/1.1 200 OK\r\nA: {}\r\n\r\n",
            "b".repeat(MAX_HEAD_BYTES)
        );
        assert!(read_head(&mut huge.as_bytes()).is_err());
    }

    #[test]
    fn exact_bodies_must_be_whole() {
        let mut r = Exact {
            inner: (&b"abc"[..]).take(5),
            remaining: 5,
        };
        assert!(r.read_to_end(&mut Vec::new()).is_err());
        let mut r = Exact {
            inner: (&b"abcdef"[..]).take(5),
            remaining: 5,
        };
        let mut v = Vec::new();
        r.read_to_end(&mut v).unwrap();
        assert_eq!(v, b"abcde");
    }

    #[test]
    fn hosts_and_names() {
        assert_eq!(
            socket_from_host(Engine::Docker, "unix:///run/d.sock").unwrap(),
            PathBuf::from("/run/d.sock")
        );
        let e = socket_from_host(Engine::Docker, "tcp://1.2.3.4:2375").unwrap_err();
        assert!(
            e.to_string()
                .contains("tcp:// engine addresses are not supported"),
            "{e}"
        );
        assert!(socket_from_host(Engine::Podman, "unix://rel.sock").is_err());
        assert!(socket_from_host(Engine::Podman, "/x.sock").is_err());
        assert_eq!(
            engine_socket(Engine::Podman, Some(Path::new("/x.sock"))).unwrap(),
            PathBuf::from("/x.sock")
        );
        assert_eq!(
            encode_segment("localhost/a/b:1@x y"),
            "localhost%2Fa%2Fb%3A1%40x%20y"
        );
    }
}
