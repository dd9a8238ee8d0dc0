//! People: names drawn from the weighted surname and given-name tables, valid
//! and unique 公民身份号码 with address codes in force around the birth year,
//! and the 实名制 details (民族, 政治面貌, 学历, 参加工作时间, 岗位, 职务/职级)
//! consistent with the quota a person occupies.

use std::collections::HashSet;

use bianzhi_core::catalog::StaffIdentity;
use bianzhi_core::ident::{make_id_number, IdNumber, Sex};
use bianzhi_core::model::PersonDetails;
use chrono::{Datelike, Duration, NaiveDate};

use crate::rng::Rng;

const SURNAMES_CSV: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/names/zh_CN-surnames-weighted.csv"
));
const GIVEN_CSV: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/names/zh_CN-given-names.csv"
));

/// The name tables, parsed once.
#[derive(Debug, Clone)]
pub struct Names {
    /// Surnames with cumulative weights (in 1/1000 of a percent).
    surnames: Vec<(&'static str, u32)>,
    total: u32,
    male1: Vec<&'static str>,
    male2: Vec<&'static str>,
    female1: Vec<&'static str>,
    female2: Vec<&'static str>,
}

impl Names {
    pub fn load() -> Names {
        let mut surnames = Vec::new();
        let mut total = 0u32;
        for line in SURNAMES_CSV.lines().skip(1) {
            let mut f = line.split(',');
            let (Some(_), Some(name), Some(w)) = (f.next(), f.next(), f.next()) else {
                continue;
            };
            let w: f64 = w.trim().parse().unwrap_or(0.0);
            let w = ((w * 1000.0).round() as u32).max(1);
            total += w;
            surnames.push((name.trim(), total));
        }
        let (mut male1, mut male2, mut female1, mut female2) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for line in GIVEN_CSV.lines().skip(1) {
            let Some((name, sex)) = line.split_once(',') else {
                continue;
            };
            let name = name.trim();
            let two = name.chars().count() >= 2;
            match (sex.trim(), two) {
                ("M", false) => male1.push(name),
                ("M", true) => male2.push(name),
                (_, false) => female1.push(name),
                (_, true) => female2.push(name),
            }
        }
        assert!(!surnames.is_empty() && !male1.is_empty() && !female1.is_empty());
        Names {
            surnames,
            total,
            male1,
            male2,
            female1,
            female2,
        }
    }

    pub fn surname(&self, rng: &mut Rng) -> &'static str {
        let x = rng.below(u64::from(self.total)) as u32;
        let i = self.surnames.partition_point(|(_, c)| *c <= x);
        self.surnames[i.min(self.surnames.len() - 1)].0
    }

    /// A full name of 2–3 characters (a compound surname takes one given
    /// character), sex-consistent; older people more often carry the
    /// two-character names of their generation (建国, 秀英 …).
    pub fn full_name(&self, rng: &mut Rng, sex: Sex, birth_year: i32) -> String {
        let surname = self.surname(rng);
        let (one, two) = match sex {
            Sex::Male => (&self.male1, &self.male2),
            Sex::Female => (&self.female1, &self.female2),
        };
        let mut s = String::from(surname);
        if surname.chars().count() >= 2 {
            s.push_str(rng.pick_copy(one));
            return s;
        }
        let old = birth_year < 1975;
        let r = rng.f64();
        let (p_two, p_single) = if old { (0.30, 0.40) } else { (0.04, 0.36) };
        if r < p_two && !two.is_empty() {
            s.push_str(rng.pick_copy(two));
        } else if r < p_two + p_single {
            s.push_str(rng.pick_copy(one));
        } else {
            let a = *rng.pick(one);
            let mut b = *rng.pick(one);
            if a == b && !rng.chance(0.15) {
                b = *rng.pick(one);
            }
            s.push_str(a);
            s.push_str(b);
        }
        s
    }
}

/// Address codes of 公民身份号码 by birth period. The first card was issued
/// around 16, so people born before 1983 carry the codes of the mid-1980s
/// (盐城郊区 320911, 城区 320902, the counties), those born 1983–2002 mostly
/// 盐都县 320928 (1996–2003), and those born from 2003 盐都区 320903.
const OLD_CODES: &[(u32, &str)] = &[
    (30, "320911"),
    (14, "320902"),
    (6, "320921"),
    (6, "320922"),
    (7, "320923"),
    (6, "320924"),
    (8, "320925"),
    (5, "320981"),
    (3, "320982"),
    (2, "320102"),
    (2, "320106"),
    (1, "320282"),
    (1, "320321"),
    (1, "320482"),
    (2, "320623"),
    (1, "320684"),
    (1, "320706"),
    (2, "320826"),
    (2, "321023"),
    (3, "321281"),
    (1, "321302"),
];
const MID_CODES: &[(u32, &str)] = &[
    (58, "320928"),
    (8, "320902"),
    (4, "320921"),
    (4, "320922"),
    (5, "320923"),
    (4, "320924"),
    (6, "320925"),
    (3, "320981"),
    (2, "320982"),
    (1, "320106"),
    (1, "320623"),
    (1, "320826"),
    (2, "321281"),
    (1, "321302"),
];

pub fn address_for(rng: &mut Rng, birth_year: i32) -> &'static str {
    if birth_year >= 2003 {
        if rng.chance(0.85) {
            "320903"
        } else {
            rng.weighted_copy(&MID_CODES[1..])
        }
    } else if birth_year >= 1983 {
        rng.weighted_copy(MID_CODES)
    } else {
        rng.weighted_copy(OLD_CODES)
    }
}

/// Every address code the generators may use (for tests).
pub fn all_address_codes() -> Vec<&'static str> {
    let mut v: Vec<&str> = OLD_CODES
        .iter()
        .chain(MID_CODES)
        .map(|(_, c)| *c)
        .chain(["320903"])
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// Issues unique 公民身份号码.
#[derive(Debug, Default, Clone)]
pub struct IdIssuer {
    used: HashSet<u64>,
}

impl IdIssuer {
    pub fn issue(&mut self, rng: &mut Rng, address: &str, birth: NaiveDate, sex: Sex) -> IdNumber {
        loop {
            let seq = rng.below(500) as u16;
            let id = make_id_number(address, birth, seq, sex);
            let key: u64 = id.as_str()[..17].parse().expect("17 digits");
            if self.used.insert(key) {
                return id;
            }
        }
    }

    /// Marks a number as used (e.g. one read back from the ledger).
    pub fn reserve(&mut self, id: &str) {
        if let Ok(k) = id[..17].parse() {
            self.used.insert(k);
        }
    }
}

/// What kind of work a person does, which decides titles and grades.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    Civil,
    Police,
    Court,
    Procurator,
    RefCivil,
    Teacher,
    Medical,
    Institution,
    Performer,
    Worker,
}

impl Profile {
    fn female_share(self) -> f64 {
        match self {
            Profile::Civil | Profile::RefCivil => 0.40,
            Profile::Police => 0.15,
            Profile::Court | Profile::Procurator => 0.45,
            Profile::Teacher => 0.68,
            Profile::Medical => 0.70,
            Profile::Institution => 0.45,
            Profile::Performer => 0.50,
            Profile::Worker => 0.20,
        }
    }
}

/// The 人员身份 that goes with a quota type name.
pub fn identity_for(qtype: &str) -> StaffIdentity {
    match qtype {
        "行政编制" | "政法专项编制" => StaffIdentity::CivilServant,
        "参公事业编制" => StaffIdentity::ReferenceCivilServant,
        "工勤编制" => StaffIdentity::Worker,
        _ => StaffIdentity::InstitutionStaff,
    }
}

/// Role of a person being generated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Staff,
    /// To be appointed 正职 (older, party member).
    Chief,
    /// To be appointed 副职 / 内设机构负责人.
    Deputy,
    /// A 退役士兵 placed in a 事业 post.
    Veteran,
}

/// Everything needed to generate one person.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    pub profile: Profile,
    pub identity: StaffIdentity,
    pub role: Role,
    /// Age in whole years on `on`.
    pub age: i32,
    /// The date of registration or hire.
    pub on: NaiveDate,
    /// Forced sex (e.g. kindergarten teachers); `None` = by profile.
    pub female_share: Option<f64>,
    /// A new hire whose first job this is (参加工作时间 = `on`).
    pub first_job: bool,
}

/// A generated person: details plus the retirement age the demo applies.
#[derive(Debug, Clone)]
pub struct Generated {
    pub details: PersonDetails,
    pub retire_age: i32,
}

/// The date a person reaches `age` (29 Feb → 1 Mar).
pub fn birthday(birth: NaiveDate, age: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(birth.year() + age, birth.month(), birth.day())
        .unwrap_or_else(|| NaiveDate::from_ymd_opt(birth.year() + age, 3, 1).expect("valid date"))
}

/// 退休 takes effect on the first day of the month after the birthday.
pub fn retirement_date(birth: NaiveDate, retire_age: i32) -> NaiveDate {
    let b = birthday(birth, retire_age);
    let (y, m) = if b.month() == 12 {
        (b.year() + 1, 1)
    } else {
        (b.year(), b.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1).expect("valid date")
}

/// Age in whole years on `on`.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> i32 {
    let mut a = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        a -= 1;
    }
    a
}

const ETHNIC: &[(u32, &str)] = &[
    (9860, "汉族"),
    (60, "回族"),
    (25, "满族"),
    (15, "蒙古族"),
    (15, "壮族"),
    (15, "土家族"),
    (10, "苗族"),
];

const PARTIES: &[&str] = &[
    "民革党员",
    "民盟盟员",
    "民建会员",
    "民进会员",
    "农工党党员",
    "致公党党员",
    "九三学社社员",
    "无党派人士",
];

const GRADES: [&str; 13] = [
    "一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三",
];

fn pro_grade(n: usize) -> String {
    format!("专业技术岗位{}级", GRADES[n.clamp(1, 13) - 1])
}

fn mgmt_grade(n: usize) -> String {
    format!("管理岗位{}级", GRADES[n.clamp(1, 10) - 1])
}

/// The generator of people.
#[derive(Debug, Clone)]
pub struct PersonGen {
    pub names: Names,
    pub ids: IdIssuer,
}

impl Default for PersonGen {
    fn default() -> Self {
        PersonGen::new()
    }
}

impl PersonGen {
    pub fn new() -> PersonGen {
        PersonGen {
            names: Names::load(),
            ids: IdIssuer::default(),
        }
    }

    /// Generates a person per `spec`. `min_retire` (if any) is a date the
    /// person must still be serving on (for 建账 staff).
    pub fn generate(
        &mut self,
        rng: &mut Rng,
        spec: Spec,
        min_retire: Option<NaiveDate>,
    ) -> Generated {
        let female_share = spec.female_share.unwrap_or(match spec.role {
            Role::Chief => 0.18,
            Role::Deputy => 0.30,
            Role::Veteran => 0.08,
            Role::Staff => spec.profile.female_share(),
        });
        let sex = if rng.chance(female_share) {
            Sex::Female
        } else {
            Sex::Male
        };
        let mut age = spec.age;
        let (birth, retire_age) = loop {
            let birth = spec.on
                - Duration::days(i64::from(age) * 365 + age as i64 / 4)
                - Duration::days(rng.range(0, 364));
            let real_age = age_on(birth, spec.on);
            let retire_age = match sex {
                Sex::Male => 60,
                Sex::Female => {
                    if real_age >= 54 || spec.role == Role::Chief || rng.chance(0.25) {
                        60
                    } else {
                        55
                    }
                }
            };
            match min_retire {
                Some(m) if retirement_date(birth, retire_age) <= m => {
                    age = (age - 1).max(22);
                }
                _ => break (birth, retire_age),
            }
        };
        let address = address_for(rng, birth.year());
        let id_number = self.ids.issue(rng, address, birth, sex);
        let name = self.names.full_name(rng, sex, birth.year());
        let ethnicity = rng.weighted(ETHNIC).to_string();
        let age = age_on(birth, spec.on);
        let young = birth.year() >= 1984;
        let education = self.education(rng, spec, young).to_string();
        let political = self.political(rng, spec, age).to_string();
        let start_age: i64 = match education.as_str() {
            "博士研究生" => 28,
            "硕士研究生" => 25,
            "大学本科" => 22,
            "大学专科" => 21,
            "中等专科" | "普通高中" => 19,
            _ => 18,
        };
        let work_start = if spec.first_job {
            spec.on
        } else {
            let d = birthday(birth, start_age as i32 + rng.range(0, 2) as i32)
                + Duration::days(rng.range(0, 200));
            let latest = spec.on - Duration::days(30);
            let d = if d > latest { latest } else { d };
            NaiveDate::from_ymd_opt(d.year(), d.month(), 1).unwrap_or(d)
        };
        let service = (spec.on - work_start).num_days() / 365;
        let (post_grade, position) = self.grade(rng, spec, service, sex);
        Generated {
            details: PersonDetails {
                name,
                id_number,
                ethnicity: ethnicity.into(),
                political: political.into(),
                education: education.into(),
                work_start: Some(work_start),
                identity: spec.identity,
                post_grade: post_grade.into(),
                position: position.into(),
            },
            retire_age,
        }
    }

    fn education(&self, rng: &mut Rng, spec: Spec, young: bool) -> &'static str {
        let table: &[(u32, &'static str)] = match (spec.profile, young) {
            (Profile::Worker, _) => &[
                (35, "普通高中"),
                (25, "中等专科"),
                (30, "大学专科"),
                (10, "初中"),
            ],
            _ if spec.role == Role::Veteran => {
                &[(45, "大学专科"), (35, "普通高中"), (20, "大学本科")]
            }
            (Profile::Teacher, true) => &[(84, "大学本科"), (11, "硕士研究生"), (5, "大学专科")],
            (Profile::Teacher, false) => &[(66, "大学本科"), (29, "大学专科"), (5, "中等专科")],
            (Profile::Medical, true) => &[
                (55, "大学本科"),
                (33, "大学专科"),
                (11, "硕士研究生"),
                (1, "博士研究生"),
            ],
            (Profile::Medical, false) => &[(45, "大学本科"), (40, "大学专科"), (15, "中等专科")],
            (Profile::Institution | Profile::Performer, true) => {
                &[(70, "大学本科"), (15, "硕士研究生"), (15, "大学专科")]
            }
            (Profile::Institution | Profile::Performer, false) => {
                &[(55, "大学本科"), (35, "大学专科"), (10, "中等专科")]
            }
            (_, true) => &[(70, "大学本科"), (25, "硕士研究生"), (5, "大学专科")],
            (_, false) => &[
                (64, "大学本科"),
                (28, "大学专科"),
                (6, "硕士研究生"),
                (2, "中等专科"),
            ],
        };
        let e = *rng.weighted(table);
        if matches!(spec.role, Role::Chief | Role::Deputy)
            && matches!(e, "中等专科" | "普通高中" | "初中")
        {
            "大学本科"
        } else {
            e
        }
    }

    fn political(&self, rng: &mut Rng, spec: Spec, age: i32) -> &'static str {
        let party_share = match (spec.role, spec.profile) {
            (Role::Chief, _) => 1.0,
            (Role::Deputy, _) => 0.9,
            (Role::Veteran, _) => 0.60,
            (_, Profile::Civil | Profile::Police | Profile::Court | Profile::Procurator) => 0.66,
            (_, Profile::RefCivil) => 0.60,
            (_, Profile::Worker) => 0.30,
            _ => 0.36,
        };
        if rng.chance(party_share) {
            if age < 30 && rng.chance(0.08) {
                "中共预备党员"
            } else {
                "中共党员"
            }
        } else if rng.chance(0.06) {
            rng.pick_copy(PARTIES)
        } else if age < 28 {
            "共青团员"
        } else {
            "群众"
        }
    }

    /// 岗位类别/等级 and 职务/职级.
    fn grade(&self, rng: &mut Rng, spec: Spec, service: i64, sex: Sex) -> (String, String) {
        let s = service;
        let leader = matches!(spec.role, Role::Chief | Role::Deputy);
        let pick = |ladder: &[&'static str], cuts: &[i64]| -> &'static str {
            let i = cuts.iter().take_while(|c| s >= **c).count();
            ladder[i.min(ladder.len() - 1)]
        };
        match spec.profile {
            Profile::Civil | Profile::RefCivil => {
                let cat = if spec.profile == Profile::RefCivil {
                    "参照公务员法管理"
                } else {
                    "综合管理类"
                };
                let pos = match spec.role {
                    Role::Chief => "正科级",
                    Role::Deputy => "副科级",
                    _ => pick(
                        &[
                            "一级科员",
                            "四级主任科员",
                            "三级主任科员",
                            "二级主任科员",
                            "一级主任科员",
                            "四级调研员",
                        ],
                        &[3, 7, 12, 17, 24],
                    ),
                };
                (cat.into(), pos.into())
            }
            Profile::Police => {
                let pos = if leader {
                    if spec.role == Role::Chief {
                        "三级高级警长"
                    } else {
                        "四级高级警长"
                    }
                } else {
                    pick(
                        &[
                            "二级警员",
                            "一级警员",
                            "三级警长",
                            "二级警长",
                            "一级警长",
                            "四级高级警长",
                        ],
                        &[2, 5, 10, 16, 24],
                    )
                };
                ("执法勤务类".into(), pos.into())
            }
            Profile::Court | Profile::Procurator => {
                let judge = spec.profile == Profile::Court;
                let ladder: [&str; 6] = if judge {
                    [
                        "书记员",
                        "法官助理",
                        "四级法官",
                        "三级法官",
                        "二级法官",
                        "一级法官",
                    ]
                } else {
                    [
                        "书记员",
                        "检察官助理",
                        "四级检察官",
                        "三级检察官",
                        "二级检察官",
                        "一级检察官",
                    ]
                };
                let pos = if leader {
                    ladder[4]
                } else {
                    pick(&ladder, &[3, 6, 11, 17, 26])
                };
                let cat = if pos.contains("法官") && !pos.contains("助理") {
                    "法官"
                } else if pos.contains("检察官") && !pos.contains("助理") {
                    "检察官"
                } else {
                    "司法辅助人员"
                };
                (cat.into(), pos.into())
            }
            Profile::Teacher => {
                let pos = if leader {
                    "中小学高级教师"
                } else if s >= 28 && rng.chance(0.03) {
                    "正高级教师"
                } else {
                    pick(
                        &["中小学二级教师", "中小学一级教师", "中小学高级教师"],
                        &[6, 16],
                    )
                };
                let grade = match pos {
                    "正高级教师" => 4,
                    "中小学高级教师" => 5 + rng.index(3),
                    "中小学一级教师" => 8 + rng.index(3),
                    _ => 11 + rng.index(2),
                };
                (pro_grade(grade), pos.into())
            }
            Profile::Medical => {
                let nurse = !leader && sex == Sex::Female && rng.chance(0.75);
                let tech = !leader && !nurse && rng.chance(0.15);
                let ladder: [&str; 4] = if nurse {
                    ["护士", "护师", "主管护师", "副主任护师"]
                } else if tech {
                    ["技士", "技师", "主管技师", "副主任技师"]
                } else {
                    ["医师", "主治医师", "副主任医师", "主任医师"]
                };
                let i = if leader {
                    2 + rng.index(2)
                } else {
                    [3i64, 10, 18].iter().take_while(|c| s >= **c).count()
                };
                let grade = [12, 10, 7, 4][i.min(3)] - rng.index(2);
                (pro_grade(grade), ladder[i.min(3)].into())
            }
            Profile::Institution | Profile::Performer => {
                if leader {
                    let g = if spec.role == Role::Chief { 6 } else { 7 };
                    return (
                        mgmt_grade(g),
                        if g == 6 {
                            "管理六级职员"
                        } else {
                            "管理七级职员"
                        }
                        .into(),
                    );
                }
                if spec.profile != Profile::Performer && rng.chance(0.4) {
                    let g = 9 - [3i64, 10, 20].iter().take_while(|c| s >= **c).count();
                    let title = [
                        "管理九级职员",
                        "管理八级职员",
                        "管理七级职员",
                        "管理六级职员",
                    ][9 - g];
                    return (mgmt_grade(g), title.into());
                }
                let ladder: [&str; 3] = if spec.profile == Profile::Performer {
                    ["四级演员", "三级演员", "二级演员"]
                } else {
                    *rng.pick(&[
                        ["助理工程师", "工程师", "高级工程师"],
                        ["助理经济师", "经济师", "高级经济师"],
                        ["助理馆员", "馆员", "副研究馆员"],
                        ["助理会计师", "会计师", "高级会计师"],
                    ])
                };
                let i = [4i64, 12].iter().take_while(|c| s >= **c).count();
                (pro_grade([11, 9, 6][i] + rng.index(2)), ladder[i].into())
            }
            Profile::Worker => {
                let pos = pick(
                    &[
                        "技术工五级（初级工）",
                        "技术工四级（中级工）",
                        "技术工三级（高级工）",
                        "技术工二级（技师）",
                    ],
                    &[3, 10, 20],
                );
                let pos = if rng.chance(0.2) { "普通工" } else { pos };
                ("工勤技能岗位".into(), pos.into())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bianzhi_core::ident::parse_id_number;

    #[test]
    fn names_and_ids() {
        let mut g = PersonGen::new();
        let mut rng = Rng::new(1);
        let on = NaiveDate::from_ymd_opt(2019, 1, 1).unwrap();
        for i in 0..2000 {
            let spec = Spec {
                profile: Profile::Teacher,
                identity: StaffIdentity::InstitutionStaff,
                role: Role::Staff,
                age: 22 + (i % 38),
                on,
                female_share: None,
                first_job: false,
            };
            let p = g.generate(&mut rng, spec, Some(on));
            let n = p.details.name.chars().count();
            assert!((2..=3).contains(&n), "{}", p.details.name);
            parse_id_number(p.details.id_number.as_str()).unwrap();
            let a = age_on(p.details.id_number.birth_date(), on);
            assert!((22..=59).contains(&a), "{a}");
            assert!(p.details.work_start.unwrap() < on);
        }
        for c in all_address_codes() {
            assert!(bianzhi_core::ident::divisions::is_known_code(c), "{c}");
        }
    }
}
