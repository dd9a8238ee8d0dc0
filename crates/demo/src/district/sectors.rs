//! 行业领域 of the demo's units and the district's 中小学教职工编制总量: one
//! matter of the 编办 classifying every unit in 2024, then the city's
//! document setting the total, a little above what the district's schools
//! already hold (so the early warning at 95 % shows).

use bianzhi_core::catalog::UnitKind;
use bianzhi_core::matter::{CatRef, Op, UnitRef};
use bianzhi_core::{RecordError, UnitId};
use chrono::{Datelike, NaiveDate};

use super::{act_real, Builder};
use crate::catalogue::Sector;

/// Keywords of a unit's full name and the sector they mean, most specific
/// first.
const BY_NAME: &[(&[&str], &str)] = &[
    (&["幼儿园"], "0102"),
    (&["职业", "职教"], "0103"),
    (&["党校", "廉政教育", "党员教育", "干部教育"], "16"),
    (&["小学", "中学", "学校", "初中", "高中"], "0101"),
    (&["卫生院", "社区卫生服务"], "0202"),
    (&["疾病预防控制", "妇幼保健", "卫生监督", "急救"], "0203"),
    (&["医院"], "0201"),
    (&["教育"], "01"),
    (&["卫生健康", "卫生"], "02"),
    (&["综合行政执法", "执法"], "15"),
    (
        &[
            "农业", "农村", "农技", "农机", "畜牧", "水产", "兽医", "农经", "粮食",
        ],
        "03",
    ),
    (
        &[
            "文化",
            "旅游",
            "体育",
            "图书馆",
            "博物馆",
            "文物",
            "广电",
            "融媒体",
        ],
        "04",
    ),
    (&["科技", "科学技术"], "05"),
    (&["自然资源", "规划", "国土"], "06"),
    (
        &["住房", "城乡建设", "住建", "房产", "城建", "市政", "园林"],
        "07",
    ),
    (&["交通", "公路", "运输"], "08"),
    (&["水利", "水务", "河道"], "09"),
    (
        &["民政", "福利", "殡仪", "敬老", "退役军人", "未成年人"],
        "10",
    ),
    (&["人力资源", "社会保障", "就业", "社保", "人才"], "11"),
    (&["市场监督", "市场监管"], "12"),
    (&["生态环境", "环境"], "13"),
    (&["应急", "消防", "安全"], "14"),
    (
        &["公安", "司法", "法院", "检察", "政法", "信访", "行政复议"],
        "18",
    ),
    (
        &[
            "财政",
            "发展和改革",
            "统计",
            "商务",
            "审计",
            "金融",
            "国资",
            "经济",
            "投资",
            "工业",
            "信息",
        ],
        "17",
    ),
];

impl Builder<'_> {
    /// The sector the demo gives a unit: by its name, else its parent's.
    fn sector_of(&self, id: UnitId) -> &'static str {
        let st = self.st();
        let Some(u) = st.unit(id) else { return "90" };
        if let Some((_, s)) = BY_NAME
            .iter()
            .find(|(words, _)| words.iter().any(|w| u.name.contains(w)))
        {
            return s;
        }
        match self.meta.get(&id).map(|m| m.sector) {
            Some(Sector::Education) => return "0109",
            Some(Sector::Health) => return "0209",
            _ => {}
        }
        match u.kind {
            UnitKind::PartyOrgan
            | UnitKind::GovDept
            | UnitKind::Congress
            | UnitKind::Cppcc
            | UnitKind::MassOrg
            | UnitKind::Town
            | UnitKind::Subdistrict
            | UnitKind::ParkCommittee => return "16",
            UnitKind::Court | UnitKind::Procuratorate => return "18",
            _ => {}
        }
        match u.parent {
            Some(p) if p != id => self.sector_of(p),
            _ => "90",
        }
    }

    /// 盐编 matter classifying every active unit by sector.
    pub(super) fn classify_sectors(&mut self, date: NaiveDate) -> Result<(), RecordError> {
        let ids: Vec<UnitId> = self
            .st()
            .units
            .iter()
            .flatten()
            .filter(|u| u.is_active())
            .map(|u| u.id)
            .collect();
        let ops = ids
            .into_iter()
            .map(|id| Op::SetSector {
                unit: UnitRef::Id(id),
                sector: self.sector_of(id).to_string(),
            })
            .collect();
        self.record(
            "盐编办",
            date,
            act_real(date.year()),
            "明确全区机构的行业领域，作为行业编制总量控制和机构编制统计的依据".into(),
            ops,
        )?;
        Ok(())
    }

    /// The city's 中小学教职工编制总量 for the district: what the schools
    /// hold (with 承兑 tranches not yet released) over 0.96, rounded up.
    pub(super) fn school_total(&mut self, date: NaiveDate) -> Result<(), RecordError> {
        let st = self.st();
        let q = st
            .quota_types
            .iter()
            .find(|q| q.name == "事业编制")
            .map(|q| q.id);
        let held = bianzhi_core::query::sector_at(st, "0101", q, date).counted();
        let total = (held * 100 + 95) / 96;
        self.record(
            "盐编办",
            date,
            act_real(date.year()),
            format!("转发市委编办《关于核定各县（市、区）中小学教职工编制总量的通知》，核定全区中小学教职工事业编制总量 {total} 名"),
            vec![Op::SetSectorTotal {
                sector: "0101".into(),
                qtype: Some(CatRef::Name("事业编制".into())),
                count: Some(total),
                allow_over: false,
            }],
        )?;
        Ok(())
    }
}
