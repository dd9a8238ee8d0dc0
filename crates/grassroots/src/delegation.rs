//! Delegation (赋权 / 委托 / 下放) of leaf items from departments to towns,
//! streets and parks, decided in batches by a document ("首批赋予基层…"),
//! with 收回 later; a second hop 部门 → 镇 → 园区 is a delegation whose
//! chain parent is the town's. The three town duty lists (基本履职 / 配合履职
//! / 上级部门收回) are derived per town as of a date.

use bianzhi_core::ident::{parse_doc_no, DocNo, DocNoError};
use bianzhi_core::UnitId;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::catalogue::{Catalogue, ItemId};
use crate::enforcement::Enforcement;
use crate::territory::{PlaceId, Territory};

/// A delegation batch's identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BatchId(pub u32);

/// A delegation's identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DelegationId(pub u32);

impl std::fmt::Display for DelegationId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "D{}", self.0)
    }
}

/// The legal form of a delegation; it decides who is liable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// 委托 (行政处罚法第20–21条): the town acts in the department's name;
    /// the department bears the legal effect.
    Entrust,
    /// 赋权（交由）(行政处罚法第24条): the town acts in its own name and is liable.
    Empower,
    /// 下放: the power moves down; the town is liable.
    Devolve,
}

impl Mode {
    pub fn label(self) -> &'static str {
        match self {
            Mode::Entrust => "委托",
            Mode::Empower => "赋权（交由）",
            Mode::Devolve => "下放",
        }
    }

    /// Whether the receiving body is liable (赋权, 下放) rather than the
    /// delegating one (委托).
    pub fn recipient_liable(self) -> bool {
        !matches!(self, Mode::Entrust)
    }
}

/// 收回 (or the end of a concentration): the document, date and reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Withdrawal {
    pub doc: DocNo,
    /// From this date on the delegation is no longer in force.
    pub date: NaiveDate,
    pub reason: String,
}

/// One entry of a batch as proposed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DelegationEntry {
    /// A leaf item.
    pub item: ItemId,
    /// The delegating body: the item's holder on the effective date, or for
    /// a second hop the governing body of a town of the chain parent.
    pub from: UnitId,
    /// The receiving towns, streets or parks.
    pub to: Vec<PlaceId>,
    pub mode: Mode,
    /// 承接条件 (staff with 执法证, training, equipment, …).
    pub conditions: String,
    pub effective: NaiveDate,
    /// The town's delegation this hop continues (部门 → 镇 → 园区).
    pub chain_parent: Option<DelegationId>,
    /// 期限: the first day it is no longer in force, when the decision (a
    /// 委托书) sets a term.
    #[serde(default)]
    pub until: Option<NaiveDate>,
}

/// A batch as proposed for decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchDecision {
    /// The deciding document's 文号.
    pub doc: String,
    /// 决定日期.
    pub decided: NaiveDate,
    /// e.g. 首批.
    pub label: String,
    pub entries: Vec<DelegationEntry>,
}

/// A delegation batch as decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DelegationBatch {
    pub id: BatchId,
    pub doc: DocNo,
    pub decided: NaiveDate,
    /// e.g. 首批.
    pub label: String,
    pub delegations: Vec<DelegationId>,
}

/// A delegation in force from `entry.effective` until its withdrawal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delegation {
    pub id: DelegationId,
    pub batch: BatchId,
    pub entry: DelegationEntry,
    pub withdrawal: Option<Withdrawal>,
}

impl Delegation {
    /// In force on `date`.
    pub fn active_on(&self, date: NaiveDate) -> bool {
        self.entry.effective <= date && self.end().is_none_or(|e| date < e)
    }

    /// The first date it is no longer in force: its 收回 or the end of its
    /// term, whichever comes first.
    pub fn end(&self) -> Option<NaiveDate> {
        match (self.withdrawal.as_ref().map(|w| w.date), self.entry.until) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

/// Why a batch or a withdrawal was refused. A refused batch records nothing.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DelegationError {
    #[error(transparent)]
    Doc(#[from] DocNoError),
    #[error("批次没有事项")]
    EmptyBatch,
    #[error("第 {row} 项：事项 {item} 在 {date} 不在用")]
    ItemNotInForce {
        row: usize,
        item: ItemId,
        date: NaiveDate,
    },
    #[error("第 {row} 项：事项 {item} 是主项，下有 {children} 个子项，只能下放子项")]
    NotLeaf {
        row: usize,
        item: ItemId,
        children: usize,
    },
    #[error("第 {row} 项：事项 {item} 在 {date} 由单位 {holder} 实施，不是单位 {from}")]
    NotHolder {
        row: usize,
        item: ItemId,
        date: NaiveDate,
        holder: UnitId,
        from: UnitId,
    },
    #[error("第 {row} 项：没有承接地点")]
    NoPlace { row: usize },
    #[error("第 {row} 项：地点 {place} 重复")]
    DuplicatePlace { row: usize, place: PlaceId },
    #[error("第 {row} 项：地点 {place} 不存在")]
    UnknownPlace { row: usize, place: PlaceId },
    #[error("第 {row} 项：{name}不是镇、街道或园区，不能承接权限")]
    NotTownLevel { row: usize, name: String },
    #[error("第 {row} 项：{name}没有登记管理机构，无法承接权限")]
    NoGoverningBody { row: usize, name: String },
    #[error("第 {row} 项：生效日期 {effective} 早于决定日期 {decided}")]
    EffectiveBeforeDecision {
        row: usize,
        effective: NaiveDate,
        decided: NaiveDate,
    },
    #[error("第 {row} 项：事项 {item} 在{name}已有 {date} 起生效的下放（{existing}）")]
    Overlap {
        row: usize,
        item: ItemId,
        name: String,
        date: NaiveDate,
        existing: DelegationId,
    },
    #[error("第 {row} 项：上一级下放 {parent} 不存在、事项不同或在 {date} 不在效")]
    BadChainParent {
        row: usize,
        parent: DelegationId,
        date: NaiveDate,
    },
    #[error("第 {row} 项：转委托的单位 {from} 不是上一级下放所承接镇（街道）的管理机构")]
    ChainFromNotRecipient { row: usize, from: UnitId },
    #[error("下放 {id} 不存在")]
    UnknownDelegation { id: DelegationId },
    #[error("下放 {id} 已于 {date} 收回")]
    AlreadyWithdrawn { id: DelegationId, date: NaiveDate },
    #[error("收回日期 {date} 应晚于下放 {id} 的生效日期 {effective}")]
    WithdrawalBeforeEffective {
        id: DelegationId,
        date: NaiveDate,
        effective: NaiveDate,
    },
    #[error("第 {row} 项：期限 {until} 应晚于生效日期 {effective}")]
    BadTerm {
        row: usize,
        until: NaiveDate,
        effective: NaiveDate,
    },
    #[error("第 {row} 项：转委托须有期限，且不晚于上一级下放的终止日期 {end}")]
    TermBeyondParent { row: usize, end: NaiveDate },
    #[error("下放 {id} 已于 {date} 到期")]
    Expired { id: DelegationId, date: NaiveDate },
    #[error("收回须写明理由")]
    NoReason,
    #[error("下一级下放 {child} 于 {effective} 生效，晚于收回日期 {date}，应先处理")]
    ChildAfterWithdrawal {
        child: DelegationId,
        effective: NaiveDate,
        date: NaiveDate,
    },
}

/// Which of the three town duty lists (乡镇履职事项清单).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DutyList {
    /// 基本履职事项 ("必须为、负全责").
    Basic,
    /// 配合履职事项 ("配合为、尽次责"), with the 主办部门.
    Cooperating,
    /// 上级部门收回事项.
    Withdrawn,
}

impl DutyList {
    pub fn label(self) -> &'static str {
        match self {
            DutyList::Basic => "基本履职事项",
            DutyList::Cooperating => "配合履职事项",
            DutyList::Withdrawn => "上级部门收回事项",
        }
    }
}

/// One line of a duty list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DutyLine {
    pub item: ItemId,
    pub name: String,
    /// 基本: the town's own body; 配合: the 主办部门; 收回: the department
    /// the item went back to.
    pub lead: UnitId,
    /// The delegation it comes from (`None` for the town's own items).
    pub delegation: Option<DelegationId>,
    /// The basis document.
    pub doc: DocNo,
}

/// A town's three duty lists as of a date.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DutyLists {
    pub basic: Vec<DutyLine>,
    pub cooperating: Vec<DutyLine>,
    pub withdrawn: Vec<DutyLine>,
}

/// All delegation batches and delegations of a district.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Delegations {
    batches: Vec<DelegationBatch>,
    delegations: Vec<Delegation>,
}

impl Delegations {
    pub fn new() -> Delegations {
        Delegations::default()
    }

    pub fn batches(&self) -> &[DelegationBatch] {
        &self.batches
    }

    pub fn all(&self) -> &[Delegation] {
        &self.delegations
    }

    pub fn get(&self, id: DelegationId) -> Option<&Delegation> {
        self.delegations.get(id.0 as usize)
    }

    /// Records a batch: all entries or none.
    pub fn decide(
        &mut self,
        catalogue: &Catalogue,
        territory: &Territory,
        enforcement: &Enforcement,
        decision: BatchDecision,
    ) -> Result<BatchId, DelegationError> {
        let BatchDecision {
            doc,
            decided,
            label,
            entries,
        } = decision;
        let doc = parse_doc_no(&doc)?;
        if entries.is_empty() {
            return Err(DelegationError::EmptyBatch);
        }
        let batch = BatchId(self.batches.len() as u32);
        let first = self.delegations.len() as u32;
        let mut added: Vec<Delegation> = Vec::with_capacity(entries.len());
        for (i, entry) in entries.into_iter().enumerate() {
            let row = i + 1;
            let date = entry.effective;
            if date < decided {
                return Err(DelegationError::EffectiveBeforeDecision {
                    row,
                    effective: date,
                    decided,
                });
            }
            if let Some(until) = entry.until.filter(|u| *u <= date) {
                return Err(DelegationError::BadTerm {
                    row,
                    until,
                    effective: date,
                });
            }
            let Some(item) = catalogue.item_at(entry.item, date) else {
                return Err(DelegationError::ItemNotInForce {
                    row,
                    item: entry.item,
                    date,
                });
            };
            let children = catalogue.children_at(entry.item, date).len();
            if children > 0 {
                return Err(DelegationError::NotLeaf {
                    row,
                    item: entry.item,
                    children,
                });
            }
            if entry.to.is_empty() {
                return Err(DelegationError::NoPlace { row });
            }
            for (k, &p) in entry.to.iter().enumerate() {
                if entry.to[..k].contains(&p) {
                    return Err(DelegationError::DuplicatePlace { row, place: p });
                }
                let place = territory
                    .get(p)
                    .ok_or(DelegationError::UnknownPlace { row, place: p })?;
                if !place.kind.is_town_level() {
                    return Err(DelegationError::NotTownLevel {
                        row,
                        name: place.name.clone(),
                    });
                }
                if place.governing.is_none() {
                    return Err(DelegationError::NoGoverningBody {
                        row,
                        name: place.name.clone(),
                    });
                }
                let existing = self.delegations.iter().chain(added.iter()).find(|d| {
                    d.entry.item == entry.item
                        && d.entry.to.contains(&p)
                        && d.end().is_none_or(|e| e > date)
                        && entry.until.is_none_or(|u| u > d.entry.effective)
                });
                if let Some(d) = existing {
                    return Err(DelegationError::Overlap {
                        row,
                        item: entry.item,
                        name: place.name.clone(),
                        date: d.entry.effective,
                        existing: d.id,
                    });
                }
            }
            match entry.chain_parent {
                None => {
                    let holder = enforcement
                        .concentrated_at(entry.item, date)
                        .map_or(item.holder, |c| c.body);
                    if holder != entry.from {
                        return Err(DelegationError::NotHolder {
                            row,
                            item: entry.item,
                            date,
                            holder,
                            from: entry.from,
                        });
                    }
                }
                Some(pid) => {
                    let parent = self
                        .get(pid)
                        .or_else(|| added.iter().find(|d| d.id == pid))
                        .filter(|d| d.entry.item == entry.item && d.active_on(date))
                        .ok_or(DelegationError::BadChainParent {
                            row,
                            parent: pid,
                            date,
                        })?;
                    if let Some(end) = parent.end() {
                        if entry.until.is_none_or(|u| u > end) {
                            return Err(DelegationError::TermBeyondParent { row, end });
                        }
                    }
                    let from_ok =
                        parent.entry.to.iter().any(|&t| {
                            territory.get(t).and_then(|pl| pl.governing) == Some(entry.from)
                        });
                    if !from_ok {
                        return Err(DelegationError::ChainFromNotRecipient {
                            row,
                            from: entry.from,
                        });
                    }
                }
            }
            added.push(Delegation {
                id: DelegationId(first + i as u32),
                batch,
                entry,
                withdrawal: None,
            });
        }
        self.batches.push(DelegationBatch {
            id: batch,
            doc,
            decided,
            label,
            delegations: added.iter().map(|d| d.id).collect(),
        });
        self.delegations.extend(added);
        Ok(batch)
    }

    /// 收回: the delegation (and any second hop continuing it) ends on
    /// `date`.
    pub fn withdraw(
        &mut self,
        id: DelegationId,
        doc: &str,
        date: NaiveDate,
        reason: &str,
    ) -> Result<(), DelegationError> {
        let doc = parse_doc_no(doc)?;
        if reason.trim().is_empty() {
            return Err(DelegationError::NoReason);
        }
        let d = self
            .get(id)
            .ok_or(DelegationError::UnknownDelegation { id })?;
        if let Some(w) = &d.withdrawal {
            return Err(DelegationError::AlreadyWithdrawn { id, date: w.date });
        }
        if let Some(until) = d.entry.until.filter(|u| *u <= date) {
            return Err(DelegationError::Expired { id, date: until });
        }
        if date <= d.entry.effective {
            return Err(DelegationError::WithdrawalBeforeEffective {
                id,
                date,
                effective: d.entry.effective,
            });
        }
        // The hops continuing it, transitively, that are still in force.
        let mut ended = vec![id];
        let mut i = 0;
        while i < ended.len() {
            let p = ended[i];
            for c in &self.delegations {
                if c.entry.chain_parent == Some(p) && c.end().is_none_or(|e| e > date) {
                    if c.entry.effective >= date {
                        return Err(DelegationError::ChildAfterWithdrawal {
                            child: c.id,
                            effective: c.entry.effective,
                            date,
                        });
                    }
                    ended.push(c.id);
                }
            }
            i += 1;
        }
        let w = Withdrawal {
            doc,
            date,
            reason: reason.to_owned(),
        };
        for e in ended {
            let d = &mut self.delegations[e.0 as usize];
            if d.end().is_none_or(|x| x > date) {
                d.withdrawal = Some(w.clone());
            }
        }
        Ok(())
    }

    /// The batch a delegation belongs to.
    pub fn batch(&self, id: BatchId) -> Option<&DelegationBatch> {
        self.batches.get(id.0 as usize)
    }

    /// Who is liable for a delegation's acts at `place` (one of its
    /// recipients): the recipient's body under 赋权/下放; under 委托 the
    /// delegating body, or for a second hop whoever is liable for the hop
    /// it continues.
    pub fn liable(
        &self,
        territory: &Territory,
        id: DelegationId,
        place: PlaceId,
    ) -> Option<UnitId> {
        let d = self.get(id)?;
        if d.entry.mode.recipient_liable() {
            return territory.get(place)?.governing;
        }
        match d.entry.chain_parent {
            None => Some(d.entry.from),
            Some(p) => {
                let parent = self.get(p)?;
                let town = parent.entry.to.iter().copied().find(|&t| {
                    territory.get(t).and_then(|pl| pl.governing) == Some(d.entry.from)
                })?;
                self.liable(territory, p, town)
            }
        }
    }

    /// The three duty lists of a town, street or park on `date`: 基本 = its
    /// own items and items delegated to it by 赋权/下放; 配合 = items 委托
    /// to it (主办 = the delegating body); 收回 = items delegated to it and
    /// withdrawn on or before `date`.
    pub fn duty_lists(
        &self,
        catalogue: &Catalogue,
        territory: &Territory,
        town: PlaceId,
        date: NaiveDate,
    ) -> DutyLists {
        let mut out = DutyLists::default();
        let Some(place) = territory.get(town) else {
            return out;
        };
        if let Some(unit) = place.governing {
            for (id, item) in catalogue.as_of(date) {
                if item.holder == unit {
                    let doc = catalogue
                        .version_at(id, date)
                        .expect("in force")
                        .doc
                        .clone();
                    out.basic.push(DutyLine {
                        item: id,
                        name: item.name.clone(),
                        lead: unit,
                        delegation: None,
                        doc,
                    });
                }
            }
        }
        for d in &self.delegations {
            if !d.entry.to.contains(&town) || d.entry.effective > date {
                continue;
            }
            let name = catalogue
                .item_at(d.entry.item, date)
                .or_else(|| {
                    catalogue
                        .timeline(d.entry.item)
                        .iter()
                        .rev()
                        .find_map(|v| v.item.as_ref())
                })
                .map(|i| i.name.clone())
                .unwrap_or_default();
            let batch_doc = self.batches[d.batch.0 as usize].doc.clone();
            if d.entry.until.is_some_and(|u| u <= date)
                && d.withdrawal.as_ref().is_none_or(|w| w.date > date)
            {
                // Its term ran out: on no list.
                continue;
            }
            match &d.withdrawal {
                Some(w) if w.date <= date => out.withdrawn.push(DutyLine {
                    item: d.entry.item,
                    name,
                    lead: d.entry.from,
                    delegation: Some(d.id),
                    doc: w.doc.clone(),
                }),
                _ => {
                    let line = DutyLine {
                        item: d.entry.item,
                        name,
                        lead: if d.entry.mode.recipient_liable() {
                            place.governing.unwrap_or(d.entry.from)
                        } else {
                            d.entry.from
                        },
                        delegation: Some(d.id),
                        doc: batch_doc,
                    };
                    if d.entry.mode.recipient_liable() {
                        out.basic.push(line);
                    } else {
                        out.cooperating.push(line);
                    }
                }
            }
        }
        out
    }
}
