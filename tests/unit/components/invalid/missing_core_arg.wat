;; invalid: the module imports from "env", no argument of that name
(component
  (core module $m (import "env" "f" (func)))
  (core instance (instantiate $m))
)
