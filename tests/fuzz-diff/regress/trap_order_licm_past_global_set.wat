;; fuzz-diff seed 109027 (reduced): as trap_order_licm_past_store, with
;; global.set in place of the store: the loop sets the global, then loads
;; out of bounds; LICM hoisted the load above the global.set and func_19
;; read the global's old value after the trap.
(module
  (type (;0;) (func (param i32 i32 i32 f64 f32) (result i64)))
  (type (;1;) (func (param i32 f64 i64 f32 i32 i64) (result f32)))
  (func (;0;) (type 0) (param i32 i32 i32 f64 f32) (result i64)
    loop  ;; label = @1
      f32.const 0x0p+0 (;=0;)
      global.set 0
      i32.const -22671
      i32.load16_s offset=22 align=1
      br_if 0 (;@1;)
    end
    i64.const -1741874172)
  (func (;1;) (type 1) (param i32 f64 i64 f32 i32 i64) (result f32)
    global.get 0)
  (memory (;0;) 16 17)
  (global (;0;) (mut f32) (f32.const 0x1.6a2832p+17 (;=185424;)))
  (export "func_10" (func 0))
  (export "func_19" (func 1)))
