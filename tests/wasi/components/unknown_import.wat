;; A WASI 0.2 command whose run calls an import no host defines
;; (wasi:foo/bar#baz): a link error, or with --trap-unknown-imports a trap
;; naming it.
(component
  (import "wasi:foo/bar@0.2.0" (instance $bar (export "baz" (func))))
  (alias export $bar "baz" (func $baz))
  (core func $baz_lowered (canon lower (func $baz)))
  (core module $m
    (import "host" "baz" (func $baz))
    (func (export "run") (result i32)
      call $baz
      i32.const 0))
  (core instance $h (export "baz" (func $baz_lowered)))
  (core instance $i (instantiate $m (with "host" (instance $h))))
  (func $run (result (result)) (canon lift (core func $i "run")))
  (instance $runinst (export "run" (func $run)))
  (export "wasi:cli/run@0.2.0" (instance $runinst))
)
