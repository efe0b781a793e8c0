//! A small HTTP server on the standard library: `/` answers the greeting, `/health` answers
//! `ok`, `/version` the image's version. Its port and variable names come from app.img, through
//! the constants build.rs writes.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;

// `pub mod image`: app.img's ports, environment, labels and user.
include!(concat!(env!("OUT_DIR"), "/image.rs"));

// It serves HTTP: app.img must expose exactly one port (checked by the pattern in `main`), a TCP one.
const _: () = assert!(matches!(image::PORTS[0].protocol, image::Protocol::Tcp));

const VERSION_LABEL: &str = "org.opencontainers.image.version";

fn main() {
    let [http] = image::PORTS;
    let greeting = image::env::APP_GREETING.value();
    let version = image::LABELS.iter().find(|(key, _)| *key == VERSION_LABEL).map_or("unknown", |&(_, value)| value);
    let listener = match TcpListener::bind(("0.0.0.0", http.number)) {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("cargo-app: cannot listen on port {}: {error}", http.number);
            std::process::exit(1);
        }
    };
    println!("cargo-app {version} listening on port {}/{}", http.number, http.protocol.as_str());
    for stream in listener.incoming().flatten() {
        let greeting = greeting.clone();
        thread::spawn(move || {
            if let Err(error) = answer(stream, &greeting, version) {
                eprintln!("cargo-app: {error}");
            }
        });
    }
}

/// Reads one request and answers it.
fn answer(stream: TcpStream, greeting: &str, version: &str) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    // The headers end with an empty line; the server needs none of them.
    let mut header = String::new();
    while reader.read_line(&mut header)? > 2 {
        header.clear();
    }
    let mut words = request_line.split_whitespace();
    let (method, path) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    let (status, body) = match (method, path) {
        ("GET", "/") => ("200 OK", format!("{greeting}\n")),
        ("GET", "/health") => ("200 OK", "ok\n".to_string()),
        ("GET", "/version") => ("200 OK", format!("{version}\n")),
        ("GET", _) => ("404 Not Found", "not found\n".to_string()),
        _ => ("405 Method Not Allowed", "only GET\n".to_string()),
    };
    println!("{method} {path} {}", &status[..3]);
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.0 {}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
        status,
        body.len(),
        body
    )?;
    stream.flush()
}
