//! `bianzhi report`, `bianzhi import` and `bianzhi reconcile` (crate bianzhi-reports).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use bianzhi_core::ident::parse_doc_no;
use bianzhi_reports::report::{self, Kind, Params};
use bianzhi_reports::{import, reconcile, statistics, xlsx};
use chrono::Utc;
use clap::{Args, Subcommand};

use crate::{open_db, parse_date, show};

#[derive(Args)]
pub struct ReportArgs {
    /// 报表：ledger（机构编制台账）、quotas（编制情况表）、posts（领导职数情况表）、
    /// roster（实名制花名册）、leavers（减少人员花名册）、changes（人员变动情况表）、
    /// plans（用编计划执行表）、instruments（周转池借用、过桥、承兑、动态）、
    /// warnings（超编超职数预警）、annual（统计年报）、
    /// statistics（统计年报上报格式：机构、编制、实有人员、领导职数四张表，可 --json 导出供上级汇总）
    pub kind: String,
    /// 单位（含下级单位）；省略为全区
    #[arg(long)]
    pub unit: Option<String>,
    /// 只含该单位本身，不含下级单位
    #[arg(long)]
    pub only: bool,
    /// 统计时点（默认今天）
    #[arg(long)]
    pub as_of: Option<String>,
    /// 期间起点（减少人员、人员变动）
    #[arg(long)]
    pub from: Option<String>,
    /// 期间终点（同 --as-of）
    #[arg(long)]
    pub to: Option<String>,
    /// 写入 xlsx 文件而不是打印
    #[arg(long)]
    pub xlsx: Option<PathBuf>,
    /// 统计年报上报格式：写入 JSON 数据文件（供上级 bianzhi rollup --from 汇总）
    #[arg(long)]
    pub json: Option<PathBuf>,
}

pub fn report(db_path: &Path, a: ReportArgs) -> Result<ExitCode> {
    if a.kind == "statistics" {
        return statistics_report(db_path, a);
    }
    if a.json.is_some() {
        bail!("--json 只用于 statistics（统计年报上报格式）");
    }
    let Some(kind) = Kind::parse(&a.kind) else {
        let mut names: Vec<&str> = Kind::ALL.iter().map(|(n, _)| *n).collect();
        names.push("statistics");
        bail!("未知报表“{}”，可选：{}", a.kind, names.join("、"));
    };
    let db = open_db(db_path)?;
    let as_of = parse_date(a.to.as_deref().or(a.as_of.as_deref()))?;
    let from = match a.from.as_deref() {
        Some(f) => parse_date(Some(f))?,
        None if matches!(kind, Kind::Leavers | Kind::Changes) => {
            bail!("减少人员花名册和人员变动情况表需要 --from 和 --to（或 --as-of）")
        }
        None => as_of,
    };
    if from > as_of {
        bail!("期间起点 {from} 晚于终点 {as_of}");
    }
    let mut p = Params::at(as_of).from(from);
    if let Some(u) = &a.unit {
        p = p.unit(show::find_unit(db.state(), u)?);
        if a.only {
            p = p.only();
        }
    }
    let t = report::build(db.ledger(), kind, &p);
    match a.xlsx {
        Some(path) => {
            xlsx::write_table(&t, &path)?;
            println!("已写入 {}（{} 行）", path.display(), t.rows.len());
        }
        None => {
            print!("{}", t.render());
            println!("共 {} 行  统计时点：{as_of}", t.rows.len());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `bianzhi report statistics`: the 统计年报 in the layout sent upward, as of
/// `--as-of` (default 31 December of last year), over the whole jurisdiction.
fn statistics_report(db_path: &Path, a: ReportArgs) -> Result<ExitCode> {
    if a.unit.is_some() || a.from.is_some() {
        bail!("统计年报（上报格式）统计全区，不能指定单位或期间起点");
    }
    let db = open_db(db_path)?;
    let as_of = match a.to.as_deref().or(a.as_of.as_deref()) {
        Some(d) => parse_date(Some(d))?,
        None => statistics::year_end(chrono::Datelike::year(&parse_date(None)?) - 1),
    };
    let s = statistics::compute(db.ledger(), as_of);
    write_statistics(&s, a.json.as_deref(), a.xlsx.as_deref())
}

/// Prints the four tables, or writes them as JSON and/or xlsx.
pub fn write_statistics(
    s: &statistics::Statistics,
    json: Option<&Path>,
    xlsx: Option<&Path>,
) -> Result<ExitCode> {
    if let Some(path) = json {
        std::fs::write(path, s.to_json())
            .with_context(|| format!("无法写入 {}", path.display()))?;
        println!(
            "已写入统计年报数据 {}（{}，统计时点 {}）",
            path.display(),
            s.jurisdiction.name,
            s.as_of
        );
    }
    if let Some(path) = xlsx {
        s.workbook()?.save(path)?;
        println!("已写入 {}（4 张表）", path.display());
    }
    if json.is_none() && xlsx.is_none() {
        println!(
            "{}  制表单位：{}  统计时点：{}\n",
            statistics::TITLE,
            s.jurisdiction.name,
            s.as_of
        );
        for t in s.tables() {
            println!("{}", t.render());
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ImportArgs {
    #[command(subcommand)]
    pub sub: Option<ImportSub>,
    /// 导入文件（xlsx、xls 或 csv，格式见 bianzhi import template）
    pub file: Option<PathBuf>,
    /// 文号，如 盐编〔2024〕1号
    #[arg(long)]
    pub doc: Option<String>,
    /// 生效日期
    #[arg(long)]
    pub effective: Option<String>,
    /// 经办人
    #[arg(long, default_value = "数据导入")]
    pub actor: String,
    /// 只检查，不登记
    #[arg(long)]
    pub dry_run: bool,
    /// 允许人员超出核定数（该编制账户进入超编消化），而不是报错
    #[arg(long)]
    pub allow_over: bool,
}

#[derive(Subcommand)]
pub enum ImportSub {
    /// 写出导入模板（机构、编制、人员三张表，代码列带下拉列表）
    Template { file: PathBuf },
    /// 按导入模板导出台账（机构、编制、在编人员），供迁移到另一套系统或台账
    Export {
        file: PathBuf,
        #[arg(long)]
        as_of: Option<String>,
    },
}

pub fn import_cmd(db_path: &Path, a: ImportArgs) -> Result<ExitCode> {
    match a.sub {
        Some(ImportSub::Template { file }) => {
            let st = if db_path.exists() {
                open_db(db_path)?.state().clone()
            } else {
                bianzhi_core::State::new("000000", "")
            };
            import::template(&st, &file)?;
            println!("已写出导入模板 {}", file.display());
            return Ok(ExitCode::SUCCESS);
        }
        Some(ImportSub::Export { file, as_of }) => {
            let db = open_db(db_path)?;
            let date = parse_date(as_of.as_deref())?;
            let [u, q, p] = import::export(db.ledger(), date);
            xlsx::workbook(&[&u, &q, &p])?.save(&file)?;
            println!(
                "已导出 {}：机构 {} 个，编制账户 {} 个，人员 {} 人",
                file.display(),
                u.rows.len(),
                q.rows.len(),
                p.rows.len()
            );
            return Ok(ExitCode::SUCCESS);
        }
        None => {}
    }
    let Some(file) = a.file else {
        bail!("请给出导入文件：bianzhi import 文件 --doc 文号 --effective 日期");
    };
    let (Some(doc), Some(eff)) = (a.doc, a.effective) else {
        bail!("导入需要 --doc 文号 和 --effective 生效日期");
    };
    let doc = parse_doc_no(&doc).map_err(|e| anyhow::anyhow!("文号“{doc}”无效：{e}"))?;
    let meta = import::ImportMeta {
        doc,
        effective: parse_date(Some(&eff))?,
        recorded_at: Utc::now(),
        actor: a.actor,
        allow_over: a.allow_over,
    };
    let mut db = open_db(db_path)?;
    let t = Instant::now();
    let f = import::read_file(&file)?;
    let m = import::plan(db.ledger(), &f, &meta)?;
    let n = m.ops.len();
    if a.dry_run {
        println!("检查通过：{n} 项操作（未登记）");
        return Ok(ExitCode::SUCCESS);
    }
    let (seq, m) = db
        .submit(m, meta.recorded_at)
        .map_err(|e| anyhow::anyhow!("台账拒绝登记，未导入任何数据：{e}"))?;
    println!(
        "已导入：事项 #{seq} {}，{n} 项操作，用时 {:.1} 秒",
        m.doc,
        t.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

#[derive(Args)]
pub struct ReconcileArgs {
    /// 外部名单（xlsx、xls 或 csv；列：姓名、身份证号、单位，可选 编制类型）
    pub file: PathBuf,
    #[arg(long)]
    pub as_of: Option<String>,
    /// 把差异写入 xlsx 文件
    #[arg(long)]
    pub xlsx: Option<PathBuf>,
}

pub fn reconcile_cmd(db_path: &Path, a: ReconcileArgs) -> Result<ExitCode> {
    let db = open_db(db_path)?;
    let date = parse_date(a.as_of.as_deref())?;
    let other = reconcile::read_roster(&a.file)
        .with_context(|| format!("读取名单 {}", a.file.display()))?;
    let ledger = reconcile::ledger_entries(db.ledger(), date);
    let diffs = reconcile::reconcile(&ledger, &other);
    let t = reconcile::table(&diffs);
    match a.xlsx {
        Some(p) => {
            xlsx::write_table(&t, &p)?;
            println!("已写入 {}", p.display());
        }
        None => print!("{}", t.render()),
    }
    println!(
        "名单 {} 人，台账在编 {} 人（{date}），差异 {} 处",
        other.len(),
        ledger.len(),
        diffs.len()
    );
    for (k, n) in reconcile::summary(&diffs) {
        println!("  {}：{n}", k.label());
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Args)]
pub struct BenchImportArgs {
    /// 人员行数
    #[arg(long, default_value_t = 1_000_000)]
    pub rows: usize,
    /// 单位数
    #[arg(long, default_value_t = 2_000)]
    pub units: usize,
}

/// Imports a synthetic csv roster (机构, 编制, 人员) into an empty in-memory
/// ledger as one matter and prints the time of each phase.
pub fn bench_import(a: BenchImportArgs) -> Result<ExitCode> {
    let dir = std::env::temp_dir().join(format!("bianzhi-bench-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let t = Instant::now();
    let (u, q, p) = bianzhi_reports::bench::import_csv(a.units, a.rows);
    let paths = [
        dir.join("units.csv"),
        dir.join("quotas.csv"),
        dir.join("people.csv"),
    ];
    for (path, text) in paths.iter().zip([u, q, p]) {
        std::fs::write(path, text)?;
    }
    let size = std::fs::metadata(&paths[2])?.len();
    println!(
        "生成：{} 个单位、{} 人（人员 CSV {:.1} MB），{:.1} 秒",
        a.units,
        a.rows,
        size as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );
    let t0 = Instant::now();
    let mut f = import::ImportFile::default();
    for (i, path) in paths.iter().enumerate() {
        let g = import::read_file(path)?;
        match i {
            0 => f.units = g.units,
            1 => f.quotas = g.quotas,
            _ => f.people = g.people,
        }
    }
    let t_read = t0.elapsed();
    let meta = import::ImportMeta {
        doc: parse_doc_no("测编〔2024〕1号").map_err(|e| anyhow::anyhow!("{e}"))?,
        effective: chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default(),
        recorded_at: Utc::now(),
        actor: "基准".into(),
        allow_over: false,
    };
    let mut l = bianzhi_core::Ledger::new("320903", "盐城市盐都区");
    let t1 = Instant::now();
    let m = import::plan(&l, &f, &meta)?;
    let t_check = t1.elapsed();
    let n = m.ops.len();
    let t2 = Instant::now();
    l.submit(m, meta.recorded_at)
        .map_err(|e| anyhow::anyhow!("台账拒绝登记：{e}"))?;
    let t_apply = t2.elapsed();
    let total = t0.elapsed();
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "导入 {} 行（{n} 项操作，一个事项）：读取 {:.1} 秒，逐行检查 {:.1} 秒，登记 {:.1} 秒，合计 {:.1} 秒（{:.0} 行/秒）",
        a.rows,
        t_read.as_secs_f64(),
        t_check.as_secs_f64(),
        t_apply.as_secs_f64(),
        total.as_secs_f64(),
        a.rows as f64 / total.as_secs_f64()
    );
    let st = l.state();
    let r = bianzhi_core::query::rollup(st, meta.effective, None);
    println!("核对：实有 {}，核定 {}", r.total.actual, r.total.approved);
    if r.total.actual as usize != a.rows {
        bail!("实有人数与导入行数不符");
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Args)]
pub struct BenchReconcileArgs {
    /// 每份名单的人数
    #[arg(long, default_value_t = 1_000_000)]
    pub rows: usize,
}

/// 比对 of two synthetic rosters of `rows` people each (the other one read
/// from a csv file) with planted differences; prints the times.
pub fn bench_reconcile(a: BenchReconcileArgs) -> Result<ExitCode> {
    let t = Instant::now();
    let (ledger, csv, expected) = bianzhi_reports::bench::reconcile_data(a.rows);
    let path = std::env::temp_dir().join(format!(
        "bianzhi-bench-reconcile-{}.csv",
        std::process::id()
    ));
    std::fs::write(&path, csv)?;
    println!(
        "生成：{} × {} 人，{:.1} 秒",
        a.rows,
        a.rows,
        t.elapsed().as_secs_f64()
    );
    let t0 = Instant::now();
    let other = reconcile::read_roster(&path)?;
    let t_read = t0.elapsed();
    let t1 = Instant::now();
    let diffs = reconcile::reconcile(&ledger, &other);
    let t_cmp = t1.elapsed();
    let _ = std::fs::remove_file(&path);
    println!(
        "比对：读取名单 {:.2} 秒，比对 {:.2} 秒，合计 {:.2} 秒；差异 {} 处（预期 {expected}）",
        t_read.as_secs_f64(),
        t_cmp.as_secs_f64(),
        t0.elapsed().as_secs_f64(),
        diffs.len()
    );
    if diffs.len() != expected {
        bail!("差异数与预期不符");
    }
    Ok(ExitCode::SUCCESS)
}
