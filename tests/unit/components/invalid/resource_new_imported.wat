;; invalid: resource.new only for resources the component defines
(component
  (import "r" (type $r (sub resource)))
  (core func (canon resource.new $r))
)
