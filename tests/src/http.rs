//! A minimal HTTP/1.0 client for probing servers on 127.0.0.1.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

/// A complete response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    /// Header names as sent.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl HttpResponse {
    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

fn addr(port: u16) -> SocketAddr {
    SocketAddr::from((Ipv4Addr::LOCALHOST, port))
}

/// `GET path` on 127.0.0.1:`port` (HTTP/1.0, `Connection: close`, 10 s
/// timeouts). Any status is `Ok`; connection or protocol errors are `Err`.
pub fn http_get(port: u16, path: &str) -> Result<HttpResponse, String> {
    let timeout = Duration::from_secs(10);
    let mut stream =
        TcpStream::connect_timeout(&addr(port), timeout).map_err(|e| format!("connect to 127.0.0.1:{port}: {e}"))?;
    stream.set_read_timeout(Some(timeout)).ok();
    stream.set_write_timeout(Some(timeout)).ok();
    let request = format!(
        "GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nUser-Agent: imgc-tests\r\nAccept: */*\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).map_err(|e| format!("send request to 127.0.0.1:{port}: {e}"))?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).map_err(|e| format!("read response from 127.0.0.1:{port}: {e}"))?;
    parse_response(&raw).map_err(|e| format!("GET 127.0.0.1:{port}{path}: {e}"))
}

fn parse_response(raw: &[u8]) -> Result<HttpResponse, String> {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| format!("no end of headers in {} bytes", raw.len()))?;
    let head = String::from_utf8_lossy(&raw[..split]);
    let body = String::from_utf8_lossy(&raw[split + 4..]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("bad status line {status_line:?}"))?;
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    Ok(HttpResponse { status, headers, body })
}

/// Retries [`http_get`] until a server answers (any status) or `timeout`
/// passes; `Err` holds the last error.
pub fn wait_for_http(port: u16, path: &str, timeout: Duration) -> Result<HttpResponse, String> {
    wait_for_http_while(port, path, timeout, || true)
}

/// Like [`wait_for_http`], giving up early once `alive()` is false (e.g. the
/// server process exited).
pub fn wait_for_http_while(
    port: u16,
    path: &str,
    timeout: Duration,
    mut alive: impl FnMut() -> bool,
) -> Result<HttpResponse, String> {
    let deadline = Instant::now() + timeout;
    loop {
        let err = match http_get(port, path) {
            Ok(response) => return Ok(response),
            Err(err) => err,
        };
        if Instant::now() >= deadline {
            return Err(format!("no HTTP answer within {}s: {err}", timeout.as_secs()));
        }
        if !alive() {
            return Err(format!("the server stopped before answering: {err}"));
        }
        thread::sleep(Duration::from_millis(100));
    }
}

/// Whether nothing accepts connections on 127.0.0.1:`port`.
pub fn port_is_free(port: u16) -> bool {
    TcpStream::connect_timeout(&addr(port), Duration::from_secs(1)).is_err()
}
