;; A WASI 0.2 command that creates a TCP socket: run returns ok exactly when
;; create-tcp-socket answers access-denied (no network policy), err when it
;; gets a socket (wasmrt --allow-tcp-connect).
(component
  (import "wasi:sockets/network@0.2.0" (instance $network
    (type $e (enum "unknown" "access-denied" "not-supported" "invalid-argument"
      "out-of-memory" "timeout" "concurrency-conflict" "not-in-progress" "would-block"
      "invalid-state" "new-socket-limit" "address-not-bindable" "address-in-use"
      "remote-unreachable" "connection-refused" "connection-reset" "connection-aborted"
      "datagram-too-large" "name-unresolvable" "temporary-resolver-failure"
      "permanent-resolver-failure"))
    (export "error-code" (type (eq $e)))
    (type $f (enum "ipv4" "ipv6"))
    (export "ip-address-family" (type (eq $f)))))
  (alias export $network "error-code" (type $ec))
  (alias export $network "ip-address-family" (type $af))
  (import "wasi:sockets/tcp@0.2.0" (instance $tcp
    (export "tcp-socket" (type (sub resource)))))
  (alias export $tcp "tcp-socket" (type $sock))
  (import "wasi:sockets/tcp-create-socket@0.2.0" (instance $create
    (alias outer 1 $ec (type $ec0))
    (export "error-code" (type $ec1 (eq $ec0)))
    (alias outer 1 $af (type $af0))
    (export "ip-address-family" (type $af1 (eq $af0)))
    (alias outer 1 $sock (type $s0))
    (export "tcp-socket" (type $s1 (eq $s0)))
    (export "create-tcp-socket" (func (param "address-family" $af1) (result (result (own $s1) (error $ec1)))))))
  (alias export $create "create-tcp-socket" (func $create_tcp))
  (core module $memmod (memory (export "mem") 1))
  (core instance $memi (instantiate $memmod))
  (alias core export $memi "mem" (core memory $mem))
  (core func $create_lowered (canon lower (func $create_tcp) (memory $mem)))
  (core module $m
    (import "env" "mem" (memory 1))
    (import "env" "create" (func $create (param i32 i32)))
    (func (export "run") (result i32)
      (call $create (i32.const 0) (i32.const 8))
      ;; ok(0) when creating failed with access-denied (case 1), else err
      (if (result i32) (i32.and (i32.eq (i32.load8_u (i32.const 8)) (i32.const 1))
                                (i32.eq (i32.load8_u (i32.const 12)) (i32.const 1)))
        (then (i32.const 0)) (else (i32.const 1)))))
  (core instance $env (export "mem" (memory $mem)) (export "create" (func $create_lowered)))
  (core instance $i (instantiate $m (with "env" (instance $env))))
  (func $run (result (result)) (canon lift (core func $i "run")))
  (instance $runinst (export "run" (func $run)))
  (export "wasi:cli/run@0.2.0" (instance $runinst))
)
