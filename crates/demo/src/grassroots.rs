//! The demo district's 三整合 records, built through the grassroots crate's
//! own code paths from the demo ledger:
//!
//! * the territory the ledger gives (区 → 镇/街道/园区) with 村 and 社区
//!   added under the towns and streets;
//! * a 权责清单 of the main 区直 departments (许可 … 公共服务, some items
//!   with 子项) under one document about two years before `today`;
//! * the 综合行政执法 catalogue, a 相对集中 of items of several departments
//!   into the 区城市管理局 and 下沉 of the 城管执法大队 to towns;
//! * the first delegation batch ("首批赋予基层…项管理权限") about a year
//!   before `today`, second hops 镇 → 园区 by 镇级委托, and one 收回;
//! * a month of 吹哨报到 requests and of 12345 orders (with 退单, 改派 and
//!   the one 职责争议 they open, at 协调), and a year of use counts of the
//!   delegated items (a few never used: 收回 review candidates).
//!
//! Deterministic: a fixed seed, no clock (every time is derived from
//! `today`).

mod items;

use std::collections::BTreeMap;

use bianzhi_core::{Ledger, PersonId, State, UnitId};
use bianzhi_grassroots::delegation::{BatchDecision, DelegationEntry};
use bianzhi_grassroots::evaluation::{Period, UsageRow};
use bianzhi_grassroots::{
    suggest_departments, Catalogue, Change, CodeSource, DelegationId, DisputeAction, Disputes,
    District, Domain, Duty, EnforcementItem, Index, Item, ItemId, Level, Mode, OrderAction,
    OrderRow, OrderState, Place, PlaceId, PlaceKind, PowerType, Records, Secondment, Staff,
    TimeLimit, Urgency, Whistle, WhistleAction, WhistleId, WhistleKind, WhistleRequest, WorkOrder,
};
use chrono::{Datelike, Days, Duration, Months, NaiveDate, NaiveDateTime};

use crate::rng::Rng;

/// The fixed seed of the demo grassroots records.
pub const GRASSROOTS_SEED: u64 = 0x0032_0903_2021_0917;

/// The demo district's 三整合 records.
#[derive(Debug, Clone)]
pub struct DemoGrassroots {
    pub catalogue: Catalogue,
    /// The territory, the delegations and the enforcement records.
    pub records: Records,
    /// 吹哨报到 requests, ids `WhistleId(0..n)` in order.
    pub whistles: Vec<Whistle>,
    /// 12345 orders of the last month.
    pub orders: Vec<WorkOrder>,
    pub disputes: Disputes,
    /// Use counts per delegated item and receiving town, per quarter of the
    /// year since the first batch took effect ([`usage_periods`]).
    pub usage: Vec<UsageRow>,
}

/// The 政务服务 code table's type codes as the list writes them.
fn type_code(t: PowerType) -> &'static str {
    match t {
        PowerType::Licensing => "01",
        PowerType::Penalty => "02",
        PowerType::Coercion => "03",
        PowerType::Levy => "04",
        PowerType::Benefit => "05",
        PowerType::Inspection => "06",
        PowerType::Confirmation => "07",
        PowerType::Reward => "08",
        PowerType::Adjudication => "09",
        PowerType::Other => "10",
        PowerType::PublicService => "20",
    }
}

fn plus(d: NaiveDate, days: i64) -> NaiveDate {
    if days >= 0 {
        d.checked_add_days(Days::new(days as u64)).unwrap_or(d)
    } else {
        d.checked_sub_days(Days::new((-days) as u64)).unwrap_or(d)
    }
}

/// The first day of the month `months` before `d`'s month.
fn month_start_before(d: NaiveDate, months: u32) -> NaiveDate {
    let first = d.with_day(1).unwrap_or(d);
    first
        .checked_sub_months(Months::new(months))
        .unwrap_or(first)
}

fn at(d: NaiveDate, minutes: i64) -> NaiveDateTime {
    d.and_hms_opt(0, 0, 0).expect("midnight") + Duration::minutes(minutes)
}

/// The dates the records hang on, all derived from `today`.
#[derive(Debug, Clone, Copy)]
struct Dates {
    today: NaiveDate,
    /// The 权责清单 takes effect.
    list: NaiveDate,
    /// 相对集中 takes effect.
    concentration: NaiveDate,
    /// The first batch is decided and takes effect.
    batch_decided: NaiveDate,
    batch: NaiveDate,
    /// 镇级委托 to the parks.
    hop: NaiveDate,
    /// The 收回.
    withdrawal: NaiveDate,
}

impl Dates {
    fn new(today: NaiveDate) -> Dates {
        let batch = month_start_before(today, 12);
        Dates {
            today,
            list: month_start_before(today, 24),
            concentration: month_start_before(today, 18),
            batch_decided: plus(batch, -16),
            batch,
            hop: batch.checked_add_months(Months::new(2)).unwrap_or(batch),
            withdrawal: month_start_before(today, 3),
        }
    }
}

/// The quarters of the year since the first batch took effect (the periods
/// of [`DemoGrassroots::usage`]).
pub fn usage_periods(today: NaiveDate) -> Vec<Period> {
    let start = Dates::new(today).batch;
    (0..4)
        .map(|q| Period {
            start: start
                .checked_add_months(Months::new(3 * q))
                .unwrap_or(start),
            end: start
                .checked_add_months(Months::new(3 * q + 3))
                .unwrap_or(start),
        })
        .collect()
}

/// One line of the item table.
struct Row {
    dept: UnitId,
    power_type: PowerType,
    name: String,
    basis: String,
    parent: Option<usize>,
}

fn parse_rows(st: &State) -> Result<Vec<Row>, String> {
    let depts: BTreeMap<&str, UnitId> = items::DEPARTMENTS
        .iter()
        .map(|(k, name)| unit_named(st, name).map(|u| (*k, u)))
        .collect::<Result<_, _>>()?;
    let mut rows: Vec<Row> = Vec::new();
    let mut last_main: Option<usize> = None;
    for line in items::ITEMS.lines().filter(|l| !l.trim().is_empty()) {
        if let Some(child) = line.strip_prefix('-') {
            let p = last_main.ok_or("子项之前没有主项")?;
            let (dept, power_type, basis) =
                (rows[p].dept, rows[p].power_type, rows[p].basis.clone());
            rows.push(Row {
                dept,
                power_type,
                name: child.trim().to_owned(),
                basis,
                parent: Some(p),
            });
            continue;
        }
        let f: Vec<&str> = line.split('|').collect();
        let [dept, code, name, basis] = f[..] else {
            return Err(format!("权责清单行格式错误：{line}"));
        };
        let dept = *depts
            .get(dept)
            .ok_or_else(|| format!("未知部门简称：{dept}"))?;
        let power_type =
            PowerType::from_source(CodeSource::GovService, code).map_err(|e| e.to_string())?;
        last_main = Some(rows.len());
        rows.push(Row {
            dept,
            power_type,
            name: name.to_owned(),
            basis: basis.to_owned(),
            parent: None,
        });
    }
    Ok(rows)
}

fn unit_named(st: &State, name: &str) -> Result<UnitId, String> {
    st.unit_by_name
        .get(name)
        .copied()
        .ok_or_else(|| format!("台账中没有单位“{name}”"))
}

/// 责任事项 per stage, by power type.
fn duties(t: PowerType) -> Vec<Duty> {
    let d = |stage: &str, text: &str, limit: Option<TimeLimit>| Duty {
        stage: stage.to_owned(),
        text: text.to_owned(),
        time_limit: limit,
    };
    match t {
        PowerType::Penalty => vec![
            d(
                "立案",
                "对监督检查、投诉举报、移送等发现的违法线索进行核查，符合立案条件的予以立案",
                Some(TimeLimit::working_days(10)),
            ),
            d(
                "调查取证",
                "两名以上执法人员出示执法证件，全面、客观、公正调查取证，符合回避情形的应当回避",
                None,
            ),
            d(
                "审理",
                "对案件事实、证据、依据、程序进行审查，重大执法决定经法制审核",
                None,
            ),
            d(
                "告知",
                "作出处罚决定前告知拟处罚的内容及事实、理由、依据和陈述、申辩、听证权利",
                None,
            ),
            d(
                "决定",
                "制作行政处罚决定书，载明违法事实、处罚依据、处罚内容和救济途径",
                None,
            ),
            d(
                "送达",
                "处罚决定书当场交付；当事人不在场的，七日内依法送达",
                Some(TimeLimit::days(7)),
            ),
            d(
                "执行",
                "督促当事人履行；逾期不履行的依法加处罚款或申请人民法院强制执行",
                None,
            ),
            d("其他", "法律法规规章规定应履行的其他责任", None),
        ],
        PowerType::Licensing => vec![
            d(
                "受理",
                "公示依据、条件、程序、期限和申请材料目录；材料不全的一次性告知补正",
                Some(TimeLimit::working_days(5)),
            ),
            d("审查", "对申请材料进行审查，需要现场核查的组织核查", None),
            d(
                "决定",
                "作出准予或不予许可的决定，不予许可的说明理由并告知救济途径",
                None,
            ),
            d(
                "送达",
                "准予许可的颁发许可证件并公开",
                Some(TimeLimit::working_days(10)),
            ),
            d("事后监管", "对被许可人从事许可事项的活动进行监督检查", None),
        ],
        PowerType::Coercion => vec![
            d(
                "审批",
                "实施前向负责人报告并经批准，情况紧急的事后二十四小时内补办批准手续",
                Some(TimeLimit::hours(24)),
            ),
            d(
                "实施",
                "两名以上执法人员实施，出示证件，通知当事人到场，制作现场笔录",
                None,
            ),
            d(
                "期限",
                "查封、扣押的期限不得超过三十日，情况复杂的经批准可延长",
                Some(TimeLimit::days(30)),
            ),
            d(
                "处理",
                "及时查清事实，作出没收、销毁或解除强制措施的决定",
                None,
            ),
        ],
        PowerType::Inspection => vec![
            d(
                "计划",
                "按“双随机、一公开”制定年度检查计划和随机抽查事项清单",
                None,
            ),
            d(
                "实施",
                "两名以上执法人员实施检查，出示证件，如实记录检查情况",
                None,
            ),
            d(
                "处理",
                "发现违法行为的依法处理，不属于本部门职责的及时移送",
                None,
            ),
            d(
                "公开",
                "检查结果依法向社会公开",
                Some(TimeLimit::working_days(20)),
            ),
        ],
        _ => vec![
            d(
                "受理",
                "一次性告知申请条件和所需材料，符合条件的予以受理",
                Some(TimeLimit::working_days(3)),
            ),
            d(
                "审核",
                "对申请材料和有关情况进行审核，必要时入户或现场核查",
                None,
            ),
            d("办理", "在承诺时限内办结并告知结果", None),
            d("监管", "建立台账，跟踪管理，接受监督", None),
        ],
    }
}

fn accountability(t: PowerType) -> Vec<String> {
    let mut v = vec!["不履行或者不正确履行法定职责的"];
    match t {
        PowerType::Penalty | PowerType::Coercion => v.extend([
            "没有法定依据或者擅自改变处罚（强制）种类、幅度的",
            "对应当予以制止和处罚的违法行为不予制止、处罚的",
            "违反法定程序实施的",
        ]),
        PowerType::Inspection => v.extend([
            "未按规定开展监督检查，发现问题未依法处理或移送的",
            "检查中妨碍被检查对象正常生产经营活动的",
        ]),
        _ => v.extend([
            "对符合条件的申请不予受理、不予办理或者不在规定期限内办理的",
            "对不符合条件的申请予以办理的",
        ]),
    }
    v.extend([
        "滥用职权、玩忽职守、徇私舞弊的",
        "索取或者收受他人财物、谋取其他利益的",
    ]);
    v.into_iter().map(str::to_owned).collect()
}

fn time_limit(t: PowerType) -> Option<TimeLimit> {
    Some(match t {
        PowerType::Licensing => TimeLimit::working_days(20),
        PowerType::Penalty => TimeLimit::days(90),
        PowerType::Coercion => TimeLimit::days(30),
        PowerType::Inspection => return None,
        PowerType::Levy | PowerType::Confirmation => TimeLimit::working_days(10),
        PowerType::Benefit => TimeLimit::working_days(15),
        PowerType::Reward => TimeLimit::working_days(30),
        PowerType::Adjudication => TimeLimit::days(60),
        PowerType::Other => TimeLimit::working_days(20),
        PowerType::PublicService => TimeLimit::working_days(5),
    })
}

/// The items of the list, ids 1.. in table order, with codes in the 湖北
/// style: 区划(6) + 实施主体(3) + 职权类型(2) + 事项序号(3) + 子项序号(2).
fn list_items(rows: &[Row]) -> Vec<Item> {
    let mut serial: BTreeMap<(UnitId, PowerType), u32> = BTreeMap::new();
    let mut codes: Vec<String> = Vec::with_capacity(rows.len());
    let mut subs: BTreeMap<usize, u32> = BTreeMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for (i, r) in rows.iter().enumerate() {
        let code = match r.parent {
            None => {
                let n = serial.entry((r.dept, r.power_type)).or_insert(0);
                *n += 1;
                format!("320903{:03}{}{:03}00", r.dept.0, type_code(r.power_type), n)
            }
            Some(p) => {
                let n = subs.entry(p).or_insert(0);
                *n += 1;
                format!("{}{:02}", &codes[p][..codes[p].len() - 2], n)
            }
        };
        codes.push(code.clone());
        out.push(Item {
            id: ItemId(i as u32 + 1),
            code,
            parent: r.parent.map(|p| ItemId(p as u32 + 1)),
            name: r.name.clone(),
            power_type: r.power_type,
            basis: r.basis.clone(),
            holder: r.dept,
            duties: duties(r.power_type),
            accountability: accountability(r.power_type),
            time_limit: time_limit(r.power_type),
            level: Level::County,
            supersedes: Vec::new(),
        });
    }
    out
}

/// 村 and 社区 added under the towns and streets.
const COMMUNITIES: [(&str, [&str; 2]); 6] = [
    ("盐渎街道", ["公园社区", "大庆社区"]),
    ("新都街道", ["新都社区", "鹿鸣社区"]),
    ("潘黄街道", ["潘黄社区", "仰徐社区"]),
    ("张庄街道", ["张庄社区", "解放社区"]),
    ("盐龙街道", ["盐龙社区", "龙港社区"]),
    ("科城街道", ["科城社区", "文华社区"]),
];

/// The parks' second hop: the town whose delegations continue to the park.
const PARK_TOWNS: [(&str, &str, &str); 2] = [
    ("大纵湖旅游度假区管理委员会", "大纵湖镇", "大纵湖政发"),
    ("台湾农民创业园管理委员会", "郭猛镇", "郭猛政发"),
];

const HIGH_TECH_PARK: &str = "盐城高新技术产业开发区管理委员会";

/// The 12345 order item 区住建局 and 区城管局 both return (the 职责争议).
const DISPUTED: &str = "对擅自改动房屋承重结构的处罚";

/// The item delegated to one town and taken back (收回).
const WITHDRAWN: &str = "对河道非法采砂的处罚";
const WITHDRAWN_TOWN: &str = "龙冈镇";

/// Delegated items with no use reported in the year.
const IDLE: [&str; 3] = [
    "对擅自安装卫星电视地面接收设施的处罚",
    "对拒不履行土地复垦义务的处罚",
    "对违规经营性公墓的处罚",
];

/// Items of the first batch, by name (the rest are drawn).
const BATCH_FIXED: [&str; 12] = [
    "对占道经营的处罚",
    "对违法建设的处罚",
    "对露天焚烧垃圾、秸秆的处罚",
    "对秸秆露天焚烧的处罚",
    "对食品摊贩违反卫生规范的处罚",
    "农村村民宅基地审批",
    "乡村建设规划许可（农村村民住宅）",
    "对农村村民非法占用土地建住宅的处罚",
    "对向河道倾倒垃圾、渣土的处罚",
    "最低生活保障金给付",
    "高龄津贴发放",
    "就业创业证办理",
];

/// Departments whose items the first batch draws from.
const BATCH_DEPTS: [&str; 12] = [
    "区城市管理局",
    "区市场监督管理局",
    "区住房和城乡建设局",
    "区应急管理局",
    "区农业农村局",
    "区自然资源和规划局",
    "区卫生健康委员会",
    "区水务局",
    "区民政局",
    "区人力资源和社会保障局",
    "区文化广电和旅游局",
    "区交通运输局",
];

/// Items concentrated into the 综合执法 body (相对集中), by name.
const CONCENTRATED: [&str; 12] = [
    "对未取得施工许可擅自施工的处罚",
    "对施工单位未采取扬尘防治措施的处罚",
    "对物业服务企业擅自改变物业管理用房用途的处罚",
    "对无照经营的处罚",
    "对建设单位未办理工程质量监督手续的处罚",
    "对食品摊贩违反卫生规范的处罚",
    "对向河道倾倒垃圾、渣土的处罚",
    "对在河道管理范围内违法建设的处罚",
    "对非法占用土地的处罚",
    "对未取得建设工程规划许可证进行建设的处罚",
    "对秸秆露天焚烧的处罚",
    "对在公路用地范围内设置非公路标志的处罚",
];

/// The enforcement catalogue: per department, how many of its 处罚, 强制
/// and 检查 items (in list order), with the domain.
const ENFORCEMENT_DEPTS: [(&str, usize, Domain); 9] = [
    ("区城市管理局", 10, Domain::UrbanManagement),
    ("区市场监督管理局", 6, Domain::MarketRegulation),
    ("区住房和城乡建设局", 5, Domain::UrbanManagement),
    ("区应急管理局", 4, Domain::EmergencyManagement),
    ("区农业农村局", 4, Domain::Agriculture),
    ("区自然资源和规划局", 3, Domain::Other),
    ("区水务局", 4, Domain::Environment),
    ("区交通运输局", 3, Domain::Transport),
    ("区文化广电和旅游局", 3, Domain::CultureMarket),
];

struct Gen<'a> {
    st: &'a State,
    dates: Dates,
    rng: Rng,
    district: District,
    by_name: BTreeMap<String, ItemId>,
}

/// Builds the demo district's 三整合 records as of `today` from the demo
/// ledger (see the module docs). Every record goes through the grassroots
/// crate's own checks; a refusal is returned as the error.
pub fn build_grassroots(ledger: &Ledger, today: NaiveDate) -> Result<DemoGrassroots, String> {
    let st = ledger.state();
    let mut g = Gen {
        st,
        dates: Dates::new(today),
        rng: Rng::new(GRASSROOTS_SEED),
        district: District::default(),
        by_name: BTreeMap::new(),
    };
    g.territory()?;
    g.catalogue()?;
    g.enforcement()?;
    let first = g.delegate()?;
    let idle = g.withdraw(&first)?;
    let usage = g.usage(&idle);
    let mut rng = g.rng.fork(1);
    let index = g.district.index();
    let whistles = whistles(&g, &index, &mut rng)?;
    let (orders, disputes) = orders(&g, &index, &mut rng)?;
    drop(index);
    let District {
        catalogue,
        territory,
        delegations,
        enforcement,
    } = g.district;
    Ok(DemoGrassroots {
        catalogue,
        records: Records {
            territory,
            delegations,
            enforcement,
        },
        whistles,
        orders,
        disputes,
        usage,
    })
}

impl Gen<'_> {
    fn item(&self, name: &str) -> Result<ItemId, String> {
        self.by_name
            .get(name)
            .copied()
            .ok_or_else(|| format!("权责清单中没有“{name}”"))
    }

    fn place(&self, name: &str) -> Result<PlaceId, String> {
        self.district
            .territory
            .places()
            .find(|p| p.name == name)
            .map(|p| p.id)
            .ok_or_else(|| format!("属地中没有“{name}”"))
    }

    fn territory(&mut self) -> Result<(), String> {
        let mut t = bianzhi_grassroots::Territory::from_ledger(self.st);
        let mut next = t.places().map(|p| p.id.0 + 1).max().unwrap_or(1);
        let mut add = |t: &mut bianzhi_grassroots::Territory,
                       parent: &Place,
                       names: Vec<String>,
                       kind: PlaceKind|
         -> Result<(), String> {
            for (k, name) in names.into_iter().enumerate() {
                t.add(Place {
                    id: PlaceId(next),
                    code: format!("{}-{:02}", parent.code, k + 1),
                    name,
                    kind,
                    parent: Some(parent.id),
                    governing: None,
                })
                .map_err(|e| e.to_string())?;
                next += 1;
            }
            Ok(())
        };
        let towns: Vec<Place> = t
            .places()
            .filter(|p| p.kind == PlaceKind::Town)
            .cloned()
            .collect();
        for town in &towns {
            let short = town.name.strip_suffix('镇').unwrap_or(&town.name);
            let names = crate::catalogue::villages(short)
                .iter()
                .map(|v| format!("{v}村"))
                .collect();
            add(&mut t, town, names, PlaceKind::Village)?;
        }
        for (street, names) in COMMUNITIES {
            let Some(p) = t.places().find(|p| p.name == street).cloned() else {
                continue;
            };
            add(
                &mut t,
                &p,
                names.iter().map(|s| s.to_string()).collect(),
                PlaceKind::Community,
            )?;
        }
        self.district.territory = t;
        Ok(())
    }

    fn catalogue(&mut self) -> Result<(), String> {
        let rows = parse_rows(self.st)?;
        let items = list_items(&rows);
        for it in &items {
            self.by_name.insert(it.name.clone(), it.id);
        }
        let doc = format!("盐都政发〔{}〕18号", self.dates.list.year());
        let date = self.dates.list;
        self.district
            .catalogue
            .record_all(
                &doc,
                items
                    .into_iter()
                    .map(|item| (date, Change::Add { item }))
                    .collect(),
            )
            .map_err(|e| format!("权责清单：{e}"))?;
        Ok(())
    }

    fn enforcement(&mut self) -> Result<(), String> {
        let list = self.district.catalogue.as_of(self.dates.list);
        for (dept, n, domain) in ENFORCEMENT_DEPTS {
            let unit = unit_named(self.st, dept)?;
            let lines: Vec<&Item> = list
                .values()
                .filter(|i| i.holder == unit)
                .filter(|i| {
                    matches!(
                        i.power_type,
                        PowerType::Penalty | PowerType::Coercion | PowerType::Inspection
                    )
                })
                .collect();
            let mut picked: Vec<&Item> = lines.iter().copied().take(n).collect();
            // The concentrated ones must be catalogued whatever the cap.
            for i in &lines {
                if CONCENTRATED.contains(&i.name.as_str()) && !picked.iter().any(|p| p.id == i.id) {
                    picked.push(i);
                }
            }
            for i in picked {
                self.district
                    .enforcement
                    .catalogue_item(
                        &self.district.catalogue,
                        EnforcementItem {
                            item: i.id,
                            original: i.holder,
                            basis: i.basis.clone(),
                            domain,
                            includes_coercion: i.power_type == PowerType::Coercion,
                        },
                    )
                    .map_err(|e| format!("综合执法目录：{e}"))?;
            }
        }
        let body = unit_named(self.st, "区城市管理局")?;
        let items = CONCENTRATED
            .iter()
            .map(|n| self.item(n))
            .collect::<Result<Vec<_>, _>>()?;
        let doc = format!("盐都政发〔{}〕31号", self.dates.concentration.year());
        self.district
            .enforcement
            .concentrate(
                &self.district.catalogue,
                &doc,
                self.dates.concentration,
                body,
                items,
            )
            .map_err(|e| format!("相对集中：{e}"))?;

        // 下沉: the 城管执法大队 (its 编制 stays with it), some by name.
        let squad = unit_named(self.st, "区城市管理综合行政执法大队").unwrap_or(body);
        let mut roster: Vec<PersonId> = self.st.roster(squad);
        roster.sort();
        let date = self
            .dates
            .concentration
            .checked_add_months(Months::new(1))
            .unwrap_or(self.dates.concentration);
        // Named people for the first two towns (three each), counts for the rest.
        let mut named = roster.chunks(3);
        for (town, count) in [
            ("大冈镇", 3),
            ("龙冈镇", 3),
            ("楼王镇", 4),
            ("学富镇", 3),
            ("秦南镇", 5),
            ("郭猛镇", 4),
        ] {
            let persons = if matches!(town, "大冈镇" | "龙冈镇") {
                named.next().filter(|p| !p.is_empty())
            } else {
                None
            };
            let staff = match persons {
                Some(p) => Staff::Persons {
                    persons: p.to_vec(),
                },
                None => Staff::Count { count },
            };
            let town = self.place(town)?;
            self.district
                .enforcement
                .send_down(
                    &self.district.territory,
                    Secondment {
                        body: squad,
                        town,
                        staff,
                        date,
                    },
                )
                .map_err(|e| format!("下沉：{e}"))?;
        }
        Ok(())
    }

    /// The first batch and the parks' second hops; the first batch's
    /// delegation ids.
    fn delegate(&mut self) -> Result<Vec<DelegationId>, String> {
        let date = self.dates.batch;
        let cat = &self.district.catalogue;
        let terr = &self.district.territory;
        let towns: Vec<PlaceId> = terr
            .places()
            .filter(|p| p.kind == PlaceKind::Town)
            .map(|p| p.id)
            .collect();
        let streets: Vec<PlaceId> = terr
            .places()
            .filter(|p| p.kind == PlaceKind::Street)
            .map(|p| p.id)
            .collect();
        let high_tech = self.place(HIGH_TECH_PARK).ok();
        let withdrawn = self.item(WITHDRAWN)?;
        let withdrawn_town = self.place(WITHDRAWN_TOWN)?;
        let disputed = self.item(DISPUTED)?;
        let batch_depts = BATCH_DEPTS
            .iter()
            .map(|d| unit_named(self.st, d))
            .collect::<Result<Vec<_>, _>>()?;

        let mut chosen: Vec<ItemId> = BATCH_FIXED
            .iter()
            .chain(IDLE.iter())
            .map(|n| self.item(n))
            .collect::<Result<_, _>>()?;
        let mut pool: Vec<ItemId> = cat
            .as_of(date)
            .values()
            .filter(|i| batch_depts.contains(&i.holder))
            .filter(|i| cat.is_leaf_at(i.id, date))
            .filter(|i| {
                !matches!(
                    i.power_type,
                    PowerType::Adjudication | PowerType::Reward | PowerType::Levy
                )
            })
            .map(|i| i.id)
            .filter(|i| *i != withdrawn && *i != disputed && !chosen.contains(i))
            .collect();
        self.rng.shuffle(&mut pool);
        chosen.extend(pool.into_iter().take(32));

        let conditions_for = |m: Mode| {
            match m {
            Mode::Empower => "镇（街道）综合行政执法局配备2名以上持行政执法证人员，完成业务培训，接入省综合执法办案平台",
            Mode::Entrust => "签订委托书，明确委托事项、权限和期限；受托方以委托部门名义实施，使用委托部门文书",
            Mode::Devolve => "便民服务中心设立综合窗口，配备经培训的专职受理人员，开通政务服务平台端口",
        }
        };
        let mut entries: Vec<DelegationEntry> = Vec::new();
        for &id in &chosen {
            let item = cat.item_at(id, date).ok_or("事项不在用")?;
            let mode = match item.power_type {
                PowerType::Penalty => {
                    if self.rng.chance(0.8) {
                        Mode::Empower
                    } else {
                        Mode::Entrust
                    }
                }
                PowerType::Coercion | PowerType::Inspection => Mode::Entrust,
                PowerType::Licensing => {
                    if self.rng.chance(0.6) {
                        Mode::Devolve
                    } else {
                        Mode::Entrust
                    }
                }
                _ => Mode::Devolve,
            };
            let mut to: Vec<PlaceId> = match self.rng.below(3) {
                0 => towns.clone(),
                1 => towns.iter().chain(&streets).copied().collect(),
                _ => {
                    let mut v = towns.clone();
                    self.rng.shuffle(&mut v);
                    v.truncate(self.rng.range(3, 6) as usize);
                    v.sort();
                    v
                }
            };
            // Villages' matters go to every town and to no street.
            if matches!(
                item.name.as_str(),
                "农村村民宅基地审批"
                    | "乡村建设规划许可（农村村民住宅）"
                    | "对农村村民非法占用土地建住宅的处罚"
                    | "对秸秆露天焚烧的处罚"
            ) {
                to = towns.clone();
            }
            if let Some(h) = high_tech.filter(|_| self.rng.chance(0.15)) {
                to.push(h);
            }
            let from = self
                .district
                .enforcement
                .concentrated_at(id, date)
                .map_or(item.holder, |c| c.body);
            entries.push(DelegationEntry {
                item: id,
                from,
                to,
                mode,
                conditions: conditions_for(mode).to_owned(),
                effective: date,
                chain_parent: None,
                until: None,
            });
        }
        // The one later taken back: to one town.
        let from = cat.item_at(withdrawn, date).ok_or("事项不在用")?.holder;
        entries.push(DelegationEntry {
            item: withdrawn,
            from,
            to: vec![withdrawn_town],
            mode: Mode::Empower,
            conditions: conditions_for(Mode::Empower).to_owned(),
            effective: date,
            chain_parent: None,
            until: None,
        });
        let n = entries.len();
        let doc = format!("盐都政发〔{}〕25号", self.dates.batch_decided.year());
        let batch = self
            .district
            .decide(BatchDecision {
                doc,
                decided: self.dates.batch_decided,
                label: format!("首批赋予基层{n}项管理权限"),
                entries,
            })
            .map_err(|e| format!("首批赋权：{e}"))?;
        let first: Vec<DelegationId> = self
            .district
            .delegations
            .batch(batch)
            .ok_or("批次未记录")?
            .delegations
            .clone();

        // 园区: 镇级委托 of some of the town's items, with the 专用公章.
        for (k, (park, town, agency)) in PARK_TOWNS.iter().enumerate() {
            let (Ok(park_id), Ok(town_id)) = (self.place(park), self.place(town)) else {
                continue;
            };
            let town_unit = unit_named(self.st, town)?;
            let mut hops = Vec::new();
            for &d in &first {
                let del = self.district.delegations.get(d).ok_or("下放未记录")?;
                if !del.entry.to.contains(&town_id) || del.entry.item == withdrawn {
                    continue;
                }
                if hops.len() >= 5 || !self.rng.chance(0.35) {
                    continue;
                }
                hops.push(DelegationEntry {
                    item: del.entry.item,
                    from: town_unit,
                    to: vec![park_id],
                    mode: Mode::Entrust,
                    conditions: "镇级委托，园区使用“××镇人民政府行政审批（执法）专用章”，在园区便民服务中心设立服务阵地".replace("××镇", town),
                    effective: self.dates.hop,
                    chain_parent: Some(d),
                    until: None,
                });
            }
            if hops.is_empty() {
                continue;
            }
            let doc = format!("{agency}〔{}〕{}号", self.dates.hop.year(), 7 + 3 * k);
            self.district
                .decide(BatchDecision {
                    doc,
                    decided: self.dates.hop,
                    label: format!("委托{park}实施{}项镇级管理权限", hops.len()),
                    entries: hops,
                })
                .map_err(|e| format!("园区委托：{e}"))?;
        }
        Ok(first)
    }

    /// The 收回; returns the (delegation, town) pairs never used.
    fn withdraw(&mut self, first: &[DelegationId]) -> Result<Vec<(DelegationId, PlaceId)>, String> {
        let withdrawn = self.item(WITHDRAWN)?;
        let d = first
            .iter()
            .copied()
            .find(|d| {
                self.district
                    .delegations
                    .get(*d)
                    .is_some_and(|x| x.entry.item == withdrawn)
            })
            .ok_or("收回事项未下放")?;
        let doc = format!("盐都政发〔{}〕9号", self.dates.withdrawal.year());
        self.district
            .delegations
            .withdraw(
                d,
                &doc,
                self.dates.withdrawal,
                "赋权以来未发生行权案件，镇综合执法局缺乏采砂监管专业设备和技术力量，承接难度大，收回区水务局行使",
            )
            .map_err(|e| format!("收回：{e}"))?;
        let idle: Vec<ItemId> = IDLE
            .iter()
            .map(|n| self.item(n))
            .collect::<Result<_, _>>()?;
        let mut out = Vec::new();
        for del in self.district.delegations.all() {
            if idle.contains(&del.entry.item) || del.id == d {
                for &t in &del.entry.to {
                    out.push((del.id, t));
                }
            }
        }
        Ok(out)
    }

    fn usage(&mut self, idle: &[(DelegationId, PlaceId)]) -> Vec<UsageRow> {
        let periods = usage_periods(self.dates.today);
        let mut out = Vec::new();
        for del in self.district.delegations.all() {
            let Some(item) = self
                .district
                .catalogue
                .item_at(del.entry.item, del.entry.effective)
            else {
                continue;
            };
            let (lo, hi) = match item.power_type {
                PowerType::Penalty | PowerType::Coercion => (0, 9),
                PowerType::Inspection => (3, 30),
                PowerType::Licensing | PowerType::Confirmation => (2, 40),
                _ => (5, 80),
            };
            for &town in &del.entry.to {
                let zero = idle.contains(&(del.id, town));
                for p in &periods {
                    let through =
                        del.entry.effective <= p.start && del.end().is_none_or(|e| e >= p.end);
                    if !through {
                        continue;
                    }
                    let count = if zero {
                        0
                    } else {
                        self.rng.range(lo.max(1), hi) as u32
                    };
                    out.push(UsageRow {
                        item: del.entry.item,
                        town,
                        period: *p,
                        count,
                    });
                }
            }
        }
        out
    }
}

/// 吹哨 themes: (description, items by name, kind).
const WHISTLE_THEMES: [(&str, &[&str], WhistleKind); 16] = [
    (
        "渣土车夜间偷倒建筑垃圾，占压村道约200米，需城管、交通部门联合查处并清运",
        &["对运输建筑垃圾沿途撒漏、偷倒的处罚", "建筑垃圾运输监督检查"],
        WhistleKind::Special,
    ),
    (
        "河道沿岸企业疑似夜间偷排污水，水体发黑发臭，群众多次反映",
        &["对擅自设置入河排污口的处罚", "排水户排水监督检查"],
        WhistleKind::Daily,
    ),
    (
        "村民在承包地违章搭建生产用房，已浇筑地基，镇执法局劝阻无效",
        &["对违法建设的处罚", "对非法占用土地的处罚"],
        WhistleKind::Daily,
    ),
    (
        "老旧小区多户使用不合格瓶装燃气，软管老化，存在燃气安全隐患",
        &["城镇燃气安全监督检查", "安全生产监督检查"],
        WhistleKind::Daily,
    ),
    (
        "农贸市场周边流动摊贩占道经营，早高峰交通拥堵，食品卫生无保障",
        &["对占道经营的处罚", "对食品摊贩违反卫生规范的处罚"],
        WhistleKind::Daily,
    ),
    (
        "食品小作坊无证生产豆制品，卫生条件差，需联合检查取缔",
        &[
            "对未取得食品经营许可从事食品经营活动的处罚",
            "食品经营者监督检查",
        ],
        WhistleKind::Daily,
    ),
    (
        "工地夜间连续施工噪声扰民，施工单位拒不整改",
        &["对夜间施工噪声扰民的处罚", "建设工程质量安全监督检查"],
        WhistleKind::Daily,
    ),
    (
        "辖区企业有限空间作业未落实通风检测和监护措施",
        &["对有限空间作业未落实安全措施的处罚", "安全生产监督检查"],
        WhistleKind::Daily,
    ),
    (
        "沿河违建养殖棚侵占河道管理范围，影响汛期行洪",
        &[
            "对在河道管理范围内违法建设的处罚",
            "强制拆除河道内阻水障碍物",
        ],
        WhistleKind::Special,
    ),
    (
        "农村公路两侧建筑控制区内新增违法搭建门面房",
        &["对农村公路两侧建筑控制区内违法建设的处罚"],
        WhistleKind::Daily,
    ),
    (
        "辖区网吧违规接纳未成年人上网，家长多次投诉",
        &["对网吧接纳未成年人的处罚", "文化市场日常巡查"],
        WhistleKind::Daily,
    ),
    (
        "湖区夜间使用电拖网非法捕捞，需渔政联合执法",
        &["对非法捕捞水产品的处罚", "扣押非法捕捞渔具"],
        WhistleKind::Daily,
    ),
    (
        "沿街商铺违规设置店招和户外广告，存在坠落隐患",
        &["对违规设置店招标牌的处罚", "对擅自设置户外广告的处罚"],
        WhistleKind::Daily,
    ),
    (
        "施工项目拖欠农民工工资，二十余名工人聚集讨薪",
        &["对用人单位拖欠劳动者工资的处罚", "农民工工资支付情况检查"],
        WhistleKind::Special,
    ),
    (
        "强降雨致圩堤出现管涌险情，需水务、应急部门到场处置",
        &["防汛抗旱检查", "河湖日常巡查"],
        WhistleKind::Emergency,
    ),
    (
        "施工挖断中压燃气管道发生泄漏，已疏散周边群众",
        &["城镇燃气安全监督检查", "对擅自占用、挖掘城市道路的处罚"],
        WhistleKind::Emergency,
    ),
];

/// Whistle themes that only towns raise (villages, farmland, lakes).
const RURAL_WHISTLES: [usize; 4] = [2, 8, 9, 11];

/// Order themes that only come from towns and villages.
const RURAL_ORDERS: [usize; 5] = [7, 10, 15, 19, 25];

fn report_limit(kind: WhistleKind) -> i64 {
    i64::from(bianzhi_grassroots::ReportLimits::default().minutes(kind))
}

fn whistles(g: &Gen<'_>, index: &Index<'_>, rng: &mut Rng) -> Result<Vec<Whistle>, String> {
    let terr = &g.district.territory;
    let today = g.dates.today;
    let now = at(today, 24 * 60 - 1);
    let raisers: Vec<PlaceId> = terr
        .places()
        .filter(|p| p.kind.is_town_level() && p.governing.is_some())
        .map(|p| p.id)
        .collect();
    let emergency = unit_named(g.st, "区应急管理局")?;
    let mut out: Vec<Whistle> = Vec::new();
    // (days before today, theme); the last two are 应急 of yesterday, still open.
    let mut plan: Vec<(i64, usize)> = Vec::new();
    for k in 0..28 {
        // About one a day, from 30 days before today to 3 days before.
        let day = 30 - k as i64;
        let theme = if k % 9 == 4 {
            14 + (k / 9) % 2
        } else {
            rng.index(14)
        };
        plan.push((day, theme));
    }
    plan.sort();
    plan.reverse();
    plan.push((0, 15));
    plan.push((0, 14));
    for (n, (days_before, theme)) in plan.into_iter().enumerate() {
        let (desc, names, kind) = WHISTLE_THEMES[theme];
        // The two still open were raised yesterday afternoon, so that they
        // are in the past whenever today the demo is served.
        let day = plus(today, -days_before.max(1));
        let items = names
            .iter()
            .map(|name| g.item(name))
            .collect::<Result<Vec<_>, _>>()?;
        let rural = RURAL_WHISTLES.contains(&theme);
        let pool: Vec<PlaceId> = raisers
            .iter()
            .copied()
            .filter(|p| !rural || terr.get(*p).is_some_and(|x| x.kind == PlaceKind::Town))
            .collect();
        let raiser = pool[rng.index(pool.len())];
        let inside: Vec<PlaceId> = terr
            .places()
            .filter(|p| p.parent == Some(raiser))
            .map(|p| p.id)
            .collect();
        let place = if inside.is_empty() || rng.chance(0.3) {
            raiser
        } else {
            inside[rng.index(inside.len())]
        };
        let mut departments = suggest_departments(index, terr, raiser, &items, place, day);
        if kind == WhistleKind::Emergency && !departments.contains(&emergency) {
            departments.push(emergency);
        }
        if departments.is_empty() {
            // Everything is the raiser's own: call the items' departments.
            for i in &items {
                if let Some(it) = g.district.catalogue.item_at(*i, day) {
                    if !departments.contains(&it.holder) {
                        departments.push(it.holder);
                    }
                }
            }
        }
        let raised_at = if days_before == 0 {
            at(
                day,
                if theme == 15 {
                    16 * 60 + 10
                } else {
                    17 * 60 + 40
                },
            )
        } else {
            at(day, rng.range(7 * 60, 17 * 60))
        };
        let place_name = terr.get(place).map_or("", |p| p.name.as_str());
        let mut w = Whistle::raise(
            terr,
            WhistleRequest {
                id: WhistleId(n as u32),
                raiser,
                kind,
                items,
                place,
                description: format!("{place_name}：{desc}"),
                departments: departments.clone(),
                raised_at,
            },
        )
        .map_err(|e| format!("吹哨：{e}"))?;

        let limit = report_limit(kind);
        let mut steps: Vec<(NaiveDateTime, u8, WhistleAction)> = Vec::new();
        let mut scores: Vec<(UnitId, u8, bool)> = Vec::new();
        let mut finished = raised_at;
        for (k, &dept) in departments.iter().enumerate() {
            if days_before == 0 && k == departments.len() - 1 {
                // Not reported yet: overdue at the end of today.
                continue;
            }
            let late = rng.chance(0.12);
            let report = if late {
                limit + rng.range(5, limit / 2 + 30)
            } else {
                rng.range(limit / 6, limit * 9 / 10)
            };
            let r_at = raised_at + Duration::minutes(report);
            let a_at = r_at + Duration::minutes(rng.range(5, 60));
            let work = match kind {
                WhistleKind::Emergency => rng.range(60, 240),
                WhistleKind::Special => rng.range(240, 1440),
                WhistleKind::Daily => rng.range(180, 2880),
            };
            let d_at = a_at + Duration::minutes(work);
            steps.push((r_at, 0, WhistleAction::Report { dept }));
            steps.push((a_at, 1, WhistleAction::Act { dept }));
            if days_before > 0 || (k == 0 && theme == 14) {
                steps.push((d_at, 2, WhistleAction::Done { dept }));
                finished = finished.max(d_at);
                let score = if late {
                    rng.range(60, 79)
                } else {
                    rng.range(82, 100)
                } as u8;
                scores.push((dept, score, late));
            }
        }
        let all_done = scores.len() == departments.len();
        let eval_at = finished + Duration::minutes(rng.range(30, 600));
        for (dept, score, late) in scores {
            let comment = if late {
                "报到超时，处置结果基本满意"
            } else if score >= 95 {
                "到场迅速，处置彻底，配合有力"
            } else {
                "按时报到，处置到位"
            };
            steps.push((
                eval_at,
                3,
                WhistleAction::Evaluate {
                    dept,
                    score,
                    comment: comment.to_owned(),
                },
            ));
        }
        if all_done {
            steps.push((eval_at + Duration::minutes(10), 4, WhistleAction::Close));
        }
        steps.sort_by_key(|(t, o, _)| (*t, *o));
        for (t, _, action) in steps {
            if t > now {
                break;
            }
            w.act(t, action).map_err(|e| format!("吹哨 {n}：{e}"))?;
        }
        out.push(w);
    }
    Ok(out)
}

/// 12345 themes: (诉求, item by name or `None` for the 兜底, urgency).
const ORDER_THEMES: [(&str, Option<&str>, Urgency); 30] = [
    (
        "小区楼下烧烤店油烟直排，晚上十点后仍在营业，影响休息",
        Some("对餐饮服务业油烟超标排放的处罚"),
        Urgency::General,
    ),
    (
        "路口流动摊贩占道经营，早晚高峰堵塞交通",
        Some("对占道经营的处罚"),
        Urgency::General,
    ),
    (
        "附近工地夜间施工噪声大，凌晨仍在浇筑",
        Some("对夜间施工噪声扰民的处罚"),
        Urgency::General,
    ),
    (
        "楼上住户装修拆改承重墙，担心房屋安全",
        Some(DISPUTED),
        Urgency::Complex,
    ),
    (
        "超市出售过期面包和酸奶，要求查处",
        Some("对经营超过保质期食品的处罚"),
        Urgency::General,
    ),
    (
        "农贸市场商户不明码标价，结账时随意要价",
        Some("对经营者未明码标价的处罚"),
        Urgency::General,
    ),
    (
        "公司拖欠三个月工资不发，要求协调",
        Some("对用人单位拖欠劳动者工资的处罚"),
        Urgency::Complex,
    ),
    (
        "村里有人焚烧秸秆，浓烟影响出行",
        Some("对秸秆露天焚烧的处罚"),
        Urgency::Urgent,
    ),
    (
        "有人往河道里倾倒建筑垃圾和生活垃圾",
        Some("对向河道倾倒垃圾、渣土的处罚"),
        Urgency::General,
    ),
    (
        "小区门口路灯连续一周不亮，夜间出行不便",
        Some("城市道路照明设施报修受理"),
        Urgency::Utility,
    ),
    (
        "村里自来水停水两天，未接到任何通知",
        Some("农村供水报修服务"),
        Urgency::Utility,
    ),
    (
        "咨询家中老人申请低保需要什么条件",
        Some("最低生活保障金给付"),
        Urgency::General,
    ),
    (
        "父亲年满八十周岁，咨询高龄津贴如何申领",
        Some("高龄津贴发放"),
        Urgency::General,
    ),
    (
        "咨询灵活就业人员社保补贴申领流程",
        Some("灵活就业人员社保补贴申领"),
        Urgency::General,
    ),
    (
        "咨询到上海就医如何办理异地就医备案",
        Some("异地就医备案"),
        Urgency::General,
    ),
    (
        "村道坑洼积水，电动车多次摔倒",
        Some("农村公路养护报修受理"),
        Urgency::General,
    ),
    (
        "镇上网吧接纳未成年人通宵上网",
        Some("对网吧接纳未成年人的处罚"),
        Urgency::General,
    ),
    (
        "小区绿化带有人随意倾倒生活垃圾",
        Some("对随意倾倒生活垃圾的处罚"),
        Urgency::General,
    ),
    (
        "楼道内闻到明显燃气味，怀疑管道泄漏",
        Some("城镇燃气安全监督检查"),
        Urgency::Urgent,
    ),
    (
        "咨询翻建自家住房如何办理宅基地审批",
        Some("农村村民宅基地审批"),
        Urgency::General,
    ),
    (
        "邻居在公共空地上违章搭建彩钢棚",
        Some("对违法建设的处罚"),
        Urgency::Complex,
    ),
    (
        "物业公司把物业用房出租给商户开店",
        Some("对物业服务企业擅自改变物业管理用房用途的处罚"),
        Urgency::Complex,
    ),
    (
        "健身房办卡后突然关门，预付卡无法退费",
        Some("对单用途预付卡发卡企业违规的处罚"),
        Urgency::Complex,
    ),
    (
        "咨询孩子明年上小学的入学登记时间",
        Some("适龄儿童入学登记"),
        Urgency::General,
    ),
    (
        "沿街商铺店招松动，大风天存在坠落隐患",
        Some("对违规设置店招标牌的处罚"),
        Urgency::Urgent,
    ),
    (
        "有人在湖里用电网捕鱼",
        Some("对非法捕捞水产品的处罚"),
        Urgency::General,
    ),
    ("建议增加开往城区的公交班次", None, Urgency::General),
    (
        "反映邻里因排水沟问题产生纠纷，要求调解",
        None,
        Urgency::General,
    ),
    ("咨询房屋征收补偿政策", None, Urgency::General),
    ("反映小区供电线路老化，频繁跳闸", None, Urgency::Utility),
];

/// Scripted single 退单 (theme, basis, to whom it goes).
/// `None`: to the body of the town the order is in.
const SINGLE_RETURNS: [(usize, &str, Option<&str>); 4] = [
    (0, "该店为持证餐饮单位，依据《江苏省大气污染防治条例》餐饮油烟由市场监管部门结合食品经营监管督促整改", Some("区市场监督管理局")),
    (22, "依据《单用途商业预付卡管理办法（试行）》，发卡企业为个体健身房，属市场监管部门消费维权职责", Some("区市场监督管理局")),
    (10, "该村供水管网属村集体自建自管，依据《江苏省农村供水管理办法》由所在镇人民政府负责维护管理", None),
    (27, "反映事项属村民间纠纷，依据《中华人民共和国人民调解法》由所在镇（街道）人民调解委员会调处", Some("区司法局")),
];

fn orders(
    g: &Gen<'_>,
    index: &Index<'_>,
    rng: &mut Rng,
) -> Result<(Vec<WorkOrder>, Disputes), String> {
    let terr = &g.district.territory;
    let today = g.dates.today;
    let now = at(today, 24 * 60 - 1);
    let places: Vec<PlaceId> = terr
        .places()
        .filter(|p| p.kind != PlaceKind::District)
        .map(|p| p.id)
        .collect();
    let housing = unit_named(g.st, "区住房和城乡建设局")?;
    let urban = unit_named(g.st, "区城市管理局")?;
    let mut out: Vec<WorkOrder> = Vec::new();
    let mut single_done = [false; SINGLE_RETURNS.len()];
    let mut serial: BTreeMap<NaiveDate, u32> = BTreeMap::new();
    let total = 150;
    let mut dispute_last = at(plus(today, -30), 0);
    for n in 0..total {
        // Two dispute orders early in the month, then the rest.
        let (theme, days_before) = match n {
            3 => (3, 26),
            9 => (3, 21),
            _ => {
                let mut t = rng.index(ORDER_THEMES.len());
                if t == 3 {
                    t = rng.index(3);
                }
                // Unclassified (兜底) orders are the exception: about one in twelve.
                if ORDER_THEMES[t].1.is_none() && rng.chance(0.5) {
                    t = 4 + rng.index(22);
                }
                (t, 30 - (n as i64 * 30 / total as i64))
            }
        };
        let (text, item_name, urgency) = ORDER_THEMES[theme];
        let day = plus(today, -days_before);
        let item = item_name.map(|n| g.item(n)).transpose()?;
        let rural = RURAL_ORDERS.contains(&theme);
        let pool: Vec<PlaceId> = places
            .iter()
            .copied()
            .filter(|p| {
                !rural
                    || terr
                        .get(*p)
                        .is_some_and(|x| matches!(x.kind, PlaceKind::Town | PlaceKind::Village))
            })
            .collect();
        let place = pool[rng.index(pool.len())];
        let received = at(day, rng.range(7 * 60, 21 * 60));
        let s = serial.entry(day).or_insert(0);
        *s += 1;
        let number = format!("12345{}{:04}", day.format("%Y%m%d"), 100 + *s);
        let place_name = terr.get(place).map_or("", |p| p.name.as_str());
        let mut o = WorkOrder::new(OrderRow {
            number,
            received,
            place,
            text: format!("{place_name}：{text}"),
            item,
            urgency,
        });
        let mut t = received + Duration::minutes(rng.range(5, 30));
        let err = |e: bianzhi_grassroots::OrderError| format!("工单 {n}：{e}");
        o.route(index, terr, t).map_err(err)?;
        let mut steps: Vec<(NaiveDateTime, OrderAction)> = Vec::new();
        // 退单 and 改派.
        // A single 退单 where the basis names another body than the assignee.
        let town = terr.town_of(place).and_then(|p| p.governing);
        let mut single = None;
        if let Some(k) = SINGLE_RETURNS
            .iter()
            .position(|(th, _, _)| *th == theme)
            .filter(|k| !single_done[*k] && days_before > 5)
        {
            let to = match SINGLE_RETURNS[k].2 {
                Some(name) => Some(unit_named(g.st, name)?),
                None => town,
            };
            single = to.filter(|u| Some(*u) != o.assignee).map(|u| (k, u));
        }
        if theme == 3 {
            let first = o.assignee.ok_or("未派单")?;
            let other = if first == housing { urban } else { housing };
            t += Duration::minutes(rng.range(60, 600));
            steps.push((t, OrderAction::Return { by: first, basis: "依据《中华人民共和国城乡规划法》第六十四条及相对集中行政处罚权决定，擅自改变房屋结构涉及违法建设，应由城管部门查处".into() }));
            t += Duration::minutes(rng.range(30, 240));
            steps.push((
                t,
                OrderAction::Reassign {
                    to: other,
                    reason: "承办单位退单，依据其所附依据改派".into(),
                },
            ));
            if n == 9 {
                t += Duration::minutes(rng.range(60, 600));
                steps.push((t, OrderAction::Return { by: other, basis: "依据《住宅室内装饰装修管理办法》第五条、第三十八条，住宅室内装饰装修活动的监督管理和拆改承重结构的处罚由房地产（住房城乡建设）主管部门负责".into() }));
                t += Duration::minutes(rng.range(30, 240));
                steps.push((
                    t,
                    OrderAction::Reassign {
                        to: first,
                        reason:
                            "双方均退单，按现行权责清单由实施主体先行办理，职责争议提请区委编办协调"
                                .into(),
                    },
                ));
                steps.push((t + Duration::minutes(20), OrderAction::Sign { by: first }));
                t += Duration::minutes(20);
            } else {
                steps.push((t + Duration::minutes(15), OrderAction::Sign { by: other }));
                t += Duration::minutes(15);
            }
            dispute_last = dispute_last.max(t);
        } else if let Some((k, to)) = single {
            let (_, basis, _) = SINGLE_RETURNS[k];
            let first = o.assignee.ok_or("未派单")?;
            single_done[k] = true;
            t += Duration::minutes(rng.range(30, 300));
            steps.push((
                t,
                OrderAction::Return {
                    by: first,
                    basis: basis.into(),
                },
            ));
            t += Duration::minutes(rng.range(30, 240));
            steps.push((
                t,
                OrderAction::Reassign {
                    to,
                    reason: "经审核退单理由成立，改派".into(),
                },
            ));
            t += Duration::minutes(rng.range(10, 120));
            steps.push((t, OrderAction::Sign { by: to }));
        } else {
            let by = o.assignee.ok_or("未派单")?;
            t += Duration::minutes(match urgency {
                Urgency::Urgent => rng.range(5, 20),
                _ => rng.range(10, 180),
            });
            steps.push((t, OrderAction::Sign { by }));
        }
        // 答复 and 回访.
        let late = rng.chance(0.08);
        let reply = match (urgency, late) {
            (Urgency::Urgent, false) => rng.range(30, 110),
            (Urgency::Urgent, true) => rng.range(130, 300),
            (Urgency::Utility, false) => rng.range(180, 1200),
            (Urgency::Utility, true) => rng.range(1500, 2400),
            (Urgency::General, false) => rng.range(1440, 6 * 1440),
            (Urgency::General, true) => rng.range(7 * 1440 + 60, 9 * 1440),
            (Urgency::Complex, false) => rng.range(5 * 1440, 14 * 1440),
            (Urgency::Complex, true) => rng.range(15 * 1440 + 60, 18 * 1440),
        };
        let r_at = (received + Duration::minutes(reply)).max(t + Duration::minutes(30));
        let resolved = rng.chance(0.86);
        let satisfied = if resolved {
            rng.chance(0.91)
        } else {
            rng.chance(0.15)
        };
        let c_at = r_at + Duration::minutes(rng.range(12 * 60, 48 * 60));
        for (t, a) in steps {
            if t > now {
                break;
            }
            o.act(t, a).map_err(err)?;
        }
        if o.state == OrderState::Signed && r_at <= now {
            let by = o.assignee.ok_or("未签收")?;
            o.act(r_at, OrderAction::Reply { by }).map_err(err)?;
            if c_at <= now {
                o.act(
                    c_at,
                    OrderAction::Close {
                        resolved,
                        satisfied,
                    },
                )
                .map_err(err)?;
            }
        }
        out.push(o);
    }
    // The 职责争议 the repeated 退单 open, taken to 协调 and left undecided.
    let mut disputes = Disputes::default();
    let opened_at = dispute_last + Duration::hours(2);
    let opened = disputes.observe(&out, opened_at);
    for id in opened {
        let t = opened_at + Duration::days(3);
        disputes
            .act(
                id,
                t,
                DisputeAction::Escalate {
                    reason: "区住建局、区城管局经两轮书面协商未达成一致".into(),
                },
            )
            .map_err(|e| format!("职责争议：{e}"))?;
        disputes
            .act(
                id,
                t + Duration::days(4),
                DisputeAction::Opinion {
                    text: "住宅室内装饰装修中擅自拆改承重结构的，由区住建局依据《住宅室内装饰装修管理办法》查处；改变房屋外立面或新增建筑面积构成违法建设的，由区城管局查处。拟报区政府审定，审定前维持现行分工".into(),
                },
            )
            .map_err(|e| format!("职责争议：{e}"))?;
    }
    Ok((out, disputes))
}
