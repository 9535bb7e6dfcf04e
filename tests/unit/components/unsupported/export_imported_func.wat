;; unsupported: re-exporting an imported function (the plan exports lifted functions only)
(component
  (import "f" (func $f))
  (export "g" (func $f))
)
