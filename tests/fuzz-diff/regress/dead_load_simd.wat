;; Guard-page mode: SIMD loads whose value is dead must still trap (the
;; scalar fix anchors loads in emit_memory.c; v128.load8x8_s and
;; v128.load32_zero are emitted by emit_simd.c and lost their trap at -O2).
(module
  (func (export "splat") (result i32)
    (local v128)
    i32.const -128
    v128.load64_splat
    local.set 0
    i32.const 1)
  (func (export "ext") (result i32)
    (local v128)
    i32.const -128
    v128.load8x8_s
    local.set 0
    i32.const 2)
  (func (export "lane") (result i32)
    (local v128)
    i32.const -128
    local.get 0
    v128.load32_lane 1
    local.set 0
    i32.const 3)
  (func (export "zero") (result i32)
    (local v128)
    i32.const -128
    v128.load32_zero
    local.set 0
    i32.const 4)
  (func (export "plain") (result i32)
    (local v128)
    i32.const -128
    v128.load
    local.set 0
    i32.const 5)
  (memory 1 1))
