;; Fuzz seed 6273, reduced: a load from the guard region whose value only
;; an `and 15` of a `urem` reads. InstCombine froze the load's value before
;; folding the urem away, so the anchor read the freeze, not the load; the
;; load was still kept, and the verifier must see that (it said "lost its
;; anchor"). The call must trap on the load, before the store.
(module
  (memory 16 17)
  (global $fuel (mut i32) (i32.const 10))
  (func (export "probe") (result i64)
    global.get $fuel
    i32.eqz
    if
      i64.const -2147483649
      return
    end
    global.get $fuel
    i32.const 1
    i32.sub
    global.set $fuel
    global.get $fuel
    i32.eqz
    if
      i64.const -16
      return
    end
    i32.const -2097153
    i32.load16_s offset=3 align=1
    i32.const -262144
    i32.rem_u
    i32.const 15
    i32.and
    i32.const 255
    i32.store8 offset=2
    i64.const -65535)
  (func (export "byte") (result i32)
    i32.const 2
    i32.load8_u))
