//! A small deterministic PRNG (SplitMix64) and sampling helpers. The demo and
//! the synthetic generator must give the same output on every run and every
//! platform, so nothing here depends on hashing or the clock.

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, passes BigCrush; plenty
/// for generating demo data.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// An independent stream derived from this one (for sub-generators).
    pub fn fork(&mut self, salt: u64) -> Rng {
        Rng(self.next_u64() ^ salt.wrapping_mul(0xA076_1D64_78BD_642F))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n == 0`), by Lemire's multiply-shift.
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform index into a slice of length `n`.
    pub fn index(&mut self, n: usize) -> usize {
        self.below(n as u64) as usize
    }

    /// Uniform in `lo..=hi` (returns `lo` when `hi < lo`).
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    /// Uniform in `[0, 1)`.
    pub fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }

    pub fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.index(v.len())]
    }

    /// [`Rng::pick`] for `Copy` values.
    pub fn pick_copy<T: Copy>(&mut self, v: &[T]) -> T {
        v[self.index(v.len())]
    }

    /// Picks by integer weights (`(weight, value)`); all weights 0 → first.
    pub fn weighted<'a, T>(&mut self, v: &'a [(u32, T)]) -> &'a T {
        let total: u64 = v.iter().map(|(w, _)| u64::from(*w)).sum();
        let mut x = self.below(total);
        for (w, t) in v {
            if x < u64::from(*w) {
                return t;
            }
            x -= u64::from(*w);
        }
        &v[0].1
    }

    /// [`Rng::weighted`] for `Copy` values.
    pub fn weighted_copy<T: Copy>(&mut self, v: &[(u32, T)]) -> T {
        *self.weighted(v)
    }

    /// Fisher–Yates shuffle.
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.index(i + 1);
            v.swap(i, j);
        }
    }

    /// `x` scaled by a random factor in `[1 - spread, 1 + spread]`, at least `min`.
    pub fn jitter(&mut self, x: i32, spread: f64, min: i32) -> i32 {
        let f = 1.0 + spread * (2.0 * self.f64() - 1.0);
        ((f64::from(x) * f).round() as i32).max(min)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_in_range() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        for _ in 0..1000 {
            let x = a.range(3, 9);
            assert_eq!(x, b.range(3, 9));
            assert!((3..=9).contains(&x));
        }
        assert_eq!(a.below(0), 0);
    }
}
