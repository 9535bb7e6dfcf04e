;; The guest of embed.c: fib(n) iteratively, reported to the host before
;; it is returned; n > 46 overflows i32 and traps on purpose (unreachable),
;; so the example also shows a trap reaching the embedder.
(module
  (import "host" "report" (func $report (param i32)))
  (func (export "fib") (param $n i32) (result i32)
    (local $a i32) (local $b i32) (local $t i32)
    (if (i32.gt_s (local.get $n) (i32.const 46)) (then unreachable))
    (local.set $b (i32.const 1))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $t (i32.add (local.get $a) (local.get $b)))
        (local.set $a (local.get $b))
        (local.set $b (local.get $t))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (call $report (local.get $a))
    (local.get $a)))
