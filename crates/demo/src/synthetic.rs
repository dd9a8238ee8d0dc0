//! A fast generator of province-scale journals for benchmarks: matters that
//! are already resolved (every id filled in), so they can be applied with
//! [`State::apply`](bianzhi_core::State::apply) in order, without a ledger.
//!
//! The generator keeps a compact mirror of the figures the rules check
//! (vacancies, plan lines, who is pending or in post, who holds a post) so that
//! every matter applies cleanly, and does no per-person quadratic work.

use bianzhi_core::catalog::{
    ControlMode, InstitutionCategory, LeaveReason, PlanChannel, PostKind, Rank, StaffIdentity,
    UnitKind,
};
use bianzhi_core::ident::{make_credit_code, make_id_number, parse_doc_no, Sex};
use bianzhi_core::model::PersonDetails;
use bianzhi_core::{
    AccountRef, BodyId, CatRef, Matter, NewUnit, Op, PersonId, PersonRef, PlanLineId, UnitId,
    UnitRef,
};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};

use crate::people::Names;
use crate::rng::Rng;

const COUNTY_CSV: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/divisions/gbt2260-county-history.csv"
));

// Standard catalogue ids (see `bianzhi_core::catalog`).
const XZ: u16 = 0;
const ZF: u16 = 1;
const SY: u16 = 2;
const CG: u16 = 3;
const GQ: u16 = 4;

const FIRST_YEAR: i32 = 2018;
const YEARS: i32 = 5;

/// Department types: (name, kind, quota type, institution types, weight of its institutions).
const DEPT_TYPES: &[(&str, UnitKind, u16, &[&str], u32)] = &[
    ("委办公室", UnitKind::PartyOrgan, XZ, &["档案馆"], 1),
    (
        "委组织部",
        UnitKind::PartyOrgan,
        XZ,
        &["党员教育中心", "人才发展服务中心"],
        1,
    ),
    ("委宣传部", UnitKind::PartyOrgan, XZ, &["融媒体中心"], 1),
    (
        "政府办公室",
        UnitKind::GovDept,
        XZ,
        &["机关事务管理中心", "大数据管理中心"],
        1,
    ),
    (
        "发展和改革委员会",
        UnitKind::GovDept,
        XZ,
        &["价格认证中心", "重点项目推进中心"],
        1,
    ),
    (
        "教育局",
        UnitKind::GovDept,
        XZ,
        &["小学", "初级中学", "幼儿园", "高级中学"],
        9,
    ),
    ("公安局", UnitKind::GovDept, ZF, &["警务辅助服务中心"], 1),
    (
        "民政局",
        UnitKind::GovDept,
        XZ,
        &["社会福利院", "救助管理站"],
        1,
    ),
    ("司法局", UnitKind::GovDept, ZF, &["公共法律服务中心"], 1),
    (
        "财政局",
        UnitKind::GovDept,
        XZ,
        &["国库集中收付中心", "政府采购中心"],
        1,
    ),
    (
        "人力资源和社会保障局",
        UnitKind::GovDept,
        XZ,
        &["社会保险基金管理中心", "公共就业人才服务中心"],
        1,
    ),
    (
        "自然资源和规划局",
        UnitKind::GovDept,
        XZ,
        &["不动产登记中心", "土地储备中心"],
        1,
    ),
    (
        "住房和城乡建设局",
        UnitKind::GovDept,
        XZ,
        &["住房保障中心", "建设工程质量安全监督站"],
        1,
    ),
    (
        "交通运输局",
        UnitKind::GovDept,
        XZ,
        &["交通运输综合行政执法大队", "公路事业发展中心"],
        1,
    ),
    (
        "水务局",
        UnitKind::GovDept,
        XZ,
        &["河道管理处", "水利工程管理所"],
        1,
    ),
    (
        "农业农村局",
        UnitKind::GovDept,
        XZ,
        &["农业技术推广中心", "畜牧兽医站", "农业综合行政执法大队"],
        2,
    ),
    (
        "文化广电和旅游局",
        UnitKind::GovDept,
        XZ,
        &["文化馆", "图书馆", "博物馆"],
        1,
    ),
    (
        "卫生健康委员会",
        UnitKind::GovDept,
        XZ,
        &["卫生院", "社区卫生服务中心", "人民医院", "疾病预防控制中心"],
        5,
    ),
    (
        "应急管理局",
        UnitKind::GovDept,
        XZ,
        &["应急救援指挥中心"],
        1,
    ),
    (
        "市场监督管理局",
        UnitKind::GovDept,
        XZ,
        &["检验检测中心", "市场监管综合行政执法大队"],
        1,
    ),
    (
        "城市管理局",
        UnitKind::GovDept,
        XZ,
        &["城市管理综合行政执法大队", "环境卫生管理处"],
        1,
    ),
    ("人民法院", UnitKind::Court, ZF, &[], 0),
    ("人民检察院", UnitKind::Procuratorate, ZF, &[], 0),
    ("人大常委会办公室", UnitKind::Congress, XZ, &[], 0),
    ("政协办公室", UnitKind::Cppcc, XZ, &[], 0),
    ("总工会", UnitKind::MassOrg, XZ, &["职工服务中心"], 1),
    (
        "妇女联合会",
        UnitKind::MassOrg,
        XZ,
        &["妇女儿童活动中心"],
        1,
    ),
];

const SECOND_NAMES: &[(&str, &str)] = &[
    ("农业农村局", "乡村振兴局"),
    ("文化广电和旅游局", "文物局"),
    ("市场监督管理局", "知识产权局"),
    ("委组织部", "公务员局"),
    ("委宣传部", "新闻出版局"),
];

const BODY_NAMES: &[&str] = &["办公室", "综合科", "政策法规科"];

const DEMOCRATIC: &[&str] = &["民盟盟员", "民进会员", "九三学社社员", "农工党党员"];

/// The county-level divisions of Jiangsu in use (code, "city+county" name).
fn regions() -> Vec<(u32, String)> {
    let mut v: Vec<(u32, String)> = COUNTY_CSV
        .lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.trim_start_matches('\u{feff}').split(',').collect();
            if f.len() < 6 || !f[0].starts_with("32") || f[4] != "县级" || f[5] != "在用" {
                return None;
            }
            Some((f[0].parse().ok()?, format!("{}{}", f[2], f[3])))
        })
        .collect();
    v.sort();
    v.dedup_by_key(|(c, _)| *c);
    if v.is_empty() {
        v.push((320903, "盐城市盐都区".into()));
    }
    v
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

#[derive(Debug, Clone)]
struct U {
    name: String,
    dept: bool,
    parent: u32,
    qtype: u16,
    funding: u8,
    approved: i32,
    actual: i32,
    frozen: i32,
    locked: i32,
    active: bool,
    deputy_posts: i32,
    chief: Option<u32>,
    deputies: Vec<u32>,
    /// Internal bodies (id, chief post holder).
    bodies: Vec<(u32, Option<u32>)>,
    /// Everyone ever placed in the unit's main account (filter by `P::unit`).
    people: Vec<u32>,
    /// Index into `DEPT_TYPES` (the department's own type for institutions).
    dtype: usize,
    second_named: bool,
    renamed: u32,
}

impl U {
    fn vacant(&self) -> i32 {
        self.approved - self.actual - self.frozen - self.locked
    }
}

const PENDING: u8 = 0;
const ACTIVE: u8 = 1;
const LEFT: u8 = 2;

const POST_NONE: u8 = 0;
const POST_CHIEF: u8 = 1;
const POST_DEPUTY: u8 = 2;
const POST_BODY: u8 = 3;

#[derive(Debug, Clone, Copy)]
struct P {
    unit: u32,
    status: u8,
    post: u8,
    /// 工勤编制 (departments only; never moves or leads).
    worker: bool,
}

struct Gen {
    rng: Rng,
    names: Names,
    regions: Vec<(u32, String)>,
    codes: Vec<String>,
    units: Vec<U>,
    persons: Vec<P>,
    /// Registered people by birth year (for 退休 at 60).
    by_birth_year: Vec<Vec<u32>>,
    lines: Vec<(u32, i32, i32)>,
    /// Institutions of each department.
    children: Vec<Vec<u32>>,
    next_body: u32,
    out: Vec<Matter>,
    clock: DateTime<Utc>,
    doc_year: i32,
    doc_n: u32,
    hires: u32,
}

/// Base of the birth dates of registered people (ages 22–59 on 2018-01-01).
const REG_BIRTH_BASE: (i32, u32, u32) = (1958, 1, 2);
const REG_DAYS: u32 = 13_870;
/// Base of the birth dates of new hires (ages about 22–35 in 2018–2022).
const HIRE_BIRTH_BASE: (i32, u32, u32) = (1983, 1, 1);
const HIRE_DAYS: u32 = 6_200;

impl Gen {
    fn push(&mut self, eff: NaiveDate, reason: String, ops: Vec<Op>) {
        if ops.is_empty() {
            return;
        }
        if eff.year() != self.doc_year {
            self.doc_year = eff.year();
            self.doc_n = 0;
        }
        self.doc_n += 1;
        let doc = parse_doc_no(&format!("苏编办〔{}〕{}号", eff.year(), self.doc_n))
            .expect("well-formed 文号");
        let base = (eff + Duration::days(3))
            .and_hms_opt(1, 0, 0)
            .expect("time")
            .and_utc();
        self.clock = if self.clock + Duration::seconds(3) > base {
            self.clock + Duration::seconds(3)
        } else {
            base
        };
        self.out.push(Matter {
            doc,
            effective: eff,
            recorded_at: self.clock,
            actor: "省委编办·基准数据".into(),
            reason,
            ops,
            warnings: Vec::new(),
            attachments: Vec::new(),
            corrects: None,
            supplements: None,
        });
    }

    /// Pushes `ops` as matters of at most `per` operations each.
    fn push_chunks(&mut self, eff: NaiveDate, reason: &str, ops: Vec<Op>, per: usize) {
        let mut it = ops.into_iter().peekable();
        while it.peek().is_some() {
            let chunk: Vec<Op> = it.by_ref().take(per).collect();
            let n = chunk.len();
            self.push(eff, format!("{reason}（{n}项）"), chunk);
        }
    }

    fn acct(&self, u: u32, qtype: u16) -> AccountRef {
        let funding = if qtype == GQ {
            0
        } else {
            self.units[u as usize].funding
        };
        AccountRef {
            unit: UnitRef::Id(UnitId(u)),
            qtype: CatRef::Id(qtype),
            funding: CatRef::Id(u16::from(funding)),
        }
    }

    /// Details of person number `n`; `young` people come from the hire space.
    fn details(&mut self, n: u32, young: bool, on: NaiveDate, qtype: u16) -> (PersonDetails, i32) {
        let a = self.codes.len() as u32;
        let (base, days, seq0) = if young {
            (HIRE_BIRTH_BASE, HIRE_DAYS, 250u32)
        } else {
            (REG_BIRTH_BASE, REG_DAYS, 0u32)
        };
        let addr = (n % a) as usize;
        let r = n / a;
        let day = (u64::from(r % days) * 7919 % u64::from(days)) as i64;
        let seq = seq0 + r / days;
        assert!(seq < 500, "synthetic person space exhausted");
        let birth = ymd(base.0, base.1, base.2) + Duration::days(day);
        let sex = if self.rng.chance(0.45) {
            Sex::Female
        } else {
            Sex::Male
        };
        let id_number = make_id_number(&self.codes[addr], birth, seq as u16, sex);
        let name = self.names.full_name(&mut self.rng, sex, birth.year());
        let age = on.year() - birth.year();
        let identity = match qtype {
            XZ | ZF => StaffIdentity::CivilServant,
            CG => StaffIdentity::ReferenceCivilServant,
            GQ => StaffIdentity::Worker,
            _ => StaffIdentity::InstitutionStaff,
        };
        let x = self.rng.f64();
        let political = if x < 0.45 {
            "中共党员"
        } else if x < 0.48 {
            DEMOCRATIC[self.rng.index(DEMOCRATIC.len())]
        } else if age < 28 {
            "共青团员"
        } else {
            "群众"
        };
        let x = self.rng.f64();
        let education = if qtype == GQ {
            if x < 0.5 {
                "普通高中"
            } else {
                "大学专科"
            }
        } else if x < 0.62 {
            "大学本科"
        } else if x < 0.82 {
            "硕士研究生"
        } else {
            "大学专科"
        };
        let mut work_start = birth + Duration::days(22 * 365 + self.rng.range(0, 700));
        if work_start > on {
            work_start = on;
        }
        let service = on.year() - work_start.year();
        let (post_grade, position) = match identity {
            StaffIdentity::CivilServant | StaffIdentity::ReferenceCivilServant => (
                "综合管理类",
                match service {
                    0..=3 => "一级科员",
                    4..=9 => "四级主任科员",
                    10..=19 => "二级主任科员",
                    _ => "一级主任科员",
                },
            ),
            StaffIdentity::InstitutionStaff => match service {
                0..=5 => ("专业技术岗位十二级", "助理级"),
                6..=15 => ("专业技术岗位九级", "中级"),
                _ => ("专业技术岗位六级", "副高级"),
            },
            StaffIdentity::Worker => ("工勤技能岗位", "技术工三级（高级工）"),
        };
        let details = PersonDetails {
            name,
            id_number,
            ethnicity: if self.rng.chance(0.985) {
                "汉族"
            } else {
                "回族"
            }
            .into(),
            political: political.into(),
            education: education.into(),
            work_start: Some(work_start),
            identity,
            post_grade: post_grade.into(),
            position: position.into(),
        };
        (details, birth.year())
    }

    fn new_person(&mut self, unit: u32, worker: bool, status: u8) -> u32 {
        let id = self.persons.len() as u32;
        self.persons.push(P {
            unit,
            status,
            post: POST_NONE,
            worker,
        });
        if !worker {
            self.units[unit as usize].people.push(id);
        }
        id
    }

    /// A random active person of the unit's main account without a post.
    fn pick_staff(&mut self, u: u32) -> Option<u32> {
        let n = self.units[u as usize].people.len();
        if n == 0 {
            return None;
        }
        for _ in 0..12 {
            let p = self.units[u as usize].people[self.rng.index(n)];
            let q = self.persons[p as usize];
            if q.unit == u && q.status == ACTIVE && q.post == POST_NONE && !q.worker {
                return Some(p);
            }
        }
        None
    }

    fn clear_post(&mut self, p: u32) {
        let q = self.persons[p as usize];
        if q.post == POST_NONE {
            return;
        }
        let u = &mut self.units[q.unit as usize];
        match q.post {
            POST_CHIEF => {
                if u.chief == Some(p) {
                    u.chief = None;
                }
            }
            POST_DEPUTY => u.deputies.retain(|d| *d != p),
            _ => {
                for b in &mut u.bodies {
                    if b.1 == Some(p) {
                        b.1 = None;
                    }
                }
            }
        }
        self.persons[p as usize].post = POST_NONE;
    }
}

/// Generates a province-scale journal of about `units` units and at least
/// `people` people (registered at 建账 on 2018-01-01, then five years of
/// 用编计划, 入编/报到, 退休 and other departures, 调动, 任免, quota changes,
/// renames, 挂牌 and mergers), deterministic for a `seed`. The matters are
/// resolved (ids filled in) and apply in order with `State::apply(i + 1, m)`
/// on `State::new("320000", "江苏省")`.
pub fn synthetic_province(units: usize, people: usize, seed: u64) -> Vec<Matter> {
    if units == 0 {
        return Vec::new();
    }
    let regions = regions();
    let codes: Vec<String> = regions.iter().map(|(c, _)| c.to_string()).collect();
    let mut g = Gen {
        rng: Rng::new(seed ^ 0x5EED_0032_0000),
        names: Names::load(),
        regions,
        codes,
        units: Vec::with_capacity(units),
        persons: Vec::with_capacity(people + people / 5),
        by_birth_year: vec![Vec::new(); 80],
        lines: Vec::new(),
        children: Vec::new(),
        next_body: 1,
        out: Vec::with_capacity(units / 50 + people / 25 + 1000),
        clock: ymd(FIRST_YEAR, 1, 1)
            .and_hms_opt(0, 0, 0)
            .expect("time")
            .and_utc(),
        doc_year: 0,
        doc_n: 0,
        hires: 0,
    };
    setup(&mut g, units, people);
    for y in FIRST_YEAR..FIRST_YEAR + YEARS {
        year(&mut g, y);
    }
    g.out
}

fn setup(g: &mut Gen, units: usize, people: usize) {
    let d0 = ymd(FIRST_YEAR, 1, 1);
    let n_depts = (units / 25).max(1);
    let n_regions = g.regions.len();
    // ---- departments ----
    for i in 0..n_depts {
        let t = i % DEPT_TYPES.len();
        let r = (i / DEPT_TYPES.len()) % n_regions;
        let round = i / (DEPT_TYPES.len() * n_regions);
        let mut name = format!("{}{}", g.regions[r].1, DEPT_TYPES[t].0);
        if round > 0 {
            name.push_str(&format!("第{}分支", round + 1));
        }
        g.units.push(U {
            name,
            dept: true,
            parent: u32::MAX,
            qtype: DEPT_TYPES[t].2,
            funding: 0,
            approved: 0,
            actual: 0,
            frozen: 0,
            locked: 0,
            active: true,
            deputy_posts: 2,
            chief: None,
            deputies: Vec::new(),
            bodies: Vec::new(),
            people: Vec::new(),
            dtype: t,
            second_named: false,
            renamed: 0,
        });
    }
    // ---- institutions, spread over departments by weight ----
    let weighted: Vec<(u32, usize)> = (0..n_depts)
        .map(|i| (DEPT_TYPES[i % DEPT_TYPES.len()].4, i))
        .filter(|(w, _)| *w > 0)
        .collect();
    let mut counters = vec![0u32; n_depts];
    g.children = vec![Vec::new(); n_depts];
    for _ in n_depts..units {
        let d = if weighted.is_empty() {
            0
        } else {
            *g.rng.weighted(&weighted)
        };
        let dt = DEPT_TYPES[g.units[d].dtype].3;
        let kind = if dt.is_empty() {
            "服务中心"
        } else {
            dt[g.rng.index(dt.len())]
        };
        counters[d] += 1;
        let name = format!("{}第{}{}", g.units[d].name, counters[d], kind);
        let x = g.rng.f64();
        let (qtype, funding) = if x < 0.03 {
            (CG, 0)
        } else if x < 0.80 {
            (SY, 0)
        } else if x < 0.95 {
            (SY, 1)
        } else {
            (SY, 2)
        };
        let dtype = g.units[d].dtype;
        let id = g.units.len() as u32;
        g.children[d].push(id);
        g.units.push(U {
            name,
            dept: false,
            parent: d as u32,
            qtype,
            funding,
            approved: 0,
            actual: 0,
            frozen: 0,
            locked: 0,
            active: true,
            deputy_posts: 0,
            chief: None,
            deputies: Vec::new(),
            bodies: Vec::new(),
            people: Vec::new(),
            dtype,
            second_named: false,
            renamed: 0,
        });
    }
    // ---- sizes: 12% of people in departments, 88% in institutions ----
    let n = g.units.len();
    let mut weights = vec![0f64; n];
    for (i, w) in weights.iter_mut().enumerate() {
        let base = 0.3 + 1.7 * g.rng.f64();
        *w = if g.units[i].dept {
            base
        } else {
            base * if DEPT_TYPES[g.units[i].dtype].4 >= 5 {
                2.5
            } else {
                1.0
            }
        };
    }
    let share = |dept: bool| -> f64 {
        if n_depts == n {
            if dept {
                1.0
            } else {
                0.0
            }
        } else if dept {
            0.12
        } else {
            0.88
        }
    };
    let wsum = |dept: bool| -> f64 {
        weights
            .iter()
            .enumerate()
            .filter(|(i, _)| g.units[*i].dept == dept)
            .map(|(_, w)| *w)
            .sum::<f64>()
            .max(1e-9)
    };
    let (wd, wi) = (wsum(true), wsum(false));
    let mut sizes: Vec<usize> = (0..n)
        .map(|i| {
            let d = g.units[i].dept;
            let s = share(d) * people as f64 * weights[i] / if d { wd } else { wi };
            s.floor() as usize
        })
        .collect();
    let mut rest = people.saturating_sub(sizes.iter().sum());
    let mut i = 0;
    while rest > 0 {
        sizes[i % n] += 1;
        rest -= 1;
        i += 1;
    }
    // ---- create departments (with bodies and credit codes) ----
    let mut ops = Vec::new();
    let mut workers = vec![0usize; n];
    for (u, size) in sizes.iter_mut().enumerate().take(n_depts) {
        let w = if *size >= 15 { *size / 15 } else { 0 };
        workers[u] = w;
        *size -= w;
        let unit = &g.units[u];
        let kind = DEPT_TYPES[unit.dtype].1;
        let code = make_credit_code(
            '1',
            if kind == UnitKind::MassOrg { '3' } else { '1' },
            &g.codes[(u / DEPT_TYPES.len()) % g.codes.len()],
            &format!("{:08}", 10_000_000 + u * 13),
        );
        let approved = ((*size as f64) / (0.84 + 0.11 * g.rng.f64())).ceil() as i32 + 1;
        let name = unit.name.clone();
        let qtype = unit.qtype;
        ops.push(Op::CreateUnit(NewUnit {
            id: Some(UnitId(u as u32)),
            name,
            short_name: None,
            kind,
            rank: Rank::FullSection,
            category: None,
            funding: Some(CatRef::Id(0)),
            credit_code: Some(code.into_string()),
            parent: None,
            functions: String::new(),
            sector: None,
        }));
        let uid = UnitRef::Id(UnitId(u as u32));
        for bn in BODY_NAMES {
            let b = g.next_body;
            g.next_body += 1;
            ops.push(Op::AddBody {
                unit: uid.clone(),
                body: Some(BodyId(b)),
                name: (*bn).into(),
            });
            ops.push(Op::SetPosts {
                unit: uid.clone(),
                body: Some(BodyId(b)),
                kind: PostKind::BodyChief,
                count: 1,
            });
            g.units[u].bodies.push((b, None));
        }
        ops.push(Op::SetQuota {
            account: g.acct(u as u32, qtype),
            count: approved,
            allow_over: false,
        });
        g.units[u].approved = approved;
        if w > 0 {
            ops.push(Op::SetQuota {
                account: g.acct(u as u32, GQ),
                count: w as i32 + 1,
                allow_over: false,
            });
        }
        ops.push(Op::SetPosts {
            unit: uid.clone(),
            body: None,
            kind: PostKind::UnitChief,
            count: 1,
        });
        ops.push(Op::SetPosts {
            unit: uid,
            body: None,
            kind: PostKind::UnitDeputy,
            count: 2,
        });
        if ops.len() >= 300 {
            let v = std::mem::take(&mut ops);
            g.push(d0, "合成：设立党政机关并核定编制和领导职数".into(), v);
        }
    }
    let v = std::mem::take(&mut ops);
    g.push(d0, "合成：设立党政机关并核定编制和领导职数".into(), v);
    // ---- create institutions ----
    for (u, size) in sizes.iter().enumerate().skip(n_depts) {
        let approved = ((*size as f64) / (0.84 + 0.11 * g.rng.f64())).ceil() as i32 + 1;
        let deputies = i32::from(approved >= 10) + i32::from(approved >= 60);
        let unit = &mut g.units[u];
        unit.approved = approved;
        unit.deputy_posts = deputies;
        let category = match (unit.qtype, unit.funding) {
            (CG, _) => InstitutionCategory::Administrative,
            (_, 0) => InstitutionCategory::PublicWelfare1,
            _ => InstitutionCategory::PublicWelfare2,
        };
        let (name, parent, qtype, funding) =
            (unit.name.clone(), unit.parent, unit.qtype, unit.funding);
        let uid = UnitRef::Id(UnitId(u as u32));
        ops.push(Op::CreateUnit(NewUnit {
            id: Some(UnitId(u as u32)),
            name,
            short_name: None,
            kind: UnitKind::Institution,
            rank: if approved >= 80 {
                Rank::FullSection
            } else {
                Rank::DeputySection
            },
            category: Some(category),
            funding: Some(CatRef::Id(u16::from(funding))),
            credit_code: None,
            parent: Some(UnitRef::Id(UnitId(parent))),
            functions: String::new(),
            sector: None,
        }));
        ops.push(Op::SetQuota {
            account: g.acct(u as u32, qtype),
            count: approved,
            allow_over: false,
        });
        ops.push(Op::SetPosts {
            unit: uid.clone(),
            body: None,
            kind: PostKind::UnitChief,
            count: 1,
        });
        if deputies > 0 {
            ops.push(Op::SetPosts {
                unit: uid.clone(),
                body: None,
                kind: PostKind::UnitDeputy,
                count: deputies,
            });
        }
        if g.rng.chance(0.005) {
            ops.push(Op::SetControlMode {
                unit: uid,
                mode: ControlMode::WarnOnly,
            });
        }
        if ops.len() >= 300 {
            let v = std::mem::take(&mut ops);
            g.push(d0, "合成：设立事业单位并核定编制".into(), v);
        }
    }
    let v = std::mem::take(&mut ops);
    g.push(d0, "合成：设立事业单位并核定编制".into(), v);
    // ---- register staff, 50 per matter, and their leaders ----
    let mut appoint = Vec::new();
    for (u, size) in sizes.iter().enumerate() {
        let mut ops = Vec::with_capacity(50);
        let qtype = g.units[u].qtype;
        for k in 0..*size + workers[u] {
            let worker = k >= *size;
            let q = if worker { GQ } else { qtype };
            let p = g.new_person(u as u32, worker, ACTIVE);
            let (details, by) = g.details(p, false, d0, q);
            let slot = (by - 1950).clamp(0, 79) as usize;
            g.by_birth_year[slot].push(p);
            let ws = details.work_start.unwrap_or(d0);
            let enrolled_on = (ws + Duration::days(g.rng.range(0, 900)))
                .min(ymd(2017, 12, 1))
                .max(ws);
            let nb = g.units[u].bodies.len();
            let body = if worker || nb == 0 {
                None
            } else if k >= 3 && k < 3 + nb {
                Some(BodyId(g.units[u].bodies[k - 3].0))
            } else {
                Some(BodyId(g.units[u].bodies[g.rng.index(nb)].0))
            };
            ops.push(Op::RegisterExisting {
                person: Some(PersonId(p)),
                account: g.acct(u as u32, q),
                body,
                enrolled_on,
                details,
                allow_over: false,
            });
            if !worker {
                let unit = &mut g.units[u];
                unit.actual += 1;
                let (kind, post, body) = if k == 0 {
                    unit.chief = Some(p);
                    (PostKind::UnitChief, POST_CHIEF, None)
                } else if (k as i32) <= unit.deputy_posts {
                    unit.deputies.push(p);
                    (PostKind::UnitDeputy, POST_DEPUTY, None)
                } else if unit.dept && k >= 3 && k < 3 + nb {
                    unit.bodies[k - 3].1 = Some(p);
                    (PostKind::BodyChief, POST_BODY, body)
                } else {
                    (PostKind::Other, POST_NONE, None)
                };
                if post != POST_NONE {
                    g.persons[p as usize].post = post;
                    appoint.push(Op::Appoint {
                        person: PersonRef::Id(PersonId(p)),
                        body,
                        kind,
                        title: title(kind).into(),
                        exempt: false,
                    });
                }
            }
            if ops.len() == 50 {
                let v = std::mem::replace(&mut ops, Vec::with_capacity(50));
                g.push(d0, format!("合成：存量人员登记（{}）", g.units[u].name), v);
            }
        }
        if !ops.is_empty() {
            g.push(
                d0,
                format!("合成：存量人员登记（{}）", g.units[u].name),
                ops,
            );
        }
    }
    g.push_chunks(d0, "合成：现任领导职务登记", appoint, 200);
}

fn title(kind: PostKind) -> &'static str {
    match kind {
        PostKind::UnitChief => "主要负责人",
        PostKind::UnitDeputy => "副职",
        PostKind::BodyChief => "科长",
        PostKind::BodyDeputy => "副科长",
        PostKind::Other => "其他领导",
    }
}

fn year(g: &mut Gen, y: i32) {
    let n_units = g.units.len();
    // ---- 01-10 quota changes ----
    let d = ymd(y, 1, 10);
    let mut ops = Vec::new();
    let mut locks = Vec::new();
    let k = (n_units / 200).max(1);
    for _ in 0..k {
        let u = g.rng.index(n_units);
        if !g.units[u].active || g.units[u].dept {
            continue;
        }
        let c = g.rng.range(1, 5) as i32;
        ops.push(Op::IncreaseQuota {
            account: g.acct(u as u32, g.units[u].qtype),
            count: c,
        });
        g.units[u].approved += c;
    }
    for _ in 0..k / 2 + 1 {
        let u = g.rng.index(n_units);
        let v = g.units[u].vacant();
        if !g.units[u].active || v < 2 {
            continue;
        }
        let c = g.rng.range(1, i64::from(v.min(3))) as i32;
        ops.push(Op::DecreaseQuota {
            account: g.acct(u as u32, g.units[u].qtype),
            count: c,
            allow_over: false,
        });
        g.units[u].approved -= c;
    }
    for _ in 0..k / 2 + 1 {
        // Two 事业单位 of the same 主管部门.
        let d = g.rng.index(g.children.len());
        if g.children[d].len() < 2 {
            continue;
        }
        let a = g.children[d][g.rng.index(g.children[d].len())] as usize;
        let b = g.children[d][g.rng.index(g.children[d].len())] as usize;
        let (ua, ub) = (&g.units[a], &g.units[b]);
        if a == b
            || !ua.active
            || !ub.active
            || (ua.qtype, ua.funding) != (ub.qtype, ub.funding)
            || ua.vacant() < 2
        {
            continue;
        }
        ops.push(Op::TransferQuota {
            from: UnitRef::Id(UnitId(a as u32)),
            to: UnitRef::Id(UnitId(b as u32)),
            qtype: CatRef::Id(ua.qtype),
            funding: CatRef::Id(u16::from(ua.funding)),
            count: 1,
        });
        g.units[a].approved -= 1;
        g.units[b].approved += 1;
    }
    for _ in 0..k / 2 + 1 {
        let u = g.rng.index(n_units);
        if !g.units[u].active || g.units[u].vacant() < 3 || locks.contains(&u) {
            continue;
        }
        ops.push(Op::LockQuota {
            account: g.acct(u as u32, g.units[u].qtype),
            count: 1,
            purpose: "军转安置预留".into(),
        });
        g.units[u].locked += 1;
        locks.push(u);
    }
    g.push_chunks(d, "合成：编制动态调整", ops, 200);

    // ---- 02-01 appointments ----
    appointments(g, ymd(y, 2, 1), true);

    // ---- 03-01 用编计划 ----
    let d = ymd(y, 3, 1);
    let mut ops = Vec::new();
    let mut year_lines = Vec::new();
    for u in 0..n_units {
        let unit = &g.units[u];
        let v = unit.vacant();
        if !unit.active || v < 1 {
            continue;
        }
        let count = ((f64::from(v) * 0.7).round() as i32).clamp(1, v);
        let channel = if unit.dept {
            if g.rng.chance(0.2) {
                PlanChannel::Selection
            } else {
                PlanChannel::OpenRecruitment
            }
        } else {
            *g.rng.weighted(&[
                (70, PlanChannel::OpenRecruitment),
                (10, PlanChannel::TalentIntroduction),
                (12, PlanChannel::Graduate),
                (8, PlanChannel::VeteranPlacement),
            ])
        };
        let line = g.lines.len() as u32;
        g.lines.push((u as u32, y, count));
        year_lines.push(line);
        ops.push(Op::ApprovePlanLine {
            line: Some(PlanLineId(line)),
            unit: UnitRef::Id(UnitId(u as u32)),
            year: y,
            channel,
            qtype: CatRef::Id(unit.qtype),
            count,
        });
    }
    g.push_chunks(d, "合成：下达年度用编计划", ops, 500);

    leaves(g, ymd(y, 3, 31), y, (1, 3));
    leaves(g, ymd(y, 6, 30), y, (4, 6));

    // ---- 07-15 入编 ----
    let d = ymd(y, 7, 15);
    let mut ops = Vec::new();
    let mut hired = Vec::new();
    for line in &year_lines {
        let (u, _, remaining) = g.lines[*line as usize];
        let unit = &g.units[u as usize];
        if !unit.active {
            continue;
        }
        let n = remaining.min(unit.vacant());
        let qtype = unit.qtype;
        for _ in 0..n.max(0) {
            let p = g.new_person(u, false, PENDING);
            let h = g.hires;
            g.hires += 1;
            let (details, _) = g.details(h, true, d, qtype);
            let nb = g.units[u as usize].bodies.len();
            let body = (nb > 0).then(|| BodyId(g.units[u as usize].bodies[g.rng.index(nb)].0));
            ops.push(Op::Hire {
                person: Some(PersonId(p)),
                account: g.acct(u, qtype),
                body,
                plan_line: PlanLineId(*line),
                details,
            });
            g.units[u as usize].frozen += 1;
            g.lines[*line as usize].2 -= 1;
            hired.push(p);
        }
    }
    g.push_chunks(d, "合成：入编", ops, 50);

    // ---- 08-20 报到 ----
    let d = ymd(y, 8, 20);
    let mut ops = Vec::with_capacity(hired.len());
    for p in hired {
        let u = g.persons[p as usize].unit as usize;
        g.units[u].frozen -= 1;
        if g.rng.chance(0.01) {
            g.persons[p as usize].status = LEFT;
            ops.push(Op::WithdrawHire {
                person: PersonRef::Id(PersonId(p)),
            });
        } else {
            g.persons[p as usize].status = ACTIVE;
            g.units[u].actual += 1;
            ops.push(Op::Onboard {
                person: PersonRef::Id(PersonId(p)),
            });
        }
    }
    g.push_chunks(d, "合成：报到", ops, 200);

    // ---- 09-10 调动 ----
    let d = ymd(y, 9, 10);
    let mut ops = Vec::new();
    let transfers = (g.persons.len() / 300).max(1);
    for _ in 0..transfers {
        let from = g.rng.index(n_units) as u32;
        let to = g.rng.index(n_units) as u32;
        let (uf, ut) = (&g.units[from as usize], &g.units[to as usize]);
        if from == to || !uf.active || !ut.active || uf.qtype != ut.qtype || ut.vacant() < 1 {
            continue;
        }
        let (qtype, to_dept, nb) = (ut.qtype, ut.dept, ut.bodies.len());
        let Some(p) = g.pick_staff(from) else {
            continue;
        };
        let line = g.lines.len() as u32;
        g.lines.push((to, y, 0));
        let channel = if to_dept {
            PlanChannel::Selection
        } else {
            PlanChannel::Other
        };
        ops.push(Op::ApprovePlanLine {
            line: Some(PlanLineId(line)),
            unit: UnitRef::Id(UnitId(to)),
            year: y,
            channel,
            qtype: CatRef::Id(qtype),
            count: 1,
        });
        let body = (nb > 0).then(|| BodyId(g.units[to as usize].bodies[g.rng.index(nb)].0));
        ops.push(Op::Transfer {
            person: PersonRef::Id(PersonId(p)),
            to: g.acct(to, qtype),
            body,
            plan_line: PlanLineId(line),
        });
        g.units[from as usize].actual -= 1;
        g.units[to as usize].actual += 1;
        g.units[to as usize].people.push(p);
        g.persons[p as usize].unit = to;
    }
    g.push_chunks(d, "合成：调动", ops, 200);

    leaves(g, ymd(y, 9, 30), y, (7, 9));

    // ---- 10-01 解锁 ----
    let ops: Vec<Op> = locks
        .iter()
        .filter(|u| g.units[**u].active)
        .map(|u| Op::UnlockQuota {
            account: g.acct(*u as u32, g.units[*u].qtype),
            count: 1,
        })
        .collect();
    for u in &locks {
        g.units[*u].locked -= 1;
    }
    g.push_chunks(ymd(y, 10, 1), "合成：解除锁定", ops, 200);

    appointments(g, ymd(y, 10, 20), false);

    // ---- 11-15 更名、挂牌、关键信息更正 ----
    let d = ymd(y, 11, 15);
    let mut ops = Vec::new();
    for _ in 0..(n_units / 1000).max(1) {
        let u = g.rng.index(n_units);
        if !g.units[u].active || g.units[u].dept {
            continue;
        }
        g.units[u].renamed += 1;
        let parent = g.units[u].parent as usize;
        let name = format!("{}综合服务中心（{}）", g.units[parent].name, u);
        if g.units[u].renamed > 1 {
            continue;
        }
        g.units[u].name = name.clone();
        ops.push(Op::RenameUnit {
            unit: UnitRef::Id(UnitId(u as u32)),
            name,
            short_name: None,
        });
    }
    let n_depts = g.children.len();
    for _ in 0..(n_depts / 50).max(2) {
        let u = g.rng.index(n_depts);
        let unit = &g.units[u];
        if !unit.active || !unit.dept || unit.second_named {
            continue;
        }
        let t = DEPT_TYPES[unit.dtype].0;
        let Some((_, second)) = SECOND_NAMES.iter().find(|(d, _)| *d == t) else {
            continue;
        };
        let region = unit.name.strip_suffix(t).unwrap_or(&unit.name).to_string();
        g.units[u].second_named = true;
        ops.push(Op::AddSecondName {
            unit: UnitRef::Id(UnitId(u as u32)),
            name: format!("{region}{second}"),
        });
    }
    let corrections = (g.persons.len() / 10_000).max(usize::from(!g.persons.is_empty()));
    for _ in 0..corrections {
        let p = g.rng.index(g.persons.len());
        if g.persons[p].status == LEFT {
            continue;
        }
        let sex = if g.rng.chance(0.5) {
            Sex::Male
        } else {
            Sex::Female
        };
        let name = g.names.full_name(&mut g.rng, sex, 1980);
        ops.push(Op::CorrectPerson {
            person: PersonRef::Id(PersonId(p as u32)),
            name: Some(name),
            id_number: None,
            work_start: None,
        });
    }
    g.push_chunks(d, "合成：更名、挂牌和关键信息更正", ops, 200);

    // ---- 12-01 合并 ----
    let d = ymd(y, 12, 1);
    let mut ops = Vec::new();
    for _ in 0..(n_units / 2000).max(1) {
        let a = g.rng.index(n_units);
        let b = g.rng.index(n_units);
        let (ua, ub) = (&g.units[a], &g.units[b]);
        if a == b
            || !ua.active
            || !ub.active
            || ua.dept
            || ub.dept
            || (ua.qtype, ua.funding) != (ub.qtype, ub.funding)
        {
            continue;
        }
        ops.push(Op::MergeUnit {
            unit: UnitRef::Id(UnitId(a as u32)),
            into: UnitRef::Id(UnitId(b as u32)),
        });
        merge(g, a, b);
    }
    g.push_chunks(d, "合成：事业单位合并", ops, 50);

    leaves(g, ymd(y, 12, 31), y, (10, 12));
}

/// Mirrors `MergeUnit`: counts, people and (vacated) posts move to `b`.
fn merge(g: &mut Gen, a: usize, b: usize) {
    let people = std::mem::take(&mut g.units[a].people);
    for p in &people {
        let q = g.persons[*p as usize];
        if q.unit == a as u32 && q.status != LEFT {
            if q.post != POST_NONE {
                g.clear_post(*p);
            }
            g.persons[*p as usize].unit = b as u32;
            g.units[b].people.push(*p);
        }
    }
    let ua = g.units[a].clone();
    let ub = &mut g.units[b];
    ub.approved += ua.approved;
    ub.actual += ua.actual;
    ub.frozen += ua.frozen;
    ub.locked += ua.locked;
    let ua = &mut g.units[a];
    ua.approved = 0;
    ua.actual = 0;
    ua.frozen = 0;
    ua.locked = 0;
    ua.active = false;
    ua.chief = None;
    ua.deputies.clear();
}

/// 退休 of people born in `y - 60` with a birthday in `months`, plus a few
/// other departures, as of `d`.
fn leaves(g: &mut Gen, d: NaiveDate, y: i32, months: (u32, u32)) {
    let mut ops = Vec::new();
    let slot = (y - 60 - 1950).clamp(0, 79) as usize;
    let cohort = std::mem::take(&mut g.by_birth_year[slot]);
    let mut keep = Vec::new();
    for p in cohort {
        let birth_month = birth_month_of(g, p);
        if !(months.0..=months.1).contains(&birth_month) {
            keep.push(p);
            continue;
        }
        if g.persons[p as usize].status != ACTIVE {
            continue;
        }
        leave(g, p, LeaveReason::Retire, &mut ops);
    }
    g.by_birth_year[slot] = keep;
    let others = if g.persons.is_empty() {
        0
    } else {
        (g.persons.len() / 600).max(1)
    };
    for i in 0..others {
        let p = g.rng.index(g.persons.len()) as u32;
        if g.persons[p as usize].status != ACTIVE {
            continue;
        }
        let reason = match i % 10 {
            0..=3 => LeaveReason::Resign,
            4..=8 => LeaveReason::TransferOut,
            _ => LeaveReason::Death,
        };
        leave(g, p, reason, &mut ops);
    }
    g.push_chunks(d, "合成：出编", ops, 200);
}

fn leave(g: &mut Gen, p: u32, reason: LeaveReason, ops: &mut Vec<Op>) {
    g.clear_post(p);
    let q = g.persons[p as usize];
    if !q.worker {
        g.units[q.unit as usize].actual -= 1;
    }
    g.persons[p as usize].status = LEFT;
    ops.push(Op::Leave {
        person: PersonRef::Id(PersonId(p)),
        reason,
    });
}

/// The birth month of a registered person, recomputed from the bijection
/// used by [`Gen::details`].
fn birth_month_of(g: &Gen, p: u32) -> u32 {
    let a = g.codes.len() as u32;
    let r = p / a;
    let day = (u64::from(r % REG_DAYS) * 7919 % u64::from(REG_DAYS)) as i64;
    (ymd(REG_BIRTH_BASE.0, REG_BIRTH_BASE.1, REG_BIRTH_BASE.2) + Duration::days(day)).month()
}

/// Fills vacant posts (and with `rotate`, replaces a few chiefs).
fn appointments(g: &mut Gen, d: NaiveDate, rotate: bool) {
    let mut ops = Vec::new();
    for u in 0..g.units.len() {
        if !g.units[u].active {
            continue;
        }
        let mut removed = None;
        if rotate && g.rng.chance(0.01) {
            if let Some(c) = g.units[u].chief {
                ops.push(Op::Remove {
                    person: PersonRef::Id(PersonId(c)),
                    body: None,
                    kind: PostKind::UnitChief,
                });
                g.clear_post(c);
                removed = Some(c);
            }
        }
        if g.units[u].chief.is_none() {
            let mut pick = g.pick_staff(u as u32);
            if pick.is_some() && pick == removed {
                pick = g.pick_staff(u as u32).filter(|p| Some(*p) != removed);
            }
            if let Some(p) = pick {
                g.units[u].chief = Some(p);
                g.persons[p as usize].post = POST_CHIEF;
                ops.push(appoint(p, None, PostKind::UnitChief));
            }
        }
        while (g.units[u].deputies.len() as i32) < g.units[u].deputy_posts {
            let Some(p) = g.pick_staff(u as u32) else {
                break;
            };
            g.units[u].deputies.push(p);
            g.persons[p as usize].post = POST_DEPUTY;
            ops.push(appoint(p, None, PostKind::UnitDeputy));
        }
        for i in 0..g.units[u].bodies.len() {
            if g.units[u].bodies[i].1.is_some() {
                continue;
            }
            let Some(p) = g.pick_staff(u as u32) else {
                break;
            };
            let b = g.units[u].bodies[i].0;
            g.units[u].bodies[i].1 = Some(p);
            g.persons[p as usize].post = POST_BODY;
            ops.push(appoint(p, Some(BodyId(b)), PostKind::BodyChief));
        }
    }
    // A unit's Remove precedes its Appoint; chunks keep the order.
    g.push_chunks(d, "合成：干部任免", ops, 200);
}

fn appoint(p: u32, body: Option<BodyId>, kind: PostKind) -> Op {
    Op::Appoint {
        person: PersonRef::Id(PersonId(p)),
        body,
        kind,
        title: title(kind).into(),
        exempt: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_are_jiangsu_counties() {
        let r = regions();
        assert!(r.len() > 50, "{}", r.len());
        assert!(r.iter().any(|(c, n)| *c == 320903 && n.contains("盐都区")));
    }
}
