//! The demo district's units as of 建账 (2019-01-01): 区直 departments with
//! their internal bodies and 事业单位, the 镇/街道/园区 from the NBS township
//! list with their 镇属 stations, schools and health centres. Quotas are the
//! nominal 核定 before a deterministic jitter.

use bianzhi_core::catalog::{InstitutionCategory, Rank, UnitKind};

use crate::people::Profile;

const STREETS_CSV: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/divisions/nbs2023-streets-320903.csv"
));

/// Sector of a unit, which decides plans, hiring windows and profiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Sector {
    /// 党政机关, 人大, 政协, 法院, 检察院, 群团.
    Organ,
    /// 镇, 街道, 园区.
    Township,
    /// Schools, kindergartens and education centres.
    Education,
    /// Hospitals and health centres.
    Health,
    /// Other 事业单位.
    Institution,
    /// 镇属 中心、站所 (abolished by the 2021 镇 三定).
    Station,
}

/// A 事业单位 to create.
#[derive(Debug, Clone)]
pub struct Inst {
    pub name: String,
    pub short: Option<String>,
    pub category: InstitutionCategory,
    pub funding: &'static str,
    /// "事业编制" or "参公事业编制".
    pub qtype: &'static str,
    pub approved: i32,
    pub workers: i32,
    pub rank: Rank,
    pub profile: Profile,
    pub sector: Sector,
    pub chief: &'static str,
    pub deputy: &'static str,
    pub deputies: i32,
    /// Registered beyond 核定 at 建账 (超编消化).
    pub over: i32,
    /// 仅预警 control mode.
    pub warn_only: bool,
    /// Share of women among staff (schools, kindergartens).
    pub female_share: Option<f64>,
    /// An urban school that grows (核增 candidates).
    pub urban_school: bool,
    /// A village school that shrinks (核减 candidates).
    pub village_school: bool,
    /// A school in a 镇 (teacher-exchange senders).
    pub rural_school: bool,
}

impl Inst {
    pub fn new(name: impl Into<String>, approved: i32) -> Inst {
        let name = name.into();
        let (chief, deputy) = titles_for(&name);
        let profile = profile_for(&name);
        let sector = match profile {
            Profile::Teacher => Sector::Education,
            Profile::Medical => Sector::Health,
            _ => Sector::Institution,
        };
        let rank = if approved >= 80 {
            Rank::FullSection
        } else if approved >= 8 {
            Rank::DeputySection
        } else {
            Rank::Unit
        };
        let deputies = match approved {
            n if n >= 300 => 5,
            n if n >= 100 => 3,
            n if n >= 40 => 2,
            n if n >= 12 => 1,
            n if n >= 5 => 1,
            _ => 0,
        };
        let female_share = if name.ends_with("幼儿园") {
            Some(0.97)
        } else if name.ends_with("小学") {
            Some(0.78)
        } else {
            None
        };
        Inst {
            name,
            short: None,
            category: InstitutionCategory::PublicWelfare1,
            funding: "全额拨款",
            qtype: "事业编制",
            approved,
            workers: 0,
            rank,
            profile,
            sector,
            chief,
            deputy,
            deputies,
            over: 0,
            warn_only: false,
            female_share,
            urban_school: false,
            village_school: false,
            rural_school: false,
        }
    }
    pub fn short(mut self, s: &str) -> Inst {
        self.short = Some(s.into());
        self
    }
    /// 差额拨款, 公益二类.
    pub fn partial(mut self) -> Inst {
        self.funding = "差额拨款";
        self.category = InstitutionCategory::PublicWelfare2;
        self
    }
    /// 自收自支, 公益二类.
    pub fn self_funded(mut self) -> Inst {
        self.funding = "自收自支";
        self.category = InstitutionCategory::PublicWelfare2;
        self
    }
    /// 承担行政职能.
    pub fn admin(mut self) -> Inst {
        self.category = InstitutionCategory::Administrative;
        self
    }
    /// 参公事业编制 (承担行政职能).
    pub fn cg(mut self) -> Inst {
        self.qtype = "参公事业编制";
        self.category = InstitutionCategory::Administrative;
        self.profile = Profile::RefCivil;
        self
    }
    pub fn workers(mut self, n: i32) -> Inst {
        self.workers = n;
        self
    }
    pub fn over(mut self, n: i32) -> Inst {
        self.over = n;
        self
    }
    pub fn warn(mut self) -> Inst {
        self.warn_only = true;
        self
    }
    pub fn rank(mut self, r: Rank) -> Inst {
        self.rank = r;
        self
    }
    pub fn deputies(mut self, n: i32) -> Inst {
        self.deputies = n;
        self
    }
    pub fn station(mut self) -> Inst {
        self.sector = Sector::Station;
        self
    }
}

/// 正职/副职 titles from the unit's name.
pub fn titles_for(name: &str) -> (&'static str, &'static str) {
    const T: &[(&str, &str, &str)] = &[
        ("党校", "常务副校长", "副校长"),
        ("幼儿园", "园长", "副园长"),
        ("学校", "校长", "副校长"),
        ("小学", "校长", "副校长"),
        ("中学", "校长", "副校长"),
        ("职业教育中心", "校长", "副校长"),
        ("医院", "院长", "副院长"),
        ("卫生院", "院长", "副院长"),
        ("保健院", "院长", "副院长"),
        ("仲裁院", "院长", "副院长"),
        ("大队", "大队长", "副大队长"),
        ("秘书处", "秘书长", "副秘书长"),
        ("馆", "馆长", "副馆长"),
        ("站", "站长", "副站长"),
        ("所", "所长", "副所长"),
        ("处", "处长", "副处长"),
        ("剧团", "团长", "副团长"),
        ("宫", "主任", "副主任"),
        ("院", "院长", "副院长"),
    ];
    for (suffix, c, d) in T {
        if name.ends_with(suffix) {
            return (c, d);
        }
    }
    ("主任", "副主任")
}

fn profile_for(name: &str) -> Profile {
    let edu = [
        "幼儿园",
        "小学",
        "中学",
        "学校",
        "职业教育中心",
        "教师发展中心",
    ];
    let med = [
        "医院",
        "卫生院",
        "保健院",
        "疾病预防控制中心",
        "卫生监督所",
        "急救中心",
        "社区卫生服务中心",
    ];
    if edu.iter().any(|s| name.ends_with(s)) && !name.contains("党校") {
        Profile::Teacher
    } else if med.iter().any(|s| name.ends_with(s)) {
        Profile::Medical
    } else if name.ends_with("剧团") {
        Profile::Performer
    } else {
        Profile::Institution
    }
}

/// Title of the head of an internal body.
pub fn body_title(name: &str) -> &'static str {
    const T: &[(&str, &str)] = &[
        ("派出所", "所长"),
        ("办公室", "主任"),
        ("政治处", "主任"),
        ("政治部", "主任"),
        ("指挥中心", "主任"),
        ("科", "科长"),
        ("股", "股长"),
        ("室", "主任"),
        ("部", "主任"),
        ("大队", "大队长"),
        ("庭", "庭长"),
        ("所", "所长"),
        ("局", "局长"),
        ("中心", "主任"),
    ];
    for (suffix, t) in T {
        if name.ends_with(suffix) {
            return t;
        }
    }
    "负责人"
}

/// A 区直 department (党政机关, 人大/政协机关, 法院, 检察院, 群团).
#[derive(Debug, Clone)]
pub struct Dept {
    pub name: &'static str,
    pub short: Option<&'static str>,
    pub kind: UnitKind,
    /// 行政编制.
    pub admin: i32,
    /// 政法专项编制.
    pub zf: i32,
    pub workers: i32,
    pub chief: &'static str,
    pub deputy: &'static str,
    pub deputies: i32,
    /// 其他领导职数 (政治委员, 专职委员).
    pub other: Option<&'static str>,
    pub bodies: Vec<String>,
    pub second: Vec<&'static str>,
    pub profile: Profile,
    pub insts: Vec<Inst>,
    /// Registered beyond 核定 at 建账.
    pub over: i32,
}

fn d(
    name: &'static str,
    short: Option<&'static str>,
    kind: UnitKind,
    admin: i32,
    workers: i32,
    chief: &'static str,
    bodies: &[&str],
) -> Dept {
    let deputy: &'static str = match chief {
        "主任" => "副主任",
        "部长" => "副部长",
        "局长" => "副局长",
        "书记" => "副书记",
        "主席" => "副主席",
        "院长" => "副院长",
        "检察长" => "副检察长",
        "理事长" => "副理事长",
        _ => "副职",
    };
    let deputies = match admin {
        n if n >= 100 => 4,
        n if n >= 20 => 3,
        n if n >= 8 => 2,
        _ => 1,
    };
    Dept {
        name,
        short,
        kind,
        admin,
        zf: 0,
        workers,
        chief,
        deputy,
        deputies,
        other: None,
        bodies: bodies.iter().map(|s| s.to_string()).collect(),
        second: Vec::new(),
        profile: Profile::Civil,
        insts: Vec::new(),
        over: 0,
    }
}

impl Dept {
    fn second(mut self, s: &[&'static str]) -> Dept {
        self.second = s.to_vec();
        self
    }
    fn insts(mut self, v: Vec<Inst>) -> Dept {
        self.insts = v;
        self
    }
    fn zf(mut self, n: i32) -> Dept {
        self.zf = n;
        self
    }
    fn deputies(mut self, n: i32) -> Dept {
        self.deputies = n;
        self
    }
    fn other(mut self, t: &'static str) -> Dept {
        self.other = Some(t);
        self
    }
    fn profile(mut self, p: Profile) -> Dept {
        self.profile = p;
        self
    }
    fn over(mut self, n: i32) -> Dept {
        self.over = n;
        self
    }
}

/// A 镇, 街道 or 园区 from the NBS list.
#[derive(Debug, Clone)]
pub struct Township {
    /// 9-digit statistical code.
    pub code: String,
    /// Name as in the list (大冈镇, 盐龙街道, 大纵湖旅游度假区).
    pub place: String,
    /// Place without 镇/街道 (大冈, 盐龙).
    pub short: String,
    pub kind: UnitKind,
}

impl Township {
    /// Full name of the unit (园区 get 管理委员会).
    pub fn unit_name(&self) -> String {
        match self.kind {
            UnitKind::ParkCommittee => format!("{}管理委员会", self.place),
            _ => self.place.clone(),
        }
    }
}

/// The townships of 盐都区 from `data/divisions/nbs2023-streets-320903.csv`.
pub fn townships() -> Vec<Township> {
    STREETS_CSV
        .lines()
        .skip(1)
        .filter_map(|line| {
            let mut f = line.split(',');
            let code = f.next()?.trim().to_string();
            let place = f.next()?.trim().trim_matches('"').to_string();
            if code.len() != 9 || !code.starts_with("320903") {
                return None;
            }
            let n: u32 = code[6..].parse().ok()?;
            let kind = if n < 100 {
                UnitKind::Subdistrict
            } else if n < 400 {
                UnitKind::Town
            } else {
                UnitKind::ParkCommittee
            };
            let short = place
                .strip_suffix("街道")
                .or_else(|| place.strip_suffix('镇'))
                .unwrap_or(&place)
                .to_string();
            Some(Township {
                code,
                place,
                short,
                kind,
            })
        })
        .collect()
}

/// Villages used for village schools and health centres, by township short name.
pub fn villages(short: &str) -> &'static [&'static str] {
    match short {
        "大纵湖" => &["兴湖", "向阳", "三官"],
        "楼王" => &["庆丰", "江庄", "凤池"],
        "学富" => &["时杨", "戚庄", "大同"],
        "尚庄" => &["五瑞", "古殿", "北堡"],
        "秦南" => &["虹桥", "凤翔", "三河"],
        "龙冈" => &["青龙", "洪渡", "大潘"],
        "郭猛" => &["刘垛", "护陇", "西湖"],
        "大冈" => &["卧龙", "富港", "光华"],
        _ => &["东方", "新民", "前进"],
    }
}

/// Urban road names for city schools (东进路 is kept for the 2021 school).
pub const ROADS: &[&str] = &[
    "神州路",
    "毓龙路",
    "新都路",
    "西环路",
    "开放大道",
    "范公路",
    "青年路",
    "人民路",
    "盐渎路",
    "华锐路",
    "永丰路",
    "学海路",
    "文峰路",
    "迎宾路",
    "大庆路",
    "解放路",
    "建军路",
    "金山路",
    "冈中路",
    "潘黄路",
    "张庄路",
    "世纪大道",
    "华中路",
    "南纬路",
    "戴庄路",
    "腾飞路",
    "鹿鸣路",
    "纬二路",
    "天山路",
    "海洋路",
];

/// The 区直 departments with their bodies and 事业单位 (education and health
/// are added by [`education`] and [`health`]).
pub fn departments(towns: &[Township]) -> Vec<Dept> {
    use UnitKind::*;
    let per = |suffix: &str, only_towns: bool| -> Vec<String> {
        towns
            .iter()
            .filter(|t| t.kind != ParkCommittee && (!only_towns || t.kind == Town))
            .map(|t| format!("{}{}", t.short, suffix))
            .collect()
    };
    let with = |base: &[&str], extra: Vec<String>| -> Vec<String> {
        base.iter().map(|s| s.to_string()).chain(extra).collect()
    };
    let mut v = vec![
        // ---- 党委机构 ----
        d(
            "区委办公室",
            Some("区委办"),
            PartyOrgan,
            22,
            4,
            "主任",
            &["秘书科", "综合科", "督查科", "机要科", "信息科"],
        )
        .second(&["区委机要保密局"])
        .insts(vec![
            Inst::new("区档案馆", 14),
            Inst::new("区委党史工作办公室", 5),
        ]),
        d(
            "区纪委监委",
            None,
            PartyOrgan,
            48,
            2,
            "书记",
            &[
                "办公室",
                "组织部",
                "宣传部",
                "党风政风监督室",
                "信访室",
                "案件监督管理室",
                "第一纪检监察室",
                "第二纪检监察室",
                "第三纪检监察室",
                "案件审理室",
            ],
        )
        .deputies(3)
        .insts(vec![Inst::new("区廉政教育中心", 6)]),
        d(
            "区委组织部",
            None,
            PartyOrgan,
            18,
            1,
            "部长",
            &[
                "办公室",
                "组织科",
                "干部科",
                "干部监督科",
                "人才工作科",
                "公务员管理科",
            ],
        )
        .second(&["区公务员局"])
        .insts(vec![
            Inst::new("区委党校", 24).rank(bianzhi_core::catalog::Rank::FullSection),
            Inst::new("区党员教育中心", 5),
            Inst::new("区人才发展服务中心", 6),
        ]),
        d(
            "区委宣传部",
            None,
            PartyOrgan,
            14,
            1,
            "部长",
            &[
                "办公室",
                "理论科",
                "宣传科",
                "文明创建科",
                "网络安全和信息化科",
            ],
        )
        .second(&["区委网信办", "区新闻出版局"])
        .insts(vec![
            Inst::new("区融媒体中心", 86).partial().warn(),
            Inst::new("区新时代文明实践指导中心", 5),
            Inst::new("区网络舆情研判中心", 5),
        ]),
        d(
            "区委统战部",
            None,
            PartyOrgan,
            10,
            1,
            "部长",
            &["办公室", "党派工作科", "民族宗教科", "经济科"],
        )
        .second(&["区民族宗教事务局", "区侨务办公室"]),
        d(
            "区委政法委",
            None,
            PartyOrgan,
            12,
            1,
            "书记",
            &["办公室", "综治督导科", "执法监督科", "维稳科"],
        )
        .insts(vec![Inst::new("区网格化服务管理中心", 10)]),
        d(
            "区委机构编制委员会办公室",
            Some("区委编办"),
            PartyOrgan,
            8,
            0,
            "主任",
            &["综合科", "机构编制科", "事业单位登记管理科", "监督检查科"],
        )
        .insts(vec![Inst::new("区机构编制电子政务中心", 6)]),
        d(
            "区委巡察工作领导小组办公室",
            Some("区委巡察办"),
            PartyOrgan,
            8,
            0,
            "主任",
            &["综合科", "巡察指导督办科"],
        ),
        d(
            "区委老干部局",
            None,
            PartyOrgan,
            7,
            1,
            "局长",
            &["综合科", "离退休干部服务科"],
        )
        .insts(vec![
            Inst::new("区老年大学", 5),
            Inst::new("区老干部活动中心", 4),
        ]),
        d(
            "区级机关工作委员会",
            Some("区直机关工委"),
            PartyOrgan,
            6,
            0,
            "书记",
            &["综合科"],
        ),
        // ---- 政府工作部门 ----
        d(
            "区政府办公室",
            Some("区政府办"),
            GovDept,
            24,
            5,
            "主任",
            &["秘书科", "综合科", "督查科", "政务公开科", "金融服务科"],
        )
        .deputies(4)
        .second(&["区政府研究室", "区外事办公室"])
        .insts(vec![
            Inst::new("区机关事务管理中心", 18).admin().workers(10),
            Inst::new("区大数据管理中心", 10),
        ]),
        d(
            "区发展和改革委员会",
            Some("区发改委"),
            GovDept,
            18,
            2,
            "主任",
            &[
                "办公室",
                "综合科",
                "投资科",
                "项目推进科",
                "价格管理科",
                "粮食和物资储备科",
            ],
        )
        .second(&["区粮食和物资储备局"])
        .insts(vec![
            Inst::new("区价格认证中心", 4),
            Inst::new("区重点项目推进中心", 8),
            Inst::new("区粮油质量监测站", 7),
            Inst::new("区经济研究中心", 4),
        ]),
        d(
            "区教育局",
            None,
            GovDept,
            20,
            2,
            "局长",
            &[
                "办公室",
                "基础教育科",
                "人事科",
                "计划财务科",
                "安全管理科",
                "督导室",
            ],
        )
        .second(&["区政府教育督导室"]),
        d(
            "区科学技术局",
            Some("区科技局"),
            GovDept,
            8,
            1,
            "局长",
            &["办公室", "科技创新科"],
        )
        .insts(vec![
            Inst::new("区生产力促进中心", 5),
            Inst::new("区科技创业服务中心", 4),
        ]),
        d(
            "区工业和信息化局",
            Some("区工信局"),
            GovDept,
            14,
            1,
            "局长",
            &[
                "办公室",
                "经济运行科",
                "产业发展科",
                "信息化推进科",
                "安全生产科",
            ],
        )
        .insts(vec![
            Inst::new("区中小企业服务中心", 6),
            Inst::new("区工业经济运行监测中心", 4),
        ]),
        d(
            "区公安分局",
            Some("盐都公安分局"),
            GovDept,
            0,
            12,
            "局长",
            &[],
        )
        .zf(320)
        .deputies(4)
        .other("政治委员")
        .profile(Profile::Police),
        d(
            "区民政局",
            None,
            GovDept,
            12,
            1,
            "局长",
            &[
                "办公室",
                "社会救助科",
                "养老服务科",
                "社会事务科",
                "基层政权和社区建设科",
            ],
        )
        .insts(vec![
            Inst::new("区社会福利院", 12).over(1),
            Inst::new("区救助管理站", 9),
            Inst::new("区殡仪馆", 18).self_funded().workers(4),
            Inst::new("区社会组织服务中心", 4),
            Inst::new("区养老服务指导中心", 4),
        ]),
        d("区司法局", None, GovDept, 10, 1, "局长", &[]).zf(34),
        d(
            "区财政局",
            None,
            GovDept,
            24,
            2,
            "局长",
            &[
                "办公室",
                "预算科",
                "国库科",
                "行政政法科",
                "经济建设科",
                "农业农村科",
                "社会保障科",
                "政府采购管理科",
            ],
        )
        .insts(vec![
            Inst::new("区财政国库集中收付中心", 12).cg(),
            Inst::new("区政府采购中心", 6),
            Inst::new("区财政投资评审中心", 8),
            Inst::new("区非税收入管理中心", 6),
        ]),
        d(
            "区人力资源和社会保障局",
            Some("区人社局"),
            GovDept,
            16,
            1,
            "局长",
            &[
                "办公室",
                "就业促进科",
                "人才开发科",
                "事业单位人事管理科",
                "工资福利科",
                "养老保险科",
            ],
        )
        .insts(vec![
            Inst::new("区社会保险基金管理中心", 20).cg(),
            Inst::new("区公共就业人才服务中心", 12),
            Inst::new("区劳动保障监察大队", 10).cg(),
            Inst::new("区劳动人事争议仲裁院", 5),
        ]),
        d(
            "区自然资源和规划局",
            Some("区自然资源规划局"),
            GovDept,
            30,
            2,
            "局长",
            &[],
        )
        .insts(vec![
            Inst::new("区不动产登记中心", 15),
            Inst::new("区土地储备中心", 8),
        ]),
        d(
            "区住房和城乡建设局",
            Some("区住建局"),
            GovDept,
            16,
            1,
            "局长",
            &[
                "办公室",
                "建筑业管理科",
                "房地产市场监管科",
                "村镇建设科",
                "城市建设科",
            ],
        )
        .second(&["区人民防空办公室"])
        .insts(vec![
            Inst::new("区住房保障和房产管理中心", 10),
            Inst::new("区建设工程质量安全监督站", 12).partial(),
            Inst::new("区城建档案馆", 4),
        ]),
        d(
            "区交通运输局",
            None,
            GovDept,
            14,
            1,
            "局长",
            &["办公室", "综合规划科", "运输管理科", "建设管理科"],
        )
        .insts(vec![
            Inst::new("区交通运输综合行政执法大队", 30).admin(),
            Inst::new("区公路事业发展中心", 25).partial(),
            Inst::new("区港航事业发展中心", 8),
        ]),
        d(
            "区水务局",
            None,
            GovDept,
            14,
            1,
            "局长",
            &["办公室", "水利工程科", "水资源科", "农田水利科"],
        )
        .insts(vec![
            Inst::new("区河道管理处", 15).partial(),
            Inst::new("区水政监察大队", 8).admin(),
            Inst::new("区防汛防旱技术服务中心", 6),
        ]),
        d(
            "区农业农村局",
            None,
            GovDept,
            24,
            2,
            "局长",
            &[
                "办公室",
                "发展规划科",
                "种植业管理科",
                "畜牧兽医科",
                "农村经济科",
                "农田建设管理科",
                "农村社会事业促进科",
            ],
        )
        .deputies(4)
        .second(&["区扶贫开发领导小组办公室"])
        .insts(vec![
            Inst::new("区农业技术推广中心", 25),
            Inst::new("区畜牧兽医站", 15),
            Inst::new("区农业综合行政执法大队", 25).admin(),
            Inst::new("区农村经营管理站", 8),
            Inst::new("区农机推广站", 8),
            Inst::new("区农业资源开发中心", 6),
        ]),
        d(
            "区商务局",
            None,
            GovDept,
            12,
            1,
            "局长",
            &["办公室", "对外贸易科", "利用外资科", "市场建设科"],
        )
        .insts(vec![
            Inst::new("区商务综合服务中心", 6),
            Inst::new("区开放型经济服务中心", 5),
        ]),
        d(
            "区文化广电和旅游局",
            Some("区文广旅局"),
            GovDept,
            14,
            1,
            "局长",
            &["办公室", "文化艺术科", "旅游发展科", "体育科"],
        )
        .second(&["区体育局"])
        .insts(vec![
            Inst::new("区文化馆", 12),
            Inst::new("区图书馆", 12),
            Inst::new("区淮剧团", 35).partial().over(2),
            Inst::new("区文化市场综合行政执法大队", 12).admin(),
            Inst::new("区文物保护管理所", 5),
            Inst::new("区旅游服务中心", 5),
            Inst::new("区业余体育学校", 10).short("区体校"),
        ]),
        d(
            "区卫生健康委员会",
            Some("区卫健委"),
            GovDept,
            16,
            1,
            "主任",
            &[
                "办公室",
                "医政医管科",
                "基层卫生科",
                "疾病预防控制科",
                "人口监测与家庭发展科",
                "老龄健康科",
            ],
        ),
        d(
            "区退役军人事务局",
            None,
            GovDept,
            9,
            1,
            "局长",
            &["办公室", "优抚科", "移交安置科"],
        )
        .over(1)
        .insts(vec![
            Inst::new("区退役军人服务中心", 8),
            Inst::new("区光荣院", 4),
        ]),
        d(
            "区应急管理局",
            None,
            GovDept,
            16,
            2,
            "局长",
            &[
                "办公室",
                "安全生产综合协调科",
                "危险化学品监管科",
                "工贸行业监管科",
                "应急指挥科",
            ],
        )
        .insts(vec![
            Inst::new("区应急管理综合行政执法大队", 14).admin(),
            Inst::new("区应急救援指挥中心", 6),
        ]),
        d(
            "区审计局",
            None,
            GovDept,
            12,
            1,
            "局长",
            &["办公室", "财政审计科", "经济责任审计科", "社会保障审计科"],
        )
        .insts(vec![Inst::new("区政府投资审计中心", 6)]),
        d(
            "区市场监督管理局",
            Some("区市场监管局"),
            GovDept,
            130,
            4,
            "局长",
            &[],
        )
        .second(&["区知识产权局"])
        .insts(vec![
            Inst::new("区市场监督管理综合行政执法大队", 20).admin(),
            Inst::new("区检验检测中心", 12).partial(),
            Inst::new("区消费者权益保护委员会秘书处", 3),
        ]),
        d(
            "区统计局",
            None,
            GovDept,
            9,
            1,
            "局长",
            &["办公室", "综合统计科", "调查科"],
        )
        .insts(vec![
            Inst::new("区社情民意调查中心", 4),
            Inst::new("区统计普查中心", 4),
        ]),
        d(
            "区医疗保障局",
            Some("区医保局"),
            GovDept,
            9,
            1,
            "局长",
            &["办公室", "医药服务管理科", "基金监管科"],
        )
        .insts(vec![Inst::new("区医疗保险基金管理中心", 12).cg()]),
        d(
            "区信访局",
            None,
            GovDept,
            9,
            1,
            "局长",
            &["办公室", "督查科", "接访科"],
        )
        .insts(vec![Inst::new("区人民来访接待中心", 5)]),
        d(
            "区城市管理局",
            Some("区城管局"),
            GovDept,
            18,
            3,
            "局长",
            &["办公室", "市容环卫科", "市政公用科", "法规科"],
        )
        .insts(vec![
            Inst::new("区城市管理综合行政执法大队", 60).cg(),
            Inst::new("区环境卫生管理处", 40)
                .self_funded()
                .over(3)
                .workers(12),
            Inst::new("区园林绿化管理处", 20).partial(),
            Inst::new("区市政设施管理处", 18).partial(),
        ]),
        d(
            "区行政审批局",
            None,
            GovDept,
            18,
            1,
            "局长",
            &[
                "办公室",
                "投资建设审批科",
                "社会事务审批科",
                "市场准入审批科",
            ],
        )
        .insts(vec![
            Inst::new("区政务服务中心", 12),
            Inst::new("区公共资源交易中心", 10),
        ]),
        // ---- 人大、政协、法院、检察院 ----
        d(
            "区人大常委会办公室",
            Some("区人大办"),
            Congress,
            16,
            2,
            "主任",
            &["综合科", "法制工作室", "财经工作室", "代表联络工作室"],
        )
        .insts(vec![Inst::new("区人大代表联络服务中心", 4)]),
        d(
            "区政协办公室",
            Some("区政协办"),
            Cppcc,
            14,
            2,
            "主任",
            &["综合科", "提案委员会办公室", "文史资料委员会办公室"],
        )
        .insts(vec![Inst::new("区政协委员服务中心", 3)]),
        d(
            "区人民法院",
            Some("区法院"),
            Court,
            0,
            4,
            "院长",
            &[
                "立案庭",
                "刑事审判庭",
                "民事审判第一庭",
                "民事审判第二庭",
                "行政审判庭",
                "执行局",
                "审判管理办公室",
                "政治处",
                "办公室",
                "大冈人民法庭",
                "龙冈人民法庭",
                "楼王人民法庭",
            ],
        )
        .zf(95)
        .deputies(3)
        .other("审判委员会专职委员")
        .profile(Profile::Court),
        d(
            "区人民检察院",
            Some("区检察院"),
            Procuratorate,
            0,
            2,
            "检察长",
            &[
                "办公室",
                "第一检察部",
                "第二检察部",
                "第三检察部",
                "第四检察部",
                "政治部",
            ],
        )
        .zf(58)
        .deputies(3)
        .other("检察委员会专职委员")
        .profile(Profile::Procurator),
        // ---- 群团 ----
        d(
            "区总工会",
            None,
            MassOrg,
            9,
            1,
            "主席",
            &["办公室", "基层工作部"],
        )
        .insts(vec![Inst::new("区工人文化宫", 6).partial()]),
        d(
            "共青团盐城市盐都区委员会",
            Some("团区委"),
            MassOrg,
            5,
            0,
            "书记",
            &["办公室"],
        )
        .insts(vec![Inst::new("区青少年活动中心", 5)]),
        d(
            "区妇女联合会",
            Some("区妇联"),
            MassOrg,
            6,
            0,
            "主席",
            &["办公室"],
        )
        .insts(vec![Inst::new("区妇女儿童活动中心", 4)]),
        d(
            "区科学技术协会",
            Some("区科协"),
            MassOrg,
            5,
            0,
            "主席",
            &["办公室"],
        )
        .insts(vec![Inst::new("区科学技术馆", 4)]),
        d(
            "区残疾人联合会",
            Some("区残联"),
            MassOrg,
            6,
            0,
            "理事长",
            &["办公室", "康复就业科"],
        )
        .insts(vec![
            Inst::new("区残疾人康复中心", 6),
            Inst::new("区残疾人就业服务所", 4),
        ]),
        d(
            "区工商业联合会",
            Some("区工商联"),
            MassOrg,
            6,
            0,
            "主席",
            &["办公室"],
        ),
        d(
            "区文学艺术界联合会",
            Some("区文联"),
            MassOrg,
            4,
            0,
            "主席",
            &["办公室"],
        ),
    ];
    for dep in &mut v {
        match dep.name {
            "区公安分局" => {
                dep.bodies = with(
                    &[
                        "指挥中心",
                        "政治处",
                        "警务保障室",
                        "刑事侦查大队",
                        "治安管理大队",
                        "经济犯罪侦查大队",
                        "网络安全保卫大队",
                        "法制大队",
                        "禁毒大队",
                        "交通警察大队",
                    ],
                    per("派出所", false),
                );
            }
            "区司法局" => {
                dep.bodies = with(
                    &[
                        "办公室",
                        "法治督察科",
                        "行政执法协调监督科",
                        "公共法律服务科",
                    ],
                    per("司法所", false),
                );
                dep.insts = vec![
                    Inst::new("区公共法律服务中心", 8),
                    Inst::new("区公证处", 8).partial(),
                ];
            }
            "区市场监督管理局" => {
                dep.bodies = with(
                    &[
                        "办公室",
                        "登记注册科",
                        "信用监管科",
                        "食品安全协调科",
                        "特种设备安全监察科",
                        "质量发展科",
                        "知识产权科",
                    ],
                    per("市场监督管理所", false),
                );
            }
            "区自然资源和规划局" => {
                dep.bodies = with(
                    &[
                        "办公室",
                        "国土空间规划科",
                        "耕地保护科",
                        "不动产登记科",
                        "执法监察科",
                    ],
                    per("自然资源所", true),
                );
            }
            _ => {}
        }
    }
    v
}

/// Schools and education centres under 区教育局.
pub fn education(towns: &[Township]) -> Vec<Inst> {
    let mut v = vec![
        Inst::new("区教师发展中心", 28),
        Inst::new("区学生资助管理中心", 5),
        Inst::new("区教育技术装备中心", 6),
        Inst::new("盐城市龙冈中学", 230).deputies(4),
        Inst::new("盐城市大冈中学", 185),
        Inst::new("盐城市时杨中学", 160),
        Inst::new("盐城市盐都区职业教育中心", 165).short("区职教中心"),
        Inst::new("盐城市盐都区特殊教育学校", 36),
    ];
    let mut roads = ROADS.iter();
    let mut next_road = || *roads.next().expect("enough road names");
    for t in towns
        .iter()
        .filter(|t| t.kind == bianzhi_core::catalog::UnitKind::Subdistrict)
    {
        for _ in 0..3 {
            let mut i = Inst::new(format!("盐城市盐都区{}小学", next_road()), 105);
            i.urban_school = true;
            v.push(i);
        }
        for _ in 0..2 {
            let mut i = Inst::new(format!("盐城市盐都区{}初级中学", next_road()), 110);
            i.urban_school = true;
            v.push(i);
        }
        v.push(Inst::new(format!("盐城市盐都区{}幼儿园", t.short), 36));
        v.push(Inst::new(format!("盐城市盐都区{}第二幼儿园", t.short), 30));
        v.push(Inst::new(format!("盐城市盐都区{}实验幼儿园", t.short), 32));
        v.push(Inst::new(format!("盐城市盐都区{}第三幼儿园", t.short), 28));
    }
    for t in towns
        .iter()
        .filter(|t| t.kind == bianzhi_core::catalog::UnitKind::Town)
    {
        let vil = villages(&t.short);
        v.push(Inst::new(format!("盐城市盐都区{}初级中学", t.short), 92));
        v.push(Inst::new(format!("盐城市盐都区{}中心小学", t.short), 82));
        for name in &vil[..2] {
            let mut i = Inst::new(format!("盐城市盐都区{}镇{}小学", t.short, name), 40);
            i.village_school = true;
            v.push(i);
        }
        v.push(Inst::new(format!("盐城市盐都区{}中心幼儿园", t.short), 30));
        v.push(Inst::new(
            format!("盐城市盐都区{}镇{}幼儿园", t.short, vil[2]),
            16,
        ));
        v.push(Inst::new(
            format!("盐城市盐都区{}镇{}幼儿园", t.short, vil[0]),
            14,
        ));
        let n = v.len();
        for i in &mut v[n - 7..] {
            i.rural_school = true;
        }
    }
    // Two village schools registered over quota after the 2018 核减 (生源减少).
    let mut over = 0;
    for i in v.iter_mut().filter(|i| i.village_school) {
        if over < 2 {
            i.over = 2;
            over += 1;
        }
    }
    v
}

/// Hospitals and health centres under 区卫健委.
pub fn health(towns: &[Township]) -> Vec<Inst> {
    let mut v = vec![
        Inst::new("区人民医院", 700)
            .partial()
            .warn()
            .over(3)
            .deputies(5)
            .workers(20),
        Inst::new("区妇幼保健院", 110).partial(),
        Inst::new("区疾病预防控制中心", 58),
        Inst::new("区卫生监督所", 28).cg(),
        Inst::new("区急救中心", 20),
        // 市三院: a city-named hospital managed by the district (its “三定”
        // is re-determined by the district in 2021).
        Inst::new("盐城市第三人民医院", 240)
            .partial()
            .short("市三院")
            .deputies(4)
            .workers(6),
    ];
    for t in towns.iter().filter(|t| t.kind == UnitKind::Town) {
        v.push(Inst::new(format!("盐城市盐都区{}中心卫生院", t.short), 75).partial());
    }
    for t in towns.iter().filter(|t| t.kind == UnitKind::Town).take(4) {
        v.push(Inst::new(format!("盐城市盐都区{}卫生院", villages(&t.short)[1]), 30).partial());
    }
    for t in towns.iter().filter(|t| t.kind == UnitKind::Subdistrict) {
        v.push(Inst::new(format!("盐城市盐都区{}社区卫生服务中心", t.short), 36).partial());
    }
    for i in &mut v {
        i.sector = Sector::Health;
        i.profile = if i.qtype == "参公事业编制" {
            Profile::RefCivil
        } else {
            Profile::Medical
        };
    }
    v
}

/// 镇属 事业单位 (中心、站所) before the 2021 镇 三定.
pub fn stations(t: &Township) -> Vec<Inst> {
    let list: &[(&str, i32)] = match t.kind {
        UnitKind::Town => &[
            ("农业技术推广综合服务中心", 11),
            ("文化广播电视站", 4),
            ("水利站", 6),
            ("财政所", 7),
            ("村镇建设服务所", 4),
            ("劳动保障事务所", 4),
        ],
        UnitKind::Subdistrict => &[("社区服务中心", 7), ("文化站", 3)],
        _ => &[],
    };
    list.iter()
        .map(|(s, n)| {
            let mut i = Inst::new(format!("{}{}", t.place, s), *n).station();
            if *s == "财政所" {
                i = i.admin();
            }
            i.rank = Rank::Unit;
            i
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_consistent() {
        let towns = townships();
        assert_eq!(towns.len(), 16);
        assert_eq!(towns.iter().filter(|t| t.kind == UnitKind::Town).count(), 8);
        let deps = departments(&towns);
        let mut names: Vec<String> = deps.iter().map(|d| d.name.to_string()).collect();
        names.extend(
            deps.iter()
                .flat_map(|d| d.insts.iter().map(|i| i.name.clone())),
        );
        names.extend(education(&towns).into_iter().map(|i| i.name));
        names.extend(health(&towns).into_iter().map(|i| i.name));
        names.extend(
            towns
                .iter()
                .flat_map(|t| stations(t).into_iter().map(|i| i.name)),
        );
        let n = names.len();
        names.sort();
        names.dedup();
        assert_eq!(n, names.len(), "duplicate unit names");
        for dep in &deps {
            let mut b = dep.bodies.clone();
            b.sort();
            b.dedup();
            assert_eq!(b.len(), dep.bodies.len(), "{}", dep.name);
        }
    }
}
