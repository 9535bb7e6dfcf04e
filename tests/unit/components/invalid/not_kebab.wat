;; invalid: export names are kebab-case
(component
  (core module $m (func (export "f")))
  (core instance $i (instantiate $m))
  (func $f (canon lift (core func $i "f")))
  (export "fooBar" (func $f))
)
