;; Loops shaped for each of wasmc's switchable passes (compiler/opt/
;; passes.def), run by run_passes_off.sh with each pass off in turn against
;; -O0.  Exports take no parameters (the fuzz-diff runner passes zeros) and
;; log what they compute; the last ones walk off the end of memory and trap.
(module
  (import "fuzzing-support" "log-i32" (func $log (param i32)))
  (memory 1 1)
  (data (i32.const 0) "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyZ!")
  (data (i32.const 1024) "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz?")
  ;; byte-compare-skip: memcmp's loop
  (func $memcmp (param $a i32) (param $b i32) (param $n i32) (result i32)
    (local $x i32) (local $y i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $x (i32.load8_u (local.get $a)))
        (local.set $y (i32.load8_u (local.get $b)))
        (br_if $done (i32.ne (local.get $x) (local.get $y)))
        (local.set $a (i32.add (local.get $a) (i32.const 1)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))
    (i32.sub (local.get $x) (local.get $y)))
  (func (export "compare")
    (call $log (call $memcmp (i32.const 0) (i32.const 1024) (i32.const 64)))
    (call $log (call $memcmp (i32.const 3) (i32.const 1027) (i32.const 40))))
  ;; address-ivs / address-nuw: p + 8 read through a stepped pointer
  (func (export "pairs")
    (local $p i32) (local $s i32) (local $n i32)
    (local.set $n (i32.const 100))
    (loop $l
      (local.set $s (i32.add (local.get $s)
        (i32.sub (i32.load (i32.add (local.get $p) (i32.const 8))) (i32.load (i32.add (local.get $p) (i32.const 4))))))
      (local.set $p (i32.add (local.get $p) (i32.const 8)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (call $log (local.get $s)))
  ;; address-streams / check-versioning: two rows, a counted loop
  (func (export "rows")
    (local $i i32)
    (loop $l
      (i32.store (i32.add (i32.const 4096) (i32.shl (local.get $i) (i32.const 2)))
        (i32.add (i32.load (i32.shl (local.get $i) (i32.const 2)))
                 (i32.load (i32.add (i32.const 1024) (i32.shl (local.get $i) (i32.const 2))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 200))))
    (call $log (i32.load (i32.const 4096)))
    (call $log (i32.load (i32.const 4892))))
  ;; the same walking off the end: stores up to the trap must be there
  (func (export "rows_off_the_end")
    (local $i i32)
    (loop $l
      (i32.store (i32.add (i32.const 8192) (i32.shl (local.get $i) (i32.const 2)))
        (i32.load (i32.add (i32.const 65400) (i32.shl (local.get $i) (i32.const 2)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 64)))))
  (func (export "after_trap")
    (call $log (i32.load (i32.const 8192)))
    (call $log (i32.load (i32.const 8220)))
    (call $log (i32.load (i32.const 8300))))
  ;; a byte scan running into the end of memory
  (func (export "scan_off_the_end")
    (call $log (call $memcmp (i32.const 65500) (i32.const 65500) (i32.const 100)))))
