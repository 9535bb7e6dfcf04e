;; invalid: the embedded core module itself is invalid (i32.add of an i64)
(component
  (core module $m (func (result i32) i64.const 1 i32.const 2 i32.add))
)
