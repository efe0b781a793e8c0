//! `imgc lsp` driven through its real transport: the binary is started, and every request and
//! notification goes over its standard input and output as an editor sends them. Each feature is
//! checked on the repository's examples and on broken programs.

use serde_json::{Value, json};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(30);

/// An editor's side of the connection.
struct Client {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
    /// Notifications and server requests read while waiting for something else.
    pending: VecDeque<Value>,
    next_id: i64,
}

impl Client {
    fn start() -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_imgc"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("imgc lsp starts");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (sender, incoming) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut length = None;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(value) = line.strip_prefix("Content-Length: ") {
                        length = value.parse::<usize>().ok();
                    }
                }
                let mut body = vec![0; length.expect("Content-Length header")];
                if reader.read_exact(&mut body).is_err() {
                    return;
                }
                let message: Value = serde_json::from_slice(&body).expect("the server writes JSON");
                if sender.send(message).is_err() {
                    return;
                }
            }
        });
        let mut client = Client { child, stdin, incoming, pending: VecDeque::new(), next_id: 0 };
        let capabilities = json!({
            "window": { "showDocument": { "support": true } },
            "textDocument": { "hover": { "contentFormat": ["markdown"] } }
        });
        let result =
            client.request("initialize", json!({ "processId": null, "rootUri": null, "capabilities": capabilities }));
        assert!(result["capabilities"]["hoverProvider"].as_bool().unwrap_or(false), "{result}");
        client.notify("initialized", json!({}));
        client
    }

    fn write(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("server reads");
        self.stdin.flush().expect("flush");
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.write(json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// Sends a request and waits for its answer: the result, or the error object.
    fn call(&mut self, method: &str, params: Value) -> Result<Value, Value> {
        self.next_id += 1;
        let id = self.next_id;
        self.write(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let message = self.receive(deadline).unwrap_or_else(|| panic!("no answer to {method} within {TIMEOUT:?}"));
            if message["id"] == json!(id) && message.get("method").is_none() {
                return match message.get("error") {
                    Some(error) => Err(error.clone()),
                    None => Ok(message["result"].clone()),
                };
            }
            self.pending.push_back(message);
        }
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        self.call(method, params).unwrap_or_else(|error| panic!("{method} failed: {error}"))
    }

    fn receive(&mut self, deadline: Instant) -> Option<Value> {
        match self.incoming.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(message) => Some(message),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => panic!("the server closed its output (crashed?)"),
        }
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        let is_for = |m: &Value| m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri;
        if let Some(position) = self.pending.iter().position(is_for) {
            let message = self.pending.remove(position).expect("present");
            return message["params"]["diagnostics"].as_array().cloned().unwrap_or_default();
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let message = self.receive(deadline).unwrap_or_else(|| panic!("no diagnostics for {uri}"));
            if is_for(&message) {
                return message["params"]["diagnostics"].as_array().cloned().unwrap_or_default();
            }
            self.pending.push_back(message);
        }
    }

    /// The diagnostics published for `version` of the document (or a later one): those of
    /// earlier versions, still on their way when the edit was sent, are skipped.
    fn diagnostics_of_version(&mut self, uri: &str, version: i64) -> Vec<Value> {
        let is_for = |m: &Value| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && m["params"]["version"].as_i64().is_some_and(|v| v >= version)
        };
        let is_stale = |m: &Value| m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri;
        if let Some(position) = self.pending.iter().position(is_for) {
            let message = self.pending.remove(position).expect("present");
            self.pending.retain(|m| !is_stale(m));
            return message["params"]["diagnostics"].as_array().cloned().unwrap_or_default();
        }
        self.pending.retain(|m| !is_stale(m));
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let message = self.receive(deadline).unwrap_or_else(|| panic!("no diagnostics for {uri} {version}"));
            if is_for(&message) {
                return message["params"]["diagnostics"].as_array().cloned().unwrap_or_default();
            }
            if !is_stale(&message) {
                self.pending.push_back(message);
            }
        }
    }

    fn open(&mut self, uri: &str, text: &str) -> Vec<Value> {
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "img", "version": 1, "text": text } }),
        );
        self.diagnostics(uri)
    }

    fn change(&mut self, uri: &str, version: i64, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [{ "text": text }] }),
        );
    }

    /// A request about a position: `needle`'s `nth` occurrence in `text`, `shift` characters in.
    fn at(
        &mut self,
        method: &str,
        uri: &str,
        text: &str,
        needle: &str,
        nth: usize,
        extra: Value,
    ) -> Result<Value, Value> {
        let mut params = json!({ "textDocument": { "uri": uri }, "position": position(text, needle, nth) });
        if let (Some(params), Some(extra)) = (params.as_object_mut(), extra.as_object()) {
            params.extend(extra.clone());
        }
        self.call(method, params)
    }

    fn shutdown(mut self) {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                assert!(status.success(), "imgc lsp exited with {status}");
                return;
            }
            assert!(Instant::now() < deadline, "imgc lsp did not exit");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The protocol position of the `nth` occurrence of `needle` (its first character).
fn position(text: &str, needle: &str, nth: usize) -> Value {
    let offset = text.match_indices(needle).nth(nth).map(|(i, _)| i).unwrap_or_else(|| panic!("no {needle:?} #{nth}"));
    let line = text[..offset].matches('\n').count();
    let column = text[..offset].rsplit('\n').next().unwrap_or("").encode_utf16().count();
    json!({ "line": line, "character": column })
}

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn example(name: &str) -> (String, String) {
    let path = repository().join("examples").join(name).join("app.img").canonicalize().expect("example exists");
    let text = std::fs::read_to_string(&path).expect("example reads");
    (url(&path), text)
}

fn url(path: &Path) -> String {
    format!("file://{}", path.display())
}

fn codes(diagnostics: &[Value]) -> Vec<String> {
    diagnostics.iter().map(|d| d["code"].as_str().unwrap_or_default().to_string()).collect()
}

#[test]
fn diagnostics_arrive_on_open_and_after_edits_with_codes_help_and_related_locations() {
    let mut client = Client::start();
    let (uri, text) = example("python-web");
    assert_eq!(client.open(&uri, &text), Vec::<Value>::new(), "the example is clean");

    let broken = text.replace("expose http", "expose htp");
    client.change(&uri, 2, &broken);
    // Published with the version they are for (an editor drops those of an older text).
    let diagnostics = client.diagnostics_of_version(&uri, 2);
    assert_eq!(codes(&diagnostics), ["E0002"]);
    let unknown = &diagnostics[0];
    assert_eq!(unknown["severity"], 1);
    assert_eq!(unknown["source"], "imgc");
    assert_eq!(unknown["range"]["start"], position(&broken, "htp", 0));
    let message = unknown["message"].as_str().unwrap_or_default();
    assert!(message.contains("unknown name `htp`") && message.contains("help: did you mean `http`?"), "{message}");

    let twice = text.replace("let home: path = \"/app\"", "let home: path = \"/app\"\nlet home: path = \"/srv\"");
    client.change(&uri, 3, &twice);
    let diagnostics = client.diagnostics(&uri);
    assert_eq!(codes(&diagnostics), ["E0019"]);
    let related = &diagnostics[0]["relatedInformation"][0];
    assert_eq!(related["location"]["uri"], uri.as_str());
    assert_eq!(related["location"]["range"]["start"], position(&twice, "home", 0));
    assert_eq!(related["message"], "first defined here");

    // Lints' warnings come too.
    let untagged = text.replace("\"debian:bookworm-slim\"", "\"debian\"");
    client.change(&uri, 4, &untagged);
    let diagnostics = client.diagnostics(&uri);
    assert_eq!(codes(&diagnostics), ["W0103"]);
    assert_eq!(diagnostics[0]["severity"], 2);

    client.change(&uri, 5, &text);
    assert_eq!(client.diagnostics(&uri), Vec::<Value>::new(), "fixing the program clears them");
    client.shutdown();
}

#[test]
fn edits_in_quick_succession_are_checked_once_for_the_last_text() {
    let mut client = Client::start();
    let (uri, text) = example("nginx");
    client.open(&uri, &text);
    // Ten edits in one write, as a fast typist or a paste sends them.
    let mut burst = Vec::new();
    for version in 2..12 {
        let change = json!({
            "jsonrpc": "2.0",
            "method": "textDocument/didChange",
            "params": {
                "textDocument": { "uri": uri, "version": version },
                "contentChanges": [{ "text": format!("{text}\nlet typo{version} = missing{version}\n") }],
            },
        })
        .to_string();
        burst.extend_from_slice(format!("Content-Length: {}\r\n\r\n{change}", change.len()).as_bytes());
    }
    client.stdin.write_all(&burst).expect("server reads");
    client.stdin.flush().expect("flush");
    let mut published = 0;
    loop {
        let diagnostics = client.diagnostics(&uri);
        published += 1;
        let messages: Vec<&str> = diagnostics.iter().filter_map(|d| d["message"].as_str()).collect();
        assert_eq!(messages.len(), 1, "{messages:?}");
        if messages[0].contains("`missing11`") {
            break;
        }
    }
    // Without the debounce, each edit would be checked and published (ten times).
    assert!(published < 10, "published {published} times");
    client.shutdown();
}

#[test]
fn imported_modules_get_their_diagnostics_and_navigation_reaches_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    let common = dir.path().join("common.img");
    let common_text =
        "# Shared settings.\nlet base: image = \"debian:bookworm-slim\"\nfn greet() {\n    run \"echo ${nobody}\"\n}\n";
    std::fs::write(&common, common_text).expect("write");
    let app = dir.path().join("app.img");
    let app_text = "import \"./common.img\" as common\nimport std.apt\n\nimage from common.base {\n    common.greet()\n    apt.install([\"curl\"])\n}\n";
    std::fs::write(&app, app_text).expect("write");
    let (app_uri, common_uri) = (url(&app), url(&common));

    let mut client = Client::start();
    assert_eq!(client.open(&app_uri, app_text), Vec::<Value>::new());
    let in_module = client.diagnostics(&common_uri);
    assert_eq!(codes(&in_module), ["E0002"]);
    assert_eq!(in_module[0]["range"]["start"], position(common_text, "nobody", 0));

    // The module's own name leads to its file; its members to their declarations.
    let to_module = client.at("textDocument/definition", &app_uri, app_text, "common", 1, json!({})).unwrap();
    assert_eq!(to_module["uri"], common_uri.as_str());
    let to_member = client.at("textDocument/definition", &app_uri, app_text, "greet", 0, json!({})).unwrap();
    assert_eq!(to_member["uri"], common_uri.as_str());
    assert_eq!(to_member["range"]["start"], position(common_text, "greet", 0));
    let hover = client.at("textDocument/hover", &app_uri, app_text, "base", 0, json!({})).unwrap();
    let hover = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(hover.contains("let base: image"), "{hover}");

    // A standard module opens as a read-only file holding its source.
    let std_apt = client.at("textDocument/definition", &app_uri, app_text, "std.apt", 0, json!({})).unwrap();
    let path = std_apt["uri"].as_str().and_then(|u| u.strip_prefix("file://")).expect("a file URI").to_string();
    assert_eq!(std::fs::read_to_string(&path).expect("written"), imgc::stdlib::module("apt").unwrap());
    assert!(std::fs::metadata(&path).expect("exists").permissions().readonly());
    let install = client.at("textDocument/definition", &app_uri, app_text, "install", 0, json!({})).unwrap();
    assert_eq!(install["uri"], std_apt["uri"]);

    // Editing the open module (unsaved) updates the program importing it.
    assert_eq!(codes(&client.open(&common_uri, common_text)), ["E0002"], "a module is checked alone too");
    let fixed = common_text.replace("${nobody}", "hello");
    client.change(&common_uri, 2, &fixed);
    assert_eq!(client.diagnostics(&app_uri), Vec::<Value>::new());
    client.pending.clear();
    client.change(&common_uri, 3, &fixed.replace("fn greet", "fn greeting"));
    let app = client.diagnostics(&app_uri);
    assert_eq!(codes(&app), ["E0002"], "{app:?}");
    assert!(
        app[0]["message"].as_str().unwrap_or_default().contains("module `common` has no function `greet`"),
        "{app:?}"
    );
    client.shutdown();
    assert!(!Path::new(&path).exists(), "the server removes its directory when it stops");
}

#[test]
fn hover_shows_types_signatures_docs_and_the_instructions_a_step_emits() {
    let mut client = Client::start();
    let (uri, text) = example("python-web");
    client.open(&uri, &text);
    let hover = |client: &mut Client, needle: &str, nth: usize| {
        let result = client.at("textDocument/hover", &uri, &text, needle, nth, json!({})).unwrap();
        result["contents"]["value"].as_str().unwrap_or_default().to_string()
    };
    assert!(hover(&mut client, "http", 2).contains("let http: port"));
    assert!(hover(&mut client, "home", 2).contains("let home: path"));
    assert!(hover(&mut client, "home", 1).contains("(parameter) home: path"));
    let install = hover(&mut client, "install", 0);
    assert!(
        install.contains("fn install(packages: list[string])") && install.contains("Updates the package lists"),
        "{install}"
    );
    let create = hover(&mut client, "uid", 0);
    assert!(create.contains("(parameter) uid: int"), "{create}");
    // The standard library's toolchain modules are documented the same way.
    let (go_uri, go_text) = example("go-service");
    client.open(&go_uri, &go_text);
    let build = client.at("textDocument/hover", &go_uri, &go_text, "build(", 0, json!({})).unwrap();
    let build = build["contents"]["value"].as_str().unwrap_or_default();
    assert!(build.contains("fn build(output: path, package: string") && build.contains("CGO_ENABLED"), "{build}");
    let workdir = hover(&mut client, "workdir", 0);
    assert_eq!(workdir.matches("WORKDIR /app").count(), 2, "{workdir}");
    assert!(workdir.contains("optimizer off") && workdir.contains("optimizer on"), "{workdir}");
    let env = hover(&mut client, "PYTHONUNBUFFERED", 0);
    assert!(
        env.starts_with("Dockerfile, optimizer off:\n```dockerfile\nENV APP_GREETING=")
            && env.matches("PYTHONUNBUFFERED=\"1\"").count() == 2,
        "{env}"
    );

    // Two `run` steps the optimizer merges: the first shows the merged instruction.
    let (c_uri, c_text) = example("c-static");
    let merged = c_text.replace("    run \"gcc", "    run \"echo first\"\n    run \"gcc");
    client.open(&c_uri, &merged);
    let result = client.at("textDocument/hover", &c_uri, &merged, "echo first", 0, json!({})).unwrap();
    let step = result["contents"]["value"].as_str().unwrap_or_default();
    assert!(step.contains("RUN echo first\n```") && step.contains("RUN echo first \\\n    && gcc -static"), "{step}");
    client.shutdown();
}

#[test]
fn definition_references_and_rename_of_lets_stages_functions_and_parameters() {
    let mut client = Client::start();
    let (uri, text) = example("python-web");
    client.open(&uri, &text);
    let definition = client.at("textDocument/definition", &uri, &text, "home", 2, json!({})).unwrap();
    assert_eq!(
        (definition["uri"].as_str(), &definition["range"]["start"]),
        (Some(uri.as_str()), &position(&text, "home", 0))
    );
    let references = client
        .at("textDocument/references", &uri, &text, "home", 0, json!({ "context": { "includeDeclaration": true } }))
        .unwrap();
    assert_eq!(references.as_array().map(Vec::len), Some(3), "the let, `home: home`, `workdir home`: {references}");

    let edit = client.at("textDocument/rename", &uri, &text, "home", 2, json!({ "newName": "app_home" })).unwrap();
    let edits = edit["changes"][uri.as_str()].as_array().cloned().unwrap_or_default();
    assert_eq!(edits.len(), 3);
    assert!(edits.iter().all(|e| e["newText"] == "app_home"));
    // `home:` names the function's parameter: not renamed with the let.
    let named = position(&text, "home:", 1);
    assert!(edits.iter().all(|e| e["range"]["start"] != named), "{edits:?}");

    let stdlib =
        client.at("textDocument/rename", &uri, &text, "install", 0, json!({ "newName": "setup" })).unwrap_err();
    assert!(stdlib["message"].as_str().unwrap_or_default().contains("standard library"), "{stdlib}");
    let prepare = client.at("textDocument/prepareRename", &uri, &text, "create", 0, json!({})).unwrap_err();
    assert!(prepare["message"].as_str().unwrap_or_default().contains("standard library"));
    let clash = client.at("textDocument/rename", &uri, &text, "home", 0, json!({ "newName": "http" })).unwrap_err();
    assert!(clash["message"].as_str().unwrap_or_default().contains("already declared"), "{clash}");
    let keyword = client.at("textDocument/rename", &uri, &text, "home", 0, json!({ "newName": "run" })).unwrap_err();
    assert!(keyword["message"].as_str().unwrap_or_default().contains("not a name"), "{keyword}");

    // Stages: `from`, `copy from`; function parameters: their uses and named arguments.
    let (c_uri, c_text) = example("c-static");
    client.open(&c_uri, &c_text);
    let stage = client.at("textDocument/definition", &c_uri, &c_text, "build", 2, json!({})).unwrap();
    assert_eq!(stage["range"]["start"], position(&c_text, "build", 1));
    let program = "fn greet(who: string) {\n    run \"echo ${who}\"\n}\nimage from \"debian:bookworm-slim\" {\n    greet(who: \"you\")\n}\n";
    let p_uri = "file:///tmp/imgc-lsp-test-params.img";
    client.open(p_uri, program);
    let refs = client
        .at("textDocument/references", p_uri, program, "who", 0, json!({ "context": { "includeDeclaration": false } }))
        .unwrap();
    let starts: Vec<Value> = refs.as_array().unwrap().iter().map(|r| r["range"]["start"].clone()).collect();
    assert_eq!(starts, [position(program, "who", 1), position(program, "who", 2)]);
    client.shutdown();
}

#[test]
fn symbols_folding_tokens_and_formatting() {
    let mut client = Client::start();
    let (uri, text) = example("c-static");
    client.open(&uri, &text);
    let symbols = client.request("textDocument/documentSymbol", json!({ "textDocument": { "uri": uri } }));
    let names: Vec<&str> = symbols.as_array().unwrap().iter().filter_map(|s| s["name"].as_str()).collect();
    assert_eq!(names, ["std.apt", "build", "image"]);
    assert_eq!(symbols[1]["range"]["start"], position(&text, "stage build", 0));

    let folds = client.request("textDocument/foldingRange", json!({ "textDocument": { "uri": uri } }));
    let lines: Vec<(u64, u64)> = folds
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["startLine"].as_u64().unwrap(), f["endLine"].as_u64().unwrap()))
        .collect();
    assert_eq!(lines, [(3, 8), (10, 14)]);

    let tokens = client.request("textDocument/semanticTokens/full", json!({ "textDocument": { "uri": uri } }));
    let data: Vec<u64> = tokens["data"].as_array().unwrap().iter().filter_map(Value::as_u64).collect();
    // The first tokens: the comment line, then `import` (keyword) and `apt` (namespace).
    assert_eq!(&data[..5], &[0, 0, text.lines().next().unwrap().len() as u64, 3, 0]);
    assert_eq!(&data[5..10], &[1, 0, 6, 0, 0]);
    assert_eq!(&data[10..15], &[0, 11, 3, 7, 0]);

    let messy = text.replace("    workdir \"/src\"", "  workdir    \"/src\"");
    client.change(&uri, 2, &messy);
    let edits = client.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": uri }, "options": { "tabSize": 4, "insertSpaces": true } }),
    );
    assert_eq!(edits[0]["newText"], text.as_str(), "formatting gives `imgc fmt`'s layout");
    client.change(&uri, 3, "image from {");
    let untouched = client.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": uri }, "options": { "tabSize": 4, "insertSpaces": true } }),
    );
    assert_eq!(untouched, Value::Null, "a program that does not parse is left alone");
    client.shutdown();
}

#[test]
fn completion_offers_what_fits_where_the_cursor_is() {
    let mut client = Client::start();
    let (uri, text) = example("python-web");
    client.open(&uri, &text);
    let labels = |client: &mut Client, typed: &str, version: i64| -> Vec<String> {
        // Typed on a new line at the end of the image block: the program does not parse now.
        let edited = text.replacen("    cmd [", &format!("    {typed}\n    cmd ["), 1);
        client.change(&uri, version, &edited);
        let line = edited[..edited.find(&format!("    {typed}\n    cmd [")).unwrap()].matches('\n').count();
        let column = 4 + typed.len();
        let result = client.request(
            "textDocument/completion",
            json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": column } }),
        );
        result.as_array().unwrap().iter().filter_map(|i| i["label"].as_str().map(str::to_string)).collect()
    };
    let members = labels(&mut client, "apt.", 2);
    assert!(members.contains(&"install".to_string()) && members.contains(&"purge".to_string()), "{members:?}");
    assert!(!members.contains(&"run".to_string()));
    let steps = labels(&mut client, "ru", 3);
    for expected in ["run", "copy", "healthcheck", "home", "http", "apt"] {
        assert!(steps.contains(&expected.to_string()), "{expected} missing from {steps:?}");
    }
    assert!(!steps.contains(&"stage".to_string()), "a stage does not start inside a stage");
    let types = labels(&mut client, "let x: ", 4);
    assert!(types.contains(&"port".to_string()) && types.contains(&"list[string]".to_string()), "{types:?}");
    let named = labels(&mut client, "user.create(\"x\", ", 5);
    assert!(named.contains(&"uid:".to_string()) && named.contains(&"home:".to_string()), "{named:?}");
    let options = labels(&mut client, "run \"make\" ", 6);
    assert!(options.contains(&"cache".to_string()) && options.contains(&"network".to_string()), "{options:?}");

    let (c_uri, c_text) = example("c-static");
    client.open(&c_uri, &c_text);
    let edited = c_text.replace("copy from build", "copy from ");
    client.change(&c_uri, 2, &edited);
    let at = position(&edited, "copy from ", 0);
    let at = json!({ "line": at["line"], "character": at["character"].as_u64().unwrap() + 10 });
    let stages = client.request("textDocument/completion", json!({ "textDocument": { "uri": c_uri }, "position": at }));
    let stages: Vec<&str> = stages.as_array().unwrap().iter().filter_map(|i| i["label"].as_str()).collect();
    assert_eq!(stages, ["build"]);
    client.shutdown();
}

#[test]
fn quick_fixes_apply_suggestions_and_add_missing_imports() {
    let mut client = Client::start();
    let (uri, text) = example("python-web");
    let broken = text.replace("expose http", "expose htp").replace("import std.user\n", "");
    client.open(&uri, &broken);
    let range = |needle: &str| json!({ "start": position(&broken, needle, 0), "end": position(&broken, needle, 0) });
    let actions = client.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": uri }, "range": range("htp"), "context": { "diagnostics": [] } }),
    );
    assert_eq!(actions[0]["title"], "Replace `htp` with `http`");
    assert_eq!(actions[0]["edit"]["changes"][uri.as_str()][0]["newText"], "http");
    assert_eq!(actions[0]["diagnostics"][0]["code"], "E0002");

    let actions = client.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": uri }, "range": range("user.create"), "context": { "diagnostics": [] } }),
    );
    let add =
        actions.as_array().unwrap().iter().find(|a| a["title"] == "Add `import std.user`").expect("the import fix");
    let edit = &add["edit"]["changes"][uri.as_str()][0];
    assert_eq!(edit["newText"], "import std.user\n");
    assert_eq!(edit["range"]["start"], json!({ "line": 2, "character": 0 }), "after `import std.apt`");
    client.shutdown();
}

#[test]
fn the_code_lens_command_shows_the_dockerfile() {
    let mut client = Client::start();
    let (uri, text) = example("nginx");
    client.open(&uri, &text);
    let lenses = client.request("textDocument/codeLens", json!({ "textDocument": { "uri": uri } }));
    let command = &lenses[0]["command"];
    assert_eq!(command["title"], "Show Dockerfile");
    assert_eq!(lenses[0]["range"]["start"], position(&text, "image from", 0));
    let dockerfile = client.request(
        "workspace/executeCommand",
        json!({ "command": command["command"], "arguments": command["arguments"] }),
    );
    let path = repository().join("examples/nginx/app.img");
    let expected = imgc::compile_file(&path, &imgc::Options::default())
        .expect("reads")
        .dockerfile(imgc::Target::Buildkit)
        .expect("compiles");
    assert_eq!(dockerfile.as_str(), Some(expected.as_str()));
    // The editor is asked to open it beside the program.
    let deadline = Instant::now() + TIMEOUT;
    let show = loop {
        if let Some(i) = client.pending.iter().position(|m| m["method"] == "window/showDocument") {
            break client.pending.remove(i).expect("present");
        }
        let message = client.receive(deadline).expect("a showDocument request");
        client.pending.push_back(message);
    };
    let shown = show["params"]["uri"].as_str().and_then(|u| u.strip_prefix("file://")).expect("file URI");
    assert_eq!(std::fs::read_to_string(shown).expect("written"), expected);

    client.change(&uri, 2, "image from {");
    let error = client
        .call("workspace/executeCommand", json!({ "command": command["command"], "arguments": command["arguments"] }));
    assert!(error.unwrap_err()["message"].as_str().unwrap_or_default().contains("E0001"));
    client.shutdown();
}

/// Every prefix of every example, of the standard library and of the fuzz regressions (Dockerfiles
/// typed into an `.img` file), as if typed: the server answers each request and never crashes or
/// hangs.
#[test]
fn half_typed_programs_never_crash_or_hang_the_server() {
    let mut programs: Vec<String> =
        ["c-static", "cargo-app", "go-service", "nginx", "node-app", "python-venv", "python-web", "static-site"]
            .iter()
            .map(|name| example(name).1)
            .collect();
    programs.extend(imgc::stdlib::MODULES.iter().map(|(_, text)| text.to_string()));
    let regressions = std::fs::read_dir(repository().join("fuzz/regressions")).expect("fuzz regressions");
    let mut regressions: Vec<PathBuf> = regressions.flatten().map(|e| e.path()).collect();
    regressions.sort();
    assert!(!regressions.is_empty());
    programs
        .extend(regressions.iter().map(|p| String::from_utf8_lossy(&std::fs::read(p).expect("reads")).into_owned()));
    let mut client = Client::start();
    let uri = "file:///tmp/imgc-lsp-test-truncated.img";
    client.open(uri, "");
    let mut version = 1;
    for program in &programs {
        for end in (0..=program.len()).filter(|&i| program.is_char_boundary(i)) {
            version += 1;
            let prefix = &program[..end];
            client.change(uri, version, prefix);
            let line = prefix.matches('\n').count();
            let character = prefix.rsplit('\n').next().unwrap_or("").encode_utf16().count();
            let at = json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": character } });
            client.request("textDocument/completion", at.clone());
            if end % 7 == 0 {
                client.request("textDocument/hover", at);
                client.request("textDocument/semanticTokens/full", json!({ "textDocument": { "uri": uri } }));
                client.request("textDocument/documentSymbol", json!({ "textDocument": { "uri": uri } }));
            }
            client.pending.clear();
        }
    }
    client.shutdown();
}

#[test]
fn without_a_client_the_server_exits_with_status_2_and_says_why() {
    let out = Command::new(env!("CARGO_BIN_EXE_imgc")).arg("lsp").stdin(Stdio::null()).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("error: imgc lsp: "), "{stderr}");
    assert!(out.stdout.is_empty());
}

/// A real editor: Neovim (headless, its built-in client, 0.7's API) attached to `imgc lsp` on a
/// program with an error. A Lua script waits for the diagnostic, hovers, jumps to a definition
/// and formats the buffer, and writes what it saw.
#[test]
fn neovim_shows_the_diagnostic_hovers_jumps_and_formats() {
    let nvim = Command::new("nvim").arg("--version").output();
    assert!(
        nvim.is_ok_and(|o| o.status.success()),
        "nvim is not installed (scripts/setup-test-env installs Debian's neovim)"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let program = "let greeting = \"hi\"\nimage from \"debian:bookworm-slim\" {\n      run \"echo ${greeting}\"\n    expose htp\n}\n";
    std::fs::write(dir.path().join("app.img"), program).expect("write");
    let use_line = program.lines().nth(2).expect("line");
    let use_column = use_line.find("greeting").expect("use");
    let script = format!(
        r#"
local out = {{}}
local function say(line) table.insert(out, line) end
vim.cmd("edit app.img")
local buf = vim.api.nvim_get_current_buf()
local id = vim.lsp.start_client({{ name = "imgc", cmd = {{ "{imgc}", "lsp" }}, root_dir = vim.fn.getcwd() }})
vim.lsp.buf_attach_client(buf, id)
vim.wait(20000, function() return #vim.diagnostic.get(buf) > 0 end, 20)
for _, d in ipairs(vim.diagnostic.get(buf)) do
  local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
  say("diagnostic " .. tostring(code) .. " line " .. d.lnum .. " col " .. d.col)
end
local position = {{ textDocument = {{ uri = vim.uri_from_bufnr(buf) }}, position = {{ line = 2, character = {use_column} }} }}
local hover = vim.lsp.buf_request_sync(buf, "textDocument/hover", position, 10000)
say("hover " .. hover[id].result.contents.value:gsub("\n", " "))
local definition = vim.lsp.buf_request_sync(buf, "textDocument/definition", position, 10000)
vim.lsp.util.jump_to_location(definition[id].result, "utf-16")
say("cursor " .. table.concat(vim.api.nvim_win_get_cursor(0), ","))
vim.lsp.buf.formatting_sync(nil, 10000)
say("line4 " .. vim.api.nvim_buf_get_lines(buf, 3, 4, false)[1])
vim.fn.writefile(out, "result.txt")
vim.cmd("qa!")
"#,
        imgc = env!("CARGO_BIN_EXE_imgc"),
    );
    std::fs::write(dir.path().join("check.lua"), script).expect("write");
    let mut child = Command::new("nvim")
        .args(["--headless", "--clean", "-c", "luafile check.lua"])
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("nvim starts");
    let deadline = Instant::now() + Duration::from_secs(90);
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("nvim did not finish");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        let _ = pipe.read_to_string(&mut stderr);
    }
    let result =
        std::fs::read_to_string(dir.path().join("result.txt")).unwrap_or_else(|_| panic!("no result: {stderr}"));
    let lines: Vec<&str> = result.lines().collect();
    assert_eq!(lines[0], "diagnostic E0002 line 3 col 11", "{result}");
    assert!(lines[1].starts_with("hover ```img let greeting: string ```"), "{result}");
    assert_eq!(lines[2], "cursor 1,4", "the jump lands on the `let`'s name: {result}");
    assert_eq!(lines[3], "line4     run \"echo ${greeting}\"", "{result}");
    assert_eq!(lines.len(), 4, "{result}");
}

#[test]
fn hover_gives_the_type_of_a_let_whose_value_is_a_field_or_a_call() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("common.img"), "let version = \"1.0\"\n").expect("write");
    let app = dir.path().join("app.img");
    let text = "import \"./common.img\" as common\nlet http: port = 8000/tcp\nlet n = http.number\n\
                let proto = http.protocol\nlet wait = 30s\nlet secs = wait.seconds\nlet home = raw(\"$HOME\")\n\
                let v = common.version\nimage from \"debian:bookworm-slim\" {\n    \
                run \"echo ${n} ${proto} ${secs} ${home} ${v}\"\n}\n";
    std::fs::write(&app, text).expect("write");
    let uri = url(&app);
    let mut client = Client::start();
    assert_eq!(client.open(&uri, text), Vec::<Value>::new());
    for (name, expected) in [
        ("n", "let n: int"),
        ("proto", "let proto: string"),
        ("secs", "let secs: int"),
        ("home", "let home: string"),
        ("v", "let v: string"),
    ] {
        // The use inside the `run`, after `${`.
        let at = position(text, &format!("${{{name}}}"), 0);
        let at = json!({ "line": at["line"], "character": at["character"].as_u64().unwrap() + 2 });
        let hover = client.request("textDocument/hover", json!({ "textDocument": { "uri": uri }, "position": at }));
        let value = hover["contents"]["value"].as_str().unwrap_or_default();
        assert!(value.contains(&format!("```img\n{expected}\n```")), "{name}: {value}");
    }
    client.shutdown();
}

#[test]
fn completion_in_a_mounts_parentheses_offers_the_settings_the_checker_takes() {
    let mut client = Client::start();
    let (uri, text) = example("python-web");
    client.open(&uri, &text);
    let mut version = 1;
    for mount in ["cache \"/c\"", "bind \"/b\"", "tmpfs \"/t\"", "secret \"npm\"", "ssh"] {
        // The checker's own list: the help of an unknown setting.
        version += 1;
        let wrong = text.replacen("    cmd [", &format!("    run \"make\" {mount} (nonsense: 1)\n    cmd ["), 1);
        client.change(&uri, version, &wrong);
        let diagnostics = client.diagnostics_of_version(&uri, version);
        let help = diagnostics
            .iter()
            .filter_map(|d| d["message"].as_str())
            .find_map(|m| m.split("settings: ").nth(1))
            .unwrap_or_else(|| panic!("no settings help for {mount}: {diagnostics:?}"));
        let expected: Vec<String> =
            help.split(", ").map(|s| format!("{}:", s.split_whitespace().next().unwrap_or(s))).collect();

        // Completion after `(`, then after one setting given.
        for given in ["", "mode: \"0400\", "] {
            version += 1;
            let typed = format!("run \"make\" {mount} ({given}");
            let edited = text.replacen("    cmd [", &format!("    {typed}\n    cmd ["), 1);
            client.change(&uri, version, &edited);
            let line = edited[..edited.find(&typed).unwrap()].matches('\n').count();
            let result = client.request(
                "textDocument/completion",
                json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": 4 + typed.len() } }),
            );
            let mut labels: Vec<String> =
                result.as_array().unwrap().iter().filter_map(|i| i["label"].as_str().map(str::to_string)).collect();
            labels.sort();
            let mut wanted = expected.clone();
            if !given.is_empty() {
                wanted.retain(|w| w != "mode:");
            }
            wanted.sort();
            assert_eq!(labels, wanted, "{typed}");
        }
    }
    // A call's parentheses still offer its parameters, not a mount's settings.
    version += 1;
    let typed = "user.create(\"x\", ";
    let edited = text.replacen("    cmd [", &format!("    {typed}\n    cmd ["), 1);
    client.change(&uri, version, &edited);
    let line = edited[..edited.find(typed).unwrap()].matches('\n').count();
    let result = client.request(
        "textDocument/completion",
        json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": 4 + typed.len() } }),
    );
    let labels: Vec<&str> = result.as_array().unwrap().iter().filter_map(|i| i["label"].as_str()).collect();
    assert!(labels.contains(&"uid:") && !labels.contains(&"sharing:"), "{labels:?}");
    client.shutdown();
}

#[test]
fn renaming_in_a_module_renames_its_uses_in_the_open_documents_importing_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let common = dir.path().join("common.img");
    let common_text = "fn greet() {\n    run \"echo hi\"\n}\nfn hello() {\n    run \"echo hello\"\n}\n";
    std::fs::write(&common, common_text).expect("write");
    let app = dir.path().join("app.img");
    let app_text = "import \"./common.img\" as common\n\nimage from \"debian:bookworm-slim\" {\n    common.greet()\n    common.greet()\n}\n";
    std::fs::write(&app, app_text).expect("write");
    let (app_uri, common_uri) = (url(&app), url(&common));
    let mut client = Client::start();
    client.open(&app_uri, app_text);
    client.open(&common_uri, common_text);

    // In the module on its own: its declaration, and both calls in the open program importing it.
    let edit = client
        .at("textDocument/rename", &common_uri, common_text, "greet", 0, json!({ "newName": "welcome" }))
        .expect("renamed");
    let changes = &edit["changes"];
    assert_eq!(changes[common_uri.as_str()].as_array().map(Vec::len), Some(1), "{edit}");
    let mut in_app: Vec<Value> = changes[app_uri.as_str()]
        .as_array()
        .expect("the importer is edited")
        .iter()
        .map(|e| e["range"]["start"].clone())
        .collect();
    in_app.sort_by_key(|p| p["line"].as_u64());
    assert_eq!(in_app, [position(app_text, "greet", 0), position(app_text, "greet", 1)], "{edit}");

    // A name the module already declares is still refused.
    let clash = client.at("textDocument/rename", &common_uri, common_text, "greet", 0, json!({ "newName": "hello" }));
    let message = clash.expect_err("a clash is refused")["message"].as_str().unwrap_or_default().to_string();
    assert!(message.contains("`hello` is already declared"), "{message}");
    client.shutdown();
}
