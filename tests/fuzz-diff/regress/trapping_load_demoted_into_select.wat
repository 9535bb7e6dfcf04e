;; fuzz-diff seeds 5118 and 5337: an f64.load demoted to f32 and chosen by
;; a select.  At -O2 in guard-page mode the load counted as kept by the
;; float code consuming it (no anchor), and x86 made a branch of the select
;; and moved the load into the arm the select did not take: the call
;; returned 5 instead of trapping (the guard-page verifier stopped the
;; fuzzer's compile first).  The condition is a byte of memory (0), so
;; LLVM cannot fold the select; address -16 is far beyond the memory.
(module
  (memory 1 1)
  (func (export "pick") (result f32)
    (select
      (f32.demote_f64 (f64.load (i32.const -16)))
      (f32.const 5)
      (i32.load8_u (i32.const 0)))))
