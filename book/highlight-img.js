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
        var STRING = {
            className: "string",
            begin: /"/,
            end: /"/,
            contains: [hljs.BACKSLASH_ESCAPE, INTERPOLATION],
        };
        INTERPOLATION.contains = [STRING, NUMBER];
        // The keyword lists of editors/tree-sitter-img/grammar.js (compiler/imgc/tests/editors.rs
        // checks them against the pest grammar). Classes: keyword = declarations and steps,
        // built_in = clause keywords and env's scopes, literal = values.
        var CALL = {
            className: "title",
            begin: /\b[A-Za-z_][A-Za-z0-9_]*(?=\()/,
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
                    "start_interval retries build both runtime",
                literal: "true false scratch none",
                type: "string int bool path port duration signal list map",
            },
            contains: [hljs.HASH_COMMENT_MODE, STRING, NUMBER, CALL],
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
