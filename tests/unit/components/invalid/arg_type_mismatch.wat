;; invalid: the nested component imports (func (param "x" u32)), it is given (func (param "x" string))
(component
  (import "g" (func $g (param "x" string)))
  (component $c (import "f" (func (param "x" u32))))
  (instance (instantiate $c (with "f" (func $g))))
)
