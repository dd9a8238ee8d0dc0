//! 登记事项: what the register records of a legal person (registration.md §2.1).

use serde::{Deserialize, Serialize};

/// 经费来源 as registered since 2014.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FundingSource {
    /// 财政补助.
    Fiscal,
    /// 非财政补助.
    NonFiscal,
}

impl FundingSource {
    pub const ALL: [FundingSource; 2] = [FundingSource::Fiscal, FundingSource::NonFiscal];

    pub fn label(self) -> &'static str {
        match self {
            FundingSource::Fiscal => "财政补助",
            FundingSource::NonFiscal => "非财政补助",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.label() == s.trim())
    }
}

/// 登记 or 备案 (条例 Art. 11: units that are legal persons from approval, or
/// hold a 执业许可 of another authority, are filed by their 主管部门).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RegMode {
    /// 登记.
    Registered,
    /// 备案.
    Filed,
}

impl RegMode {
    pub fn label(self) -> &'static str {
        match self {
            RegMode::Registered => "登记",
            RegMode::Filed => "备案",
        }
    }
}

/// 开办资金 in hundredths of 万元 (two decimals, as the forms write it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Capital(pub i64);

impl Capital {
    /// Parses "120", "120.5" or "120.50" (万元).
    pub fn parse(s: &str) -> Option<Capital> {
        let s = s.trim().trim_end_matches("万元").trim();
        let (int, frac) = match s.split_once('.') {
            Some((i, f)) => (i, f),
            None => (s, ""),
        };
        if int.is_empty()
            || !int.bytes().all(|b| b.is_ascii_digit())
            || frac.len() > 2
            || !frac.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let whole: i64 = int.parse().ok()?;
        let mut cents: i64 = if frac.is_empty() {
            0
        } else {
            frac.parse().ok()?
        };
        if frac.len() == 1 {
            cents *= 10;
        }
        whole.checked_mul(100)?.checked_add(cents).map(Capital)
    }

    /// Whether `new` differs from `self` by more than 20 % (a 变更 is then
    /// compulsory).
    pub fn changed_beyond_fifth(self, new: Capital) -> bool {
        (new.0 - self.0).abs() * 5 > self.0.abs()
    }
}

impl std::fmt::Display for Capital {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, (self.0 % 100).abs())
    }
}

/// The 登记事项 of a legal person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Particulars {
    /// 名称 (第一名称).
    pub name: String,
    /// 挂牌 names, shown in brackets after the name.
    #[serde(default)]
    pub second_names: Vec<String>,
    /// 住所.
    pub domicile: String,
    /// 宗旨和业务范围.
    pub purpose: String,
    /// 法定代表人.
    pub legal_rep: String,
    /// 经费来源.
    pub funding: FundingSource,
    /// 开办资金.
    pub capital: Capital,
    /// 举办单位, in order.
    pub sponsors: Vec<String>,
}

impl Particulars {
    /// The problems of an incomplete record, in Chinese (empty when complete).
    pub fn gaps(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (v, label) in [
            (&self.name, "名称"),
            (&self.domicile, "住所"),
            (&self.purpose, "宗旨和业务范围"),
            (&self.legal_rep, "法定代表人"),
        ] {
            if v.trim().is_empty() {
                out.push(format!("{label}未填写"));
            }
        }
        if self.capital.0 <= 0 {
            out.push("开办资金应大于零".to_string());
        }
        if self.sponsors.iter().all(|s| s.trim().is_empty()) {
            out.push("举办单位未填写".to_string());
        }
        out
    }

    /// The name with its 挂牌 names in brackets, as the certificate prints it.
    pub fn full_name(&self) -> String {
        if self.second_names.is_empty() {
            self.name.clone()
        } else {
            format!("{}（{}）", self.name, self.second_names.join("、"))
        }
    }

    /// Applies one change.
    pub fn apply(&mut self, c: &Change) {
        match c {
            Change::Name { name } => self.name = name.clone(),
            Change::SecondNames { names } => self.second_names = names.clone(),
            Change::Domicile { domicile } => self.domicile = domicile.clone(),
            Change::Purpose { purpose } => self.purpose = purpose.clone(),
            Change::LegalRep { legal_rep } => self.legal_rep = legal_rep.clone(),
            Change::Funding { funding } => self.funding = *funding,
            Change::Capital { capital } => self.capital = *capital,
            Change::Sponsors { sponsors } => self.sponsors = sponsors.clone(),
        }
    }
}

/// One changed 登记事项 of a 变更.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "item", rename_all = "snake_case")]
pub enum Change {
    Name { name: String },
    SecondNames { names: Vec<String> },
    Domicile { domicile: String },
    Purpose { purpose: String },
    LegalRep { legal_rep: String },
    Funding { funding: FundingSource },
    Capital { capital: Capital },
    Sponsors { sponsors: Vec<String> },
}

impl Change {
    /// The 登记事项 it changes, as the form names it.
    pub fn label(&self) -> &'static str {
        match self {
            Change::Name { .. } => "名称",
            Change::SecondNames { .. } => "挂牌名称",
            Change::Domicile { .. } => "住所",
            Change::Purpose { .. } => "宗旨和业务范围",
            Change::LegalRep { .. } => "法定代表人",
            Change::Funding { .. } => "经费来源",
            Change::Capital { .. } => "开办资金",
            Change::Sponsors { .. } => "举办单位",
        }
    }

    /// The new value as text.
    pub fn value_text(&self) -> String {
        match self {
            Change::Name { name } => name.clone(),
            Change::SecondNames { names } | Change::Sponsors { sponsors: names } => {
                names.join("、")
            }
            Change::Domicile { domicile } => domicile.clone(),
            Change::Purpose { purpose } => purpose.clone(),
            Change::LegalRep { legal_rep } => legal_rep.clone(),
            Change::Funding { funding } => funding.label().to_string(),
            Change::Capital { capital } => format!("{capital} 万元"),
        }
    }

    /// Whether the old seals must be collected (a new name).
    pub fn collects_seals(&self) -> bool {
        matches!(self, Change::Name { .. })
    }
}
