; Highlights for `.img`. The capture names are the token classes the VS Code TextMate grammar
; (editors/vscode/syntaxes/img.tmLanguage.json) and the book's highlight.js definition
; (book/highlight-img.js) use too; compiler/imgc/tests/editors.rs checks that they agree.
;
; No node is captured by two patterns: editors disagree on which of two wins (Neovim and the
; tree-sitter CLI take the last, Helix the first), so every pattern below is exclusive.

(comment) @comment

(string) @string
(escape_sequence) @string.escape
(interpolation
  "${" @punctuation.special
  "}" @punctuation.special)
; Names inside `${…}`, so they stand out from the string around them.
(interpolation (identifier) @variable)
(interpolation (field_expression value: (identifier) @variable field: (field_identifier) @property))
(interpolation (binary_expression [left: (identifier) right: (identifier)] @variable))

(number) @number
(boolean) @constant.builtin
(scratch) @constant.builtin
(none) @constant.builtin

(type (type_identifier) @type)

; `from` and `platform` are @keyword below, as clauses too.
((clause_keyword) @keyword.option
  (#not-any-of? @keyword.option "from" "platform"))
(env_scope) @keyword.option

; Declarations and steps: every reserved word that starts or joins one.
[
  "import" "as" "arg" "let" "fn" "stage" "image" "from" "to" "platform" "directive"
] @keyword

[
  "run" "copy" "add" "env" "workdir" "user" "expose" "label" "volume" "cmd" "entrypoint"
  "healthcheck" "stopsignal" "shell" "onbuild" "layer" "maintainer"
] @keyword

(function name: (identifier) @function)
(call function: (identifier) @function.call)
(call function: (field_expression field: (field_identifier) @function.call))
(module_path (identifier) @module)
(import name: (identifier) @module)

(let name: (identifier) @variable)
(arg name: (identifier) @variable)
(parameter name: (identifier) @variable.parameter)
(named_argument name: (identifier) @property)
(argument name: (identifier) @property)
(entry key: (identifier) @property)
(stage name: (identifier) @label)
(image name: (identifier) @label)
(directive name: (identifier) @property)

["=" ":" "+" "." "," ";"] @operator
["(" ")" "[" "]"] @punctuation.bracket
(block ["{" "}"] @punctuation.bracket)
(map ["{" "}"] @punctuation.bracket)
