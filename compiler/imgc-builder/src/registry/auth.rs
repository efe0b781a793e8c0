//! Registry credentials from the file `docker login` writes (`$DOCKER_CONFIG/config.json`, else
//! `~/.docker/config.json`): a credential helper for the registry (`credHelpers`), the default
//! helper (`credsStore`), or an `auths` entry. Credentials never appear in a message.

use serde_json::Value;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// A user name and password (or token) for a registry.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Credentials({}, <hidden>)", self.username)
    }
}

/// Where `docker login` keeps credentials.
pub fn config_path() -> Option<PathBuf> {
    match std::env::var_os("DOCKER_CONFIG") {
        Some(dir) => Some(PathBuf::from(dir).join("config.json")),
        None => std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".docker/config.json")),
    }
}

/// The credentials for `registry` (`host[:port]`) in `authfile` (or the default config), if any.
pub fn lookup(registry: &str, authfile: Option<&std::path::Path>) -> Result<Option<Credentials>, String> {
    let Some(path) = authfile.map(std::path::Path::to_path_buf).or_else(config_path) else { return Ok(None) };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read `{}`: {e}", path.display())),
    };
    let config: Value =
        serde_json::from_str(&text).map_err(|e| format!("`{}` is not valid JSON: {e}", path.display()))?;
    from_config(&config, registry)
}

fn from_config(config: &Value, registry: &str) -> Result<Option<Credentials>, String> {
    let wanted = normalize(registry);
    if let Some(helpers) = config["credHelpers"].as_object() {
        for (key, helper) in helpers {
            if normalize(key) == wanted
                && let Some(helper) = helper.as_str()
            {
                return helper_get(helper, registry);
            }
        }
    }
    if let Some(store) = config["credsStore"].as_str().filter(|s| !s.is_empty()) {
        return helper_get(store, registry);
    }
    let Some(auths) = config["auths"].as_object() else { return Ok(None) };
    for (key, entry) in auths {
        if normalize(key) != wanted {
            continue;
        }
        if let Some(encoded) = entry["auth"].as_str().filter(|s| !s.is_empty()) {
            let decoded = base64_decode(encoded)
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .ok_or_else(|| format!("the `auth` entry for `{key}` is not base64 of USER:PASSWORD"))?;
            let (username, password) = decoded
                .split_once(':')
                .ok_or_else(|| format!("the `auth` entry for `{key}` is not base64 of USER:PASSWORD"))?;
            return Ok(Some(Credentials { username: username.to_string(), password: password.to_string() }));
        }
        if let (Some(username), Some(password)) = (entry["username"].as_str(), entry["password"].as_str()) {
            return Ok(Some(Credentials { username: username.to_string(), password: password.to_string() }));
        }
    }
    Ok(None)
}

/// `https://index.docker.io/v1/` → `docker.io`; `http://host:5000/x` → `host:5000`.
fn normalize(key: &str) -> String {
    let key = key.split_once("://").map_or(key, |(_, rest)| rest);
    let host = key.split('/').next().unwrap_or(key);
    match host {
        "index.docker.io" | "registry-1.docker.io" => "docker.io".to_string(),
        other => other.to_string(),
    }
}

/// `docker-credential-HELPER get`, given the registry on standard input.
fn helper_get(helper: &str, registry: &str) -> Result<Option<Credentials>, String> {
    let program = format!("docker-credential-{helper}");
    let server = if normalize(registry) == "docker.io" { "https://index.docker.io/v1/" } else { registry };
    let mut child = Command::new(&program)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run the credential helper `{program}`: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(server.as_bytes()).map_err(|e| format!("cannot talk to `{program}`: {e}"))?;
    }
    let output = child.wait_with_output().map_err(|e| format!("cannot run `{program}`: {e}"))?;
    if !output.status.success() {
        let said = String::from_utf8_lossy(&output.stdout);
        if said.contains("credentials not found") {
            return Ok(None);
        }
        // Its output may hold secrets: say only that it failed.
        return Err(format!("the credential helper `{program}` failed for `{registry}` ({})", output.status));
    }
    let json: Value = serde_json::from_slice(&output.stdout)
        .map_err(|_| format!("the credential helper `{program}` printed something that is not JSON"))?;
    match (json["Username"].as_str(), json["Secret"].as_str()) {
        (Some(username), Some(secret)) => {
            Ok(Some(Credentials { username: username.to_string(), password: secret.to_string() }))
        }
        _ => Err(format!("the credential helper `{program}` gave no Username and Secret")),
    }
}

/// Standard base64, padding optional.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut buffer = 0u32;
    let mut bits = 0;
    for byte in text.trim_end_matches('=').bytes() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auths_entries_are_matched_by_host() {
        let config = serde_json::json!({
            "auths": {
                "http://127.0.0.1:5000/v2/": { "auth": "YWxpY2U6czNjcmV0" },
                "https://index.docker.io/v1/": { "username": "bob", "password": "pw" }
            }
        });
        let alice = from_config(&config, "127.0.0.1:5000").expect("valid").expect("found");
        assert_eq!((alice.username.as_str(), alice.password.as_str()), ("alice", "s3cret"));
        assert_eq!(from_config(&config, "docker.io").expect("valid").map(|c| c.username), Some("bob".into()));
        assert_eq!(from_config(&config, "127.0.0.1:5001").expect("valid"), None);
        assert!(!format!("{alice:?}").contains("s3cret"));
    }

    #[test]
    fn a_missing_helper_is_an_error_that_names_it() {
        let config = serde_json::json!({ "credHelpers": { "reg.example": "imgc-test-no-such-helper" } });
        let error = from_config(&config, "reg.example").expect_err("no helper");
        assert!(error.contains("docker-credential-imgc-test-no-such-helper"), "{error}");
    }

    #[test]
    fn base64_decodes_with_or_without_padding() {
        assert_eq!(base64_decode("YWI=").as_deref(), Some(&b"ab"[..]));
        assert_eq!(base64_decode("YWI").as_deref(), Some(&b"ab"[..]));
        assert_eq!(base64_decode("a b"), None);
    }
}
