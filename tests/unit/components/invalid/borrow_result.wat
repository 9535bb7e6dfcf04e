;; invalid: a function result may not contain a borrow
(component
  (type $r (resource (rep i32)))
  (type (func (result (borrow $r))))
)
