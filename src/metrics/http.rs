//! A tiny HTTP/1.1 responder for Prometheus: `GET /metrics` and
//! `GET /health`, one request per connection (`Connection: close`).
//! Requests are bounded in size and time so a slow or malformed client costs
//! the event loop nothing but a small buffer.

use mio::net::TcpStream;
use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

/// Largest request head accepted.
pub const MAX_REQUEST: usize = 8 * 1024;
/// A connection that has not completed its exchange by then is dropped.
pub const DEADLINE: Duration = Duration::from_secs(5);

/// What a request asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum Route {
    Metrics,
    Health,
    NotFound,
    MethodNotAllowed,
    BadRequest,
}

/// Parses the request head in `buf`: None while the head is incomplete.
pub fn route(buf: &[u8]) -> Option<Route> {
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&buf[..end]).ok();
    let Some(line) = head.and_then(|h| h.lines().next()) else {
        return Some(Route::BadRequest);
    };
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Some(Route::BadRequest);
    };
    if !version.starts_with("HTTP/1.") {
        return Some(Route::BadRequest);
    }
    if method != "GET" && method != "HEAD" {
        return Some(Route::MethodNotAllowed);
    }
    let path = target.split('?').next().unwrap_or("");
    Some(match path {
        "/metrics" => Route::Metrics,
        "/health" | "/healthz" => Route::Health,
        _ => Route::NotFound,
    })
}

/// A complete response with `Connection: close`.
pub fn response(status: &str, content_type: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// One HTTP connection.
pub struct HttpConn {
    pub stream: TcpStream,
    input: Vec<u8>,
    output: Vec<u8>,
    sent: usize,
    pub started: Instant,
    pub writable_registered: bool,
}

/// What the loop should do with a connection after an event.
#[derive(Debug, PartialEq, Eq)]
pub enum Progress {
    /// Wait for more input or for the socket to take more output.
    Waiting,
    /// A request arrived: route it, then call `respond`.
    Request(Route),
    /// Done or broken: close it.
    Close,
}

impl HttpConn {
    /// A freshly accepted connection.
    pub fn new(stream: TcpStream) -> HttpConn {
        HttpConn {
            stream,
            input: Vec::new(),
            output: Vec::new(),
            sent: 0,
            started: Instant::now(),
            writable_registered: false,
        }
    }

    /// Reads what is available (bounded); reports a complete request.
    pub fn on_readable(&mut self) -> Progress {
        if !self.output.is_empty() {
            return self.flush();
        }
        let mut chunk = [0u8; 2048];
        loop {
            match self.stream.read(&mut chunk) {
                Ok(0) => return Progress::Close,
                Ok(n) => {
                    self.input.extend_from_slice(&chunk[..n]);
                    if self.input.len() > MAX_REQUEST {
                        return Progress::Request(Route::BadRequest);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => return Progress::Close,
            }
        }
        match route(&self.input) {
            Some(r) => Progress::Request(r),
            None => Progress::Waiting,
        }
    }

    /// Queues `bytes` as the response and writes what the socket takes.
    pub fn respond(&mut self, bytes: Vec<u8>) -> Progress {
        self.output = bytes;
        self.sent = 0;
        self.flush()
    }

    /// Writes pending output: Close once all is sent.
    pub fn flush(&mut self) -> Progress {
        while self.sent < self.output.len() {
            match self.stream.write(&self.output[self.sent..]) {
                Ok(0) => return Progress::Close,
                Ok(n) => self.sent += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Progress::Waiting,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => return Progress::Close,
            }
        }
        Progress::Close
    }

    /// True when a response is waiting for the socket.
    pub fn has_output(&self) -> bool {
        self.sent < self.output.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_requests() {
        assert_eq!(
            route(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"),
            Some(Route::Metrics)
        );
        assert_eq!(route(b"GET /health HTTP/1.0\r\n\r\n"), Some(Route::Health));
        assert_eq!(
            route(b"GET /metrics?x=1 HTTP/1.1\r\n\r\n"),
            Some(Route::Metrics)
        );
        assert_eq!(route(b"GET /other HTTP/1.1\r\n\r\n"), Some(Route::NotFound));
        assert_eq!(
            route(b"POST /metrics HTTP/1.1\r\n\r\n"),
            Some(Route::MethodNotAllowed)
        );
        assert_eq!(route(b"garbage\r\n\r\n"), Some(Route::BadRequest));
        assert_eq!(route(b"\xff\xfe\r\n\r\n"), Some(Route::BadRequest));
        assert_eq!(route(b"GET /metrics HTTP/1.1\r\n"), None);
    }

    #[test]
    fn responses_carry_length_and_close() {
        let r = String::from_utf8(response("200 OK", "text/plain", "hi")).unwrap();
        assert!(r.starts_with("HTTP/1.1 200 OK\r\n"));
        assert!(r.contains("Content-Length: 2\r\n"));
        assert!(r.ends_with("Connection: close\r\n\r\nhi"));
    }
}
