//! The catalogue of power and duty items (权责清单 / 乡镇履职事项清单) as a
//! journal: each entry is a document (文号) with an effective date that adds,
//! amends, cancels or corrects items. Entries are hash-chained with SM3 and
//! never edited; backdated entries are allowed and a correction is a new
//! entry. [`Catalogue::as_of`] gives the items in force on a date.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use bianzhi_casework::calendar::Calendar;
use bianzhi_core::ident::{parse_doc_no, DocNo, DocNoError};
use bianzhi_core::UnitId;
use chrono::{Duration, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use sm3::{Digest, Sm3};
use thiserror::Error;

/// A power or duty item's stable identity (事项标识), kept across code
/// changes, merges and amendments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ItemId(pub u32);

impl std::fmt::Display for ItemId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// 职权类型: the ten national power types plus 公共服务 of 政务服务 catalogues.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PowerType {
    /// 行政许可.
    Licensing,
    /// 行政处罚.
    Penalty,
    /// 行政强制.
    Coercion,
    /// 行政征收.
    Levy,
    /// 行政给付.
    Benefit,
    /// 行政检查.
    Inspection,
    /// 行政确认.
    Confirmation,
    /// 行政奖励.
    Reward,
    /// 行政裁决.
    Adjudication,
    /// 其他行政权力.
    Other,
    /// 公共服务.
    PublicService,
}

/// A table of power-type codes: the same numbers mean different types in
/// different sources, so codes are mapped by name per source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CodeSource {
    /// 政务服务 code table: 01 许可 … 10 其他行政权力, 20 公共服务.
    GovService,
    /// 浙江政务服务网 `qlKind`: 01 许可, 02 强制, 03 处罚, … 17 行政命令.
    ZhejiangQlKind,
}

impl CodeSource {
    /// The source's name for a numeric code (as the source writes it).
    pub fn name_of(self, code: &str) -> Option<&'static str> {
        let table: &[(&str, &str)] = match self {
            CodeSource::GovService => &[
                ("01", "行政许可"),
                ("02", "行政处罚"),
                ("03", "行政强制"),
                ("04", "行政征收"),
                ("05", "行政给付"),
                ("06", "行政检查"),
                ("07", "行政确认"),
                ("08", "行政奖励"),
                ("09", "行政裁决"),
                ("10", "其他行政权力"),
                ("20", "公共服务"),
            ],
            CodeSource::ZhejiangQlKind => &[
                ("01", "行政许可"),
                ("02", "行政强制"),
                ("03", "行政处罚"),
                ("04", "行政征收"),
                ("05", "行政给付"),
                ("06", "行政裁决"),
                ("07", "行政确认"),
                ("08", "行政奖励"),
                ("09", "行政监督"),
                ("10", "其他行政权力"),
                ("11", "行政检查"),
                ("17", "行政命令"),
            ],
        };
        table.iter().find(|(c, _)| *c == code).map(|(_, n)| *n)
    }

    /// The Chinese name of the table.
    pub fn label(self) -> &'static str {
        match self {
            CodeSource::GovService => "政务服务事项编码表",
            CodeSource::ZhejiangQlKind => "浙江政务服务网权力类型（qlKind）",
        }
    }
}

impl PowerType {
    pub const ALL: [PowerType; 11] = [
        PowerType::Licensing,
        PowerType::Penalty,
        PowerType::Coercion,
        PowerType::Levy,
        PowerType::Benefit,
        PowerType::Inspection,
        PowerType::Confirmation,
        PowerType::Reward,
        PowerType::Adjudication,
        PowerType::Other,
        PowerType::PublicService,
    ];

    /// The Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            PowerType::Licensing => "行政许可",
            PowerType::Penalty => "行政处罚",
            PowerType::Coercion => "行政强制",
            PowerType::Levy => "行政征收",
            PowerType::Benefit => "行政给付",
            PowerType::Inspection => "行政检查",
            PowerType::Confirmation => "行政确认",
            PowerType::Reward => "行政奖励",
            PowerType::Adjudication => "行政裁决",
            PowerType::Other => "其他行政权力",
            PowerType::PublicService => "公共服务",
        }
    }

    /// The type named `name`: the full Chinese name, the short form without
    /// 行政 (许可, 处罚, …) or 其他. Types outside the national ten that
    /// sources still carry (行政监督, 行政命令, 非行政许可审批) are
    /// 其他行政权力.
    pub fn from_name(name: &str) -> Option<PowerType> {
        let n = name.trim();
        if let Some(t) = PowerType::ALL
            .into_iter()
            .find(|t| t.label() == n || t.label().strip_prefix("行政") == Some(n))
        {
            return Some(t);
        }
        match n {
            "其他" | "其他权力" | "行政监督" | "行政命令" | "非行政许可审批" => {
                Some(PowerType::Other)
            }
            _ => None,
        }
    }

    /// Maps a source's code or name to the type: a numeric code is looked up
    /// in `source`'s table and mapped by its name there; a name always works.
    pub fn from_source(
        source: CodeSource,
        code_or_name: &str,
    ) -> Result<PowerType, CatalogueError> {
        let s = code_or_name.trim();
        let unknown = || CatalogueError::UnknownPowerType {
            table: source.label(),
            code: s.to_owned(),
        };
        if !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()) {
            let padded = if s.len() == 1 {
                format!("0{s}")
            } else {
                s.to_owned()
            };
            let name = source.name_of(&padded).ok_or_else(unknown)?;
            return PowerType::from_name(name).ok_or_else(unknown);
        }
        PowerType::from_name(s).ok_or_else(unknown)
    }
}

impl std::fmt::Display for PowerType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// 行使层级 (1 国家 … 6 村（社区）).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// 1 国家级.
    National,
    /// 2 省级.
    Provincial,
    /// 3 市级.
    City,
    /// 4 县级.
    County,
    /// 5 镇（乡、街道）级.
    Town,
    /// 6 村（社区）级.
    Village,
}

impl Level {
    /// From the code 1–6.
    pub fn from_code(code: u8) -> Result<Level, CatalogueError> {
        Ok(match code {
            1 => Level::National,
            2 => Level::Provincial,
            3 => Level::City,
            4 => Level::County,
            5 => Level::Town,
            6 => Level::Village,
            _ => return Err(CatalogueError::BadLevel { code }),
        })
    }

    /// The code 1–6.
    pub fn code(self) -> u8 {
        self as u8 + 1
    }

    /// The Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            Level::National => "国家级",
            Level::Provincial => "省级",
            Level::City => "市级",
            Level::County => "县级",
            Level::Town => "镇（乡、街道）级",
            Level::Village => "村（社区）级",
        }
    }
}

/// The unit of a time limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeUnit {
    /// 工作日 (on a [`Calendar`] with holidays and 调休).
    WorkingDays,
    /// 自然日.
    Days,
    /// 小时.
    Hours,
    /// 分钟.
    Minutes,
}

/// A time limit (法定/承诺时限), e.g. 10 工作日.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TimeLimit {
    pub amount: u32,
    pub unit: TimeUnit,
}

impl TimeLimit {
    pub fn working_days(n: u32) -> TimeLimit {
        TimeLimit {
            amount: n,
            unit: TimeUnit::WorkingDays,
        }
    }
    pub fn minutes(n: u32) -> TimeLimit {
        TimeLimit {
            amount: n,
            unit: TimeUnit::Minutes,
        }
    }
    pub fn hours(n: u32) -> TimeLimit {
        TimeLimit {
            amount: n,
            unit: TimeUnit::Hours,
        }
    }
    pub fn days(n: u32) -> TimeLimit {
        TimeLimit {
            amount: n,
            unit: TimeUnit::Days,
        }
    }

    /// When a limit started at `start` runs out: working days end at the end
    /// (23:59:59) of the n-th working day after the start day.
    pub fn due(&self, start: NaiveDateTime, calendar: &Calendar) -> NaiveDateTime {
        let n = i64::from(self.amount);
        match self.unit {
            TimeUnit::Minutes => start + Duration::minutes(n),
            TimeUnit::Hours => start + Duration::hours(n),
            TimeUnit::Days => start + Duration::days(n),
            TimeUnit::WorkingDays => {
                let day = calendar.add_working_days(start.date(), self.amount);
                day.and_hms_opt(23, 59, 59).unwrap_or(start)
            }
        }
    }

    /// The Chinese text, e.g. `10个工作日`.
    pub fn label(&self) -> String {
        match self.unit {
            TimeUnit::WorkingDays => format!("{}个工作日", self.amount),
            TimeUnit::Days => format!("{}日", self.amount),
            TimeUnit::Hours => format!("{}小时", self.amount),
            TimeUnit::Minutes => format!("{}分钟", self.amount),
        }
    }
}

/// 责任事项: the duty of one stage (立案, 调查取证, 审理, 告知, 决定, 送达,
/// 执行, 其他) with its time limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Duty {
    pub stage: String,
    pub text: String,
    pub time_limit: Option<TimeLimit>,
}

/// A power or duty item (权责事项) as in force from one entry on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub id: ItemId,
    /// 编码, kept exactly as given by the source.
    pub code: String,
    /// The 主项 of a 子项.
    pub parent: Option<ItemId>,
    /// 事项名称.
    pub name: String,
    /// 职权类型.
    pub power_type: PowerType,
    /// 设定依据 (law and article).
    pub basis: String,
    /// 实施主体: the department holding the item (a unit of the ledger).
    pub holder: UnitId,
    /// 责任事项 per stage.
    pub duties: Vec<Duty>,
    /// 追责情形.
    pub accountability: Vec<String>,
    /// 办结时限.
    pub time_limit: Option<TimeLimit>,
    /// 行使层级.
    pub level: Level,
    /// The items this one replaces on a merge (合并) or split (拆分); they
    /// are cancelled by their own entries.
    #[serde(default)]
    pub supersedes: Vec<ItemId>,
}

/// What an entry of the catalogue does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// 新增: a new item (its id never used before).
    Add { item: Item },
    /// 调整: the item's new content (same id; code, name, holder … may change).
    Amend { item: Item },
    /// 取消: the item stops being in force.
    Cancel { item: ItemId, reason: String },
    /// 更正: entry `of` was wrong; this change takes its place (at this
    /// entry's effective date).
    Correct { of: u64, change: Box<Change> },
    /// 作废: entry `of` was recorded in error and has no effect.
    Void { of: u64, reason: String },
}

impl Change {
    /// The item the change is about (`None` for a correction or voiding).
    pub fn item(&self) -> Option<ItemId> {
        match self {
            Change::Add { item } | Change::Amend { item } => Some(item.id),
            Change::Cancel { item, .. } => Some(*item),
            Change::Correct { .. } | Change::Void { .. } => None,
        }
    }
}

/// One entry of the journal. `seq` is the recording order; `hash` chains it
/// to the entry before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub seq: u64,
    /// The deciding document.
    pub doc: DocNo,
    /// 生效日期.
    pub effective: NaiveDate,
    pub change: Change,
    /// SM3(prev_hash ‖ seq ‖ canonical JSON of {seq, doc, effective, change}), hex.
    pub hash: String,
}

#[derive(Serialize)]
struct EntryBody<'a> {
    seq: u64,
    doc: &'a DocNo,
    effective: NaiveDate,
    change: &'a Change,
}

/// The hash of the chain before the first entry.
pub const GENESIS: [u8; 32] = [0; 32];

fn entry_hash(prev: &[u8], seq: u64, doc: &DocNo, effective: NaiveDate, change: &Change) -> String {
    let body = serde_json::to_vec(&EntryBody {
        seq,
        doc,
        effective,
        change,
    })
    .expect("an entry serialises");
    let mut h = Sm3::new();
    h.update(b"bianzhi-grassroots-catalogue-v1");
    h.update((prev.len() as u64).to_be_bytes());
    h.update(prev);
    h.update(seq.to_be_bytes());
    h.update((body.len() as u64).to_be_bytes());
    h.update(&body);
    hex::encode(h.finalize())
}

/// Why the catalogue refused an entry. A refused entry changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CatalogueError {
    #[error(transparent)]
    Doc(#[from] DocNoError),
    #[error("事项 {item} 不存在")]
    UnknownItem { item: ItemId },
    #[error("事项 {item} 在 {date} 不在用（尚未生效或已取消）")]
    NotInForce { item: ItemId, date: NaiveDate },
    #[error("事项 {item} 已于 {date} 取消，不能再次取消或调整")]
    AlreadyCancelled { item: ItemId, date: NaiveDate },
    #[error("事项标识 {item} 已被使用，不能重复新增")]
    DuplicateItem { item: ItemId },
    #[error("事项 {item} 的主项 {parent} 在 {date} 不在用")]
    ParentNotInForce {
        item: ItemId,
        parent: ItemId,
        date: NaiveDate,
    },
    #[error("事项 {item} 不能是自身的主项")]
    SelfParent { item: ItemId },
    #[error("主项 {item} 下仍有 {children} 个在用子项，应先取消或调整子项")]
    HasChildren { item: ItemId, children: usize },
    #[error("事项 {item} 所替代的事项 {superseded} 不存在或就是其自身")]
    BadSupersedes { item: ItemId, superseded: ItemId },
    #[error("事项 {item} 的名称为空")]
    EmptyName { item: ItemId },
    #[error("第 {seq} 条记录不存在，无法更正或作废")]
    UnknownEntry { seq: u64 },
    #[error("第 {seq} 条记录已被更正或作废，应更正最新的记录")]
    AlreadyCorrected { seq: u64 },
    #[error("更正的内容不能再是更正或作废")]
    NestedCorrection,
    #[error("第 {seq} 条记录的哈希与内容不符，清单可能被篡改")]
    ChainBroken { seq: u64 },
    #[error("第 {position} 条记录的序号应为 {position}，实为 {seq}")]
    BadSequence { position: u64, seq: u64 },
    #[error("{table}中没有职权类型“{code}”")]
    UnknownPowerType { table: &'static str, code: String },
    #[error("第 {row} 条：{error}")]
    InDocument {
        /// 1-based position of the entry among those recorded together.
        row: usize,
        error: Box<CatalogueError>,
    },
    #[error("行使层级 {code} 无效：应为 1（国家）至 6（村、社区）")]
    BadLevel { code: u8 },
}

/// One version of an item: in force from `effective` (entry `seq`, document
/// `doc`) until the next version; `item` is `None` once cancelled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Version {
    pub effective: NaiveDate,
    pub seq: u64,
    pub doc: DocNo,
    pub item: Option<Item>,
}

/// The state replay builds: per item its versions in effective order, and
/// per 主项 its 子项 in force at the latest applied date.
#[derive(Debug, Clone, Default)]
struct Replay {
    timelines: HashMap<ItemId, Vec<Version>>,
    children: HashMap<ItemId, BTreeSet<ItemId>>,
    /// Every 子项 that ever named the key as its 主项.
    ever_children: HashMap<ItemId, BTreeSet<ItemId>>,
    /// The latest effective date applied.
    latest: Option<NaiveDate>,
}

impl Replay {
    fn current(&self, id: ItemId) -> Option<&Version> {
        self.timelines.get(&id).and_then(|t| t.last())
    }

    fn check_parent(&self, item: &Item, date: NaiveDate) -> Result<(), CatalogueError> {
        if let Some(p) = item.parent {
            if p == item.id {
                return Err(CatalogueError::SelfParent { item: item.id });
            }
            if self.current(p).and_then(|v| v.item.as_ref()).is_none() {
                return Err(CatalogueError::ParentNotInForce {
                    item: item.id,
                    parent: p,
                    date,
                });
            }
        }
        if item.name.trim().is_empty() {
            return Err(CatalogueError::EmptyName { item: item.id });
        }
        for &s in &item.supersedes {
            if s == item.id || !self.timelines.contains_key(&s) {
                return Err(CatalogueError::BadSupersedes {
                    item: item.id,
                    superseded: s,
                });
            }
        }
        Ok(())
    }

    /// Checks `change` against the state and applies it; on refusal the
    /// state is unchanged.
    fn apply(
        &mut self,
        seq: u64,
        doc: &DocNo,
        effective: NaiveDate,
        change: &Change,
    ) -> Result<(), CatalogueError> {
        let in_force = |r: &Replay, id: ItemId| -> Result<Item, CatalogueError> {
            match r.current(id) {
                None => Err(CatalogueError::UnknownItem { item: id }),
                Some(Version {
                    item: Some(it),
                    effective: e,
                    ..
                }) => {
                    debug_assert!(*e <= effective);
                    Ok(it.clone())
                }
                Some(Version {
                    item: None,
                    effective: e,
                    ..
                }) => Err(CatalogueError::AlreadyCancelled { item: id, date: *e }),
            }
        };
        let version = |item: Option<Item>| Version {
            effective,
            seq,
            doc: doc.clone(),
            item,
        };
        match change {
            Change::Add { item } => {
                if self.timelines.contains_key(&item.id) {
                    return Err(CatalogueError::DuplicateItem { item: item.id });
                }
                self.check_parent(item, effective)?;
                if let Some(p) = item.parent {
                    self.children.entry(p).or_default().insert(item.id);
                    self.ever_children.entry(p).or_default().insert(item.id);
                }
                self.timelines
                    .insert(item.id, vec![version(Some(item.clone()))]);
            }
            Change::Amend { item } => {
                let old = in_force(self, item.id)?;
                self.check_parent(item, effective)?;
                if let Some(p) = old.parent {
                    if let Some(c) = self.children.get_mut(&p) {
                        c.remove(&item.id);
                    }
                }
                if let Some(p) = item.parent {
                    self.children.entry(p).or_default().insert(item.id);
                    self.ever_children.entry(p).or_default().insert(item.id);
                }
                self.timelines
                    .get_mut(&item.id)
                    .expect("checked")
                    .push(version(Some(item.clone())));
            }
            Change::Cancel { item, .. } => {
                let old = in_force(self, *item)?;
                let n = self.children.get(item).map_or(0, BTreeSet::len);
                if n > 0 {
                    return Err(CatalogueError::HasChildren {
                        item: *item,
                        children: n,
                    });
                }
                if let Some(p) = old.parent {
                    if let Some(c) = self.children.get_mut(&p) {
                        c.remove(item);
                    }
                }
                self.timelines
                    .get_mut(item)
                    .expect("checked")
                    .push(version(None));
            }
            Change::Correct { .. } | Change::Void { .. } => {
                return Err(CatalogueError::NestedCorrection)
            }
        }
        self.latest = Some(self.latest.map_or(effective, |l| l.max(effective)));
        Ok(())
    }

    /// Replays the entries in force (corrections and voidings resolved) in
    /// effective-date order, ties by recording order.
    fn build(entries: &[Entry]) -> Result<Replay, CatalogueError> {
        Replay::build_at(entries).map_err(|(_, e)| e)
    }

    /// Like [`Replay::build`], with the sequence number of the entry that
    /// broke a rule.
    fn build_at(entries: &[Entry]) -> Result<Replay, (u64, CatalogueError)> {
        let mut replaced: HashMap<u64, u64> = HashMap::new();
        for e in entries {
            if let Change::Correct { of, change } = &e.change {
                if matches!(**change, Change::Correct { .. } | Change::Void { .. }) {
                    return Err((e.seq, CatalogueError::NestedCorrection));
                }
                target(entries, &replaced, *of, e.seq).map_err(|x| (e.seq, x))?;
                replaced.insert(*of, e.seq);
            } else if let Change::Void { of, .. } = &e.change {
                target(entries, &replaced, *of, e.seq).map_err(|x| (e.seq, x))?;
                replaced.insert(*of, e.seq);
            }
        }
        let mut live: Vec<(NaiveDate, u64, &Change, &DocNo)> = entries
            .iter()
            .filter(|e| !replaced.contains_key(&e.seq))
            .filter_map(|e| match &e.change {
                Change::Void { .. } => None,
                Change::Correct { change, .. } => Some((e.effective, e.seq, &**change, &e.doc)),
                c => Some((e.effective, e.seq, c, &e.doc)),
            })
            .collect();
        live.sort_by_key(|(d, s, _, _)| (*d, *s));
        let mut r = Replay::default();
        for (date, seq, change, doc) in live {
            r.apply(seq, doc, date, change).map_err(|x| (seq, x))?;
        }
        Ok(r)
    }
}

fn target(
    entries: &[Entry],
    replaced: &HashMap<u64, u64>,
    of: u64,
    by: u64,
) -> Result<(), CatalogueError> {
    if of >= by || of as usize >= entries.len() {
        return Err(CatalogueError::UnknownEntry { seq: of });
    }
    if replaced.contains_key(&of) {
        return Err(CatalogueError::AlreadyCorrected { seq: of });
    }
    Ok(())
}

/// The catalogue journal and the item timelines replayed from it.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    entries: Vec<Entry>,
    replay: Replay,
}

impl Catalogue {
    pub fn new() -> Catalogue {
        Catalogue::default()
    }

    /// Loads a journal: checks the sequence and the hash chain and replays it.
    pub fn from_entries(entries: Vec<Entry>) -> Result<Catalogue, CatalogueError> {
        verify_chain(&entries)?;
        let replay = Replay::build(&entries)?;
        Ok(Catalogue { entries, replay })
    }

    /// The journal, in recording order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The entries recorded after entry `seq` (all when `None`), whatever
    /// their effective dates: what a system that synced up to `seq` has not
    /// seen, backdated entries included.
    pub fn recorded_after(&self, seq: Option<u64>) -> &[Entry] {
        let from = seq.map_or(0, |s| (s as usize + 1).min(self.entries.len()));
        &self.entries[from..]
    }

    /// Recomputes the hash chain; the first entry that does not match.
    pub fn verify(&self) -> Result<(), CatalogueError> {
        verify_chain(&self.entries)
    }

    /// Records an entry decided by document `doc` (a 文号) effective on
    /// `effective`. Refused (and nothing changes) when the 文号 is invalid or
    /// the catalogue replayed with the entry breaks a rule at any date.
    pub fn record(
        &mut self,
        doc: &str,
        effective: NaiveDate,
        change: Change,
    ) -> Result<&Entry, CatalogueError> {
        let doc = parse_doc_no(doc)?;
        let seq = self.entries.len() as u64;
        let prev = match self.entries.last() {
            Some(e) => hex::decode(&e.hash).expect("hashes are hex"),
            None => GENESIS.to_vec(),
        };
        let hash = entry_hash(&prev, seq, &doc, effective, &change);
        let entry = Entry {
            seq,
            doc,
            effective,
            change,
            hash,
        };
        let appends_at_end = self.replay.latest.is_none_or(|l| effective >= l)
            && !matches!(entry.change, Change::Correct { .. } | Change::Void { .. });
        if appends_at_end {
            // Checked against the latest state; `apply` changes nothing on refusal.
            self.replay
                .apply(seq, &entry.doc, effective, &entry.change)?;
            self.entries.push(entry);
        } else {
            self.entries.push(entry);
            match Replay::build(&self.entries) {
                Ok(r) => self.replay = r,
                Err(e) => {
                    self.entries.pop();
                    return Err(e);
                }
            }
        }
        Ok(self.entries.last().expect("just pushed"))
    }

    /// Records the entries of one document (e.g. a county's whole list, or
    /// an adjustment touching many items, each with its effective date) all
    /// or nothing: the catalogue is replayed with all of them and refused
    /// unchanged if any rule breaks — with the 1-based position of the
    /// entry that broke it ([`CatalogueError::InDocument`]) when it is one
    /// of these. Returns the sequence numbers given.
    pub fn record_all(
        &mut self,
        doc: &str,
        changes: Vec<(NaiveDate, Change)>,
    ) -> Result<std::ops::Range<u64>, CatalogueError> {
        let doc = parse_doc_no(doc)?;
        let first = self.entries.len();
        for (effective, change) in changes {
            let seq = self.entries.len() as u64;
            let prev = match self.entries.last() {
                Some(e) => hex::decode(&e.hash).expect("hashes are hex"),
                None => GENESIS.to_vec(),
            };
            let hash = entry_hash(&prev, seq, &doc, effective, &change);
            self.entries.push(Entry {
                seq,
                doc: doc.clone(),
                effective,
                change,
                hash,
            });
        }
        match Replay::build_at(&self.entries) {
            Ok(r) => {
                self.replay = r;
                Ok(first as u64..self.entries.len() as u64)
            }
            Err((seq, e)) => {
                self.entries.truncate(first);
                Err(match seq.checked_sub(first as u64) {
                    Some(i) => CatalogueError::InDocument {
                        row: i as usize + 1,
                        error: Box::new(e),
                    },
                    None => e,
                })
            }
        }
    }

    /// The versions of an item in effective order (empty when unknown).
    pub fn timeline(&self, id: ItemId) -> &[Version] {
        self.replay.timelines.get(&id).map_or(&[], Vec::as_slice)
    }

    /// The version of an item in force on `date` (with its document), if
    /// the item exists then and is not cancelled.
    pub fn version_at(&self, id: ItemId, date: NaiveDate) -> Option<&Version> {
        let t = self.timeline(id);
        let i = t.partition_point(|v| v.effective <= date);
        t[..i].last().filter(|v| v.item.is_some())
    }

    /// The item in force on `date`.
    pub fn item_at(&self, id: ItemId, date: NaiveDate) -> Option<&Item> {
        self.version_at(id, date).and_then(|v| v.item.as_ref())
    }

    /// Whether the item is in force on `date` and has no 子项 in force then
    /// (only leaves are exercised and delegated).
    pub fn is_leaf_at(&self, id: ItemId, date: NaiveDate) -> bool {
        self.item_at(id, date).is_some() && self.children_at(id, date).is_empty()
    }

    /// The 子项 of `id` in force on `date`.
    pub fn children_at(&self, id: ItemId, date: NaiveDate) -> Vec<ItemId> {
        self.replay
            .ever_children
            .get(&id)
            .into_iter()
            .flatten()
            .copied()
            .filter(|c| {
                self.item_at(*c, date)
                    .is_some_and(|it| it.parent == Some(id))
            })
            .collect()
    }

    /// The items that replace `id` (merges and splits), as recorded by
    /// their latest versions.
    pub fn successors(&self, id: ItemId) -> Vec<ItemId> {
        let mut out: Vec<ItemId> = self
            .replay
            .timelines
            .iter()
            .filter(|(_, t)| {
                t.iter()
                    .rev()
                    .find_map(|v| v.item.as_ref())
                    .is_some_and(|it| it.supersedes.contains(&id))
            })
            .map(|(k, _)| *k)
            .collect();
        out.sort();
        out
    }

    /// The items in force on `date`, by id.
    pub fn as_of(&self, date: NaiveDate) -> BTreeMap<ItemId, Item> {
        self.replay
            .timelines
            .keys()
            .filter_map(|id| self.item_at(*id, date).map(|it| (*id, it.clone())))
            .collect()
    }

    /// Every item id ever recorded.
    pub fn item_ids(&self) -> impl Iterator<Item = ItemId> + '_ {
        self.replay.timelines.keys().copied()
    }

    /// A fresh item id (one more than the largest used).
    pub fn next_item_id(&self) -> ItemId {
        ItemId(
            self.replay
                .timelines
                .keys()
                .map(|i| i.0 + 1)
                .max()
                .unwrap_or(1),
        )
    }
}

fn verify_chain(entries: &[Entry]) -> Result<(), CatalogueError> {
    let mut prev = GENESIS.to_vec();
    for (i, e) in entries.iter().enumerate() {
        if e.seq != i as u64 {
            return Err(CatalogueError::BadSequence {
                position: i as u64,
                seq: e.seq,
            });
        }
        let h = entry_hash(&prev, e.seq, &e.doc, e.effective, &e.change);
        if h != e.hash {
            return Err(CatalogueError::ChainBroken { seq: e.seq });
        }
        prev = hex::decode(&e.hash).map_err(|_| CatalogueError::ChainBroken { seq: e.seq })?;
    }
    Ok(())
}
