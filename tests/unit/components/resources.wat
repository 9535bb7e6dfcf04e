;; A resource defined by the component, with a destructor; resource.new,
;; .rep and .drop lowered into the core module; the resource type, its
;; constructor and a method exported through an instance.
(component
  (core module $m
    (import "res" "new" (func $new (param i32) (result i32)))
    (import "res" "rep" (func $rep (param i32) (result i32)))
    (import "res" "drop" (func $drop (param i32)))
    (func (export "dtor") (param i32))
    (func (export "ctor") (param i32) (result i32) local.get 0 call $new)
    ;; a borrow of a resource the callee defines arrives as its rep
    (func (export "get") (param i32) (result i32) local.get 0)
  )
  (core module $dtors (func (export "dtor") (param i32)))
  (core instance $d (instantiate $dtors))
  (type $counter (resource (rep i32) (dtor (core func $d "dtor"))))
  (core func $new (canon resource.new $counter))
  (core func $rep (canon resource.rep $counter))
  (core func $drop (canon resource.drop $counter))
  (core instance $res (export "new" (func $new)) (export "rep" (func $rep)) (export "drop" (func $drop)))
  (core instance $i (instantiate $m (with "res" (instance $res))))
  (export $c "counter" (type $counter))
  (func $ctor (param "v" u32) (result (own $c)) (canon lift (core func $i "ctor")))
  (func $get (param "self" (borrow $c)) (result u32) (canon lift (core func $i "get")))
  (export "[constructor]counter" (func $ctor))
  (export "[method]counter.get" (func $get))
)
