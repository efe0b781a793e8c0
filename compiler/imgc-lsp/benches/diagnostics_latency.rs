//! How long after an edit the editor has the new diagnostics, on a generated 2,000-line program:
//! from the `didChange` to the `publishDiagnostics` it causes, through the server's whole loop
//! (the debounce wait included) on an in-memory connection. Target: under 50 ms.
//!
//! `cargo bench -p imgc-lsp --bench diagnostics_latency`

use criterion::{Criterion, criterion_group, criterion_main};
use lsp_server::{Connection, Message, Notification, Request, RequestId};
use serde_json::json;
use std::time::Duration;

/// A program of about `lines` lines: functions, constants, and stages of mixed steps.
fn generated_program(lines: usize) -> String {
    let mut out = String::from(
        "import std.apt\nimport std.user\n\narg version: string = \"1.0.0\"\nlet http: port = 8080/tcp\n\n\
         # Builds one part.\nfn build_step(name: string, flags: list[string] = [\"-O2\"]) {\n    \
         run \"make ${name} CFLAGS=${flags}\"\n    copy \"src/${name}/\" to \"/src/${name}/\"\n}\n\n",
    );
    let mut stage = 0;
    while out.lines().count() + 30 < lines {
        out.push_str(&format!("stage s{stage} from \"debian:bookworm-slim\" {{\n"));
        out.push_str("    apt.install([\"gcc\", \"make\", \"libc6-dev\"])\n    workdir \"/src\"\n");
        for step in 0..8 {
            out.push_str(&format!("    let part{step} = \"part{step}\"\n    run \"echo {stage}-{step} ${{version}}\" cache \"/root/.cache\"\n"));
            out.push_str(&format!("    build_step(part{step}, flags: [\"-O2\", \"-g\"])\n"));
        }
        if stage > 0 {
            out.push_str(&format!("    copy from s{} \"/src\" to \"/prev\"\n", stage - 1));
        }
        out.push_str("}\n\n");
        stage += 1;
    }
    out.push_str(
        "image from \"debian:bookworm-slim\" {\n    user.create(\"app\")\n    expose http\n    cmd [\"/app\"]\n}\n",
    );
    out
}

fn send_notification(client: &Connection, method: &str, params: serde_json::Value) {
    client.sender.send(Message::Notification(Notification::new(method.to_string(), params))).expect("server reads");
}

/// Waits for the next diagnostics and returns how many there are.
fn next_diagnostics(client: &Connection) -> usize {
    loop {
        match client.receiver.recv_timeout(Duration::from_secs(30)).expect("diagnostics arrive") {
            Message::Notification(n) if n.method == "textDocument/publishDiagnostics" => {
                return n.params["diagnostics"].as_array().map_or(0, Vec::len);
            }
            _ => {}
        }
    }
}

fn bench(c: &mut Criterion) {
    let (server, client) = Connection::memory();
    let thread = std::thread::spawn(move || imgc_lsp::serve(server).map_err(|e| e.to_string()));
    let initialize = Request::new(RequestId::from(1), "initialize".to_string(), json!({ "capabilities": {} }));
    client.sender.send(Message::Request(initialize)).expect("send");
    let _ = client.receiver.recv().expect("initialize answered");
    send_notification(&client, "initialized", json!({}));

    let program = generated_program(2_000);
    assert!(program.lines().count() >= 1_990, "{} lines", program.lines().count());
    let uri = "file:///bench/big.img";
    send_notification(
        &client,
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "img", "version": 1, "text": program } }),
    );
    assert_eq!(next_diagnostics(&client), 0, "the generated program is clean");

    // Each edit types a step into a stage, alternately giving a program with an error and the
    // clean one: near the end of the file (the server reparses little) and in its middle.
    let mut version = 1;
    for (place, line) in [("end", program.lines().count() - 40), ("middle", program.lines().count() / 2)] {
        let in_stage = program.lines().skip(line).position(|l| l.starts_with("    run ")).expect("a step") + line;
        c.bench_function(&format!("diagnostics_after_edit/generated_2000_lines/{place}"), |b| {
            b.iter(|| {
                version += 1;
                let typed = if version % 2 == 0 { "    expose htp\n" } else { "" };
                let end = if version % 2 == 0 { 0 } else { 1 };
                let change = json!({
                    "range": { "start": { "line": in_stage, "character": 0 }, "end": { "line": in_stage + end, "character": 0 } },
                    "text": typed,
                });
                send_notification(
                    &client,
                    "textDocument/didChange",
                    json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [change] }),
                );
                let count = next_diagnostics(&client);
                assert_eq!(count, usize::from(version % 2 == 0));
            })
        });
        // Leave the clean program for the next place.
        if version % 2 == 0 {
            version += 1;
            let change = json!({
                "range": { "start": { "line": in_stage, "character": 0 }, "end": { "line": in_stage + 1, "character": 0 } },
                "text": "",
            });
            send_notification(
                &client,
                "textDocument/didChange",
                json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [change] }),
            );
            assert_eq!(next_diagnostics(&client), 0);
        }
    }

    // The parts of one analysis, for comparison.
    c.bench_function("compile/generated_2000_lines", |b| {
        b.iter(|| {
            let options = imgc_core::Options::default();
            imgc_core::compile_with_loader("big.img".as_ref(), program.clone(), &imgc_core::modules::NoFiles, &options)
        })
    });
    let compilation = imgc_core::compile_with_loader(
        "big.img".as_ref(),
        program.clone(),
        &imgc_core::modules::NoFiles,
        &imgc_core::Options::default(),
    );
    let graph = compilation.modules.as_ref().expect("parses");
    c.bench_function("index/generated_2000_lines", |b| {
        b.iter(|| imgc_core::index::Index::build(graph, &compilation.sources))
    });

    let shutdown = Request::new(RequestId::from(2), "shutdown".to_string(), json!(null));
    client.sender.send(Message::Request(shutdown)).expect("send");
    let _ = client.receiver.recv();
    send_notification(&client, "exit", json!(null));
    thread.join().expect("server thread").expect("server ends cleanly");
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = bench
}
criterion_main!(benches);
