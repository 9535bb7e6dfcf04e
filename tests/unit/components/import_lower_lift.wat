;; An imported instance lowered into a core module (through a shim whose
;; table a fixup would fill, as wit-component does), a lift with memory,
;; realloc and post-return, and a nested component that re-exports the
;; lifted function as an interface.
(component
  (import "test:demo/host@0.1.0" (instance $host
    (export "log" (func (param "msg" string)))
    (export "add" (func (param "a" u32) (param "b" u32) (result u32)))
  ))
  (core module $m
    (import "host" "log" (func $log (param i32 i32)))
    (import "host" "add" (func $add (param i32 i32) (result i32)))
    (memory (export "mem") 1)
    (func (export "realloc") (param i32 i32 i32 i32) (result i32) i32.const 64)
    (func (export "greet") (param i32 i32) (result i32)
      local.get 0 local.get 1 call $log
      i32.const 1 i32.const 2 call $add drop
      i32.const 16)
    (func (export "greet-post") (param i32))
  )
  (core module $shim
    (table (export "$imports") 1 1 funcref)
    (func (export "0") (param i32 i32) local.get 0 local.get 1 i32.const 0 call_indirect (param i32 i32))
  )
  (core instance $shim (instantiate $shim))
  (alias core export $shim "0" (core func $log_shim))
  (alias export $host "add" (func $add))
  (canon lower (func $add) (core func $add_lowered))
  (core instance $hostc (export "log" (func $log_shim)) (export "add" (func $add_lowered)))
  (core instance $main (instantiate $m (with "host" (instance $hostc))))
  (alias core export $main "mem" (core memory $mem))
  (alias core export $main "realloc" (core func $realloc))
  (alias export $host "log" (func $log))
  (canon lower (func $log) (memory $mem) (core func $log_lowered))
  (type $greet_t (func (param "name" string) (result string)))
  (alias core export $main "greet" (core func $greet_core))
  (alias core export $main "greet-post" (core func $greet_post))
  (func $greet (type $greet_t) (canon lift (core func $greet_core) (memory $mem) (realloc $realloc) (post-return $greet_post)))
  (component $wrap
    (import "import-func-greet" (func $f (param "name" string) (result string)))
    (export "greet" (func $f))
  )
  (instance $w (instantiate $wrap (with "import-func-greet" (func $greet))))
  (export "test:demo/greeter@0.1.0" (instance $w))
  (export "hello" (func $greet))
)
