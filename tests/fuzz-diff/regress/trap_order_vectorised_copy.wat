;; A copy loop LLVM vectorises: word i of the destination gets word i of a
;; source that runs past the end of memory at i = 13.  Wasm stores words
;; 0..12, then traps; the export after it reads them back.  Vectorised
;; without order barriers, the loads of a whole vector (or unrolled group)
;; ran before its stores, so the trap left words 0..12 unwritten.
(module
  (import "fuzzing-support" "log-i32" (func $log (param i32)))
  (memory 1 1)
  (func (export "copy")
    (local $i i32)
    loop
      (i32.store (i32.shl (local.get $i) (i32.const 2))
        (i32.add (i32.load offset=65484 (i32.shl (local.get $i) (i32.const 2))) (i32.const 1)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if 0 (i32.lt_u (local.get $i) (i32.const 64)))
    end)
  (func (export "sum")
    (local $i i32) (local $s i32)
    loop
      (local.set $s (i32.add (local.get $s) (i32.load (i32.shl (local.get $i) (i32.const 2)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if 0 (i32.lt_u (local.get $i) (i32.const 64)))
    end
    (call $log (local.get $s))))
