;; A small component: exports greet(name) -> string and counts its calls
;; with a host import.  examples/component/run.sh turns this text into a
;; component binary (jco's wasm-tools parser), compiles it with wasmc and
;; runs the embedder in embed.c.
(component
  (import "example:host/log@0.1.0" (instance $log
    (export "log" (func (param "msg" string)))))
  (alias export $log "log" (func $log))

  ;; Linear memory and its allocator, the canonical ABI's "libc".
  (core module $Libc
    (memory (export "mem") 1)
    (global $bump (mut i32) (i32.const 4096))
    (func (export "realloc") (param $old i32) (param $old_size i32) (param $align i32) (param $size i32) (result i32)
      (local $p i32)
      (local.set $p (i32.and (i32.add (global.get $bump) (i32.sub (local.get $align) (i32.const 1)))
                             (i32.sub (i32.const 0) (local.get $align))))
      (global.set $bump (i32.add (local.get $p) (local.get $size)))
      (if (local.get $old) (then (memory.copy (local.get $p) (local.get $old) (local.get $old_size))))
      (local.get $p)))
  (core instance $libc (instantiate $Libc))
  (core func $log' (canon lower (func $log) (memory (core memory $libc "mem"))))

  (core module $Main
    (import "libc" "mem" (memory 1))
    (import "libc" "realloc" (func $realloc (param i32 i32 i32 i32) (result i32)))
    (import "host" "log" (func $log (param i32 i32)))
    (data (i32.const 16) "Hello, ")
    (data (i32.const 32) "greet called")
    ;; greet(name_ptr, name_len) -> pointer to (ptr, len) of "Hello, NAME!"
    (func (export "greet") (param $name i32) (param $len i32) (result i32)
      (local $out i32)
      (call $log (i32.const 32) (i32.const 12))
      (local.set $out (call $realloc (i32.const 0) (i32.const 0) (i32.const 1)
                                     (i32.add (local.get $len) (i32.const 8))))
      (memory.copy (local.get $out) (i32.const 16) (i32.const 7))
      (memory.copy (i32.add (local.get $out) (i32.const 7)) (local.get $name) (local.get $len))
      (i32.store8 (i32.add (local.get $out) (i32.add (local.get $len) (i32.const 7))) (i32.const 33))
      (i32.store (i32.const 0) (local.get $out))
      (i32.store (i32.const 4) (i32.add (local.get $len) (i32.const 8)))
      (i32.const 0)))
  (core instance $main (instantiate $Main
    (with "libc" (instance $libc))
    (with "host" (instance (export "log" (func $log'))))))

  (func (export "greet") (param "name" string) (result string)
    (canon lift (core func $main "greet")
      (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))))
)
