//! One description per operation (事项类型): its code and Chinese name, its
//! family, and its fields with labels, kinds, whether they are required and
//! help text. Everything a clerk or a client meets of an operation comes from
//! here: the form, the JSON schema of the API, the Chinese names accepted in
//! JSON, the 事项类型 filter and the labels of the 台账.
//!
//! The table [`OPS`] is in the order of the [`Op`] variants; [`Op::spec`] is
//! an exhaustive match into it, so an operation without a description does
//! not compile, and the tests check every description against the serde shape
//! of its operation (every field named, every required field required).

use serde_json::{Map, Value};

use crate::catalog::{
    ControlMode, InstitutionCategory, LeaveReason, PlanChannel, PostKind, QuotaClass, Rank,
    StaffIdentity, UnitKind,
};
use crate::codes::{self, CodeTable};
use crate::matter::Op;

/// The family an operation belongs to (the groups of the 新建事项 menu).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// 机构: 设立, 更名, 挂牌, 合并, 撤销 ….
    Units,
    /// 编制与领导职数: 核定, 核增, 核减, 划转, 锁定, 领导职数, 用编计划.
    Quotas,
    /// 实名制人员: 入编, 报到, 出编, 调动, 任免 ….
    People,
    /// 调控工具: 周转池, 过桥, 承兑, 动态编制, 备案制.
    Instruments,
    /// 编制类型目录.
    Catalogue,
}

impl Family {
    /// Every family, in menu order.
    pub const ALL: &'static [Family] = &[
        Family::Quotas,
        Family::People,
        Family::Instruments,
        Family::Units,
        Family::Catalogue,
    ];

    /// The heading a clerk reads.
    pub fn label(self) -> &'static str {
        match self {
            Family::Units => "机构",
            Family::Quotas => "编制与领导职数",
            Family::People => "实名制人员",
            Family::Instruments => "调控工具",
            Family::Catalogue => "编制类型目录",
        }
    }
}

/// A closed list a field chooses from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Choice {
    UnitKind,
    Rank,
    InstitutionCategory,
    StaffIdentity,
    LeaveReason,
    PlanChannel,
    PostKind,
    ControlMode,
    QuotaClass,
    /// 行业领域 (`codes::SECTOR`): the value is the code.
    Sector,
}

impl Choice {
    /// The options: the value sent in JSON and the Chinese label shown (the
    /// label is accepted in JSON as well).
    pub fn options(self) -> Vec<(String, &'static str)> {
        fn of<T: std::fmt::Debug + Copy>(
            all: &[T],
            label: fn(T) -> &'static str,
        ) -> Vec<(String, &'static str)> {
            all.iter().map(|v| (format!("{v:?}"), label(*v))).collect()
        }
        match self {
            Choice::UnitKind => of(UnitKind::ALL, UnitKind::label),
            Choice::Rank => of(Rank::ALL, Rank::label),
            Choice::InstitutionCategory => of(InstitutionCategory::ALL, InstitutionCategory::label),
            Choice::StaffIdentity => of(StaffIdentity::ALL, StaffIdentity::label),
            Choice::LeaveReason => of(LeaveReason::ALL, LeaveReason::label),
            Choice::PlanChannel => of(PlanChannel::ALL, PlanChannel::label),
            Choice::PostKind => of(PostKind::ALL, PostKind::label),
            Choice::ControlMode => of(ControlMode::ALL, ControlMode::label),
            Choice::Sector => crate::codes::SECTOR
                .entries
                .iter()
                .map(|c| (c.code.to_string(), c.name))
                .collect(),
            Choice::QuotaClass => [
                QuotaClass::Administrative,
                QuotaClass::Institutional,
                QuotaClass::Service,
                QuotaClass::Other,
            ]
            .iter()
            .map(|c| {
                let v = serde_json::to_value(c).expect("a unit variant");
                (v.as_str().unwrap_or_default().to_string(), c.label())
            })
            .collect(),
        }
    }

    /// The JSON value of an option given by its value or its label.
    pub fn value_of(self, s: &str) -> Option<String> {
        let s = s.trim();
        self.options()
            .into_iter()
            .find(|(v, l)| v == s || *l == s)
            .map(|(v, _)| v)
    }
}

/// A code table from a public standard a person field takes its value from
/// ([`crate::codes`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CodeList {
    /// 民族 (GB 3304).
    Ethnicity,
    /// 政治面貌 (GB/T 4762).
    Political,
    /// 学历 (GB/T 4658).
    Education,
}

impl CodeList {
    /// The table.
    pub fn table(self) -> &'static CodeTable {
        match self {
            CodeList::Ethnicity => &codes::ETHNICITY,
            CodeList::Political => &codes::POLITICAL,
            CodeList::Education => &codes::EDUCATION,
        }
    }

    /// The canonical names, in the standard's order: a form's choices.
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        self.table().names()
    }
}

/// What a field holds: decides its form widget, its JSON type and its check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldKind {
    /// A unit: its number or full name (picked within the user's scope).
    Unit,
    /// 编制类型: number, code or name.
    QuotaType,
    /// 经费形式: number, code or name.
    Funding,
    /// A count of slots, posts or people (an integer).
    Count,
    /// A year (an integer such as 2026).
    Year,
    /// A date, `YYYY-MM-DD`.
    Date,
    /// A person: number or 身份证号.
    Person,
    /// A 公民身份号码 being entered.
    IdNumber,
    /// A 用编计划 line by number.
    PlanLine,
    /// A 周转池 loan by number.
    Loan,
    /// An internal body (内设机构) by number.
    Body,
    /// One line of text.
    Text,
    /// Several lines of text.
    LongText,
    /// Yes or no.
    Flag,
    /// One of a closed list.
    Choice(Choice),
    /// An entry of a code table: its canonical name, an alias or its code;
    /// recorded as the canonical name, an unknown value refused.
    Code(CodeList),
    /// 承兑 tranches: a list of (date, count).
    Tranches,
    /// A number the ledger assigns when the matter is recorded; never entered.
    Assigned,
}

impl FieldKind {
    /// Whether a clerk enters it (everything but numbers the ledger assigns).
    pub fn is_entered(self) -> bool {
        self != FieldKind::Assigned
    }
}

/// One field of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// The JSON key; a nested one is dotted (`details.name`, `remap.to`).
    pub key: &'static str,
    /// The Chinese label.
    pub label: &'static str,
    pub kind: FieldKind,
    pub required: bool,
    /// One line of help shown under the field (empty when the label says it all).
    pub help: &'static str,
}

/// The description of one operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpSpec {
    /// The code used in JSON (`"op": "lend"`).
    pub code: &'static str,
    /// The Chinese name (事项类型), also accepted in JSON (`"op": "周转池借出"`).
    pub label: &'static str,
    pub family: Family,
    /// What the operation does, in a sentence.
    pub help: &'static str,
    pub fields: &'static [Field],
}

impl OpSpec {
    /// The field of a key (a dotted one for nested fields).
    pub fn field(&self, key: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.key == key)
    }

    /// The fields a clerk enters.
    pub fn entered(&self) -> impl Iterator<Item = &'static Field> {
        self.fields.iter().filter(|f| f.kind.is_entered())
    }

    /// The label of the field at a serde path (`details.name`, `tranches[0].date`);
    /// a path inside a list is named by its list.
    pub fn label_of_path(&self, path: &str) -> Option<&'static str> {
        let mut p = path.trim_start_matches('.').to_string();
        while let Some(i) = p.find('[') {
            let end = p[i..].find(']').map(|j| i + j + 1).unwrap_or(p.len());
            p.replace_range(i..end, "");
        }
        let mut key = p.as_str();
        loop {
            if let Some(f) = self.field(key) {
                return Some(f.label);
            }
            match key.rfind('.') {
                Some(i) => key = &key[..i],
                None => return None,
            }
        }
    }
}

const fn req(key: &'static str, label: &'static str, kind: FieldKind) -> Field {
    Field {
        key,
        label,
        kind,
        required: true,
        help: "",
    }
}

const fn opt(key: &'static str, label: &'static str, kind: FieldKind) -> Field {
    Field {
        key,
        label,
        kind,
        required: false,
        help: "",
    }
}

const fn help(mut f: Field, help: &'static str) -> Field {
    f.help = help;
    f
}

const fn assigned(key: &'static str, label: &'static str) -> Field {
    opt(key, label, FieldKind::Assigned)
}

use FieldKind as K;

const UNIT: Field = req("unit", "单位", K::Unit);
const QTYPE: Field = req("qtype", "编制类型", K::QuotaType);
const FUNDING: Field = req("funding", "经费形式", K::Funding);
const PERSON: Field = req("person", "人员", K::Person);
const BODY: Field = help(opt("body", "内设机构", K::Body), "不填即单位本级");
const ALLOW_OVER: Field = help(
    opt("allow_over", "允许低于实有人数（进入超编消化）", K::Flag),
    "勾选后核定数可低于实有人数，差额按超编消化",
);

/// A person's details (入编, 存量登记, 备案人员登记).
macro_rules! details {
    () => {
        [
            req("details.name", "姓名", K::Text),
            req("details.id_number", "公民身份号码", K::IdNumber),
            help(
                opt("details.ethnicity", "民族", K::Code(CodeList::Ethnicity)),
                "不填为汉族",
            ),
            help(
                opt(
                    "details.political",
                    "政治面貌",
                    K::Code(CodeList::Political),
                ),
                "不填为暂未掌握",
            ),
            help(
                opt("details.education", "学历", K::Code(CodeList::Education)),
                "不填为暂未掌握",
            ),
            opt("details.work_start", "参加工作时间", K::Date),
            req(
                "details.identity",
                "人员身份",
                K::Choice(Choice::StaffIdentity),
            ),
            opt("details.post_grade", "岗位类别等级", K::Text),
            opt("details.position", "职务职级", K::Text),
        ]
    };
}

macro_rules! fields {
    ($($f:expr),* $(,)?) => {{
        const F: &[Field] = &[$($f),*];
        F
    }};
}

macro_rules! with_details {
    ($($f:expr),* $(,)?) => {{
        const D: [Field; 9] = details!();
        const F: &[Field] = &[$($f,)* D[0], D[1], D[2], D[3], D[4], D[5], D[6], D[7], D[8]];
        F
    }};
}

/// Every operation, in the order of the [`Op`] variants.
pub static OPS: [OpSpec; 43] = [
    OpSpec {
        code: "define_quota_type",
        label: "增设编制类型",
        family: Family::Catalogue,
        help: "在编制类型目录中增加本地的编制类型（如员额、单列编制）。",
        fields: fields![
            help(req("code", "类型代码", K::Text), "两位以上的字母，如 YE"),
            req("name", "类型名称", K::Text),
            req("class", "类别", K::Choice(Choice::QuotaClass)),
        ],
    },
    OpSpec {
        code: "create_unit",
        label: "设立",
        family: Family::Units,
        help: "设立一个机构，可同时在同一事项中核定其编制和领导职数。",
        fields: fields![
            assigned("id", "单位编号"),
            req("name", "单位名称", K::Text),
            opt("short_name", "简称", K::Text),
            req("kind", "机构类别", K::Choice(Choice::UnitKind)),
            req("rank", "机构规格", K::Choice(Choice::Rank)),
            help(
                opt(
                    "category",
                    "事业单位类别",
                    K::Choice(Choice::InstitutionCategory)
                ),
                "仅事业单位填写"
            ),
            opt("funding", "经费形式", K::Funding),
            opt("credit_code", "统一社会信用代码", K::Text),
            help(opt("parent", "主管部门", K::Unit), "不填即直属本级"),
            opt("sector", "行业领域", K::Choice(Choice::Sector)),
            opt("functions", "主要职责", K::LongText),
        ],
    },
    OpSpec {
        code: "rename_unit",
        label: "更名",
        family: Family::Units,
        help: "单位更名，历史名称保留在台账中。",
        fields: fields![
            UNIT,
            req("name", "新名称", K::Text),
            opt("short_name", "新简称", K::Text)
        ],
    },
    OpSpec {
        code: "set_rank",
        label: "调整规格",
        family: Family::Units,
        help: "调整单位的机构规格。",
        fields: fields![UNIT, req("rank", "机构规格", K::Choice(Choice::Rank))],
    },
    OpSpec {
        code: "update_unit",
        label: "变更登记事项",
        family: Family::Units,
        help: "变更事业单位类别、经费形式、统一社会信用代码或主要职责；不填的项不变。",
        fields: fields![
            UNIT,
            opt(
                "category",
                "事业单位类别",
                K::Choice(Choice::InstitutionCategory)
            ),
            opt("funding", "经费形式", K::Funding),
            opt("credit_code", "统一社会信用代码", K::Text),
            opt("functions", "主要职责", K::LongText),
        ],
    },
    OpSpec {
        code: "add_second_name",
        label: "挂牌",
        family: Family::Units,
        help: "在单位加挂一块牌子。",
        fields: fields![UNIT, req("name", "加挂的名称", K::Text)],
    },
    OpSpec {
        code: "remove_second_name",
        label: "摘牌",
        family: Family::Units,
        help: "摘去单位加挂的一块牌子。",
        fields: fields![UNIT, req("name", "摘去的名称", K::Text)],
    },
    OpSpec {
        code: "add_body",
        label: "设立内设机构",
        family: Family::Units,
        help: "在单位设立一个内设机构。",
        fields: fields![
            UNIT,
            assigned("body", "内设机构编号"),
            req("name", "内设机构名称", K::Text)
        ],
    },
    OpSpec {
        code: "remove_body",
        label: "撤销内设机构",
        family: Family::Units,
        help: "撤销内设机构；其中不得还有人员和领导职数。",
        fields: fields![UNIT, req("body", "内设机构", K::Body)],
    },
    OpSpec {
        code: "move_unit",
        label: "划转",
        family: Family::Units,
        help: "把单位划转到另一个主管部门之下。",
        fields: fields![
            UNIT,
            help(
                opt("parent", "划入的主管部门", K::Unit),
                "不填即改为直属本级"
            )
        ],
    },
    OpSpec {
        code: "merge_unit",
        label: "合并",
        family: Family::Units,
        help: "单位并入另一单位：其人员、编制和领导职数一并划入，原单位撤销。",
        fields: fields![
            req("unit", "被并入的单位", K::Unit),
            req("into", "并入的单位", K::Unit)
        ],
    },
    OpSpec {
        code: "abolish_unit",
        label: "撤销",
        family: Family::Units,
        help:
            "撤销单位。填写承接单位时人员和编制一并划入；不填时须先在同一事项中把人员和编制划走。",
        fields: fields![UNIT, opt("remap.to", "承接单位", K::Unit)],
    },
    OpSpec {
        code: "set_control_mode",
        label: "设置控编模式",
        family: Family::Units,
        help: "严格控制：超编即拒绝；仅预警：超编时提示并留痕。",
        fields: fields![
            UNIT,
            req("mode", "控编模式", K::Choice(Choice::ControlMode))
        ],
    },
    OpSpec {
        code: "set_quota",
        label: "核定编制",
        family: Family::Quotas,
        help: "核定单位某类编制的数额。",
        fields: fields![
            UNIT,
            QTYPE,
            FUNDING,
            req("count", "核定数", K::Count),
            ALLOW_OVER
        ],
    },
    OpSpec {
        code: "increase_quota",
        label: "核增编制",
        family: Family::Quotas,
        help: "在核定数上增加编制。",
        fields: fields![UNIT, QTYPE, FUNDING, req("count", "核增数", K::Count)],
    },
    OpSpec {
        code: "decrease_quota",
        label: "核减编制",
        family: Family::Quotas,
        help: "在核定数上减少编制。",
        fields: fields![
            UNIT,
            QTYPE,
            FUNDING,
            req("count", "核减数", K::Count),
            ALLOW_OVER
        ],
    },
    OpSpec {
        code: "transfer_quota",
        label: "划转编制",
        family: Family::Quotas,
        help: "把空编从一个单位划转到另一个单位（同编制类型、同经费形式）。",
        fields: fields![
            req("from", "划出单位", K::Unit),
            req("to", "划入单位", K::Unit),
            QTYPE,
            FUNDING,
            req("count", "划转数", K::Count),
        ],
    },
    OpSpec {
        code: "lock_quota",
        label: "锁定编制",
        family: Family::Quotas,
        help: "锁定空编，锁定期间不能使用。",
        fields: fields![
            UNIT,
            QTYPE,
            FUNDING,
            req("count", "锁定数", K::Count),
            opt("purpose", "锁定用途", K::Text)
        ],
    },
    OpSpec {
        code: "unlock_quota",
        label: "解锁编制",
        family: Family::Quotas,
        help: "解除锁定。",
        fields: fields![UNIT, QTYPE, FUNDING, req("count", "解锁数", K::Count)],
    },
    OpSpec {
        code: "set_posts",
        label: "核定领导职数",
        family: Family::Quotas,
        help: "核定单位或内设机构某类领导职数。",
        fields: fields![
            UNIT,
            BODY,
            req("kind", "职数类别", K::Choice(Choice::PostKind)),
            req("count", "核定职数", K::Count)
        ],
    },
    OpSpec {
        code: "approve_plan_line",
        label: "下达用编计划",
        family: Family::Quotas,
        help: "下达单位某年度、某渠道的用编计划。",
        fields: fields![
            assigned("line", "计划编号"),
            UNIT,
            req("year", "年度", K::Year),
            req("channel", "补充渠道", K::Choice(Choice::PlanChannel)),
            QTYPE,
            req("count", "计划数", K::Count),
        ],
    },
    OpSpec {
        code: "hire",
        label: "入编",
        family: Family::People,
        help: "核准入编：占用一个空编（冻结），报到后转为实有。",
        fields: with_details![
            assigned("person", "人员编号"),
            UNIT,
            QTYPE,
            FUNDING,
            BODY,
            help(
                req("plan_line", "用编计划", K::PlanLine),
                "本单位、本编制类型的计划，须有余额"
            ),
        ],
    },
    OpSpec {
        code: "onboard",
        label: "报到",
        family: Family::People,
        help: "已核准入编的人员报到，冻结的编制转为实有。",
        fields: fields![PERSON],
    },
    OpSpec {
        code: "withdraw_hire",
        label: "撤回入编",
        family: Family::People,
        help: "报到前撤回已核准的入编，释放冻结的编制。",
        fields: fields![PERSON],
    },
    OpSpec {
        code: "leave",
        label: "出编",
        family: Family::People,
        help: "人员出编，释放其占用的编制。",
        fields: fields![
            PERSON,
            req("reason", "出编原因", K::Choice(Choice::LeaveReason))
        ],
    },
    OpSpec {
        code: "transfer",
        label: "调动",
        family: Family::People,
        help: "人员调入另一单位：原单位出编、新单位入编，一次完成。",
        fields: fields![
            PERSON,
            req("unit", "调入单位", K::Unit),
            QTYPE,
            FUNDING,
            BODY,
            help(
                req("plan_line", "调入单位用编计划", K::PlanLine),
                "调入单位的计划，须有余额"
            ),
        ],
    },
    OpSpec {
        code: "appoint",
        label: "任职",
        family: Family::People,
        help: "任命领导职务，占用一个领导职数。",
        fields: fields![
            PERSON,
            BODY,
            req("kind", "职数类别", K::Choice(Choice::PostKind)),
            req("title", "职务名称", K::Text),
            help(opt("exempt", "不占领导职数", K::Flag), "如专员、督查专员"),
        ],
    },
    OpSpec {
        code: "remove",
        label: "免职",
        family: Family::People,
        help: "免去领导职务，释放领导职数。",
        fields: fields![
            PERSON,
            BODY,
            req("kind", "职数类别", K::Choice(Choice::PostKind))
        ],
    },
    OpSpec {
        code: "correct_person",
        label: "关键信息更正",
        family: Family::People,
        help: "更正人员的姓名、公民身份号码或参加工作时间（仅编办）；不填的项不变。",
        fields: fields![
            PERSON,
            opt("name", "更正后的姓名", K::Text),
            opt("id_number", "更正后的公民身份号码", K::IdNumber),
            opt("work_start", "更正后的参加工作时间", K::Date),
        ],
    },
    OpSpec {
        code: "register_existing",
        label: "存量人员登记",
        family: Family::People,
        help: "建账时登记已在编的人员，不占用编计划，按入编校验编制。",
        fields: with_details![
            assigned("person", "人员编号"),
            UNIT,
            QTYPE,
            FUNDING,
            BODY,
            req("enrolled_on", "入编时间", K::Date),
            ALLOW_OVER,
        ],
    },
    OpSpec {
        code: "fund_pool",
        label: "核定周转编制",
        family: Family::Instruments,
        help: "上级核定周转编制，充实周转池。",
        fields: fields![QTYPE, req("count", "核定周转编制数", K::Count)],
    },
    OpSpec {
        code: "reclaim",
        label: "核减收回",
        family: Family::Instruments,
        help: "核减单位编制，收回的编制进入周转池。",
        fields: fields![
            UNIT,
            QTYPE,
            FUNDING,
            req("count", "收回数", K::Count),
            ALLOW_OVER
        ],
    },
    OpSpec {
        code: "reclaim_unit_quotas",
        label: "收回撤并单位编制",
        family: Family::Instruments,
        help: "撤并前把单位的全部核定编制收回周转池（其人员须已划走）。",
        fields: fields![UNIT],
    },
    OpSpec {
        code: "lend",
        label: "周转池借出",
        family: Family::Instruments,
        help: "从周转池借给单位使用，到期或减员时归还。",
        fields: fields![
            assigned("loan", "借用编号"),
            req("unit", "借入单位", K::Unit),
            QTYPE,
            FUNDING,
            req("count", "借出数", K::Count),
            help(opt("due", "归还期限", K::Date), "与“减员归还”至少填一项"),
            help(
                opt("on_attrition", "减员归还", K::Flag),
                "单位每自然减员一人即归还一个"
            ),
        ],
    },
    OpSpec {
        code: "return_loan",
        label: "归还周转编制",
        family: Family::Instruments,
        help: "单位归还借用的周转编制。",
        fields: fields![
            req("loan", "借用编号", K::Loan),
            help(opt("count", "归还数", K::Count), "不填即全部归还"),
        ],
    },
    OpSpec {
        code: "bridge_transfer",
        label: "过桥调动",
        family: Family::Instruments,
        help: "调入单位无空编时先调入，暂用过桥编制，出现空编时核销。",
        fields: fields![
            assigned("bridge", "过桥编号"),
            PERSON,
            req("unit", "调入单位", K::Unit),
            QTYPE,
            FUNDING,
            BODY,
            help(
                opt("from_pool", "过桥编制取自周转池", K::Flag),
                "不勾选即人编同调（由调出单位带编）"
            ),
            req("deadline", "消化期限", K::Date),
        ],
    },
    OpSpec {
        code: "grant_phased",
        label: "承兑编制",
        family: Family::Instruments,
        help: "一次核准、分批下达的编制。",
        fields: fields![
            assigned("grant", "承兑编号"),
            UNIT,
            QTYPE,
            FUNDING,
            help(
                req("tranches", "分批下达", K::Tranches),
                "每行一批：日期 数量，如 2026-09-01 5"
            ),
            help(
                opt("from_pool", "取自周转池", K::Flag),
                "勾选即从周转池预留，不另行核增"
            ),
        ],
    },
    OpSpec {
        code: "grant_dynamic",
        label: "动态编制",
        family: Family::Instruments,
        help: "从周转池下达的编制，单位每自然减员一人收回一个（退一收一），直至收回全部。",
        fields: fields![
            assigned("grant", "动态编制编号"),
            UNIT,
            QTYPE,
            FUNDING,
            req("count", "下达数", K::Count),
            help(
                opt("include_transfer_out", "调出也收回", K::Flag),
                "勾选后调出的人员也按减员收回"
            ),
        ],
    },
    OpSpec {
        code: "set_staff_cap",
        label: "核定人员控制总量",
        family: Family::Instruments,
        help: "备案制单位的人员控制总量；不填即取消。",
        fields: fields![UNIT, opt("count", "人员控制总量", K::Count)],
    },
    OpSpec {
        code: "register_filed",
        label: "备案人员登记",
        family: Family::Instruments,
        help: "登记备案制单位的备案人员（编制外，占人员控制总量）。",
        fields: with_details![assigned("person", "人员编号"), UNIT],
    },
    OpSpec {
        code: "directed_enrol",
        label: "定向入编",
        family: Family::Instruments,
        help: "备案人员定向转入空出的编制。",
        fields: fields![PERSON, UNIT, QTYPE, FUNDING, BODY],
    },
    OpSpec {
        code: "set_sector",
        label: "调整行业领域",
        family: Family::Units,
        help: "设定或调整单位所属的行业领域（用于行业编制总量的控制和统计）。",
        fields: fields![UNIT, req("sector", "行业领域", K::Choice(Choice::Sector))],
    },
    OpSpec {
        code: "set_sector_total",
        label: "核定行业编制总量",
        family: Family::Quotas,
        help: "记载上级核定的某一行业领域的编制总量（如中小学教职工编制总量）；此后该领域各单位核定编制之和不得突破。文号填上级文件。",
        fields: fields![
            help(
                req("sector", "行业领域", K::Choice(Choice::Sector)),
                "选“教育”等大类时，其下各领域合并计算"
            ),
            help(opt("qtype", "编制类型", K::QuotaType), "不填即各类编制合计"),
            help(opt("count", "编制总量", K::Count), "不填即取消该总量"),
            help(
                opt("allow_over", "允许低于现有核定数", K::Flag),
                "勾选后总量可低于该领域已核定的编制数，消化前不得再增加"
            ),
        ],
    },
];

impl Op {
    /// The description of this operation.
    pub fn spec(&self) -> &'static OpSpec {
        let i = match self {
            Op::DefineQuotaType { .. } => 0,
            Op::CreateUnit(_) => 1,
            Op::RenameUnit { .. } => 2,
            Op::SetRank { .. } => 3,
            Op::UpdateUnit { .. } => 4,
            Op::AddSecondName { .. } => 5,
            Op::RemoveSecondName { .. } => 6,
            Op::AddBody { .. } => 7,
            Op::RemoveBody { .. } => 8,
            Op::MoveUnit { .. } => 9,
            Op::MergeUnit { .. } => 10,
            Op::AbolishUnit { .. } => 11,
            Op::SetControlMode { .. } => 12,
            Op::SetQuota { .. } => 13,
            Op::IncreaseQuota { .. } => 14,
            Op::DecreaseQuota { .. } => 15,
            Op::TransferQuota { .. } => 16,
            Op::LockQuota { .. } => 17,
            Op::UnlockQuota { .. } => 18,
            Op::SetPosts { .. } => 19,
            Op::ApprovePlanLine { .. } => 20,
            Op::Hire { .. } => 21,
            Op::Onboard { .. } => 22,
            Op::WithdrawHire { .. } => 23,
            Op::Leave { .. } => 24,
            Op::Transfer { .. } => 25,
            Op::Appoint { .. } => 26,
            Op::Remove { .. } => 27,
            Op::CorrectPerson { .. } => 28,
            Op::RegisterExisting { .. } => 29,
            Op::FundPool { .. } => 30,
            Op::Reclaim { .. } => 31,
            Op::ReclaimUnitQuotas { .. } => 32,
            Op::Lend { .. } => 33,
            Op::ReturnLoan { .. } => 34,
            Op::BridgeTransfer { .. } => 35,
            Op::GrantPhased { .. } => 36,
            Op::GrantDynamic { .. } => 37,
            Op::SetStaffCap { .. } => 38,
            Op::RegisterFiled { .. } => 39,
            Op::DirectedEnrol { .. } => 40,
            Op::SetSector { .. } => 41,
            Op::SetSectorTotal { .. } => 42,
        };
        &OPS[i]
    }

    /// The code used in JSON (`lend`).
    pub fn code(&self) -> &'static str {
        self.spec().code
    }
}

/// The operation named by its code or its Chinese name (事项类型).
pub fn find(name: &str) -> Option<&'static OpSpec> {
    let name = name.trim();
    OPS.iter().find(|s| s.code == name || s.label == name)
}

/// A field a clerk filled in wrongly, named by its label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub key: &'static str,
    pub label: &'static str,
    /// What is wrong, in Chinese.
    pub message: String,
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}：{}", self.label, self.message)
    }
}

/// Builds the JSON of an operation from the values a form sent, one text per
/// field key (`get(key)`); blank values are left out. Kinds are read as
/// clerks type them: numbers for counts, `是`/`on`/`true` for flags, a
/// choice by value or label, tranches one per line as `日期 数量`. The result
/// is checked by the operation's own deserialisation afterwards; here only
/// the shapes a form can get wrong are refused.
pub fn build(spec: &OpSpec, get: impl Fn(&str) -> Option<String>) -> Result<Value, FieldError> {
    let mut root = Map::new();
    root.insert("op".into(), Value::String(spec.code.into()));
    for f in spec.entered() {
        let raw = get(f.key).unwrap_or_default();
        let raw = raw.trim();
        let err = |message: String| FieldError {
            key: f.key,
            label: f.label,
            message,
        };
        if raw.is_empty() {
            if f.required && f.kind != K::Flag {
                return Err(err("必须填写".into()));
            }
            continue;
        }
        let value = match f.kind {
            K::Count | K::Year => Value::from(
                raw.parse::<i64>()
                    .map_err(|_| err(format!("应为整数，收到“{raw}”")))?,
            ),
            K::PlanLine | K::Loan | K::Body => Value::from(
                raw.parse::<u64>()
                    .map_err(|_| err(format!("应为编号（数字），收到“{raw}”")))?,
            ),
            K::Unit | K::Person | K::QuotaType | K::Funding => match raw.parse::<u64>() {
                Ok(n) if raw.len() < 15 => Value::from(n),
                _ => Value::String(raw.into()),
            },
            K::Flag => match raw {
                "on" | "true" | "1" | "是" | "yes" => Value::Bool(true),
                "off" | "false" | "0" | "否" | "no" => Value::Bool(false),
                _ => return Err(err(format!("应为“是”或“否”，收到“{raw}”"))),
            },
            K::Choice(c) => Value::String(c.value_of(raw).ok_or_else(|| {
                let labels: Vec<&str> = c.options().into_iter().map(|(_, l)| l).collect();
                err(format!(
                    "“{raw}”不在可选范围内（可选：{}）",
                    labels.join("、")
                ))
            })?),
            K::Code(c) => Value::String(
                c.table()
                    .canonical(raw)
                    .map_err(|e| err(not_in_table(&e)))?
                    .into(),
            ),
            K::Tranches => {
                let mut list = Vec::new();
                for (n, line) in raw
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .enumerate()
                {
                    let mut parts = line
                        .split(|c: char| {
                            c.is_whitespace() || c == ',' || c == '，' || c == ':' || c == '：'
                        })
                        .filter(|p| !p.is_empty());
                    let (Some(date), Some(count), None) =
                        (parts.next(), parts.next(), parts.next())
                    else {
                        return Err(err(format!(
                            "第 {} 行应为“日期 数量”，如 2026-09-01 5",
                            n + 1
                        )));
                    };
                    let count: i64 = count.parse().map_err(|_| {
                        err(format!("第 {} 行的数量应为整数，收到“{count}”", n + 1))
                    })?;
                    let mut t = Map::new();
                    t.insert("date".into(), Value::String(date.into()));
                    t.insert("count".into(), Value::from(count));
                    list.push(Value::Object(t));
                }
                Value::Array(list)
            }
            K::Date | K::Text | K::LongText | K::IdNumber => Value::String(raw.into()),
            K::Assigned => continue,
        };
        insert_path(&mut root, f.key, value);
    }
    Ok(Value::Object(root))
}

/// Checks the JSON of an operation against its description before it is
/// read: every required field present, every field of the kind described
/// (a count an integer, a flag true/false, a choice one of its options, a
/// 公民身份号码 valid …). Refusals name the field by its label, which the
/// operation's own deserialisation cannot do for an internally tagged enum.
pub fn check(spec: &OpSpec, v: &Value) -> Result<(), FieldError> {
    for f in spec.entered() {
        let err = |message: String| FieldError {
            key: f.key,
            label: f.label,
            message,
        };
        let mut at = Some(v);
        for part in f.key.split('.') {
            at = at.and_then(|x| x.get(part));
        }
        let value = match at {
            None | Some(Value::Null) => {
                if f.required {
                    return Err(err("必须填写".into()));
                }
                continue;
            }
            Some(x) => x,
        };
        let ok = match f.kind {
            K::Count | K::Year => value.as_i64().is_some_and(|n| i32::try_from(n).is_ok()),
            K::PlanLine | K::Loan | K::Body => {
                value.as_u64().is_some_and(|n| u32::try_from(n).is_ok())
            }
            K::Unit | K::Person => {
                value.is_string() || value.as_u64().is_some_and(|n| u32::try_from(n).is_ok())
            }
            K::QuotaType | K::Funding => {
                value.is_string() || value.as_u64().is_some_and(|n| u16::try_from(n).is_ok())
            }
            K::Flag => value.is_boolean(),
            K::Date => value
                .as_str()
                .is_some_and(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()),
            K::Text | K::LongText => value.is_string(),
            K::IdNumber => match value.as_str() {
                None => false,
                Some(s) => {
                    if let Err(e) = crate::ident::parse_id_number(s) {
                        return Err(err(format!("无效：{e}")));
                    }
                    true
                }
            },
            K::Choice(c) => match value.as_str() {
                Some(s) if c.value_of(s).is_some() => true,
                _ => {
                    let labels: Vec<&str> = c.options().into_iter().map(|(_, l)| l).collect();
                    return Err(err(format!(
                        "不在可选范围内（可选：{}）",
                        labels.join("、")
                    )));
                }
            },
            K::Code(c) => match value.as_str() {
                Some(s) if s.trim().is_empty() => true,
                Some(s) => {
                    if let Err(e) = c.table().canonical(s) {
                        return Err(err(not_in_table(&e)));
                    }
                    true
                }
                None => false,
            },
            K::Tranches => value.as_array().is_some_and(|a| {
                a.iter().all(|t| {
                    t.get("date")
                        .and_then(Value::as_str)
                        .is_some_and(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok())
                        && t.get("count").and_then(Value::as_i64).is_some()
                })
            }),
            K::Assigned => true,
        };
        if !ok {
            let want = match f.kind {
                K::Count | K::Year => "整数",
                K::PlanLine | K::Loan | K::Body => "编号（非负整数）",
                K::Unit => "单位全称或编号",
                K::Person => "身份证号或人员编号",
                K::QuotaType | K::Funding => "名称、代码或编号",
                K::Flag => "true 或 false",
                K::Date => "日期 YYYY-MM-DD",
                K::Tranches => "数组，每批 {\"date\": 日期, \"count\": 数量}",
                _ => "文字",
            };
            return Err(err(format!("应为{want}，收到 {value}")));
        }
    }
    Ok(())
}

/// The message of a value no entry of a code table names, under the field's
/// label (which already says which table).
fn not_in_table(e: &codes::UnknownCode) -> String {
    format!("不在代码表（{}）中，收到“{}”", e.standard, e.value)
}

/// Sets `value` at a dotted key, creating the objects on the way.
fn insert_path(root: &mut Map<String, Value>, key: &str, value: Value) {
    match key.split_once('.') {
        None => {
            root.insert(key.into(), value);
        }
        Some((head, rest)) => {
            let inner = root
                .entry(head.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(m) = inner {
                insert_path(m, rest, value);
            }
        }
    }
}

/// The JSON of an operation with its `op` given by Chinese name turned into
/// its code (`"op": "周转池借出"` → `"op": "lend"`); anything else unchanged.
pub fn normalise_op_name(mut v: Value) -> Value {
    if let Some(Value::String(name)) = v.get("op") {
        if let Some(spec) = find(name) {
            v["op"] = Value::String(spec.code.into());
        }
    }
    v
}
