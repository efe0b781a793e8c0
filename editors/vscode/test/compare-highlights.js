// Checks that the TextMate grammar (syntaxes/img.tmLanguage.json) gives each file the token classes
// tree-sitter's highlights.scm gives it.
//
// Usage: node compare-highlights.js CAPTURES FILE...
// CAPTURES is the output of `tree-sitter query --captures queries/highlights.scm FILE...`. Each byte
// that is not whitespace gets its class from both sides (tree-sitter: the innermost captured node;
// TextMate: the innermost scope that names a class) and the classes below must be the same. Two
// captures of one range are an error too: editors disagree on which wins, so highlights.scm keeps
// its patterns exclusive. Prints "N files agree" or the first differences.
"use strict";

const fs = require("fs");
const path = require("path");
const vsctm = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

/// The classes compared; any other capture or scope counts as "other".
const COMPARED = new Set([
  "comment", "string", "string.escape", "punctuation.special", "number", "keyword",
  "keyword.option", "constant.builtin", "type", "function", "function.call",
]);

/// TextMate scope prefixes and the class each stands for, most specific first.
const SCOPES = [
  ["comment", "comment"],
  ["constant.character.escape", "string.escape"],
  ["punctuation.section.interpolation", "punctuation.special"],
  ["meta.interpolation", "other"],
  ["string", "string"],
  ["constant.numeric", "number"],
  ["keyword.other.option", "keyword.option"],
  ["keyword.operator", "other"],
  ["keyword", "keyword"],
  ["constant.language", "constant.builtin"],
  ["entity.name.type", "type"],
  ["entity.name.function.call", "function.call"],
  ["entity.name.function", "function"],
  ["variable", "other"],
  ["punctuation", "other"],
];

function textmateClass(scopes) {
  for (let i = scopes.length - 1; i >= 0; i--) {
    const found = SCOPES.find(([prefix]) => scopes[i] === prefix || scopes[i].startsWith(prefix + "."));
    if (found) {
      return found[1];
    }
  }
  return "other";
}

function comparable(name) {
  return COMPARED.has(name) ? name : "other";
}

/// tree-sitter's captures, per file: {pattern, name, start: [row, col], end: [row, col]}.
function readCaptures(file, sources) {
  const byFile = new Map();
  let current = null;
  const capture = /^\s+pattern:\s*(\d+), capture: \d+ - ([\w.]+), start: \((\d+), (\d+)\), end: \((\d+), (\d+)\)/;
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
    if (sources.has(line)) {
      current = [];
      byFile.set(line, current);
      continue;
    }
    const m = capture.exec(line);
    if (m && current) {
      current.push({ pattern: +m[1], name: m[2], start: [+m[3], +m[4]], end: [+m[5], +m[6]] });
    }
  }
  return byFile;
}

/// The tree-sitter class of every byte of `bytes`.
function treeSitterClasses(bytes, captures, file, differences) {
  const lineStarts = [0];
  bytes.forEach((b, i) => b === 10 && lineStarts.push(i + 1));
  const offset = ([row, col]) => lineStarts[row] + col;
  const spans = captures.map((c) => ({ ...c, from: offset(c.start), to: offset(c.end) }));
  // Paint outer nodes first.
  spans.sort((a, b) => b.to - b.from - (a.to - a.from) || a.from - b.from);
  spans.forEach((span, i) => {
    const next = spans[i + 1];
    if (next && next.from === span.from && next.to === span.to && next.name !== span.name) {
      differences.push(`${file}:${span.start[0] + 1}:${span.start[1] + 1}: captured twice, as ${span.name} and ${next.name}`);
    }
  });
  const classes = new Array(bytes.length).fill("other");
  for (const span of spans) {
    classes.fill(comparable(span.name), span.from, span.to);
  }
  return classes;
}

/// highlight.js classes of the book's `img` definition, and the class each stands for.
const HLJS = {
  keyword: "keyword", built_in: "keyword.option", literal: "constant.builtin", type: "type",
  string: "string", comment: "comment", number: "number", title: "function.call", subst: "other",
  symbol: "string.escape", doctag: "comment",
};

/// The book's highlight.js class of every UTF-16 unit of `source` (bundled highlight.js, then
/// book/highlight-img.js).
function bookClasses(hljs, source) {
  const html = hljs.highlight("img", source).value;
  const stack = [];
  const classes = [];
  const piece = /<span class="hljs-([\w.]+)">|<\/span>|&(?:amp|lt|gt|quot|#x27);|[^<&]+/g;
  let m;
  while ((m = piece.exec(html))) {
    if (m[1]) {
      stack.push(m[1]);
    } else if (m[0] === "</span>") {
      stack.pop();
    } else {
      const text = m[0].startsWith("&") ? "x" : m[0];
      const name = stack.length ? HLJS[stack[stack.length - 1]] || "other" : "other";
      for (let i = 0; i < text.length; i++) classes.push(name);
    }
  }
  return classes;
}

/// highlight.js has one class for a function's name where it is declared and where it is
/// called, and none for `${`/`}`.
function sameInBook(treeSitter, book) {
  const normal = (c) => (c === "function.call" ? "function" : c);
  return treeSitter === "punctuation.special" || normal(treeSitter) === normal(book);
}

function loadHljs(bundled) {
  global.window = global;
  global.document = { querySelectorAll: () => [] };
  const load = new Function(fs.readFileSync(bundled, "utf8") + "\nreturn hljs;");
  global.hljs = load();
  new Function(fs.readFileSync(path.join(__dirname, "../../../book/highlight-img.js"), "utf8"))();
  return global.hljs;
}

async function main() {
  let args = process.argv.slice(2);
  let hljs = null;
  if (args[0] === "--book-hljs") {
    hljs = loadHljs(args[1]);
    args = args.slice(2);
  }
  const [capturesFile, ...files] = args;
  const wasm = fs.readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm")).buffer;
  await oniguruma.loadWASM(wasm);
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async () =>
      vsctm.parseRawGrammar(
        fs.readFileSync(path.join(__dirname, "../syntaxes/img.tmLanguage.json"), "utf8"),
        "img.tmLanguage.json",
      ),
  });
  const grammar = await registry.loadGrammar("source.img");
  const captures = readCaptures(capturesFile, new Set(files));
  const differences = [];
  for (const file of files) {
    const bytes = fs.readFileSync(file);
    const expected = treeSitterClasses(bytes, captures.get(file) || [], file, differences);
    const book = hljs && bookClasses(hljs, bytes.toString("utf8"));
    let bookAt = 0;
    let ruleStack = vsctm.INITIAL;
    let lineStart = 0;
    const lines = bytes.toString("utf8").split("\n");
    lines.forEach((line, row) => {
      const result = grammar.tokenizeLine(line, ruleStack);
      ruleStack = result.ruleStack;
      // UTF-16 index -> byte offset in the line.
      const byteAt = [0];
      for (const ch of line) {
        const last = byteAt[byteAt.length - 1];
        const size = Buffer.byteLength(ch);
        byteAt.push(last + size);
        if (ch.length === 2) byteAt.push(last + size);
      }
      for (const token of result.tokens) {
        const actual = comparable(textmateClass(token.scopes));
        for (let i = token.startIndex; i < Math.min(token.endIndex, line.length); i++) {
          if (/\s/.test(line[i])) continue;
          const at = lineStart + byteAt[i];
          if (expected[at] !== actual && differences.length < 300) {
            differences.push(`${file}:${row + 1}:${byteAt[i] + 1}: ${JSON.stringify(line[i])} is ${expected[at]} in tree-sitter, ${actual} in TextMate (${token.scopes.join(" ")})`);
          }
        }
      }
      if (book) {
        for (let i = 0; i < line.length; i++) {
          const at = lineStart + byteAt[i];
          if (!/\s/.test(line[i]) && !sameInBook(expected[at], book[bookAt + i]) && differences.length < 300) {
            differences.push(`${file}:${row + 1}:${byteAt[i] + 1}: ${JSON.stringify(line[i])} is ${expected[at]} in tree-sitter, ${book[bookAt + i]} in the book`);
          }
        }
        bookAt += line.length + 1;
      }
      lineStart += Buffer.byteLength(line) + 1;
    });
  }
  if (differences.length > 0) {
    console.log(differences.join("\n"));
    process.exitCode = 1;
  } else {
    console.log(`${files.length} files agree`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
