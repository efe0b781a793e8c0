// The VS Code client of imgc's language server: starts `imgc lsp` (the `imgc.path` setting names
// the executable) for `.img` files and restarts it when the setting changes. Highlighting comes
// from syntaxes/img.tmLanguage.json; everything else (diagnostics, hover, completion, rename,
// formatting, ...) from the server.
"use strict";

const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function serverOptions() {
  const command = vscode.workspace.getConfiguration("imgc").get("path") || "imgc";
  return { command, args: ["lsp"] };
}

async function start(context) {
  client = new LanguageClient("imgc", "imgc language server", serverOptions(), {
    documentSelector: [{ scheme: "file", language: "img" }, { scheme: "untitled", language: "img" }],
  });
  await client.start();
}

async function activate(context) {
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration("imgc.path")) {
        if (client) {
          await client.stop();
        }
        await start(context);
      }
    }),
  );
  await start(context);
}

async function deactivate() {
  if (client) {
    await client.stop();
  }
}

module.exports = { activate, deactivate };
