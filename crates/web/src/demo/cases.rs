//! Demo casework for the demo district: institutional matters (事项办理) at
//! different stages and the 问题台账 filled by the system's own checks plus
//! one inspection finding, so the pages show a working office on first start.

use bianzhi_casework::{
    assess, detect, Action, Actor, AssessConfig, Calendar, Case, Draft, Limits, Problem,
    ProblemSource,
};
use bianzhi_core::ident::parse_doc_no;
use bianzhi_core::matter::{CatRef, Op, UnitRef};
use bianzhi_core::{query, Matter, UnitId};
use bianzhi_store::{Db, WorkflowStore};
use chrono::{DateTime, Datelike, Duration, Utc};

use crate::cases::service::*;
use crate::prelude::*;

const CLERK: &str = "李敏";

const LEADER: &str = "王建国";

const UNIT_CLERK: &str = "陈晓燕";

fn internal(e: impl std::fmt::Display) -> WebError {
    WebError::Internal(format!("示范事项无法建立：{e}"))
}

fn store(
    wf: &mut dyn WorkflowStore,
    kind: &str,
    v: &impl serde::Serialize,
    now: DateTime<Utc>,
) -> Result<(), WebError> {
    let body = serde_json::to_string(v).map_err(internal)?;
    wf.insert_record(kind, &body, now)?;
    Ok(())
}

fn unit_named(db: &Db, part: &str) -> Option<UnitId> {
    let st = db.state();
    let mut v: Vec<(&String, &UnitId)> = st
        .unit_by_name
        .iter()
        .filter(|(n, _)| n.contains(part))
        .collect();
    v.sort();
    v.first().map(|(_, id)| **id)
}

/// Adds the demo cases and problems unless the workflow already has cases.
/// `clerk_unit` is the root of the demo 单位经办's subtree.
pub(crate) fn seed(
    db: &mut Db,
    wf: &mut dyn WorkflowStore,
    clerk_unit: UnitId,
    now: DateTime<Utc>,
) -> Result<Vec<String>, WebError> {
    if !wf.records(CASE)?.is_empty() {
        return Ok(Vec::new());
    }
    let day = bianzhi_core::beijing::date_of(now);
    let year = day.year();
    let cfg = AssessConfig::default();
    let limits = Limits::default();
    let mut out = Vec::new();
    let office = Actor::OfficeClerk;
    let leader = Actor::OfficeLeader;

    // 1. 挂牌, through every stage to 跟踪问效: 区国防动员办公室 on 发改委.
    if let Some(ndrc) = unit_named(db, "发展和改革") {
        let name = db
            .state()
            .unit(ndrc)
            .map(|u| u.name.clone())
            .unwrap_or_default();
        let draft = Draft {
            reason: "国防动员体制改革".into(),
            effective: day,
            ops: vec![Op::AddSecondName {
                unit: UnitRef::Id(ndrc),
                name: "区国防动员办公室".into(),
            }],
        };
        let upper = bianzhi_casework::decided_by_upper(db.state(), &draft.ops, Some(ndrc));
        let mut c = Case::propose(
            &format!("{name}加挂区国防动员办公室牌子"),
            "按照国防动员体制改革要求，国防动员办公室职责划入发展改革部门",
            draft,
            Some(ndrc),
            &name,
            CLERK,
            None,
            upper,
            now,
        )
        .map_err(internal)?;
        c.act(&office, CLERK, Action::Submit, now)
            .map_err(internal)?;
        let a = assess(db.ledger(), &c.draft, c.unit, day, Vec::new(), &cfg);
        c.act(&office, CLERK, Action::SetAssessment(a), now)
            .map_err(internal)?;
        c.act(
            &office,
            CLERK,
            Action::Opinion {
                dept: "区委组织部".into(),
                text: "同意加挂牌子，不增加领导职数".into(),
            },
            now,
        )
        .map_err(internal)?;
        c.act(&office, CLERK, Action::SendToDecision, now)
            .map_err(internal)?;
        let doc_no = format!("盐编〔{year}〕2号");
        c.act(
            &leader,
            LEADER,
            Action::Decide {
                approved: true,
                body: "编委会议".into(),
                meeting: format!("{year}年区编委第1次会议研究同意"),
                doc_no: doc_no.clone(),
                date: day,
            },
            now,
        )
        .map_err(internal)?;
        let m = Matter {
            doc: parse_doc_no(&doc_no).map_err(internal)?,
            effective: day,
            recorded_at: now,
            actor: CLERK.into(),
            reason: c.draft.reason.clone(),
            ops: c.draft.ops.clone(),
            warnings: Vec::new(),
            attachments: Vec::new(),
            corrects: None,
            supplements: None,
        };
        let (seq, _) = db.submit(m, now)?;
        c.act(
            &office,
            CLERK,
            Action::Implement {
                seq,
                doc_no,
                effective: day,
                follow_up_due: limits.follow_up_due(day),
            },
            now,
        )
        .map_err(internal)?;
        store(wf, CASE, &c, now)?;
    }

    // 2. A school's 核增, proposed by the unit and now in 论证.
    let school = {
        let st = db.state();
        query::subtree(st, clerk_unit, day)
            .into_iter()
            .filter(|u| *u != clerk_unit)
            .filter(|u| {
                st.unit(*u)
                    .is_some_and(|x| x.name.ends_with("小学") || x.name.ends_with("中学"))
            })
            .find(|u| {
                query::quota_table(st, *u, day)
                    .iter()
                    .any(|r| r.qtype == "事业编制" && r.funding == "全额拨款")
            })
    };
    if let Some(school) = school {
        let name = db
            .state()
            .unit(school)
            .map(|u| u.name.clone())
            .unwrap_or_default();
        let draft = Draft {
            reason: "学位扩容".into(),
            effective: day,
            ops: vec![Op::IncreaseQuota {
                account: bianzhi_core::AccountRef {
                    unit: UnitRef::Id(school),
                    qtype: CatRef::Name("事业编制".into()),
                    funding: CatRef::Name("全额拨款".into()),
                },
                count: 3,
            }],
        };
        let mut c = Case::propose(
            &format!("{name}核增事业编制"),
            "新校区投入使用，学生数增加约300人，教师缺口较大",
            draft,
            Some(school),
            &name,
            UNIT_CLERK,
            Some(clerk_unit),
            false,
            now,
        )
        .map_err(internal)?;
        let unit_clerk = Actor::UnitClerk { scope: clerk_unit };
        c.act_scoped(&unit_clerk, UNIT_CLERK, Action::Submit, now, &|_| true)
            .map_err(internal)?;
        let a = assess(db.ledger(), &c.draft, c.unit, day, Vec::new(), &cfg);
        c.act(&office, CLERK, Action::SetAssessment(a), now)
            .map_err(internal)?;
        c.act(
            &office,
            CLERK,
            Action::Opinion {
                dept: "区财政局".into(),
                text: "经费可在年度预算内统筹".into(),
            },
            now,
        )
        .map_err(internal)?;
        store(wf, CASE, &c, now)?;
    }

    // 3. A 领导职数 change returned to the office's own proposer.
    if let Some(bureau) = unit_named(db, "市场监督管理") {
        let name = db
            .state()
            .unit(bureau)
            .map(|u| u.name.clone())
            .unwrap_or_default();
        let draft = Draft {
            reason: "机构改革后调整".into(),
            effective: day,
            ops: vec![Op::SetPosts {
                unit: UnitRef::Id(bureau),
                body: None,
                kind: bianzhi_core::catalog::PostKind::UnitDeputy,
                count: 4,
            }],
        };
        let mut c = Case::propose(
            &format!("{name}核定副职领导职数"),
            "承接市场监管综合执法职责，拟核定副职4名",
            draft,
            Some(bureau),
            &name,
            CLERK,
            None,
            false,
            now,
        )
        .map_err(internal)?;
        c.act(&office, CLERK, Action::Submit, now)
            .map_err(internal)?;
        c.act(
            &office,
            CLERK,
            Action::Return {
                comment: "请补充三定规定依据及同类单位职数配备情况".into(),
            },
            now,
        )
        .map_err(internal)?;
        store(wf, CASE, &c, now)?;
    }

    // The 问题台账: the system's own checks, and one inspection finding.
    let deadline = Calendar::default().add_working_days(day, SYSTEM_PROBLEM_DAYS);
    let mut n = 0;
    for f in detect(db.ledger(), day) {
        let p = Problem::from_finding(f, day, deadline, "", "系统检查", now).map_err(internal)?;
        store(wf, PROBLEM, &p, now)?;
        n += 1;
    }
    if let Some(u) = unit_named(db, "卫生健康") {
        let name = db
            .state()
            .unit(u)
            .map(|x| x.name.clone())
            .unwrap_or_default();
        let p = Problem::new(
            Some(u),
            &name,
            ProblemSource::Inspection,
            "区委巡察反馈：下属医院存在编外人员长期占用在编岗位的情况",
            day - Duration::days(75),
            day - Duration::days(14),
            "单位主要负责人",
            None,
            CLERK,
            now,
        )
        .map_err(internal)?;
        store(wf, PROBLEM, &p, now)?;
        n += 1;
    }
    out.push(format!(
        "已建立示范事项办理记录 {} 件、问题台账 {n} 条",
        wf.records(CASE)?.len()
    ));
    Ok(out)
}
