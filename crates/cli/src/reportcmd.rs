//! `bianzhi report`, `bianzhi import` and `bianzhi reconcile` (crate bianzhi-reports).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use bianzhi_core::ident::parse_doc_no;
use bianzhi_reports::report::{self, Kind, Params};
use bianzhi_reports::{import, reconcile, xlsx};
use chrono::Utc;
use clap::{Args, Subcommand};

use crate::{open_db, parse_date, show};

#[derive(Args)]
pub struct ReportArgs {
    /// 报表：ledger（机构编制台账）、quotas（编制情况表）、posts（领导职数情况表）、
    /// roster（实名制花名册）、leavers（减少人员花名册）、changes（人员变动情况表）、
    /// plans（用编计划执行表）、instruments（周转池借用、过桥、承兑、动态）、
    /// warnings（超编超职数预警）、annual（统计年报）
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
}

pub fn report(db_path: &Path, a: ReportArgs) -> Result<ExitCode> {
    let Some(kind) = Kind::parse(&a.kind) else {
        let names: Vec<&str> = Kind::ALL.iter().map(|(n, _)| *n).collect();
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
