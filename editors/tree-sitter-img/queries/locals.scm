; Scopes, definitions and references for `.img` (nvim-treesitter and `tree-sitter highlight`).
; A file and every block (image, stage, fn, onbuild, layer) is a scope; `let`, `arg`, `fn`, a
; function's parameters, stages and imports define names; every other identifier is a reference.

(source_file) @local.scope
(block) @local.scope
(function) @local.scope

(let name: (identifier) @local.definition.var)
(arg name: (identifier) @local.definition.var)
(parameter name: (identifier) @local.definition.parameter)
((function name: (identifier) @local.definition.function)
  (#set! definition.function.scope "parent"))
(stage name: (identifier) @local.definition.type)
(image name: (identifier) @local.definition.type)
(import name: (identifier) @local.definition.import)
(import module: (module_path (identifier) @local.definition.import .))

(identifier) @local.reference
