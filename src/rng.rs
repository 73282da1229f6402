//! The engine's one random number generator: seeded, portable, fast.
//!
//! PCG-64 (MCG variant, from `rand_pcg`) draws only `u64`s here, converted to floats and
//! indices explicitly, so a seed gives the same stream natively and in wasm32, where
//! `usize` is narrower (docs/modeling.md §8). Normals use Box–Muller with `libm`, whose
//! transcendental functions are bit-identical on both targets.

use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;

/// A seeded, portable random number generator.
#[derive(Debug, Clone)]
pub struct SimRng {
    inner: Pcg64Mcg,
    spare_normal: Option<f64>,
}

impl SimRng {
    /// A generator whose whole stream is fixed by `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            inner: Pcg64Mcg::seed_from_u64(seed),
            spare_normal: None,
        }
    }

    /// A fresh seed from the operating system (or the browser's crypto API in wasm).
    pub fn fresh_seed() -> u64 {
        getrandom::u64().unwrap_or(0x5EED_DA33)
    }

    /// Next raw 64-bit value.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.inner.next_u64()
    }

    /// Uniform on [0, 1) with 53 random bits.
    #[inline]
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform index in 0..n (n ≥ 1), via a 64-bit multiply-shift (Lemire, no division).
    #[inline]
    pub fn index(&mut self, n: usize) -> usize {
        ((self.next_u64() as u128 * n as u128) >> 64) as usize
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
        let r = libm::sqrt(-2.0 * libm::log(u1));
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
