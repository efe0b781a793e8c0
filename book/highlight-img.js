// Syntax highlighting for the book's `img` and `dockerfile` code blocks. mdbook's bundled
// highlight.js knows neither language and leaves those blocks plain; this registers both and
// highlights them once the page has loaded.
(function () {
    "use strict";
    if (typeof hljs === "undefined") {
        return;
    }

    hljs.registerLanguage("img", function (hljs) {
        var NUMBER = {
            className: "number",
            begin: /\b\d[\w]*(\/[a-z]+)?/,
            relevance: 0,
        };
        var INTERPOLATION = {
            className: "subst",
            begin: /\$\{/,
            end: /\}/,
            contains: [],
        };
        var ESCAPE = { className: "symbol", begin: /\\[\s\S]/, relevance: 0 };
        var STRING = {
            className: "string",
            begin: /"/,
            end: /"/,
            contains: [ESCAPE, INTERPOLATION],
        };
        INTERPOLATION.contains = [STRING, NUMBER];
        // The keyword lists of editors/tree-sitter-img/grammar.js, and the token classes of its
        // highlights.scm (compiler/imgc/tests/editors.rs checks both). Classes: keyword =
        // declarations and steps, built_in = clause keywords and env's scopes, literal = values,
        // type = a declared type, title = a function's name, symbol = an escape.
        var CALL = {
            className: "title",
            begin: /\b[A-Za-z_][A-Za-z0-9_]*(?=\()|(?<=\bfn\s+)[A-Za-z_][A-Za-z0-9_]*/,
            relevance: 0,
        };
        // A type where a `let`, `arg` or parameter declares one (`list[string]`: both names).
        var TYPE = {
            className: "type",
            begin: /(?<=(?:\b(?:let|arg)\s+[A-Za-z_]\w*|\bfn\s+[A-Za-z_]\w*\s*\([^)]*\b[A-Za-z_]\w*)\s*:\s*(?:[A-Za-z_]\w*\s*\[\s*)?)[A-Za-z_]\w*/,
            relevance: 0,
        };
        var ENV_SCOPE = { className: "built_in", begin: /(?<=\benv\s+)(build|both|runtime)\b/ };
        // Names that are never keywords: a build argument's (`arg user`), a module's or value's
        // before `.`, a field's after it, a named argument's before `:`.
        var NAME = {
            begin: /(?<=\barg\s+)[A-Za-z_][A-Za-z0-9_]*|\b[A-Za-z_][A-Za-z0-9_]*(?=\.[A-Za-z_]|\s*:)|(?<=\.)[A-Za-z_][A-Za-z0-9_]*/,
            relevance: 0,
        };
        return {
            name: "img",
            keywords: {
                keyword:
                    "import as arg let fn stage image from to platform directive " +
                    "run copy add env workdir user expose label volume cmd entrypoint healthcheck " +
                    "stopsignal shell onbuild layer maintainer",
                built_in:
                    "cache bind tmpfs secret ssh device network security chown chmod link exclude " +
                    "parents checksum keep_git_dir unpack interval timeout start_period " +
                    "start_interval retries",
                literal: "true false scratch none",
            },
            contains: [hljs.HASH_COMMENT_MODE, STRING, NUMBER, CALL, TYPE, ENV_SCOPE, NAME],
        };
    });

    hljs.registerLanguage("dockerfile", function (hljs) {
        return {
            name: "Dockerfile",
            contains: [
                { className: "comment", begin: /^\s*#/, end: /$/ },
                {
                    className: "keyword",
                    begin:
                        /^(FROM|RUN|CMD|LABEL|MAINTAINER|EXPOSE|ENV|ADD|COPY|ENTRYPOINT|VOLUME|USER|WORKDIR|ARG|ONBUILD|STOPSIGNAL|HEALTHCHECK|SHELL)\b/m,
                },
                { className: "keyword", begin: /\bAS\b/ },
                { className: "attr", begin: /--[a-z-]+(=[^\s]*)?/ },
                hljs.QUOTE_STRING_MODE,
            ],
        };
    });

    var blocks = document.querySelectorAll("code.language-img, code.language-dockerfile");
    Array.prototype.forEach.call(blocks, function (block) {
        hljs.highlightBlock(block);
    });
})();
