;; fuzz-diff seed 103504 (second reduced form): a loop stores 0 at address
;; 1, then loads from a far out-of-bounds, loop-invariant address.  At -O2
;; in guard-page mode LICM hoisted the load out of the loop, above the
;; store (LLVM does not know a load can trap), so the trap came first and
;; func_19_invoker read the old byte.  Fixed by the order barrier
;; (compiler/lower/trap_order.c).
(module
  (type (;0;) (func (param i32)))
  (type (;1;) (func (param i32) (result f32)))
  (type (;2;) (func))
  (import "fuzzing-support" "log-i32" (func (;0;) (type 0)))
  (func (;1;) (type 1) (param i32) (result f32)
    loop  ;; label = @1
      i32.const 1
      i32.const 0
      i32.store8
      i32.const 1769349235
      i32.load
      br_if 0 (;@1;)
    end
    f32.const 0x1.73f8p+13 (;=11903;))
  (func (;2;) (type 2)
    i32.const 1
    i32.load8_u
    call 0)
  (memory (;0;) 16 17)
  (export "func_11" (func 1))
  (export "func_19_invoker" (func 2))
  (data (;0;) (i32.const 1) "\01"))
