;; A floating-point load that may trap, whose value only one arm of a
;; branch uses. Once its anchor was dropped as "consumed by float code",
;; the back end sank the plain load into that arm (MachineSink), so a call
;; taking the other arm returned without trapping. Found while fixing
;; seeds 5118/5337; address -16 is far beyond the memory and the
;; condition is a parameter (the reference calls with 0).
(module
  (memory 1 1)
  (func $g (param f64))
  (func (export "sum_if") (param $c i32) (result f64)
    (local $x f64)
    (local.set $x (f64.load (i32.const -16)))
    (if (local.get $c) (then (return (f64.add (local.get $x) (f64.const 2)))))
    (f64.const 1))
  (func (export "call_if") (param $c i32)
    (local $x f64)
    (local.set $x (f64.load (i32.const -16)))
    (if (local.get $c) (then (call $g (f64.add (local.get $x) (local.get $x))))))
  (func (export "sum_if_f32") (param $c i32) (result f32)
    (local $x f32)
    (local.set $x (f32.load offset=4 (i32.const 65534)))
    (if (local.get $c) (then (return (f32.mul (local.get $x) (f32.const 3)))))
    (f32.const 1)))
