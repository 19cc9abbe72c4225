;; The ring's fold (foldWeightedMean's loop) in WebAssembly SIMD, 4 floats at a
;; time. Each element exactly as the JavaScript loop computes it: widened to
;; float64, m + (v - m) * share, rounded to float32 once, so the results are
;; the same bits. Built into weighted-mean-fold-wasm.ts by
;; `node libs/comm/scripts/build-wasm.mjs`; a test checks the two agree.
(module
  (memory (export "memory") 1)
  ;; mean[i] = f32(m + (f64(local[i]) - m) * share), m = f64(mean[i]), for i < count.
  ;; mean and local are byte offsets of float32 arrays in this module's memory.
  (func (export "fold") (param $mean i32) (param $local i32) (param $count i32) (param $share f64)
    (local $i i32) (local $end i32) (local $s v128) (local $m v128) (local $l v128) (local $lo v128) (local $hi v128) (local $x f64)
    (local.set $s (f64x2.splat (local.get $share)))
    (local.set $end (i32.and (local.get $count) (i32.const -4)))
    (block $vectorsDone
      (loop $vectors
        (br_if $vectorsDone (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $m (v128.load (i32.add (local.get $mean) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $l (v128.load (i32.add (local.get $local) (i32.shl (local.get $i) (i32.const 2)))))
        ;; lanes 0 and 1
        (local.set $lo (f64x2.promote_low_f32x4 (local.get $m)))
        (local.set $lo (f64x2.add (local.get $lo) (f64x2.mul (f64x2.sub (f64x2.promote_low_f32x4 (local.get $l)) (local.get $lo)) (local.get $s))))
        ;; lanes 2 and 3, moved down first
        (local.set $hi (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $m) (local.get $m))))
        (local.set $hi (f64x2.add (local.get $hi) (f64x2.mul (f64x2.sub (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $l) (local.get $l))) (local.get $hi)) (local.get $s))))
        (v128.store (i32.add (local.get $mean) (i32.shl (local.get $i) (i32.const 2)))
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (f32x4.demote_f64x2_zero (local.get $lo)) (f32x4.demote_f64x2_zero (local.get $hi))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $vectors)))
    ;; the last count % 4 elements, one at a time
    (block $tailDone
      (loop $tail
        (br_if $tailDone (i32.ge_u (local.get $i) (local.get $count)))
        (local.set $x (f64.promote_f32 (f32.load (i32.add (local.get $mean) (i32.shl (local.get $i) (i32.const 2))))))
        (f32.store (i32.add (local.get $mean) (i32.shl (local.get $i) (i32.const 2)))
          (f32.demote_f64 (f64.add (local.get $x) (f64.mul (f64.sub (f64.promote_f32 (f32.load (i32.add (local.get $local) (i32.shl (local.get $i) (i32.const 2))))) (local.get $x)) (local.get $share)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $tail))))
)
