;; Nested instantiation: an inner component with its own core module lifts
;; `double`; the outer component lowers the inner instance's lifted
;; function into its own core module (LOWER of a lifted callee) and lifts
;; `quad` from that module.  The inner component is instantiated twice.
(component
  (component $inner
    (core module $im (func (export "double") (param i32) (result i32) local.get 0 local.get 0 i32.add))
    (core instance $ii (instantiate $im))
    (func $double (param "x" u32) (result u32) (canon lift (core func $ii "double")))
    (export "double" (func $double))
  )
  (instance $a (instantiate $inner))
  (instance $b (instantiate $inner))
  (alias export $a "double" (func $da))
  (canon lower (func $da) (core func $dl))
  (core instance $env (export "double" (func $dl)))
  (core module $om
    (import "env" "double" (func $d (param i32) (result i32)))
    (func (export "quad") (param i32) (result i32) local.get 0 call $d call $d))
  (core instance $oi (instantiate $om (with "env" (instance $env))))
  (func $quad (param "x" u32) (result u32) (canon lift (core func $oi "quad")))
  (export "quad" (func $quad))
  (export "inner" (instance $b))
)
