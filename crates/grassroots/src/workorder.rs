//! 12345 work orders (接诉即办): orders taken from the hotline's system
//! (already parsed rows), routed to the holder by `responsible` (the
//! district's government as 兜底 when unclassified), signed, returned as not
//! ours (退单, with the basis) and re-routed, replied and closed with the
//! 回访 outcome. Repeated 退单 on one item open a 职责争议 case for the 编办:
//! 协商 → 协调意见 → decision, the old division in force meanwhile; the
//! decision can end in a catalogue change. Metrics (响应率, 解决率, 满意率,
//! 退单率) by department, town and item.

use std::collections::BTreeMap;

use bianzhi_casework::calendar::Calendar;
use bianzhi_core::ident::{parse_doc_no, DocNo, DocNoError};
use bianzhi_core::UnitId;
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::catalogue::{Catalogue, Change, ItemId, TimeLimit};
use crate::responsible::{Index, ResponsibleError};
use crate::territory::{PlaceId, PlaceKind, Territory};
use crate::whistle::ratio;

/// 诉求紧急程度, which sets the reply limit (北京 DB11 draft: 2 h
/// 突发/生命财产, 24 h 水电气热, 7 天 一般, 15 天 复杂疑难).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// 紧急 (突发事件、生命财产安全).
    Urgent,
    /// 水电气热.
    Utility,
    /// 一般.
    General,
    /// 复杂疑难.
    Complex,
}

impl Urgency {
    pub fn label(self) -> &'static str {
        match self {
            Urgency::Urgent => "紧急",
            Urgency::Utility => "水电气热",
            Urgency::General => "一般",
            Urgency::Complex => "复杂疑难",
        }
    }

    /// The reply limit from receipt.
    pub fn limit(self) -> TimeLimit {
        match self {
            Urgency::Urgent => TimeLimit::hours(2),
            Urgency::Utility => TimeLimit::hours(24),
            Urgency::General => TimeLimit::days(7),
            Urgency::Complex => TimeLimit::days(15),
        }
    }
}

/// An order as taken from the hotline's system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderRow {
    /// 工单编号.
    pub number: String,
    pub received: NaiveDateTime,
    pub place: PlaceId,
    /// 诉求内容.
    pub text: String,
    /// The item, when classified.
    pub item: Option<ItemId>,
    pub urgency: Urgency,
}

/// Where an order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderState {
    /// 已受理.
    Received,
    /// 已派单.
    Assigned,
    /// 已签收.
    Signed,
    /// 已退单 (awaiting 改派).
    Returned,
    /// 已答复.
    Replied,
    /// 已办结.
    Closed,
}

impl OrderState {
    pub fn label(self) -> &'static str {
        match self {
            OrderState::Received => "已受理",
            OrderState::Assigned => "已派单",
            OrderState::Signed => "已签收",
            OrderState::Returned => "已退单",
            OrderState::Replied => "已答复",
            OrderState::Closed => "已办结",
        }
    }
}

/// Why an order went to a body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RouteBasis {
    /// By `responsible`, on its basis document.
    Responsible { doc: DocNo },
    /// 区政府兜底: unclassified or no holder found.
    Fallback,
    /// 改派 by the hotline, with its reason.
    Manual { reason: String },
}

/// A hop of the order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hop {
    pub at: NaiveDateTime,
    pub to: UnitId,
    pub basis: RouteBasis,
}

/// A 退单.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Return {
    pub at: NaiveDateTime,
    pub by: UnitId,
    /// The legal basis for "not ours".
    pub basis: String,
}

/// The 回访 outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub resolved: bool,
    pub satisfied: bool,
}

/// A step on an order (routing by `responsible` is [`WorkOrder::route`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum OrderAction {
    /// 签收.
    Sign { by: UnitId },
    /// 退单 with the basis.
    Return { by: UnitId, basis: String },
    /// 改派 after a 退单.
    Reassign { to: UnitId, reason: String },
    /// 答复.
    Reply { by: UnitId },
    /// 回访 and 办结.
    Close { resolved: bool, satisfied: bool },
}

/// A work order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkOrder {
    pub row: OrderRow,
    pub state: OrderState,
    pub assignee: Option<UnitId>,
    /// 协办: the 配合 bodies `responsible` named with the 主办 (cleared on
    /// 改派).
    pub co_handlers: Vec<UnitId>,
    pub hops: Vec<Hop>,
    pub returns: Vec<Return>,
    /// Who signed, when (every signing).
    pub signed: Vec<(UnitId, NaiveDateTime)>,
    pub replied_at: Option<NaiveDateTime>,
    pub outcome: Option<Outcome>,
}

/// Why an order step was refused (nothing changes).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum OrderError {
    #[error("工单 {number} 当前为“{state}”，不能{action}")]
    WrongState {
        number: String,
        state: &'static str,
        action: &'static str,
    },
    #[error("工单 {number} 不在单位 {by} 名下")]
    NotAssignee { number: String, by: UnitId },
    #[error("退单须提交不属于本单位职责的依据")]
    NoBasis,
    #[error("改派须说明理由")]
    NoReason,
    #[error("区未设兜底承办单位（区政府办公室），未分类的工单无法派单")]
    NoFallback,
    #[error(transparent)]
    Responsible(#[from] ResponsibleError),
}

impl WorkOrder {
    /// An order just received.
    pub fn new(row: OrderRow) -> WorkOrder {
        WorkOrder {
            row,
            state: OrderState::Received,
            assignee: None,
            co_handlers: Vec::new(),
            hops: Vec::new(),
            returns: Vec::new(),
            signed: Vec::new(),
            replied_at: None,
            outcome: None,
        }
    }

    fn wrong(&self, action: &'static str) -> OrderError {
        OrderError::WrongState {
            number: self.row.number.clone(),
            state: self.state.label(),
            action,
        }
    }

    /// 派单: to the 主办 `responsible` gives for the item at the place on
    /// the date of `at`, its 配合 bodies as 协办; unclassified orders go to the district's
    /// government (兜底). An item not in force is refused.
    pub fn route(
        &mut self,
        index: &Index<'_>,
        territory: &Territory,
        at: NaiveDateTime,
    ) -> Result<UnitId, OrderError> {
        if self.state != OrderState::Received {
            return Err(self.wrong("派单"));
        }
        let (to, co, basis) = match self.row.item {
            Some(item) => {
                let r = index.responsible(item, self.row.place, at.date())?;
                (r.lead, r.support, RouteBasis::Responsible { doc: r.basis })
            }
            None => {
                let gov = territory
                    .up(self.row.place)
                    .find(|p| p.kind == PlaceKind::District)
                    .and_then(|p| p.governing)
                    .ok_or(OrderError::NoFallback)?;
                (gov, Vec::new(), RouteBasis::Fallback)
            }
        };
        self.co_handlers = co;
        self.hops.push(Hop { at, to, basis });
        self.assignee = Some(to);
        self.state = OrderState::Assigned;
        Ok(to)
    }

    /// Takes a step at `at`; refused steps change nothing.
    pub fn act(&mut self, at: NaiveDateTime, action: OrderAction) -> Result<(), OrderError> {
        let is_assignee = |by: UnitId| {
            if self.assignee == Some(by) {
                Ok(())
            } else {
                Err(OrderError::NotAssignee {
                    number: self.row.number.clone(),
                    by,
                })
            }
        };
        match action {
            OrderAction::Sign { by } => {
                if self.state != OrderState::Assigned {
                    return Err(self.wrong("签收"));
                }
                is_assignee(by)?;
                self.signed.push((by, at));
                self.state = OrderState::Signed;
            }
            OrderAction::Return { by, basis } => {
                if !matches!(self.state, OrderState::Assigned | OrderState::Signed) {
                    return Err(self.wrong("退单"));
                }
                is_assignee(by)?;
                if basis.trim().is_empty() {
                    return Err(OrderError::NoBasis);
                }
                self.returns.push(Return { at, by, basis });
                self.assignee = None;
                self.state = OrderState::Returned;
            }
            OrderAction::Reassign { to, reason } => {
                if self.state != OrderState::Returned {
                    return Err(self.wrong("改派"));
                }
                if reason.trim().is_empty() {
                    return Err(OrderError::NoReason);
                }
                self.hops.push(Hop {
                    at,
                    to,
                    basis: RouteBasis::Manual { reason },
                });
                self.assignee = Some(to);
                self.co_handlers.clear();
                self.state = OrderState::Assigned;
            }
            OrderAction::Reply { by } => {
                if self.state != OrderState::Signed {
                    return Err(self.wrong("答复"));
                }
                is_assignee(by)?;
                self.replied_at = Some(at);
                self.state = OrderState::Replied;
            }
            OrderAction::Close {
                resolved,
                satisfied,
            } => {
                if self.state != OrderState::Replied {
                    return Err(self.wrong("办结"));
                }
                self.outcome = Some(Outcome {
                    resolved,
                    satisfied,
                });
                self.state = OrderState::Closed;
            }
        }
        Ok(())
    }

    /// When the reply is due.
    pub fn reply_due(&self, calendar: &Calendar) -> NaiveDateTime {
        self.row.urgency.limit().due(self.row.received, calendar)
    }

    /// Not replied by its due time at `now`.
    pub fn overdue(&self, now: NaiveDateTime, calendar: &Calendar) -> bool {
        let due = self.reply_due(calendar);
        match self.replied_at {
            Some(r) => r > due,
            None => now > due,
        }
    }
}

/// Orders not replied by their due time at `now` (催办), earliest due first.
pub fn overdue_orders<'a>(
    orders: &'a [WorkOrder],
    now: NaiveDateTime,
    calendar: &Calendar,
) -> Vec<&'a WorkOrder> {
    let mut out: Vec<&WorkOrder> = orders
        .iter()
        .filter(|o| o.replied_at.is_none() && o.overdue(now, calendar))
        .collect();
    out.sort_by_key(|o| (o.reply_due(calendar), o.row.number.clone()));
    out
}

/// A dispute's identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DisputeId(pub u32);

impl std::fmt::Display for DisputeId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Z{}", self.0)
    }
}

/// The stage of a 职责争议 case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DisputeStage {
    /// 协商: the departments negotiate first.
    Negotiation,
    /// 协调: not agreed; the 编办 gives a 协调意见.
    Coordination,
    /// 协商一致, 备案 with the 编办.
    Agreed,
    /// 本级政府 decided.
    Decided,
}

impl DisputeStage {
    pub fn label(self) -> &'static str {
        match self {
            DisputeStage::Negotiation => "协商",
            DisputeStage::Coordination => "协调",
            DisputeStage::Agreed => "协商一致（备案）",
            DisputeStage::Decided => "已决定",
        }
    }
    pub fn is_open(self) -> bool {
        matches!(self, DisputeStage::Negotiation | DisputeStage::Coordination)
    }
}

/// The outcome of a dispute: who holds the item from when, on which
/// document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ruling {
    pub doc: DocNo,
    pub effective: NaiveDate,
    pub holder: UnitId,
    pub text: String,
}

/// A step on a dispute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum DisputeAction {
    /// 协商一致: the departments agree; 备案.
    Agree {
        doc: String,
        effective: NaiveDate,
        holder: UnitId,
        text: String,
    },
    /// 协商不成: to the 编办 for coordination.
    Escalate { reason: String },
    /// 编办协调意见.
    Opinion { text: String },
    /// 本级政府 decision (after the 协调意见).
    Decide {
        doc: String,
        effective: NaiveDate,
        holder: UnitId,
        text: String,
    },
}

/// A 职责争议 case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dispute {
    pub id: DisputeId,
    pub item: ItemId,
    /// The departments that returned orders on the item.
    pub departments: Vec<UnitId>,
    /// The orders whose 退单 made the case.
    pub orders: Vec<String>,
    pub opened_at: NaiveDateTime,
    pub stage: DisputeStage,
    pub opinion: Option<String>,
    pub ruling: Option<Ruling>,
    pub history: Vec<(NaiveDateTime, DisputeAction)>,
}

/// Why a dispute step was refused (nothing changes).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DisputeError {
    #[error(transparent)]
    Doc(#[from] DocNoError),
    #[error("争议当前为“{stage}”，不能{action}")]
    WrongStage {
        stage: &'static str,
        action: &'static str,
    },
    #[error("须先有编办协调意见，才能作出决定")]
    NoOpinion,
    #[error("内容不能为空")]
    Empty,
    #[error("争议 {id} 不存在")]
    UnknownDispute { id: DisputeId },
    #[error("争议事项 {item} 在 {date} 不在用")]
    ItemNotInForce { item: ItemId, date: NaiveDate },
}

/// The disputes of a district and the rule that opens them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disputes {
    /// 退单 on one item (by departments, across orders) that open a case.
    pub threshold: usize,
    pub cases: Vec<Dispute>,
}

impl Default for Disputes {
    fn default() -> Self {
        Disputes {
            threshold: 2,
            cases: Vec::new(),
        }
    }
}

impl Disputes {
    pub fn new(threshold: usize) -> Disputes {
        Disputes {
            threshold: threshold.max(1),
            cases: Vec::new(),
        }
    }

    pub fn get(&self, id: DisputeId) -> Option<&Dispute> {
        self.cases.get(id.0 as usize)
    }

    /// Opens a case for every item with at least `threshold` 退单 (made
    /// after the item's last case opened) and no open case. Returns the new
    /// cases.
    pub fn observe(&mut self, orders: &[WorkOrder], at: NaiveDateTime) -> Vec<DisputeId> {
        let mut per_item: BTreeMap<ItemId, Vec<(&WorkOrder, &Return)>> = BTreeMap::new();
        for o in orders {
            if let Some(item) = o.row.item {
                for r in &o.returns {
                    per_item.entry(item).or_default().push((o, r));
                }
            }
        }
        let mut opened = Vec::new();
        for (item, returns) in per_item {
            let last = self.cases.iter().rev().find(|c| c.item == item);
            if last.is_some_and(|c| c.stage.is_open()) {
                continue;
            }
            let since = last.map(|c| c.opened_at);
            let fresh: Vec<_> = returns
                .into_iter()
                .filter(|(_, r)| since.is_none_or(|s| r.at > s))
                .collect();
            if fresh.len() < self.threshold {
                continue;
            }
            let mut departments = Vec::new();
            let mut numbers = Vec::new();
            for (o, r) in fresh {
                if !departments.contains(&r.by) {
                    departments.push(r.by);
                }
                if !numbers.contains(&o.row.number) {
                    numbers.push(o.row.number.clone());
                }
            }
            let id = DisputeId(self.cases.len() as u32);
            self.cases.push(Dispute {
                id,
                item,
                departments,
                orders: numbers,
                opened_at: at,
                stage: DisputeStage::Negotiation,
                opinion: None,
                ruling: None,
                history: Vec::new(),
            });
            opened.push(id);
        }
        opened
    }

    /// Takes a step on a case; refused steps change nothing. While a case
    /// is open the old division stays in force: nothing here touches the
    /// catalogue.
    pub fn act(
        &mut self,
        id: DisputeId,
        at: NaiveDateTime,
        action: DisputeAction,
    ) -> Result<(), DisputeError> {
        let Some(case) = self.cases.get_mut(id.0 as usize) else {
            return Err(DisputeError::UnknownDispute { id });
        };
        let wrong = |c: &Dispute, action: &'static str| DisputeError::WrongStage {
            stage: c.stage.label(),
            action,
        };
        match &action {
            DisputeAction::Agree {
                doc,
                effective,
                holder,
                text,
            } => {
                if case.stage != DisputeStage::Negotiation {
                    return Err(wrong(case, "备案协商结果"));
                }
                let doc = parse_doc_no(doc)?;
                case.ruling = Some(Ruling {
                    doc,
                    effective: *effective,
                    holder: *holder,
                    text: text.clone(),
                });
                case.stage = DisputeStage::Agreed;
            }
            DisputeAction::Escalate { reason } => {
                if case.stage != DisputeStage::Negotiation {
                    return Err(wrong(case, "提请协调"));
                }
                if reason.trim().is_empty() {
                    return Err(DisputeError::Empty);
                }
                case.stage = DisputeStage::Coordination;
            }
            DisputeAction::Opinion { text } => {
                if case.stage != DisputeStage::Coordination {
                    return Err(wrong(case, "出具协调意见"));
                }
                if text.trim().is_empty() {
                    return Err(DisputeError::Empty);
                }
                case.opinion = Some(text.clone());
            }
            DisputeAction::Decide {
                doc,
                effective,
                holder,
                text,
            } => {
                if case.stage != DisputeStage::Coordination {
                    return Err(wrong(case, "作出决定"));
                }
                if case.opinion.is_none() {
                    return Err(DisputeError::NoOpinion);
                }
                let doc = parse_doc_no(doc)?;
                case.ruling = Some(Ruling {
                    doc,
                    effective: *effective,
                    holder: *holder,
                    text: text.clone(),
                });
                case.stage = DisputeStage::Decided;
            }
        }
        case.history.push((at, action));
        Ok(())
    }
}

impl Dispute {
    /// The catalogue entry the ruling calls for — `(文号, effective date,
    /// Amend)` with the new holder — or `None` while undecided or when the
    /// ruling keeps the holder. Record it with [`Catalogue::record`].
    pub fn catalogue_change(
        &self,
        catalogue: &Catalogue,
    ) -> Result<Option<(String, NaiveDate, Change)>, DisputeError> {
        let Some(r) = &self.ruling else {
            return Ok(None);
        };
        let mut item = catalogue
            .item_at(self.item, r.effective)
            .ok_or(DisputeError::ItemNotInForce {
                item: self.item,
                date: r.effective,
            })?
            .clone();
        if item.holder == r.holder {
            return Ok(None);
        }
        item.holder = r.holder;
        Ok(Some((
            r.doc.to_string(),
            r.effective,
            Change::Amend { item },
        )))
    }
}

/// Order figures of a department, town or item.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderMetrics {
    /// Orders dispatched (for a department: dispatched to it).
    pub dispatched: u32,
    /// Of them signed (for a department: signed by it).
    pub signed: u32,
    /// Of them returned (for a department: returned by it).
    pub returned: u32,
    /// Closed (for a department: closed with it as the last assignee).
    pub closed: u32,
    pub resolved: u32,
    pub satisfied: u32,
}

impl OrderMetrics {
    /// 响应率: signed / dispatched.
    pub fn response_rate(&self) -> Option<f64> {
        ratio(self.signed, self.dispatched)
    }
    /// 解决率: resolved / closed.
    pub fn resolution_rate(&self) -> Option<f64> {
        ratio(self.resolved, self.closed)
    }
    /// 满意率: satisfied / closed.
    pub fn satisfaction_rate(&self) -> Option<f64> {
        ratio(self.satisfied, self.closed)
    }
    /// 退单率: returned / dispatched.
    pub fn return_rate(&self) -> Option<f64> {
        ratio(self.returned, self.dispatched)
    }

    fn add_order(&mut self, o: &WorkOrder) {
        if o.hops.is_empty() {
            return;
        }
        self.dispatched += 1;
        self.signed += u32::from(!o.signed.is_empty());
        self.returned += u32::from(!o.returns.is_empty());
        if let Some(out) = o.outcome {
            self.closed += 1;
            self.resolved += u32::from(out.resolved);
            self.satisfied += u32::from(out.satisfied);
        }
    }
}

/// Figures per department: each department counts the orders dispatched to
/// it, signed by it and returned by it; closing counts for the last
/// assignee.
pub fn metrics_by_department(orders: &[WorkOrder]) -> BTreeMap<UnitId, OrderMetrics> {
    let mut out: BTreeMap<UnitId, OrderMetrics> = BTreeMap::new();
    for o in orders {
        let mut depts: Vec<UnitId> = o.hops.iter().map(|h| h.to).collect();
        depts.sort();
        depts.dedup();
        for d in depts {
            let m = out.entry(d).or_default();
            m.dispatched += 1;
            m.signed += u32::from(o.signed.iter().any(|(u, _)| *u == d));
            m.returned += u32::from(o.returns.iter().any(|r| r.by == d));
            if let (Some(out), Some(last)) = (o.outcome, o.assignee) {
                if last == d {
                    m.closed += 1;
                    m.resolved += u32::from(out.resolved);
                    m.satisfied += u32::from(out.satisfied);
                }
            }
        }
    }
    out
}

/// Figures per town, street or park (orders at places outside any count
/// for the district).
pub fn metrics_by_town(
    orders: &[WorkOrder],
    territory: &Territory,
) -> BTreeMap<PlaceId, OrderMetrics> {
    let mut out: BTreeMap<PlaceId, OrderMetrics> = BTreeMap::new();
    for o in orders {
        let town = territory.town_of(o.row.place).map_or(o.row.place, |p| p.id);
        out.entry(town).or_default().add_order(o);
    }
    out
}

/// Figures per item (unclassified orders are left out).
pub fn metrics_by_item(orders: &[WorkOrder]) -> BTreeMap<ItemId, OrderMetrics> {
    let mut out: BTreeMap<ItemId, OrderMetrics> = BTreeMap::new();
    for o in orders {
        if let Some(item) = o.row.item {
            out.entry(item).or_default().add_order(o);
        }
    }
    out
}
