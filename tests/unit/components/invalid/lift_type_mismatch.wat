;; invalid: the core function takes an i64 where (param "x" u32) flattens to i32
(component
  (core module $m (func (export "f") (param i64)))
  (core instance $i (instantiate $m))
  (func (param "x" u32) (canon lift (core func $i "f")))
)
