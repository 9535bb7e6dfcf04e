;; invalid: "a" and "A" are not strongly-unique
(component
  (core module $m (func (export "f")))
  (core instance $i (instantiate $m))
  (func $f (canon lift (core func $i "f")))
  (export "a" (func $f))
  (export "A" (func $f))
)
