//! 双随机 抽查 (中央编办发〔2015〕131号): a random sample of the registered
//! units (1–3 % by default, at least one) and, for each, inspectors drawn at
//! random — reproducible from the recorded seed, so anyone can redraw it.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::register::RegId;

/// splitmix64: small, fixed, and the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in 0..n (n > 0), without modulo bias.
    fn below(&mut self, n: u64) -> u64 {
        let zone = u64::MAX - (u64::MAX % n);
        loop {
            let x = self.next();
            if x < zone {
                return x % n;
            }
        }
    }
}

/// Draws `k` distinct items of `pool` (in draw order).
fn sample<T: Clone>(rng: &mut Rng, pool: &[T], k: usize) -> Vec<T> {
    let mut v: Vec<T> = pool.to_vec();
    let k = k.min(v.len());
    for i in 0..k {
        let j = i + rng.below((v.len() - i) as u64) as usize;
        v.swap(i, j);
    }
    v.truncate(k);
    v
}

/// A drawn spot check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpotCheck {
    pub year: i32,
    pub seed: u64,
    pub permille: u32,
    /// The checked units with their inspectors.
    pub draws: Vec<(RegId, Vec<String>)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SpotError {
    #[error("没有可抽取的单位")]
    NoUnits,
    #[error("检查人员 {have} 名，少于每个单位所需的 {need} 名")]
    TooFewInspectors { have: usize, need: usize },
    #[error("抽查比例应在 1‰ 至 100‰ 之间，实际为 {0}‰")]
    BadRatio(u32),
}

/// Draws the units and inspectors of `year`. `eligible` is the 名录库 (units
/// already checked this year left out by the caller); its order does not
/// matter (it is sorted first).
pub fn draw(
    year: i32,
    seed: u64,
    eligible: &[RegId],
    inspectors: &[String],
    permille: u32,
    per_unit: usize,
) -> Result<SpotCheck, SpotError> {
    if !(1..=100).contains(&permille) {
        return Err(SpotError::BadRatio(permille));
    }
    if eligible.is_empty() {
        return Err(SpotError::NoUnits);
    }
    let mut insp: Vec<String> = inspectors.to_vec();
    insp.sort();
    insp.dedup();
    if insp.len() < per_unit.max(2) {
        return Err(SpotError::TooFewInspectors {
            have: insp.len(),
            need: per_unit.max(2),
        });
    }
    let mut pool = eligible.to_vec();
    pool.sort();
    pool.dedup();
    let k = (pool.len() * permille as usize).div_ceil(1000).max(1);
    let mut rng = Rng(seed ^ (year as u64).rotate_left(32));
    let units = sample(&mut rng, &pool, k);
    let draws = units
        .into_iter()
        .map(|u| (u, sample(&mut rng, &insp, per_unit.max(2))))
        .collect();
    Ok(SpotCheck {
        year,
        seed,
        permille,
        draws,
    })
}

/// The result of checking one unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    /// 一致.
    Consistent,
    /// 不一致: what differs; 整改 due.
    Inconsistent { issues: String },
    /// 整改 done and checked again.
    Rectified { issues: String },
}

impl Outcome {
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Consistent => "公示信息与实际一致",
            Outcome::Inconsistent { .. } => "不一致，责令整改",
            Outcome::Rectified { .. } => "已整改，复查通过",
        }
    }
}
