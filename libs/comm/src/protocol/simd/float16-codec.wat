;; float16.ts's encodeFloat16 and decodeFloat16 in WebAssembly SIMD, 4 values at
;; a time, branch-free: every lane computes each case and a bit mask picks one.
;; The same bits as the JavaScript loops (a test compares them on every binary16
;; value and on float32 values around every rounding boundary). The constants
;; live in locals, set once per call, and the loop bodies are written out in
;; place: V8 (Node 20) neither hoists a splat of a constant out of a loop nor
;; inlines a call. With the sign bit cleared, signed compares (one x86
;; instruction) order the bits as unsigned ones would (several). Counts are
;; multiples of 4; SimdFloat16 converts the rest in JavaScript. Built into
;; float16-codec-wasm.ts by `node libs/comm/scripts/build-wasm.mjs`.
(module
  (memory (export "memory") 1)

  ;; count float32 values at byte offset $source -> count binary16 values at byte offset $target.
  ;; Rounds to nearest, ties to even (F. Giesen's float_to_half_fast3_rtne), per 32-bit lane:
  ;;   |x| >= 65536 (bits 0x47800000): Infinity (0x7c00), or the quiet NaN (0x7e00) when |x| is a NaN;
  ;;   |x| < 2^-14 (bits 0x38800000): the bits of |x| + 0.5 less those of 0.5, the subnormal rounded by the adder;
  ;;   otherwise: (|x| - (112 << 23) + 0xfff + the lowest kept mantissa bit) >> 13;
  ;; the sign moved from bit 31 to bit 15. Four results are narrowed to 16 bits and stored as 8 bytes.
  (func (export "encode") (param $source i32) (param $target i32) (param $count i32)
    (local $end i32) (local $w v128) (local $x v128) (local $half v128)
    (local $signBit v128) (local $magnitude v128) (local $nanBits v128) (local $infinityHalf v128) (local $nanHalf v128)
    (local $overflowBits v128) (local $normalBits v128) (local $half32 v128) (local $rebias v128) (local $one v128)
    (local.set $signBit (i32x4.splat (i32.const 0x8000)))
    (local.set $magnitude (i32x4.splat (i32.const 0x7fffffff)))
    (local.set $nanBits (i32x4.splat (i32.const 0x7f800000)))
    (local.set $infinityHalf (i32x4.splat (i32.const 0x7c00)))
    (local.set $nanHalf (i32x4.splat (i32.const 0x7e00)))
    (local.set $overflowBits (i32x4.splat (i32.const 0x477fffff))) ;; |x| > this: at or above 65536
    (local.set $normalBits (i32x4.splat (i32.const 0x38800000)))
    (local.set $half32 (i32x4.splat (i32.const 0x3f000000))) ;; 0.5f
    (local.set $rebias (i32x4.splat (i32.const -939520001))) ;; -(112 << 23) + 0xfff
    (local.set $one (i32x4.splat (i32.const 1)))
    (local.set $end (i32.add (local.get $source) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (loop $vectors
        (br_if $done (i32.ge_u (local.get $source) (local.get $end)))
        (local.set $w (v128.load (local.get $source)))
        (local.set $x (v128.and (local.get $w) (local.get $magnitude)))
        (local.set $half
          (v128.bitselect
            (v128.bitselect (local.get $nanHalf) (local.get $infinityHalf) (i32x4.gt_s (local.get $x) (local.get $nanBits)))
            (v128.bitselect
              (i32x4.sub (f32x4.add (local.get $x) (local.get $half32)) (local.get $half32))
              (i32x4.shr_u
                (i32x4.add
                  (i32x4.add (local.get $x) (local.get $rebias))
                  (v128.and (i32x4.shr_u (local.get $x) (i32.const 13)) (local.get $one)))
                (i32.const 13))
              (i32x4.gt_s (local.get $normalBits) (local.get $x)))
            (i32x4.gt_s (local.get $x) (local.get $overflowBits))))
        (local.set $half (v128.or (local.get $half) (v128.and (i32x4.shr_u (local.get $w) (i32.const 16)) (local.get $signBit))))
        (v128.store64_lane 0 (local.get $target) (i16x8.narrow_i32x4_u (local.get $half) (local.get $half)))
        (local.set $source (i32.add (local.get $source) (i32.const 16)))
        (local.set $target (i32.add (local.get $target) (i32.const 8)))
        (br $vectors))))

  ;; count binary16 values at byte offset $source -> count float32 values at byte offset $target. Exact, per lane:
  ;;   exponent 0: zero or subnormal, the mantissa times 2^-24 (exact in float32);
  ;;   exponent 31: Infinity or NaN, the payload kept;
  ;;   otherwise: the exponent rebiased by 112 and the mantissa moved up 13 bits;
  ;; the sign moved from bit 15 to bit 31.
  (func (export "decode") (param $source i32) (param $target i32) (param $count i32)
    (local $end i32) (local $h v128) (local $shifted v128) (local $exponent v128)
    (local $low15 v128) (local $exponentBits v128) (local $mantissaBits v128) (local $signBit v128)
    (local $infinity v128) (local $rebias v128) (local $zero v128) (local $scale v128)
    (local.set $low15 (i32x4.splat (i32.const 0x7fff)))
    (local.set $exponentBits (i32x4.splat (i32.const 0x7c00)))
    (local.set $mantissaBits (i32x4.splat (i32.const 0x3ff)))
    (local.set $signBit (i32x4.splat (i32.const 0x8000)))
    (local.set $infinity (i32x4.splat (i32.const 0x7f800000)))
    (local.set $rebias (i32x4.splat (i32.const 0x38000000))) ;; 112 << 23
    (local.set $scale (f32x4.splat (f32.const 0x1p-24)))
    (local.set $end (i32.add (local.get $source) (i32.shl (local.get $count) (i32.const 1))))
    (block $done
      (loop $vectors
        (br_if $done (i32.ge_u (local.get $source) (local.get $end)))
        (local.set $h (i32x4.extend_low_i16x8_u (v128.load64_zero (local.get $source))))
        (local.set $shifted (i32x4.shl (v128.and (local.get $h) (local.get $low15)) (i32.const 13)))
        (local.set $exponent (v128.and (local.get $h) (local.get $exponentBits)))
        (v128.store (local.get $target)
          (v128.or
            (i32x4.shl (v128.and (local.get $h) (local.get $signBit)) (i32.const 16))
            (v128.bitselect
              (f32x4.mul (f32x4.convert_i32x4_s (v128.and (local.get $h) (local.get $mantissaBits))) (local.get $scale))
              (v128.bitselect
                (v128.or (local.get $shifted) (local.get $infinity))
                (i32x4.add (local.get $shifted) (local.get $rebias))
                (i32x4.eq (local.get $exponent) (local.get $exponentBits)))
              (i32x4.eq (local.get $exponent) (local.get $zero)))))
        (local.set $source (i32.add (local.get $source) (i32.const 8)))
        (local.set $target (i32.add (local.get $target) (i32.const 16)))
        (br $vectors))))
)
