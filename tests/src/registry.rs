//! A local registry for the push and pull tests: Debian's `docker-registry` on 127.0.0.1, with
//! its storage in a temporary directory and, optionally, htpasswd basic authentication. Stopped
//! (its own process, by handle) when dropped.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::cmd::run_ok;
use crate::http::wait_for_http_while;

pub struct Registry {
    pub port: u16,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Registry {
    /// `host:port` of the registry.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Starts a registry; with `user`, only that user with `password` may use it.
    pub fn start(user: Option<(&str, &str)>) -> Registry {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let mut config = format!(
            "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\n",
            dir.path().join("data").display()
        );
        if let Some((user, password)) = user {
            let htpasswd = dir.path().join("htpasswd");
            run_ok(
                Command::new("htpasswd").args(["-Bbc"]).arg(&htpasswd).args([user, password]),
                Duration::from_secs(60),
            )
            .expect("htpasswd (apache2-utils)");
            config.push_str(&format!("auth:\n  htpasswd:\n    realm: imgc-test\n    path: {}\n", htpasswd.display()));
        }
        let config_path = dir.path().join("config.yml");
        std::fs::write(&config_path, config).expect("write registry config");
        let log = std::fs::File::create(dir.path().join("registry.log")).expect("log file");
        let mut child = Command::new("docker-registry")
            .arg("serve")
            .arg(&config_path)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("start docker-registry (scripts/setup-test-env installs it)");
        let alive = std::cell::RefCell::new(&mut child);
        let ready = wait_for_http_while(port, "/v2/", Duration::from_secs(30), || {
            matches!(alive.borrow_mut().try_wait(), Ok(None))
        });
        if let Err(e) = ready {
            let log = std::fs::read_to_string(dir.path().join("registry.log")).unwrap_or_default();
            let _ = child.kill();
            panic!("docker-registry did not start: {e}\n{log}");
        }
        Registry { port, child, _dir: dir }
    }

    /// Writes a `config.json` with `user:password` for this registry into `dir`; returns its path.
    pub fn authfile(&self, dir: &Path, user: &str, password: &str) -> std::path::PathBuf {
        let encoded = base64(format!("{user}:{password}").as_bytes());
        let path = dir.join("config.json");
        let json = serde_json::json!({ "auths": { self.host(): { "auth": encoded } } });
        std::fs::write(&path, json.to_string()).expect("write config.json");
        path
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port nobody listens on now.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

fn base64(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, &b)| acc | (u32::from(b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
