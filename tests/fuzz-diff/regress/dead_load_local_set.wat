;; fuzz-diff seed 4 (reduced): a load whose value goes to a local that is
;; never read must still trap when out of bounds.  At -O2 in guard-page
;; mode LLVM deleted the unused load and the call returned 33554433.
;; Address -128 (0xFFFFFF80) + offset 2 is far beyond the 16-page memory.
(module
  (type (;0;) (func (result i32)))
  (func (;0;) (type 0) (result i32)
    (local i32)
    i32.const -128
    i32.load8_u offset=2
    local.set 0
    i32.const 33554433)
  (memory (;0;) 16 17)
  (export "hashMemory" (func 0)))
