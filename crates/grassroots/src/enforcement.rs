//! 综合行政执法: the enforcement catalogue (each item with its original
//! department and basis), the concentration of items of several departments
//! into one 综合执法 body from a date (相对集中; the original department
//! keeps 行业监管), and enforcement staff sent down (下沉) to towns.

use std::collections::BTreeMap;

use bianzhi_core::ident::{parse_doc_no, DocNo, DocNoError};
use bianzhi_core::{PersonId, UnitId};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::catalogue::{Catalogue, ItemId, PowerType};
use crate::delegation::Withdrawal;
use crate::territory::{PlaceId, Territory};

/// 执法领域.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Domain {
    /// 城市管理.
    UrbanManagement,
    /// 市场监管.
    MarketRegulation,
    /// 生态环境.
    Environment,
    /// 文化市场.
    CultureMarket,
    /// 交通运输.
    Transport,
    /// 应急管理.
    EmergencyManagement,
    /// 农业.
    Agriculture,
    /// 其他.
    Other,
}

impl Domain {
    pub fn label(self) -> &'static str {
        match self {
            Domain::UrbanManagement => "城市管理",
            Domain::MarketRegulation => "市场监管",
            Domain::Environment => "生态环境",
            Domain::CultureMarket => "文化市场",
            Domain::Transport => "交通运输",
            Domain::EmergencyManagement => "应急管理",
            Domain::Agriculture => "农业",
            Domain::Other => "其他",
        }
    }
}

/// A line of the enforcement catalogue (综合行政执法事项目录).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnforcementItem {
    pub item: ItemId,
    /// 原实施部门.
    pub original: UnitId,
    /// 实施依据.
    pub basis: String,
    pub domain: Domain,
    /// Includes 行政强制措施.
    pub includes_coercion: bool,
}

/// A concentration's identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ConcentrationId(pub u32);

impl std::fmt::Display for ConcentrationId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "C{}", self.0)
    }
}

/// 相对集中行政处罚权: items move to `body` from `effective` until `end`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Concentration {
    pub id: ConcentrationId,
    pub doc: DocNo,
    pub effective: NaiveDate,
    /// The 综合执法 body (综合行政执法局 / 镇街执法队).
    pub body: UnitId,
    pub items: Vec<ItemId>,
    pub end: Option<Withdrawal>,
}

impl Concentration {
    pub fn active_on(&self, date: NaiveDate) -> bool {
        self.effective <= date && self.end.as_ref().is_none_or(|w| date < w.date)
    }
}

/// Who was sent down.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Staff {
    /// A number of people.
    Count { count: u32 },
    /// Named people of the ledger (their 编制 stays with the body).
    Persons { persons: Vec<PersonId> },
}

impl Staff {
    pub fn headcount(&self) -> u32 {
        match self {
            Staff::Count { count } => *count,
            Staff::Persons { persons } => persons.len() as u32,
        }
    }
}

/// 下沉: enforcement staff of `body` working in `town` from `date`
/// ("县属乡用": the 编制 stays with the body).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Secondment {
    pub body: UnitId,
    pub town: PlaceId,
    pub staff: Staff,
    pub date: NaiveDate,
}

/// 移送: a case the original department found in its 行业监管, handed to
/// the 综合执法 body that now holds the item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transfer {
    pub item: ItemId,
    pub from: UnitId,
    pub to: UnitId,
    pub date: NaiveDate,
    /// The case's reference in the department's system.
    pub case_ref: String,
}

/// Why an enforcement record was refused (nothing is recorded).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EnforcementError {
    #[error(transparent)]
    Doc(#[from] DocNoError),
    #[error("事项 {item} 不在权责清单中")]
    UnknownItem { item: ItemId },
    #[error("事项 {item} 是{power_type}，综合执法目录只收行政处罚、行政强制和行政检查事项")]
    NotEnforcement {
        item: ItemId,
        power_type: &'static str,
    },
    #[error("事项 {item} 已在综合执法目录中")]
    DuplicateItem { item: ItemId },
    #[error("事项 {item} 不在综合执法目录中，不能集中")]
    NotCatalogued { item: ItemId },
    #[error("事项 {item} 在 {date} 不在用")]
    NotInForce { item: ItemId, date: NaiveDate },
    #[error("事项 {item} 已于 {date} 集中到单位 {body}")]
    AlreadyConcentrated {
        item: ItemId,
        date: NaiveDate,
        body: UnitId,
    },
    #[error("集中决定中事项 {item} 重复")]
    RepeatedItem { item: ItemId },
    #[error("集中决定没有事项")]
    NoItems,
    #[error("集中决定 {id} 不存在")]
    UnknownConcentration { id: ConcentrationId },
    #[error("集中决定已于 {date} 终止")]
    AlreadyEnded { date: NaiveDate },
    #[error("终止日期 {date} 应晚于生效日期 {effective}")]
    EndBeforeEffective {
        date: NaiveDate,
        effective: NaiveDate,
    },
    #[error("下沉地点 {place} 不是镇、街道或园区")]
    NotTown { place: PlaceId },
    #[error("下沉人数应大于 0，人员不能重复")]
    BadStaff,
    #[error("事项 {item} 在 {date} 未集中，无须移送")]
    NotConcentrated { item: ItemId, date: NaiveDate },
    #[error("事项 {item} 应由原部门 {original} 移送给单位 {body}")]
    WrongTransfer {
        item: ItemId,
        original: UnitId,
        body: UnitId,
    },
}

/// The enforcement catalogue, concentrations and 下沉 of a district.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Enforcement {
    items: BTreeMap<ItemId, EnforcementItem>,
    concentrations: Vec<Concentration>,
    secondments: Vec<Secondment>,
    #[serde(default)]
    transfers: Vec<Transfer>,
}

impl Enforcement {
    pub fn new() -> Enforcement {
        Enforcement::default()
    }

    /// Adds a line to the enforcement catalogue: the item must be in the
    /// catalogue and be a 处罚, 强制 or 检查 item.
    pub fn catalogue_item(
        &mut self,
        catalogue: &Catalogue,
        line: EnforcementItem,
    ) -> Result<(), EnforcementError> {
        let item = catalogue
            .timeline(line.item)
            .iter()
            .rev()
            .find_map(|v| v.item.as_ref())
            .ok_or(EnforcementError::UnknownItem { item: line.item })?;
        if !matches!(
            item.power_type,
            PowerType::Penalty | PowerType::Coercion | PowerType::Inspection
        ) {
            return Err(EnforcementError::NotEnforcement {
                item: line.item,
                power_type: item.power_type.label(),
            });
        }
        if self.items.contains_key(&line.item) {
            return Err(EnforcementError::DuplicateItem { item: line.item });
        }
        self.items.insert(line.item, line);
        Ok(())
    }

    pub fn items(&self) -> impl Iterator<Item = &EnforcementItem> {
        self.items.values()
    }

    pub fn item(&self, id: ItemId) -> Option<&EnforcementItem> {
        self.items.get(&id)
    }

    pub fn concentrations(&self) -> &[Concentration] {
        &self.concentrations
    }

    pub fn secondments(&self) -> &[Secondment] {
        &self.secondments
    }

    /// Concentrates `items` (of one or several departments) into `body`
    /// from `effective`, by document `doc`.
    pub fn concentrate(
        &mut self,
        catalogue: &Catalogue,
        doc: &str,
        effective: NaiveDate,
        body: UnitId,
        items: Vec<ItemId>,
    ) -> Result<ConcentrationId, EnforcementError> {
        let doc = parse_doc_no(doc)?;
        if items.is_empty() {
            return Err(EnforcementError::NoItems);
        }
        for (k, &item) in items.iter().enumerate() {
            if items[..k].contains(&item) {
                return Err(EnforcementError::RepeatedItem { item });
            }
            if !self.items.contains_key(&item) {
                return Err(EnforcementError::NotCatalogued { item });
            }
            if catalogue.item_at(item, effective).is_none() {
                return Err(EnforcementError::NotInForce {
                    item,
                    date: effective,
                });
            }
            if let Some(c) = self.concentrations.iter().find(|c| {
                c.items.contains(&item) && c.end.as_ref().is_none_or(|w| w.date > effective)
            }) {
                return Err(EnforcementError::AlreadyConcentrated {
                    item,
                    date: c.effective,
                    body: c.body,
                });
            }
        }
        let id = ConcentrationId(self.concentrations.len() as u32);
        self.concentrations.push(Concentration {
            id,
            doc,
            effective,
            body,
            items,
            end: None,
        });
        Ok(id)
    }

    /// Ends a concentration on `date` (the items go back to their holders).
    pub fn end_concentration(
        &mut self,
        id: ConcentrationId,
        doc: &str,
        date: NaiveDate,
        reason: &str,
    ) -> Result<(), EnforcementError> {
        let doc = parse_doc_no(doc)?;
        let c = self
            .concentrations
            .get_mut(id.0 as usize)
            .ok_or(EnforcementError::UnknownConcentration { id })?;
        if let Some(w) = &c.end {
            return Err(EnforcementError::AlreadyEnded { date: w.date });
        }
        if date <= c.effective {
            return Err(EnforcementError::EndBeforeEffective {
                date,
                effective: c.effective,
            });
        }
        c.end = Some(Withdrawal {
            doc,
            date,
            reason: reason.to_owned(),
        });
        Ok(())
    }

    /// The concentration covering `item` on `date`, if any.
    pub fn concentrated_at(&self, item: ItemId, date: NaiveDate) -> Option<&Concentration> {
        self.concentrations
            .iter()
            .find(|c| c.active_on(date) && c.items.contains(&item))
    }

    /// Records 下沉 of staff of `body` to a town, street or park.
    pub fn send_down(
        &mut self,
        territory: &Territory,
        secondment: Secondment,
    ) -> Result<(), EnforcementError> {
        let town = secondment.town;
        if !territory.get(town).is_some_and(|p| p.kind.is_town_level()) {
            return Err(EnforcementError::NotTown { place: town });
        }
        let ok = match &secondment.staff {
            Staff::Count { count } => *count > 0,
            Staff::Persons { persons } => {
                let mut p = persons.clone();
                p.sort();
                p.dedup();
                !p.is_empty() && p.len() == persons.len()
            }
        };
        if !ok {
            return Err(EnforcementError::BadStaff);
        }
        self.secondments.push(secondment);
        Ok(())
    }

    /// Records a 移送: the item must be concentrated on the date, from its
    /// original department to the body holding it.
    pub fn transfer(&mut self, t: Transfer) -> Result<(), EnforcementError> {
        let c = self
            .concentrated_at(t.item, t.date)
            .ok_or(EnforcementError::NotConcentrated {
                item: t.item,
                date: t.date,
            })?;
        let original = self.items[&t.item].original;
        if t.from != original || t.to != c.body {
            return Err(EnforcementError::WrongTransfer {
                item: t.item,
                original,
                body: c.body,
            });
        }
        self.transfers.push(t);
        Ok(())
    }

    pub fn transfers(&self) -> &[Transfer] {
        &self.transfers
    }

    /// Staff sent down to `town` on or before `date`, per body.
    pub fn staff_in(&self, town: PlaceId, date: NaiveDate) -> BTreeMap<UnitId, u32> {
        let mut out = BTreeMap::new();
        for s in &self.secondments {
            if s.town == town && s.date <= date {
                *out.entry(s.body).or_insert(0) += s.staff.headcount();
            }
        }
        out
    }
}
