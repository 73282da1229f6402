//! The engine's one random number generator: seeded, portable, fast.
//!
//! PCG-64 (MCG variant, `rand_pcg`'s `Pcg64Mcg`: seeded by `rand_pcg`, stepped here) draws
//! only `u64`s here, converted to floats and indices explicitly, so a seed gives the same
//! stream natively and in wasm32, where `usize` is narrower (docs/modeling.md §8). Normals
//! use Box–Muller with `libm`, whose transcendental functions are bit-identical on both
//! targets.
//!
//! The generator's step is written out on two 64-bit halves: wasm32 has no 64×64→128-bit
//! multiply, and the `u128` product became a call to compiler-rt's general 128×128
//! `__multi3` (a tenth of a wasm training step). The numbers are `rand_pcg`'s, bit for bit
//! (tested against it).

use rand::SeedableRng;
use rand_pcg::Pcg64Mcg;

/// The MCG's 128-bit multiplier (`rand_pcg`'s `Mcg128Xsl64`; O'Neill 2014, PCG), in halves.
const MUL_HI: u64 = 0x2360_ED05_1FC6_5DA4;
const MUL_LO: u64 = 0x4385_DF64_9FCC_F645;

/// The high 64 bits of the 128-bit product a·b.
#[cfg(not(target_arch = "wasm32"))]
#[inline(always)]
pub fn mul_hi(a: u64, b: u64) -> u64 {
    ((a as u128 * b as u128) >> 64) as u64
}

/// The high 64 bits of the 128-bit product a·b (wasm32: from four 32×32-bit products).
#[cfg(target_arch = "wasm32")]
#[inline(always)]
pub fn mul_hi(a: u64, b: u64) -> u64 {
    mul_hi_halves(a, b)
}

/// a·b's high 64 bits by schoolbook multiplication on 32-bit halves (no `u128`).
#[cfg(any(target_arch = "wasm32", test))]
#[inline(always)]
fn mul_hi_halves(a: u64, b: u64) -> u64 {
    const M: u64 = 0xFFFF_FFFF;
    let (a1, a0, b1, b0) = (a >> 32, a & M, b >> 32, b & M);
    let (p00, p01, p10, p11) = (a0 * b0, a0 * b1, a1 * b0, a1 * b1);
    // Below 3·2³², so no overflow.
    let mid = (p00 >> 32) + (p01 & M) + (p10 & M);
    p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32)
}

/// A seeded, portable random number generator.
#[derive(Debug, Clone)]
pub struct SimRng {
    /// The MCG's 128-bit state, high and low halves.
    hi: u64,
    lo: u64,
    spare_normal: Option<f64>,
}

impl SimRng {
    /// A generator whose whole stream is fixed by `seed` (`rand_pcg`'s seeding of
    /// `Pcg64Mcg::seed_from_u64`).
    pub fn new(seed: u64) -> Self {
        let state = Pcg64Mcg::seed_from_u64(seed).state();
        Self {
            hi: (state >> 64) as u64,
            lo: state as u64,
            spare_normal: None,
        }
    }

    /// A fresh seed from the operating system (or the browser's crypto API in wasm).
    pub fn fresh_seed() -> u64 {
        getrandom::u64().unwrap_or(0x5EED_DA33)
    }

    /// Next raw 64-bit value: state ← state·M mod 2¹²⁸, then the XSL-RR output (the high
    /// half xor the low half, rotated right by the state's top 6 bits).
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        let (hi, lo) = (self.hi, self.lo);
        let new_lo = lo.wrapping_mul(MUL_LO);
        let new_hi = mul_hi(lo, MUL_LO)
            .wrapping_add(lo.wrapping_mul(MUL_HI))
            .wrapping_add(hi.wrapping_mul(MUL_LO));
        self.hi = new_hi;
        self.lo = new_lo;
        (new_hi ^ new_lo).rotate_right((new_hi >> 58) as u32)
    }

    /// Uniform on [0, 1) with 53 random bits.
    #[inline]
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform index in 0..n (n ≥ 1), via a 64-bit multiply-shift (Lemire, no division).
    #[inline]
    pub fn index(&mut self, n: usize) -> usize {
        mul_hi(self.next_u64(), n as u64) as usize
    }

    /// True with probability p.
    #[inline]
    pub fn bernoulli(&mut self, p: f64) -> bool {
        self.uniform() < p
    }

    /// Standard normal via Box–Muller (both values used).
    #[inline]
    pub fn normal(&mut self) -> f64 {
        if let Some(z) = self.spare_normal.take() {
            return z;
        }
        // u1 in (0, 1] so ln(u1) is finite.
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        // IEEE 754 rounds sqrt correctly, so the hardware's (x86 sqrtsd, wasm f64.sqrt) is
        // bit-identical everywhere; `libm::sqrt` is a bit-by-bit software loop in wasm (its
        // f64.sqrt needs a nightly feature), a tenth of a wasm training step.
        let r = (-2.0 * libm::log(u1)).sqrt();
        let theta = 2.0 * core::f64::consts::PI * u2;
        // One argument reduction for both: libm's `sincos` runs the same reduction and
        // kernels as its `sin` and `cos`, so the values are theirs bit for bit (the test
        // `sincos_is_sin_and_cos` checks this on the whole range of θ).
        let (sin, cos) = libm::sincos(theta);
        self.spare_normal = Some(r * sin);
        r * cos
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream() {
        let mut a = SimRng::new(7);
        let mut b = SimRng::new(7);
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
    }

    #[test]
    fn uniform_and_normal_moments() {
        let mut r = SimRng::new(1);
        let n = 200_000;
        let (mut s, mut s2, mut u) = (0.0, 0.0, 0.0);
        for _ in 0..n {
            let z = r.normal();
            s += z;
            s2 += z * z;
            u += r.uniform();
        }
        let mean = s / n as f64;
        let var = s2 / n as f64 - mean * mean;
        assert!(mean.abs() < 0.01, "mean {mean}");
        assert!((var - 1.0).abs() < 0.01, "var {var}");
        assert!((u / n as f64 - 0.5).abs() < 0.005);
    }

    #[test]
    fn the_stream_is_rand_pcgs() {
        use rand::Rng;
        for seed in [0u64, 1, 7, 0x5EED_DA33, u64::MAX] {
            let mut ours = SimRng::new(seed);
            let mut theirs = Pcg64Mcg::seed_from_u64(seed);
            for _ in 0..10_000 {
                assert_eq!(ours.next_u64(), theirs.next_u64(), "seed {seed}");
            }
        }
    }

    #[test]
    fn the_32_bit_high_product_is_the_128_bit_one() {
        let mut r = SimRng::new(5);
        let edges = [
            0u64,
            1,
            0xFFFF_FFFF,
            1 << 32,
            u64::MAX,
            u64::MAX - 1,
            MUL_LO,
            MUL_HI,
        ];
        for &a in &edges {
            for &b in &edges {
                assert_eq!(mul_hi_halves(a, b), ((a as u128 * b as u128) >> 64) as u64);
            }
        }
        for _ in 0..100_000 {
            let (a, b) = (r.next_u64(), r.next_u64());
            assert_eq!(mul_hi_halves(a, b), ((a as u128 * b as u128) >> 64) as u64);
            assert_eq!(mul_hi(a, b), mul_hi_halves(a, b));
        }
    }

    #[test]
    fn hardware_sqrt_is_libms() {
        let mut r = SimRng::new(9);
        for _ in 0..100_000 {
            let x = -2.0 * libm::log(1.0 - r.uniform());
            assert_eq!(x.sqrt().to_bits(), libm::sqrt(x).to_bits(), "{x}");
        }
    }

    #[test]
    fn sincos_is_sin_and_cos() {
        let mut r = SimRng::new(11);
        let tiny = [
            0.0,
            1e-300,
            1e-9,
            2.0e-8,
            1.0e-8,
            1.5e-8,
            0.78,
            0.786,
            core::f64::consts::FRAC_PI_4,
        ];
        let drawn = (0..200_000).map(|_| 2.0 * core::f64::consts::PI * r.uniform());
        for theta in tiny.into_iter().chain(drawn) {
            let (s, c) = libm::sincos(theta);
            assert_eq!(s.to_bits(), libm::sin(theta).to_bits(), "sin {theta}");
            assert_eq!(c.to_bits(), libm::cos(theta).to_bits(), "cos {theta}");
        }
    }

    #[test]
    fn index_stays_in_range_and_covers_it() {
        let mut r = SimRng::new(3);
        let mut seen = [0u32; 5];
        for _ in 0..10_000 {
            seen[r.index(5)] += 1;
        }
        assert!(seen.iter().all(|&c| c > 1_800 && c < 2_200), "{seen:?}");
    }
}
