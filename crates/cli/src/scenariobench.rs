//! 沙盘推演 benchmark: a scenario of N draft matters tried on a copy of the
//! demo district and of a synthetic province-scale ledger. Printed beside
//! the baseline of the same run: cloning the ledger once (what any trial on
//! a copy costs before its first matter).

use std::time::Instant;

use anyhow::Result;
use bianzhi_core::{AccountRef, CatRef, Ledger, Matter, Op, UnitRef};
use chrono::{Duration, Utc};
use clap::Args;

#[derive(Args)]
pub struct BenchScenarioArgs {
    /// 推演事项数
    #[arg(long, default_value_t = 50)]
    pub matters: usize,
    /// 合成省级台账的机构数
    #[arg(long, default_value_t = 10_000)]
    pub units: usize,
    /// 合成省级台账的人数
    #[arg(long, default_value_t = 500_000)]
    pub people: usize,
    /// 每种台账重复次数（取中位数）
    #[arg(long, default_value_t = 5)]
    pub runs: usize,
}

/// `n` draft matters over the ledger's accounts, a day apart after its
/// latest matter: 核增 and 核减 of one, alternating.
fn drafts(l: &Ledger, n: usize) -> Vec<Matter> {
    let st = l.state();
    let start = st.max_effective.unwrap_or_default() + Duration::days(1);
    let keys: Vec<_> = st.accounts.keys().copied().collect();
    let step = (keys.len() / n.max(1)).max(1);
    (0..n)
        .map(|i| {
            let k = keys[(i * step) % keys.len().max(1)];
            let account = AccountRef {
                unit: UnitRef::Id(k.unit),
                qtype: CatRef::Id(k.qtype.0),
                funding: CatRef::Id(u16::from(k.funding.0)),
            };
            let op = if i % 2 == 0 {
                Op::IncreaseQuota { account, count: 1 }
            } else {
                Op::DecreaseQuota {
                    account,
                    count: 1,
                    allow_over: false,
                }
            };
            let doc = bianzhi_core::ident::parse_doc_no(&format!("推演〔2026〕{}号", i + 1))
                .expect("a valid 文号");
            Matter {
                doc,
                effective: start + Duration::days(i as i64),
                recorded_at: Utc::now(),
                actor: "基准".into(),
                reason: String::new(),
                ops: vec![op],
                warnings: Vec::new(),
                attachments: Vec::new(),
                corrects: None,
                supplements: None,
            }
        })
        .collect()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn measure(name: &str, l: &Ledger, a: &BenchScenarioArgs) {
    let d = drafts(l, a.matters);
    let (mut clone, mut run) = (Vec::new(), Vec::new());
    let mut accepted = 0;
    let cfg = bianzhi_casework::AssessConfig::default();
    for _ in 0..a.runs.max(1) {
        let t = Instant::now();
        let c = l.clone();
        clone.push(t.elapsed().as_secs_f64() * 1000.0);
        drop(c);
        let t = Instant::now();
        let out = bianzhi_casework::scenario::run(l, &d, Utc::now(), Utc::now().date_naive(), &cfg);
        run.push(t.elapsed().as_secs_f64() * 1000.0);
        accepted = out.accepted;
    }
    let (c, r) = (median(clone), median(run));
    println!(
        "{name}：{} 件推演事项（{accepted} 件可办理），推演 {r:.1} 毫秒；基线（复制台账一次）{c:.1} 毫秒；比值 {:.2}",
        d.len(),
        r / c.max(0.001)
    );
}

pub fn run(a: BenchScenarioArgs) -> Result<std::process::ExitCode> {
    let mut demo = Ledger::new("320903", "盐城市盐都区");
    bianzhi_demo::build_demo(&mut demo, &mut |_, _| {})
        .map_err(|e| anyhow::anyhow!("演示台账未建成：{e}"))?;
    measure("演示区（盐都区）", &demo, &a);
    drop(demo);
    let matters = bianzhi_demo::synthetic_province(a.units, a.people, 7);
    let province = Ledger::from_journal(
        bianzhi_core::State::new("320000", "江苏省"),
        matters
            .into_iter()
            .enumerate()
            .map(|(i, m)| (i as u64 + 1, m))
            .collect(),
    )
    .map_err(|e| anyhow::anyhow!("合成事项未通过：{e}"))?;
    measure(
        &format!("合成省级台账（{} 个机构，{} 人）", a.units, a.people),
        &province,
        &a,
    );
    Ok(std::process::ExitCode::SUCCESS)
}
