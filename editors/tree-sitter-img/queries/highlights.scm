; Highlights for `.img`. The capture names are the token classes the VS Code TextMate grammar
; (editors/vscode/syntaxes/img.tmLanguage.json) and the book's highlight.js definition
; (book/highlight-img.js) use too; compiler/imgc/tests/editors.rs checks that they agree.

(comment) @comment

(string) @string
(escape_sequence) @string.escape
(interpolation
  "${" @punctuation.special
  "}" @punctuation.special)

(number) @number
(boolean) @constant.builtin
(scratch) @constant.builtin
(none) @constant.builtin

(type (type_identifier) @type)

(clause_keyword) @keyword.option
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
(field_expression field: (field_identifier) @property)
(import module: (module_path) @module)
(import name: (identifier) @module)

(parameter name: (identifier) @variable.parameter)
(named_argument name: (identifier) @property)
(argument name: (identifier) @property)
(entry key: (identifier) @property)
(stage name: (identifier) @label)
(image name: (identifier) @label)
(directive name: (identifier) @property)

(identifier) @variable

["=" ":" "+" "." "," ";"] @operator
["(" ")" "[" "]" "{" "}"] @punctuation.bracket
