//! 12345 work orders and 职责争议 kept in the workflow store.
//!
//! - Orders come in import batches: one record of kind `work_order_batch`
//!   per file imported (all of it or nothing), holding its orders and the
//!   steps taken on them, changed by compare-and-set.
//! - The 职责争议 cases are one record of kind `disputes`. A 退单 that
//!   brings an item's returns to the threshold opens a case; a ruling that
//!   moves the item to another holder is recorded in the 权责清单 under the
//!   ruling's document and date.
//!
//! Who may do what: the department an order is assigned to signs, returns
//! and replies (its clerk, or the 编办 for it); 改派 and 回访办结 are the
//! hotline's, recorded here by the 编办; cases are the 编办's. A clerk sees
//! the orders that were ever sent to, or are at a place governed by, a body
//! in their scope; cases only the 编办 sees.

use bianzhi_core::UnitId;
use bianzhi_grassroots::{
    DisputeAction, DisputeId, Disputes, District, OrderAction, OrderError, WorkOrder,
};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::ledger::unit_in_scope;
use crate::prelude::*;

/// Record kind of an import batch of orders.
pub const ORDER_BATCH: &str = "work_order_batch";
/// Record kind of the 职责争议 cases (one record).
pub const DISPUTES: &str = "disputes";

/// A step taken on an order, for its page.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OrderStep {
    pub number: String,
    pub at: NaiveDateTime,
    pub by: String,
    pub what: String,
}

/// The orders of one imported file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OrderBatch {
    /// The file's name.
    pub source: String,
    pub imported_by: String,
    pub imported_at: NaiveDateTime,
    pub orders: Vec<WorkOrder>,
    #[serde(default)]
    pub steps: Vec<OrderStep>,
}

/// An order with where it is kept.
pub struct OrderRef {
    pub batch: i64,
    pub version: i64,
    pub index: usize,
    pub order: WorkOrder,
}

fn now_local(app: &App) -> NaiveDateTime {
    bianzhi_core::beijing::local(app.now())
}

fn refusal(app: &App, e: &OrderError) -> WebError {
    let db = app.db();
    let st = db.state();
    let msg = match e {
        OrderError::NotAssignee { number, by } => {
            format!("工单 {number} 不在 {} 名下", st.unit_name(*by))
        }
        e => e.to_string(),
    };
    WebError::invalid("order_refused", msg)
}

impl App {
    /// Every import batch with its record id and version.
    pub fn order_batches(&self) -> Result<Vec<(i64, i64, OrderBatch)>, WebError> {
        self.wf()
            .records(ORDER_BATCH)?
            .into_iter()
            .map(|r| {
                let b: OrderBatch = serde_json::from_str(&r.body)
                    .map_err(|e| WebError::Internal(format!("工单记录 {} 无法读取：{e}", r.id)))?;
                Ok((r.id, r.version, b))
            })
            .collect()
    }

    /// Whether the user sees an order.
    pub fn sees_order(&self, user: &User, d: &District, o: &WorkOrder) -> bool {
        if user.scope.is_none() {
            return true;
        }
        let town = d.territory.town_of(o.row.place).and_then(|p| p.governing);
        o.hops
            .iter()
            .map(|h| h.to)
            .chain(o.co_handlers.iter().copied())
            .chain(town)
            .any(|u| unit_in_scope(self, user, Some(u)))
    }

    /// The orders the user sees, newest first.
    pub fn orders(&self, user: &User, d: &District) -> Result<Vec<OrderRef>, WebError> {
        if user.is_admin() {
            return Err(auth::no_business_data(user));
        }
        let mut out = Vec::new();
        for (batch, version, b) in self.order_batches()? {
            for (index, order) in b.orders.into_iter().enumerate() {
                if self.sees_order(user, d, &order) {
                    out.push(OrderRef {
                        batch,
                        version,
                        index,
                        order,
                    });
                }
            }
        }
        out.sort_by(|a, b| {
            b.order
                .row
                .received
                .cmp(&a.order.row.received)
                .then(a.order.row.number.cmp(&b.order.row.number))
        });
        Ok(out)
    }

    /// One order by its number, if the user sees it, with its steps.
    pub fn order(
        &self,
        user: &User,
        d: &District,
        number: &str,
    ) -> Result<(OrderRef, Vec<OrderStep>), WebError> {
        if user.is_admin() {
            return Err(auth::no_business_data(user));
        }
        let (batch, version, index, b) = self.find_order(user, d, number)?;
        let order = b.orders[index].clone();
        let steps = b.steps.into_iter().filter(|s| s.number == number).collect();
        Ok((
            OrderRef {
                batch,
                version,
                index,
                order,
            },
            steps,
        ))
    }

    /// The import batch holding order `number`, if the user sees the
    /// order: (record id, version, position in the batch, the batch).
    fn find_order(
        &self,
        user: &User,
        d: &District,
        number: &str,
    ) -> Result<(i64, i64, usize, OrderBatch), WebError> {
        let missing = || WebError::NotFound(format!("没有工单 {number}"));
        for (batch, version, b) in self.order_batches()? {
            if let Some(index) = b.orders.iter().position(|o| o.row.number == number) {
                if !self.sees_order(user, d, &b.orders[index]) {
                    return Err(WebError::out_of_scope(missing()));
                }
                return Ok((batch, version, index, b));
            }
        }
        Err(missing())
    }

    /// Imports orders from the hotline's export (xlsx, xls or csv in GBK
    /// or UTF-8) and routes each to its holder by `responsible`; all or
    /// nothing — a bad cell, an order already imported or one that cannot
    /// be routed refuses the whole file, naming the row. Answers how many.
    pub fn import_orders(
        &self,
        user: &User,
        bytes: &[u8],
        ext: &str,
        source: &str,
    ) -> Result<usize, WebError> {
        user.require(user.can_review(), "导入 12345 工单（仅编办）")?;
        let (d, _) = self.grassroots()?;
        let today = self.today();
        // The catalogue in force today, once for the whole file.
        let in_force = d.catalogue.as_of(today);
        let rows = {
            let place = |name: &str| {
                let name = name.trim();
                d.territory
                    .places()
                    .find(|p| p.name == name || p.code == name)
                    .map(|p| p.id)
            };
            let item = |s: &str| {
                let s = s.trim();
                in_force
                    .values()
                    .find(|i| i.code == s)
                    .or_else(|| in_force.values().find(|i| i.name == s))
                    .map(|i| i.id)
            };
            bianzhi_reports::workorders::import_orders(bytes, ext, &place, &item)
        }
        .map_err(|e| match e {
            bianzhi_reports::workorders::OrderImportError::Sheet(e) => {
                WebError::invalid("bad_file", e.to_string())
            }
            e => WebError::invalid("bad_rows", e.to_string()),
        })?;
        if rows.is_empty() {
            return Err(WebError::invalid("no_rows", "表格中没有工单"));
        }
        let known: std::collections::HashSet<String> = self
            .order_batches()?
            .into_iter()
            .flat_map(|(_, _, b)| b.orders.into_iter().map(|o| o.row.number))
            .collect();
        let now = now_local(self);
        let index = d.index();
        let mut errors = Vec::new();
        let mut orders = Vec::new();
        for (n, row) in rows.into_iter().enumerate() {
            let line = n + 2;
            if known.contains(&row.number) {
                errors.push(format!("第 {line} 行：工单 {} 已导入过", row.number));
                continue;
            }
            let mut o = WorkOrder::new(row);
            if let Err(e) = o.route(&index, &d.territory, now.max(o.row.received)) {
                errors.push(format!(
                    "第 {line} 行：工单 {} 无法派单：{}",
                    o.row.number,
                    refusal(self, &e)
                ));
                continue;
            }
            orders.push(o);
        }
        if !errors.is_empty() {
            return Err(WebError::invalid(
                "bad_rows",
                format!(
                    "工单未导入（共 {} 处问题）：\n{}",
                    errors.len(),
                    errors.join("\n")
                ),
            ));
        }
        let n = orders.len();
        let batch = OrderBatch {
            source: source.to_string(),
            imported_by: user.name.clone(),
            imported_at: now,
            orders,
            steps: Vec::new(),
        };
        let body = serde_json::to_string(&batch).map_err(WebError::internal)?;
        self.wf().insert_record(ORDER_BATCH, &body, self.now())?;
        Ok(n)
    }

    /// Takes a step on an order: 签收 / 退单 / 答复 by the assignee, 改派 /
    /// 回访办结 for the hotline (编办). A 退单 may open a 职责争议 case.
    /// Refused steps change nothing. Answers what was done.
    pub fn order_step(
        &self,
        user: &User,
        number: &str,
        action: OrderAction,
    ) -> Result<String, WebError> {
        let (d, _) = self.grassroots()?;
        for _ in 0..5 {
            if user.is_admin() {
                return Err(auth::no_business_data(user));
            }
            let (batch_id, version, index, mut batch) = self.find_order(user, &d, number)?;
            let (who, what): (Option<UnitId>, &str) = match &action {
                OrderAction::Sign { by } => (Some(*by), "签收"),
                OrderAction::Return { by, .. } => (Some(*by), "退单"),
                OrderAction::Reply { by } => (Some(*by), "答复"),
                OrderAction::Reassign { .. } => (None, "改派"),
                OrderAction::Close { .. } => (None, "回访办结"),
            };
            let may = user.can_review()
                || (user.can_apply() && who.is_some() && unit_in_scope(self, user, who));
            if !may {
                return Err(WebError::Forbidden(format!(
                    "{}（{}）无权{what}",
                    user.name,
                    user.role_labels()
                )));
            }
            let note = {
                let db = self.db();
                let st = db.state();
                match &action {
                    OrderAction::Sign { by } | OrderAction::Reply { by } => {
                        format!("{} {what}", st.unit_name(*by))
                    }
                    OrderAction::Return { by, basis } => {
                        format!("{} 退单（{basis}）", st.unit_name(*by))
                    }
                    OrderAction::Reassign { to, reason } => {
                        if !st.unit(*to).is_some_and(|u| u.is_active()) {
                            return Err(WebError::invalid(
                                "unknown_unit",
                                "改派的单位不存在或已撤销",
                            ));
                        }
                        format!("改派 {}（{reason}）", st.unit_name(*to))
                    }
                    OrderAction::Close {
                        resolved,
                        satisfied,
                    } => format!(
                        "回访办结：{}、{}",
                        if *resolved { "已解决" } else { "未解决" },
                        if *satisfied { "满意" } else { "不满意" }
                    ),
                }
            };
            let at = now_local(self);
            batch.orders[index]
                .act(at, action.clone())
                .map_err(|e| refusal(self, &e))?;
            batch.steps.push(OrderStep {
                number: number.to_string(),
                at,
                by: user.name.clone(),
                what: note.clone(),
            });
            let body = serde_json::to_string(&batch).map_err(WebError::internal)?;
            if self
                .wf()
                .update_record(ORDER_BATCH, batch_id, version, &body, self.now())?
                .is_some()
            {
                if matches!(action, OrderAction::Return { .. }) {
                    let opened = self.observe_returns(at)?;
                    if !opened.is_empty() {
                        return Ok(format!(
                            "{note}；该事项退单已达 {} 次，已转编办职责争议",
                            self.disputes()?.0.threshold
                        ));
                    }
                }
                return Ok(note);
            }
        }
        Err(WebError::Conflict(
            "该工单正被他人同时办理，请刷新后重试".into(),
        ))
    }

    /// The 职责争议 cases and the (id, version) of their record.
    pub fn disputes(&self) -> Result<(Disputes, Option<(i64, i64)>), WebError> {
        match self.wf().records(DISPUTES)?.into_iter().next() {
            Some(r) => Ok((
                serde_json::from_str(&r.body).map_err(WebError::internal)?,
                Some((r.id, r.version)),
            )),
            None => Ok((Disputes::default(), None)),
        }
    }

    fn save_disputes(&self, d: &Disputes, at: Option<(i64, i64)>) -> Result<bool, WebError> {
        let body = serde_json::to_string(d).map_err(WebError::internal)?;
        let mut wf = self.wf();
        Ok(match at {
            None => {
                wf.records(DISPUTES)?.is_empty() && {
                    wf.insert_record(DISPUTES, &body, self.now())?;
                    true
                }
            }
            Some((id, version)) => wf
                .update_record(DISPUTES, id, version, &body, self.now())?
                .is_some(),
        })
    }

    /// Opens a case for every item whose 退单 reached the threshold.
    fn observe_returns(&self, at: NaiveDateTime) -> Result<Vec<DisputeId>, WebError> {
        let orders: Vec<WorkOrder> = self
            .order_batches()?
            .into_iter()
            .flat_map(|(_, _, b)| b.orders)
            .collect();
        for _ in 0..5 {
            let (mut ds, at_rec) = self.disputes()?;
            let opened = ds.observe(&orders, at);
            if opened.is_empty() || self.save_disputes(&ds, at_rec)? {
                return Ok(opened);
            }
        }
        Err(WebError::Conflict(
            "职责争议正被他人同时修改，请稍后重试".into(),
        ))
    }

    /// Takes a step on a case (编办 only). A ruling that moves the item to
    /// another holder is recorded in the 权责清单 under its document and
    /// effective date first; while the case is open the old division stays.
    pub fn dispute_step(
        &self,
        user: &User,
        id: DisputeId,
        action: DisputeAction,
    ) -> Result<String, WebError> {
        user.require(user.can_review(), "办理职责争议（仅编办）")?;
        for _ in 0..5 {
            let (mut ds, at_rec) = self.disputes()?;
            ds.act(id, now_local(self), action.clone())
                .map_err(|e| WebError::invalid("dispute_refused", e.to_string()))?;
            let case = ds.get(id).expect("acted on").clone();
            let mut note = match &action {
                DisputeAction::Agree { .. } => "协商一致，备案".to_string(),
                DisputeAction::Escalate { .. } => "协商不成，提请编办协调".to_string(),
                DisputeAction::Opinion { .. } => "出具协调意见".to_string(),
                DisputeAction::Decide { .. } => "作出决定".to_string(),
            };
            if let Some(r) = &case.ruling {
                if matches!(
                    action,
                    DisputeAction::Agree { .. } | DisputeAction::Decide { .. }
                ) {
                    let changed = self.change_catalogue(|cat| {
                        let change = case
                            .catalogue_change(cat)
                            .map_err(|e| WebError::invalid("dispute_refused", e.to_string()))?;
                        match change {
                            Some((doc, effective, change)) => {
                                cat.record(&doc, effective, change).map_err(|e| {
                                    WebError::invalid("catalogue_refused", e.to_string())
                                })?;
                                Ok(true)
                            }
                            None => Ok(false),
                        }
                    })?;
                    let db = self.db();
                    let holder = db.state().unit_name(r.holder);
                    note = if changed {
                        format!(
                            "{note}：自 {} 起由 {holder} 承担（{}），已记入权责清单",
                            r.effective, r.doc
                        )
                    } else {
                        format!("{note}：维持由 {holder} 承担（{}）", r.doc)
                    };
                }
            }
            if self.save_disputes(&ds, at_rec)? {
                return Ok(note);
            }
        }
        Err(WebError::Conflict(
            "职责争议正被他人同时修改，请稍后重试".into(),
        ))
    }
}
