;; One import and one export of every kind, for `wasmrt inspect` (a name
;; with a quote and a tab checks JSON escaping and text sanitising).
(module
  (import "env" "log" (func (param i32 i64) (result f32)))
  (import "env" "mem" (memory 1 2))
  (import "env" "tab" (table 3 funcref))
  (import "env" "g\"\09x" (global (mut f64)))
  (export "memory" (memory 0))
  (table (export "table") 2 10 externref)
  (global (export "counter") (mut i32) (i32.const 0))
  (func (export "add") (param i32 i32) (result i32 i64)
    (i32.add (local.get 0) (local.get 1)) (i64.const 0)))
