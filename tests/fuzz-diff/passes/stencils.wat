;; The loop nests of the stencil and matrix-product benchmarks (tools/bench/
;; programs/jacobi2d.c, heat3d.c, gemm.c), run by run_passes_off.sh with each
;; switchable pass off in turn against -O0, at the edges where versioning,
;; address variables and streams could go wrong: arrays apart, overlapping
;; by one element either way, the last access at the very end of memory,
;; loops that run zero times, and nests that walk off the end and trap
;; after some of their stores (after_trap logs what they left).  The 3-D
;; stencil reads seven sums p + X with X invariant, more than one address
;; variable each could once get.  Exports take no parameters and log the
;; bits of a sum of the array they wrote.
(module
  (import "fuzzing-support" "log-i32" (func $log (param i32)))
  (memory 1 1)
  (func $init
    (local $k i32)
    (loop $l
      (f64.store (i32.shl (local.get $k) (i32.const 3))
        (f64.convert_i32_u (i32.rem_u (i32.add (i32.mul (local.get $k) (i32.const 7)) (i32.const 3)) (i32.const 97))))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $k) (i32.const 8192)))))
  ;; logs the bits of the sum of count doubles from p
  (func $sum (param $p i32) (param $count i32)
    (local $s f64) (local $bits i64)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $count)))
        (local.set $s (f64.add (local.get $s) (f64.load (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 8)))
        (local.set $count (i32.sub (local.get $count) (i32.const 1)))
        (br $l)))
    (local.set $bits (i64.reinterpret_f64 (local.get $s)))
    (call $log (i32.wrap_i64 (local.get $bits)))
    (call $log (i32.wrap_i64 (i64.shr_u (local.get $bits) (i64.const 32)))))
  ;; b[i][j] = 0.2 * (5 points of a), 1 <= i, j < n - 1
  (func $jacobi (param $a i32) (param $b i32) (param $n i32)
    (local $i i32) (local $j i32) (local $row i32) (local $out i32) (local $stride i32)
    (local.set $stride (i32.shl (local.get $n) (i32.const 3)))
    (if (i32.gt_s (local.get $n) (i32.const 2))
      (then
        (local.set $i (i32.const 1))
        (loop $li
          (local.set $row (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $stride))))
          (local.set $out (i32.add (local.get $b) (i32.mul (local.get $i) (local.get $stride))))
          (local.set $j (i32.const 8))
          (loop $lj
            (f64.store (i32.add (local.get $out) (local.get $j))
              (f64.mul (f64.const 0.2)
                (f64.add
                  (f64.add
                    (f64.add
                      (f64.add (f64.load (i32.add (local.get $row) (local.get $j)))
                               (f64.load (i32.add (local.get $row) (i32.sub (local.get $j) (i32.const 8)))))
                      (f64.load (i32.add (local.get $row) (i32.add (local.get $j) (i32.const 8)))))
                    (f64.load (i32.add (i32.add (local.get $row) (local.get $stride)) (local.get $j))))
                  (f64.load (i32.add (i32.sub (local.get $row) (local.get $stride)) (local.get $j))))))
            (local.set $j (i32.add (local.get $j) (i32.const 8)))
            (br_if $lj (i32.lt_u (local.get $j) (i32.sub (local.get $stride) (i32.const 8)))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $li (i32.lt_s (local.get $i) (i32.sub (local.get $n) (i32.const 1))))))))
  ;; b[i][j][k] from 7 points of a: the k loop reads p + X for 7 invariant X
  (func $heat (param $a i32) (param $b i32) (param $n i32)
    (local $i i32) (local $j i32) (local $k i32) (local $row i32) (local $out i32)
    (local $stride i32) (local $plane i32) (local $c f64)
    (local.set $stride (i32.shl (local.get $n) (i32.const 3)))
    (local.set $plane (i32.mul (local.get $stride) (local.get $n)))
    (if (i32.gt_s (local.get $n) (i32.const 2))
      (then
        (local.set $i (i32.const 1))
        (loop $li
          (local.set $j (i32.const 1))
          (loop $lj
            (local.set $row (i32.add (local.get $a)
              (i32.add (i32.mul (local.get $i) (local.get $plane)) (i32.mul (local.get $j) (local.get $stride)))))
            (local.set $out (i32.add (local.get $b)
              (i32.add (i32.mul (local.get $i) (local.get $plane)) (i32.mul (local.get $j) (local.get $stride)))))
            (local.set $k (i32.const 8))
            (loop $lk
              (local.set $c (f64.load (i32.add (local.get $k) (local.get $row))))
              (f64.store (i32.add (local.get $k) (local.get $out))
                (f64.add (local.get $c)
                  (f64.mul (f64.const 0.125)
                    (f64.add
                      (f64.add
                        (f64.add (f64.load (i32.add (local.get $k) (i32.add (local.get $row) (local.get $plane))))
                                 (f64.load (i32.add (local.get $k) (i32.sub (local.get $row) (local.get $plane)))))
                        (f64.add (f64.load (i32.add (local.get $k) (i32.add (local.get $row) (local.get $stride))))
                                 (f64.load (i32.add (local.get $k) (i32.sub (local.get $row) (local.get $stride))))))
                      (f64.sub
                        (f64.add (f64.load (i32.add (local.get $k) (i32.add (local.get $row) (i32.const 8))))
                                 (f64.load (i32.add (local.get $k) (i32.sub (local.get $row) (i32.const 8)))))
                        (f64.mul (f64.const 6) (local.get $c)))))))
              (local.set $k (i32.add (local.get $k) (i32.const 8)))
              (br_if $lk (i32.lt_u (local.get $k) (i32.sub (local.get $stride) (i32.const 8)))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br_if $lj (i32.lt_s (local.get $j) (i32.sub (local.get $n) (i32.const 1)))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $li (i32.lt_s (local.get $i) (i32.sub (local.get $n) (i32.const 1))))))))
  ;; C = 1.5 A B + 1.2 C, n x n, i-k-j order
  (func $gemm (param $c i32) (param $a i32) (param $b i32) (param $n i32)
    (local $i i32) (local $k i32) (local $j i32) (local $crow i32) (local $brow i32)
    (local $stride i32) (local $aik f64)
    (local.set $stride (i32.shl (local.get $n) (i32.const 3)))
    (block $none
      (br_if $none (i32.le_s (local.get $n) (i32.const 0)))
      (loop $li
        (local.set $crow (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $stride))))
        (local.set $j (i32.const 0))
        (loop $lb
          (f64.store (i32.add (local.get $crow) (local.get $j))
            (f64.mul (f64.const 1.2) (f64.load (i32.add (local.get $crow) (local.get $j)))))
          (local.set $j (i32.add (local.get $j) (i32.const 8)))
          (br_if $lb (i32.lt_u (local.get $j) (local.get $stride))))
        (local.set $k (i32.const 0))
        (loop $lk
          (local.set $aik (f64.mul (f64.const 1.5)
            (f64.load (i32.add (local.get $a)
              (i32.add (i32.mul (local.get $i) (local.get $stride)) (i32.shl (local.get $k) (i32.const 3)))))))
          (local.set $brow (i32.add (local.get $b) (i32.mul (local.get $k) (local.get $stride))))
          (local.set $j (i32.const 0))
          (loop $lj
            (f64.store (i32.add (local.get $crow) (local.get $j))
              (f64.add (f64.load (i32.add (local.get $crow) (local.get $j)))
                       (f64.mul (local.get $aik) (f64.load (i32.add (local.get $brow) (local.get $j))))))
            (local.set $j (i32.add (local.get $j) (i32.const 8)))
            (br_if $lj (i32.lt_u (local.get $j) (local.get $stride))))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br_if $lk (i32.lt_s (local.get $k) (local.get $n))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $li (i32.lt_s (local.get $i) (local.get $n))))))
  (func (export "jacobi_apart")
    (call $init) (call $jacobi (i32.const 0) (i32.const 16384) (i32.const 20)) (call $sum (i32.const 16384) (i32.const 400)))
  (func (export "jacobi_overlap_by_one_above")
    (call $init) (call $jacobi (i32.const 0) (i32.const 8) (i32.const 20)) (call $sum (i32.const 0) (i32.const 401)))
  (func (export "jacobi_overlap_by_one_below")
    (call $init) (call $jacobi (i32.const 8) (i32.const 0) (i32.const 20)) (call $sum (i32.const 0) (i32.const 401)))
  (func (export "jacobi_zero_trip")
    (call $init) (call $jacobi (i32.const 0) (i32.const 16384) (i32.const 2))
    (call $jacobi (i32.const 0) (i32.const 16384) (i32.const 3)) (call $sum (i32.const 16384) (i32.const 9)))
  (func (export "jacobi_last_access_at_the_end")
    (call $init) (call $jacobi (i32.const 0) (i32.const 62504) (i32.const 20)) (call $sum (i32.const 62504) (i32.const 379)))
  (func (export "heat_apart")
    (call $init) (call $heat (i32.const 0) (i32.const 8192) (i32.const 8)) (call $sum (i32.const 8192) (i32.const 512)))
  (func (export "heat_overlap_by_one_above")
    (call $init) (call $heat (i32.const 0) (i32.const 8) (i32.const 8)) (call $sum (i32.const 0) (i32.const 513)))
  (func (export "heat_overlap_by_one_below")
    (call $init) (call $heat (i32.const 8) (i32.const 0) (i32.const 8)) (call $sum (i32.const 0) (i32.const 513)))
  (func (export "heat_zero_trip")
    (call $init) (call $heat (i32.const 0) (i32.const 8192) (i32.const 2))
    (call $heat (i32.const 0) (i32.const 8192) (i32.const 3)) (call $sum (i32.const 8192) (i32.const 27)))
  (func (export "heat_last_access_at_the_end")
    (call $init) (call $heat (i32.const 61512) (i32.const 8192) (i32.const 8)) (call $sum (i32.const 8192) (i32.const 512))
    (call $heat (i32.const 0) (i32.const 62024) (i32.const 8)) (call $sum (i32.const 62024) (i32.const 439)))
  (func (export "gemm_apart")
    (call $init) (call $gemm (i32.const 0) (i32.const 4096) (i32.const 8192) (i32.const 12)) (call $sum (i32.const 0) (i32.const 144)))
  (func (export "gemm_c_overlaps_b_by_one")
    (call $init) (call $gemm (i32.const 8200) (i32.const 4096) (i32.const 8192) (i32.const 12)) (call $sum (i32.const 8192) (i32.const 145)))
  (func (export "gemm_b_overlaps_c_by_one")
    (call $init) (call $gemm (i32.const 8192) (i32.const 4096) (i32.const 8200) (i32.const 12)) (call $sum (i32.const 8192) (i32.const 145)))
  (func (export "gemm_zero_trip")
    (call $init) (call $gemm (i32.const 0) (i32.const 4096) (i32.const 8192) (i32.const 0))
    (call $gemm (i32.const 0) (i32.const 4096) (i32.const 8192) (i32.const 1)) (call $sum (i32.const 0) (i32.const 2)))
  (func (export "gemm_last_access_at_the_end")
    (call $init) (call $gemm (i32.const 64384) (i32.const 4096) (i32.const 63232) (i32.const 12)) (call $sum (i32.const 64384) (i32.const 144)))
  (func (export "jacobi_off_the_end")
    (call $init) (call $jacobi (i32.const 0) (i32.const 62512) (i32.const 20)))
  (func (export "jacobi_after_trap")
    (call $sum (i32.const 62512) (i32.const 378)))
  (func (export "heat_off_the_end")
    (call $init) (call $heat (i32.const 61520) (i32.const 16384) (i32.const 8)))
  (func (export "heat_after_trap")
    (call $sum (i32.const 16384) (i32.const 512)))
  (func (export "gemm_off_the_end")
    (call $init) (call $gemm (i32.const 64392) (i32.const 4096) (i32.const 8192) (i32.const 12)))
  (func (export "gemm_after_trap")
    (call $sum (i32.const 64384) (i32.const 144))))
