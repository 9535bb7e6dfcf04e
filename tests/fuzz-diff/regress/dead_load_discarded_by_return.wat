;; fuzz-diff (generated module m4, func_30, hand-reduced): a load left on an
;; outer block's stack when an inner block returns is discarded, and must
;; still trap.  Guard-page mode lost the trap even at -O0 (instruction
;; selection drops unused loads) and returned the local instead.
(module
  (func (export "discarded_by_return") (result f64)
    (local f64)
    block (result f64)
      i32.const -735448776
      f64.load offset=4
      block
        local.get 0
        return
      end
      unreachable
    end)
  (func (export "folded_away") (result i32)
    i32.const 65534
    i32.load
    i32.const 0
    i32.and)
  (func (export "after") (result i32)
    i32.const 7)
  (memory 1 1))
