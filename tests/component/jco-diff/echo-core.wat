;; The core module behind echo.wit (see there and diff.mjs).
;;
;; A value of one flat core value is returned as it came.  A wider one
;; comes with a pad of 16 u64s, so the parameters spill to memory (more than
;; 16 flat values) and the function receives a pointer to them; the first
;; parameter lies at that pointer in the canonical layout, which is exactly
;; where a spilled result of its type is read from, so returning the pointer
;; echoes the value.  Both implementations thus lower the arguments into
;; linear memory and lift the result back out of it.
(module
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 1024))
  ;; bump allocator; a grown block is copied; memory grows on demand
  (func (export "cabi_realloc") (param $old i32) (param $old-size i32) (param $align i32) (param $size i32) (result i32)
    (local $p i32) (local $need i32)
    (local.set $p (i32.and (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
                           (i32.sub (i32.const 0) (local.get $align))))
    (global.set $heap (i32.add (local.get $p) (local.get $size)))
    (local.set $need (i32.sub (global.get $heap) (i32.mul (memory.size) (i32.const 65536))))
    (if (i32.gt_s (local.get $need) (i32.const 0))
      (then (if (i32.lt_s (memory.grow (i32.add (i32.shr_u (local.get $need) (i32.const 16)) (i32.const 1)))
                          (i32.const 0))
              (then unreachable))))
    (if (local.get $old) (then (memory.copy (local.get $p) (local.get $old) (local.get $old-size))))
    (local.get $p))
  (func (export "echo-bool") (param i32) (result i32) (local.get 0))
  (func (export "echo-s8") (param i32) (result i32) (local.get 0))
  (func (export "echo-u8") (param i32) (result i32) (local.get 0))
  (func (export "echo-s16") (param i32) (result i32) (local.get 0))
  (func (export "echo-u16") (param i32) (result i32) (local.get 0))
  (func (export "echo-s32") (param i32) (result i32) (local.get 0))
  (func (export "echo-u32") (param i32) (result i32) (local.get 0))
  (func (export "echo-s64") (param i64) (result i64) (local.get 0))
  (func (export "echo-u64") (param i64) (result i64) (local.get 0))
  (func (export "echo-f32") (param f32) (result f32) (local.get 0))
  (func (export "echo-f64") (param f64) (result f64) (local.get 0))
  (func (export "echo-char") (param i32) (result i32) (local.get 0))
  (func (export "echo-color") (param i32) (result i32) (local.get 0))
  (func (export "echo-perms") (param i32) (result i32) (local.get 0))
  (func (export "echo-string") (param i32) (result i32) (local.get 0))
  (func (export "echo-list") (param i32) (result i32) (local.get 0))
  (func (export "echo-strings") (param i32) (result i32) (local.get 0))
  (func (export "echo-point") (param i32) (result i32) (local.get 0))
  (func (export "echo-entries") (param i32) (result i32) (local.get 0))
  (func (export "echo-tuple") (param i32) (result i32) (local.get 0))
  (func (export "echo-shape") (param i32) (result i32) (local.get 0))
  (func (export "echo-option") (param i32) (result i32) (local.get 0))
  (func (export "echo-option2") (param i32) (result i32) (local.get 0))
  (func (export "echo-result") (param i32) (result i32) (local.get 0))
  (func (export "echo-results") (param i32) (result i32) (local.get 0))
)
