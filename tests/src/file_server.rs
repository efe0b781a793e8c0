//! A file server on 127.0.0.1 for `add` of a URL: `GET /NAME` answers the file `ROOT/NAME` (a
//! query is ignored, a path with `..` is not found). Standard library only, so the builder's own
//! tests in compiler/imgc include this file too.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::PathBuf;

/// Serves the files under `root` from a thread, for the rest of the test process; its port.
pub fn serve(root: PathBuf) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let port = listener.local_addr().expect("address").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(&stream);
            let mut request = String::new();
            if reader.read_line(&mut request).is_err() {
                continue;
            }
            // The headers, up to the blank line.
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let target = request.split_whitespace().nth(1).unwrap_or("/");
            let name = target.split('?').next().unwrap_or("/").trim_start_matches('/');
            let found = (!name.contains("..")).then(|| std::fs::read(root.join(name)).ok()).flatten();
            let mut stream = &stream;
            let _ = match found {
                Some(body) => stream
                    .write_all(
                        format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len())
                            .as_bytes(),
                    )
                    .and_then(|()| stream.write_all(&body)),
                None => stream.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
            };
        }
    });
    port
}
