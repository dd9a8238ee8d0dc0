//! Catalogues: quota types (编制类型) and funding forms (经费形式) are data;
//! unit kinds, 规格, 事业单位 categories and other closed lists are enums.

use serde::{Deserialize, Serialize};

use crate::ids::{FundingId, QuotaTypeId};

/// The class of a quota type, which decides where it may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuotaClass {
    /// 行政类: 行政编制, 政法专项编制.
    Administrative,
    /// 事业类: 事业编制, 参公事业编制.
    Institutional,
    /// 工勤编制: usable by both 党政机关 and 事业单位.
    Service,
    /// Local kinds (员额, 单列编制 …) with no class restriction beyond mixing.
    Other,
}

impl QuotaClass {
    pub fn label(self) -> &'static str {
        match self {
            QuotaClass::Administrative => "行政类",
            QuotaClass::Institutional => "事业类",
            QuotaClass::Service => "工勤类",
            QuotaClass::Other => "其他",
        }
    }
}

/// A quota type (编制类型), e.g. 行政编制, 事业编制.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuotaTypeDef {
    pub id: QuotaTypeId,
    pub code: String,
    pub name: String,
    pub class: QuotaClass,
}

/// A funding form (经费形式), e.g. 全额拨款.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FundingDef {
    pub id: FundingId,
    pub code: String,
    pub name: String,
}

/// The standard quota types every ledger starts with.
pub fn standard_quota_types() -> Vec<QuotaTypeDef> {
    [
        ("XZ", "行政编制", QuotaClass::Administrative),
        ("ZF", "政法专项编制", QuotaClass::Administrative),
        ("SY", "事业编制", QuotaClass::Institutional),
        ("CG", "参公事业编制", QuotaClass::Institutional),
        ("GQ", "工勤编制", QuotaClass::Service),
    ]
    .into_iter()
    .enumerate()
    .map(|(i, (code, name, class))| QuotaTypeDef {
        id: QuotaTypeId(i as u16),
        code: code.into(),
        name: name.into(),
        class,
    })
    .collect()
}

/// The standard funding forms.
pub fn standard_funding_forms() -> Vec<FundingDef> {
    [("QE", "全额拨款"), ("CE", "差额拨款"), ("ZS", "自收自支")]
        .into_iter()
        .enumerate()
        .map(|(i, (code, name))| FundingDef {
            id: FundingId(i as u8),
            code: code.into(),
            name: name.into(),
        })
        .collect()
}

macro_rules! labelled_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $var:ident => $label:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name { $($(#[$vm])* #[serde(alias = $label)] $var),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$var),+];
            /// The Chinese label a clerk reads.
            pub fn label(self) -> &'static str {
                match self { $($name::$var => $label),+ }
            }
            /// Parses the Chinese label or the English variant name.
            pub fn parse(s: &str) -> Option<Self> {
                let s = s.trim();
                $name::ALL.iter().copied().find(|v| v.label() == s || format!("{:?}", v) == s)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.label())
            }
        }
    };
}

labelled_enum! {
    /// Kind of unit (机构类别).
    UnitKind {
        PartyOrgan => "党委机构",
        GovDept => "政府工作部门",
        Congress => "人大机关",
        Cppcc => "政协机关",
        Court => "法院",
        Procuratorate => "检察院",
        MassOrg => "群团机关",
        Institution => "事业单位",
        Town => "镇",
        Subdistrict => "街道",
        ParkCommittee => "园区管委会",
        Other => "其他",
    }
}

impl UnitKind {
    /// 党政机关: may never use 事业编制.
    pub fn is_party_or_government(self) -> bool {
        matches!(
            self,
            UnitKind::PartyOrgan
                | UnitKind::GovDept
                | UnitKind::Congress
                | UnitKind::Cppcc
                | UnitKind::Court
                | UnitKind::Procuratorate
                | UnitKind::Town
                | UnitKind::Subdistrict
        )
    }

    /// Whether a quota of `class` may be held by a unit of this kind at all.
    pub fn allows(self, class: QuotaClass) -> bool {
        match class {
            QuotaClass::Institutional => !self.is_party_or_government(),
            QuotaClass::Administrative => self != UnitKind::Institution,
            QuotaClass::Service | QuotaClass::Other => true,
        }
    }
}

labelled_enum! {
    /// 机构规格.
    Rank {
        FullDivision => "正处级",
        DeputyDivision => "副处级",
        FullSection => "正科级",
        DeputySection => "副科级",
        Unit => "股级",
        Undefined => "未定规格",
    }
}

labelled_enum! {
    /// 事业单位类别.
    InstitutionCategory {
        Administrative => "承担行政职能",
        PublicWelfare1 => "公益一类",
        PublicWelfare2 => "公益二类",
        Commercial => "生产经营",
    }
}

labelled_enum! {
    /// 人员身份.
    StaffIdentity {
        CivilServant => "公务员",
        ReferenceCivilServant => "参公人员",
        InstitutionStaff => "事业人员",
        Worker => "工勤人员",
    }
}

labelled_enum! {
    /// 出编原因.
    LeaveReason {
        Retire => "退休",
        TransferOut => "调出",
        Resign => "辞职",
        Dismissed => "辞退",
        Expelled => "开除",
        Death => "死亡",
        Other => "其他",
    }
}

impl LeaveReason {
    /// 自然减员: the departures that free a slot "naturally" (退休, 死亡, 辞职, 辞退, 开除).
    pub fn is_natural_attrition(self) -> bool {
        !matches!(self, LeaveReason::TransferOut | LeaveReason::Other)
    }
}

labelled_enum! {
    /// 用编计划 channel.
    PlanChannel {
        OpenRecruitment => "公开招聘",
        TalentIntroduction => "人才引进",
        Selection => "选调",
        MilitaryTransfer => "军转安置",
        VeteranPlacement => "退役士兵安置",
        Graduate => "毕业生",
        Other => "其他",
    }
}

labelled_enum! {
    /// Kind of leadership post (领导职数类别).
    PostKind {
        UnitChief => "单位领导正职",
        UnitDeputy => "单位领导副职",
        BodyChief => "内设机构正职",
        BodyDeputy => "内设机构副职",
        Other => "其他领导职数",
    }
}

labelled_enum! {
    /// 编制控制模式: hard block (边控) or warning only.
    ControlMode {
        Hard => "严格控制",
        WarnOnly => "仅预警",
    }
}

labelled_enum! {
    /// 机构状态.
    UnitStatus {
        Active => "正常",
        Abolished => "撤销",
    }
}
