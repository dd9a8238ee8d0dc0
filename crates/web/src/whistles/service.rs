//! 吹哨报到 kept in the workflow store: one record of kind `whistle` per
//! request (the rules' [`Whistle`] with who took each step), appended by
//! compare-and-set so two steps never overwrite each other, and the report
//! limits per kind as one record of kind `whistle_limits`.
//!
//! Who may do what: a town, street or park's clerk raises for its place and
//! evaluates and closes its requests; a department's clerk reports, acts and
//! reports done for its own department; the 编办 may record any step for
//! either (窗口代录). A clerk sees only requests raised by or calling a body
//! in their scope.

use bianzhi_core::UnitId;
use bianzhi_grassroots::whistle::OverdueLine;
use bianzhi_grassroots::{
    District, ItemId, PlaceId, ReportLimits, Whistle, WhistleAction, WhistleError, WhistleId,
    WhistleKind, WhistleRequest,
};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::ledger::unit_in_scope;
use crate::prelude::*;

/// Record kind of a 吹哨 request.
pub const WHISTLE: &str = "whistle";
/// Record kind of the report limits (one record).
pub const WHISTLE_LIMITS: &str = "whistle_limits";

/// A request as stored: the rules' state and who recorded each step.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WhistleRecord {
    pub whistle: Whistle,
    /// Who raised it.
    pub raised_by: String,
    /// The steps of the history the raising made (the first notices).
    #[serde(default)]
    pub raised_steps: usize,
    /// Who recorded each step after the raising, in order.
    #[serde(default)]
    pub steps_by: Vec<String>,
}

/// A request with its record id and version.
pub struct Stored {
    pub id: i64,
    pub version: i64,
    pub rec: WhistleRecord,
}

/// The local time now (Beijing), the clock of every step.
pub fn now_local(app: &App) -> NaiveDateTime {
    bianzhi_core::beijing::local(app.now())
}

fn parse(r: &bianzhi_store::RecordRow) -> Result<WhistleRecord, WebError> {
    serde_json::from_str(&r.body)
        .map_err(|e| WebError::Internal(format!("吹哨记录 {} 无法读取：{e}", r.id)))
}

/// Whether the user may act for the body `unit` in 吹哨报到: the 编办, or a
/// 单位经办 whose scope holds it.
fn acts_for(app: &App, user: &User, unit: Option<UnitId>) -> bool {
    user.can_review() || (user.can_apply() && unit.is_some() && unit_in_scope(app, user, unit))
}

impl App {
    /// The report limits (minutes per kind).
    pub fn whistle_limits(&self) -> Result<ReportLimits, WebError> {
        Ok(
            match self.wf().records(WHISTLE_LIMITS)?.into_iter().next() {
                Some(r) => serde_json::from_str(&r.body).map_err(WebError::internal)?,
                None => ReportLimits::default(),
            },
        )
    }

    /// Sets the report limits (编办 only); each at least one minute.
    pub fn set_whistle_limits(&self, user: &User, limits: ReportLimits) -> Result<(), WebError> {
        user.require(user.can_review(), "设置报到时限（仅编办）")?;
        if [limits.daily, limits.emergency, limits.special]
            .iter()
            .any(|m| *m == 0 || *m > 30 * 24 * 60)
        {
            return Err(WebError::invalid(
                "bad_limit",
                "报到时限应在 1 分钟至 30 天之间",
            ));
        }
        let body = serde_json::to_string(&limits).map_err(WebError::internal)?;
        let mut wf = self.wf();
        match wf.records(WHISTLE_LIMITS)?.into_iter().next() {
            Some(r) => {
                wf.update_record(WHISTLE_LIMITS, r.id, r.version, &body, self.now())?
                    .ok_or_else(|| WebError::Conflict("报到时限正被他人修改，请重试".into()))?;
            }
            None => {
                wf.insert_record(WHISTLE_LIMITS, &body, self.now())?;
            }
        }
        Ok(())
    }

    /// Whether the user sees a request: raised by or calling a body in
    /// their scope.
    pub fn sees_whistle(&self, user: &User, d: &District, w: &Whistle) -> bool {
        if user.scope.is_none() {
            return true;
        }
        let raiser = d.territory.get(w.raiser).and_then(|p| p.governing);
        unit_in_scope(self, user, raiser)
            || w.assignments
                .iter()
                .any(|a| unit_in_scope(self, user, Some(a.dept)))
    }

    /// Every request the user sees, newest first.
    pub fn whistles(&self, user: &User, d: &District) -> Result<Vec<Stored>, WebError> {
        if user.is_admin() {
            return Err(auth::no_business_data(user));
        }
        let rows = self.wf().records(WHISTLE)?;
        let mut out = Vec::new();
        for r in rows {
            let rec = parse(&r)?;
            if self.sees_whistle(user, d, &rec.whistle) {
                out.push(Stored {
                    id: r.id,
                    version: r.version,
                    rec,
                });
            }
        }
        out.sort_by_key(|s| std::cmp::Reverse(s.rec.whistle.raised_at));
        Ok(out)
    }

    /// One request, if the user sees it.
    pub fn whistle(&self, user: &User, d: &District, id: i64) -> Result<Stored, WebError> {
        if user.is_admin() {
            return Err(auth::no_business_data(user));
        }
        let missing = || WebError::NotFound(format!("没有第 {id} 号吹哨"));
        let r = self.wf().record(WHISTLE, id)?.ok_or_else(missing)?;
        let rec = parse(&r)?;
        if !self.sees_whistle(user, d, &rec.whistle) {
            return Err(WebError::out_of_scope(missing()));
        }
        Ok(Stored {
            id: r.id,
            version: r.version,
            rec,
        })
    }

    /// The places the user may blow the whistle for: the 编办 any town,
    /// street or park; a clerk those governed by a body in their scope.
    pub fn whistle_raisers(&self, user: &User, d: &District) -> Vec<PlaceId> {
        d.territory
            .places()
            .filter(|p| p.kind.is_town_level())
            .filter(|p| {
                user.can_review() || (user.can_apply() && acts_for(self, user, p.governing))
            })
            .map(|p| p.id)
            .collect()
    }

    /// Raises a request (吹哨); every department is notified now. Answers
    /// its number.
    #[allow(clippy::too_many_arguments)]
    pub fn raise_whistle(
        &self,
        user: &User,
        raiser: PlaceId,
        kind: WhistleKind,
        items: Vec<ItemId>,
        place: PlaceId,
        description: &str,
        departments: Vec<UnitId>,
    ) -> Result<i64, WebError> {
        let (d, _) = self.grassroots()?;
        if !self.whistle_raisers(user, &d).contains(&raiser) {
            return Err(WebError::Forbidden(format!(
                "{}（{}）无权以该镇（街道、园区）名义吹哨",
                user.name,
                user.role_labels()
            )));
        }
        let date = self.today();
        for &i in &items {
            if d.catalogue.item_at(i, date).is_none() {
                return Err(WebError::invalid(
                    "unknown_item",
                    format!("事项 {} 不在权责清单中", i.0),
                ));
            }
        }
        {
            let db = self.db();
            let st = db.state();
            for &u in &departments {
                if !st.unit(u).is_some_and(|x| x.is_active()) {
                    return Err(WebError::invalid(
                        "unknown_unit",
                        format!("机构 {} 不存在或已撤销", u.0),
                    ));
                }
            }
        }
        let w = Whistle::raise(
            &d.territory,
            WhistleRequest {
                id: WhistleId(0),
                raiser,
                kind,
                items,
                place,
                description: description.trim().to_string(),
                departments,
                raised_at: now_local(self),
            },
        )
        .map_err(|e| whistle_refusal(self, &d, &e))?;
        let mut rec = WhistleRecord {
            raised_steps: w.history.len(),
            whistle: w,
            raised_by: user.name.clone(),
            steps_by: Vec::new(),
        };
        let mut wf = self.wf();
        let body = serde_json::to_string(&rec).map_err(WebError::internal)?;
        let row = wf.insert_record(WHISTLE, &body, self.now())?;
        rec.whistle.id = WhistleId(row.id as u32);
        let body = serde_json::to_string(&rec).map_err(WebError::internal)?;
        wf.update_record(WHISTLE, row.id, row.version, &body, self.now())?;
        Ok(row.id)
    }

    /// Takes a step on a request: 报到 / 开始处置 / 办结 for a department,
    /// 增派 / 撤销 / 评价 / 归档 for the raiser. Refused steps change nothing.
    pub fn whistle_step(
        &self,
        user: &User,
        id: i64,
        action: WhistleAction,
    ) -> Result<String, WebError> {
        for _ in 0..5 {
            let (d, _) = self.grassroots()?;
            let mut s = self.whistle(user, &d, id)?;
            let raiser = d
                .territory
                .get(s.rec.whistle.raiser)
                .and_then(|p| p.governing);
            let (who, what) = match &action {
                WhistleAction::Report { dept } => (Some(*dept), "报到"),
                WhistleAction::Act { dept } => (Some(*dept), "开始处置"),
                WhistleAction::Done { dept } => (Some(*dept), "办结"),
                WhistleAction::Assign { .. } => (raiser, "增派部门"),
                WhistleAction::Unassign { .. } => (raiser, "撤回部门"),
                WhistleAction::Evaluate { .. } => (raiser, "评价"),
                WhistleAction::Close => (raiser, "归档"),
            };
            if !acts_for(self, user, who) {
                return Err(WebError::Forbidden(format!(
                    "{}（{}）无权{what}",
                    user.name,
                    user.role_labels()
                )));
            }
            if let WhistleAction::Assign { dept } = &action {
                let db = self.db();
                if !db.state().unit(*dept).is_some_and(|x| x.is_active()) {
                    return Err(WebError::invalid(
                        "unknown_unit",
                        format!("机构 {} 不存在或已撤销", dept.0),
                    ));
                }
            }
            let note = {
                let db = self.db();
                let st = db.state();
                match &action {
                    WhistleAction::Report { dept }
                    | WhistleAction::Act { dept }
                    | WhistleAction::Done { dept }
                    | WhistleAction::Assign { dept }
                    | WhistleAction::Unassign { dept }
                    | WhistleAction::Evaluate { dept, .. } => {
                        format!("{}：{what}", st.unit_name(*dept))
                    }
                    WhistleAction::Close => what.to_string(),
                }
            };
            s.rec
                .whistle
                .act(now_local(self), action.clone())
                .map_err(|e| whistle_refusal(self, &d, &e))?;
            s.rec.steps_by.push(user.name.clone());
            let body = serde_json::to_string(&s.rec).map_err(WebError::internal)?;
            if self
                .wf()
                .update_record(WHISTLE, id, s.version, &body, self.now())?
                .is_some()
            {
                return Ok(note);
            }
        }
        Err(WebError::Conflict(
            "该吹哨正被他人同时办理，请刷新后重试".into(),
        ))
    }

    /// Departments overdue to 报到 now across the open requests the user
    /// sees (超时未到), earliest deadline first.
    pub fn whistle_overdue(&self, user: &User) -> Result<Vec<OverdueLine>, WebError> {
        let (d, _) = self.grassroots()?;
        let limits = self.whistle_limits()?;
        let ws: Vec<Whistle> = self
            .whistles(user, &d)?
            .into_iter()
            .map(|s| s.rec.whistle)
            .collect();
        Ok(bianzhi_grassroots::overdue_list(
            &ws,
            &limits,
            now_local(self),
        ))
    }
}

/// A refusal of the rules in words a clerk reads: bodies and places by name.
pub fn whistle_refusal(app: &App, d: &District, e: &WhistleError) -> WebError {
    use WhistleError as E;
    let db = app.db();
    let st = db.state();
    let unit = |u: &UnitId| st.unit_name(*u);
    let place = |p: &PlaceId| {
        d.territory
            .get(*p)
            .map_or_else(|| p.to_string(), |x| x.name.clone())
    };
    let msg = match e {
        E::RaiserNotTown { place: p } => format!("{} 不是镇、街道或园区，不能吹哨", place(p)),
        E::PlaceOutside { place: p } => format!("地点“{}”不在吹哨单位辖区内", place(p)),
        E::DuplicateDept { dept } => format!("{} 已在报到部门中", unit(dept)),
        E::NotAssigned { dept } => format!("{} 未被吹哨", unit(dept)),
        E::WrongStatus {
            dept,
            status,
            action,
        } => format!("{} 当前为“{status}”，不能{action}", unit(dept)),
        E::AlreadyEvaluated { dept } => format!("{} 已评价", unit(dept)),
        E::NotDone { dept } => format!("事不完、人不撤：{} 尚未办结，不能归档", unit(dept)),
        e => e.to_string(),
    };
    WebError::invalid("whistle_refused", msg)
}
