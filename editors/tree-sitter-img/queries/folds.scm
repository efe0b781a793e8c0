; Folds: blocks, maps, lists, argument and option lists.
[
  (block)
  (map)
  (list)
  (arguments)
  (parameters)
  (clause_options)
] @fold
