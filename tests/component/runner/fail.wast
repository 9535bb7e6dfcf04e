;; Assertions that do not hold: each must be counted as failed, never as
;; passed or skipped (run.sh expects "0 passed, 6 failed, 0 skipped").
(component
  (core module $m
    (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
    (func (export "boom") (result i32) unreachable))
  (core instance $i (instantiate $m))
  (func (export "add") (param "a" u32) (param "b" u32) (result u32) (canon lift (core func $i "add")))
  (func (export "boom") (result u32) (canon lift (core func $i "boom")))
)
(assert_return (invoke "add" (u32.const 40) (u32.const 2)) (u32.const 41))
(assert_return (invoke "add" (u32.const 40) (u32.const 2)) (s32.const 42))
(assert_return (invoke "add" (str.const "40") (u32.const 2)) (u32.const 42))
(assert_trap (invoke "boom") "integer overflow")
(assert_return (invoke "boom") (u32.const 0))
(assert_invalid (component (core module (func (result i32) (i32.const 1)))) "should be valid")
