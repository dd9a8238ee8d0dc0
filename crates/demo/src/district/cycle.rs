//! The yearly cycle: 用编计划, 入编 and 报到, 退休 and other departures, 调动,
//! 任免 and quota adjustments.

use super::*;

use bianzhi_core::catalog::StaffIdentity;
use bianzhi_core::model::{GrantKind, PostKey, QuotaAccount};

/// Where a 用编计划 line belongs, which decides its matter and hiring window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum PlanCat {
    Civil,
    Education,
    Health,
    Institution,
}

impl PlanCat {
    fn title(self, y: i32) -> String {
        match self {
            PlanCat::Civil => format!("下达{y}年度公务员（参照管理人员）考试录用和选调用编计划"),
            PlanCat::Education => {
                format!("下达{y}年度教育系统公开招聘教师和定向师范毕业生用编计划")
            }
            PlanCat::Health => format!("下达{y}年度卫生健康系统公开招聘和人才引进用编计划"),
            PlanCat::Institution => format!("下达{y}年度事业单位公开招聘用编计划"),
        }
    }
}

fn random_day(rng: &mut Rng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    let span = (to - from).num_days().max(0);
    from + Duration::days(rng.range(0, span))
}

/// The account of `qtype` in `unit` with the most 可用空编 (not in 超编消化).
pub(super) fn best_account(
    st: &State,
    unit: UnitId,
    qtype: bianzhi_core::QuotaTypeId,
) -> Option<QuotaAccount> {
    st.unit_accounts(unit)
        .filter(|a| a.key.qtype == qtype && a.counts.approved > 0)
        .max_by_key(|a| {
            (
                !a.digesting,
                a.counts.available(),
                std::cmp::Reverse(a.key.funding),
            )
        })
        .copied()
}

/// An account of `qtype` in `unit` that holds only 周转借入 or 过桥 slots.
pub(super) fn borrowed_account(
    st: &State,
    unit: UnitId,
    qtype: bianzhi_core::QuotaTypeId,
) -> Option<QuotaAccount> {
    st.unit_accounts(unit)
        .filter(|a| a.key.qtype == qtype && a.counts.capacity() > 0)
        .max_by_key(|a| (!a.digesting, a.counts.available()))
        .copied()
}

/// The unit's main (largest non-工勤) account.
pub(super) fn main_account(st: &State, unit: UnitId) -> Option<QuotaAccount> {
    st.unit_accounts(unit)
        .filter(|a| st.qtype_name(a.key.qtype) != "工勤编制" && a.counts.approved > 0)
        .max_by_key(|a| (a.counts.approved, std::cmp::Reverse(a.key)))
        .copied()
}

pub(super) fn usable(a: &QuotaAccount) -> i32 {
    if a.digesting {
        0
    } else {
        a.counts.available().max(0)
    }
}

/// A leader candidate among `roster`: active, no post, not 工勤, 28–55,
/// preferring party members, people of the body and the middle-aged.
fn pick_candidate(
    rng: &mut Rng,
    roster: &[&Person],
    busy: &BTreeSet<PersonId>,
    body: Option<BodyId>,
    date: NaiveDate,
) -> Option<PersonId> {
    roster
        .iter()
        .filter(|p| {
            !busy.contains(&p.id)
                && p.placement.status == PersonStatus::Active
                && p.details.identity != StaffIdentity::Worker
                && (28..=55).contains(&age(p, date))
        })
        .map(|p| {
            let a = age(p, date);
            let score = 30 * i64::from(is_party(p))
                + 20 * i64::from(body.is_some() && p.placement.body == body)
                + 10 * i64::from((35..=50).contains(&a))
                + rng.range(0, 14);
            (score, std::cmp::Reverse(p.id), p.id)
        })
        .max()
        .map(|(_, _, id)| id)
}

pub(super) fn active_units(st: &State, meta: &BTreeMap<UnitId, Meta>) -> Vec<UnitId> {
    meta.keys()
        .copied()
        .filter(|u| st.unit(*u).is_some_and(|x| x.is_active()))
        .collect()
}

impl Builder<'_> {
    pub(super) fn year(&mut self, y: i32) {
        let start = if y == FIRST_YEAR { 2 } else { 1 };
        for m in start..=12 {
            self.schedule(ymd(y, m, 1), Ev::Retire);
        }
        self.schedule(ymd(y, 1, 25), Ev::Appointments { rotate: true });
        self.schedule(ymd(y, 7, 25), Ev::Appointments { rotate: false });
        self.schedule(ymd(y, 2, 20), Ev::QuotaAdjust);
        self.schedule(ymd(y, 2, 25), Ev::Lock);
        self.schedule(ymd(y, 3, 10), Ev::Plans);
        self.schedule(ymd(y, 8, 25), Ev::TeacherExchange);
        self.schedule(ymd(y, 10, 15), Ev::VeteranPlan);
        for _ in 0..self.rng.range(6, 10) {
            let d = random_day(&mut self.rng, ymd(y, 4, 1), ymd(y, 11, 30));
            self.schedule(d, Ev::MiscTransfer);
        }
        // Departures other than 退休, drawn from the people in post on 1 January.
        let on = ymd(y, 1, 1);
        let active: Vec<(PersonId, i32)> = self
            .sink
            .state()
            .persons
            .iter()
            .flatten()
            .filter(|p| p.placement.status == PersonStatus::Active)
            .map(|p| (p.id, age(p, on)))
            .collect();
        let n = active.len() as f64;
        let plan: [(LeaveReason, usize, i32, i32); 5] = [
            (LeaveReason::Resign, (n * 0.0025).round() as usize, 24, 40),
            (
                LeaveReason::TransferOut,
                (n * 0.0035).round() as usize,
                26,
                50,
            ),
            (
                LeaveReason::Death,
                (n * 0.0005).round().max(1.0) as usize,
                38,
                59,
            ),
            (LeaveReason::Dismissed, usize::from(y % 2 == 0), 24, 45),
            (LeaveReason::Other, usize::from(y == 2022), 30, 55),
        ];
        let mut taken = BTreeSet::new();
        for (reason, count, lo, hi) in plan {
            let mut got = 0;
            let mut tries = 0;
            while got < count && tries < count * 50 + 50 {
                tries += 1;
                let (p, a) = *self.rng.pick(&active);
                if (lo..=hi).contains(&a) && taken.insert(p) {
                    let d = random_day(&mut self.rng, ymd(y, 2, 1), ymd(y, 12, 15));
                    self.schedule(d, Ev::Depart { person: p, reason });
                    got += 1;
                }
            }
        }
        if y < LAST_YEAR {
            self.schedule(ymd(y + 1, 1, 1), Ev::Year(y + 1));
        }
    }

    pub(super) fn retirements(&mut self, date: NaiveDate) -> Result<(), RecordError> {
        let st = self.sink.state();
        let mut groups: BTreeMap<UnitId, Vec<PersonId>> = BTreeMap::new();
        for p in st.persons.iter().flatten() {
            if p.placement.status != PersonStatus::Active {
                continue;
            }
            let ra = self.retire_age_of(p);
            if retirement_date(p.details.birth(), ra) <= date {
                groups
                    .entry(root_of(st, p.placement.unit))
                    .or_default()
                    .push(p.id);
            }
        }
        for (root, people) in groups {
            for chunk in people.chunks(60) {
                let st = self.st();
                let reason = format!(
                    "{}系统{}同志达到退休年龄，办理退休出编",
                    st.unit_name(root),
                    names_of(st, chunk)
                );
                let ops = chunk
                    .iter()
                    .map(|p| Op::Leave {
                        person: PersonRef::Id(*p),
                        reason: LeaveReason::Retire,
                    })
                    .collect();
                self.record("盐人社发", date, act_real(date.year()), reason, ops)?;
            }
        }
        Ok(())
    }

    /// Fills vacant leadership posts (and with `rotate`, lets some leaders aged
    /// 58+ 退出领导岗位 and appoints their successors in the same matter).
    pub(super) fn fill_posts(
        &mut self,
        date: NaiveDate,
        units: Option<Vec<UnitId>>,
        rotate: bool,
    ) -> Result<(), RecordError> {
        let st = self.sink.state();
        let units = units.unwrap_or_else(|| active_units(st, &self.meta));
        let mut groups: BTreeMap<(&'static str, UnitId), (Vec<Op>, usize, usize)> = BTreeMap::new();
        for u in units {
            let (Some(meta), Some(unit)) = (self.meta.get(&u), st.unit(u)) else {
                continue;
            };
            if !unit.is_active() {
                continue;
            }
            let roster: Vec<&Person> = st
                .roster(u)
                .into_iter()
                .filter_map(|id| st.person(id))
                .filter(|p| p.placement.status == PersonStatus::Active)
                .collect();
            let mut busy: BTreeSet<PersonId> = roster
                .iter()
                .filter(|p| !p.posts.is_empty())
                .map(|p| p.id)
                .collect();
            let mut ops = Vec::new();
            let mut freed: BTreeMap<PostKey, Vec<PersonId>> = BTreeMap::new();
            if rotate {
                for p in &roster {
                    for h in &p.posts {
                        if h.counted
                            && matches!(h.key.kind, PostKind::UnitChief | PostKind::UnitDeputy)
                            && age(p, date) >= 58
                            && self.rng.chance(0.5)
                        {
                            ops.push(Op::Remove {
                                person: PersonRef::Id(p.id),
                                body: h.key.body,
                                kind: h.key.kind,
                            });
                            freed.entry(h.key).or_default().push(p.id);
                        }
                    }
                }
            }
            let removed = ops.len();
            let posts: Vec<(PostKey, i32, Vec<PersonId>)> = st
                .unit_posts(u)
                .map(|p| (p.key, p.approved, p.holders.clone()))
                .collect();
            for (key, approved, holders) in posts {
                let gone = freed.get(&key).map_or(&[][..], |v| v.as_slice());
                let mut held: Vec<String> = holders
                    .iter()
                    .filter(|h| !gone.contains(h))
                    .filter_map(|h| st.person(*h))
                    .flat_map(|p| {
                        p.posts
                            .iter()
                            .filter(|x| x.key == key)
                            .map(|x| x.title.clone())
                    })
                    .collect();
                let vacant = approved - holders.len() as i32 + gone.len() as i32;
                for _ in 0..vacant.max(0) {
                    let Some(c) = pick_candidate(&mut self.rng, &roster, &busy, key.body, date)
                    else {
                        break;
                    };
                    let title = match key.kind {
                        PostKind::UnitChief => meta
                            .chiefs
                            .iter()
                            .find(|t| !held.iter().any(|h| h == *t))
                            .unwrap_or(&meta.chiefs[0])
                            .to_string(),
                        PostKind::UnitDeputy => meta
                            .deputy_titles
                            .iter()
                            .find(|t| !held.iter().any(|h| h == *t))
                            .copied()
                            .unwrap_or(meta.deputy)
                            .to_string(),
                        PostKind::BodyChief | PostKind::BodyDeputy => {
                            let bn = key
                                .body
                                .and_then(|b| unit.body(b))
                                .map(|b| b.name.as_str())
                                .unwrap_or("");
                            if key.kind == PostKind::BodyChief {
                                body_title(bn).to_string()
                            } else {
                                format!("副{}", body_title(bn))
                            }
                        }
                        PostKind::Other => meta.other.unwrap_or("其他领导职务").to_string(),
                    };
                    held.push(title.clone());
                    busy.insert(c);
                    ops.push(Op::Appoint {
                        person: PersonRef::Id(c),
                        body: key.body,
                        kind: key.kind,
                        title,
                        exempt: false,
                    });
                }
            }
            if !ops.is_empty() {
                let appointed = ops.len() - removed;
                let g = groups.entry((meta.agency, root_of(st, u))).or_default();
                g.0.extend(ops);
                g.1 += appointed;
                g.2 += removed;
            }
        }
        for ((agency, root), (ops, appointed, removed)) in groups {
            let root_name = self.st().unit_name(root);
            let reason = if removed > 0 {
                format!("{root_name}系统干部任免：任职{appointed}人，{removed}人到龄退出领导岗位")
            } else {
                format!("{root_name}系统干部任职：任职{appointed}人")
            };
            // Removals come before appointments of the same unit; chunks keep that order.
            for chunk in ops.chunks(150) {
                self.record(agency, date, ACT_POST, reason.clone(), chunk.to_vec())?;
            }
        }
        Ok(())
    }

    pub(super) fn quota_adjust(&mut self, date: NaiveDate) -> Result<(), RecordError> {
        let y = date.year();
        let st = self.sink.state();
        let sy = resolve_qtype_id(st, "事业编制");
        let units = active_units(st, &self.meta);
        let mut used = BTreeSet::new();
        let mut ops = Vec::new();
        let (mut inc, mut dec, mut moved) = (0, 0, 0);
        // A school still receiving 承兑 tranches grows by its tranches only.
        let phased: BTreeSet<UnitId> = st
            .grants
            .iter()
            .flatten()
            .filter(|g| matches!(g.kind, GrantKind::Phased { .. }) && g.outstanding() > 0)
            .map(|g| g.key.unit)
            .collect();
        let urban: Vec<UnitId> = units
            .iter()
            .copied()
            .filter(|u| self.meta[u].urban_school && !phased.contains(u))
            .collect();
        for _ in 0..self.rng.range(3, 5) {
            let u = *self.rng.pick(&urban);
            if !used.insert(u) {
                continue;
            }
            if let Some(a) = best_account(st, u, sy) {
                let n = self.rng.range(3, 10) as i32;
                inc += n;
                ops.push(Op::IncreaseQuota {
                    account: acct_key(&a.key),
                    count: n,
                });
            }
        }
        let village: Vec<UnitId> = units
            .iter()
            .copied()
            .filter(|u| self.meta[u].village_school)
            .collect();
        for _ in 0..self.rng.range(2, 3) {
            let u = *self.rng.pick(&village);
            if used.contains(&u) {
                continue;
            }
            if let Some(a) = best_account(st, u, sy) {
                let n = usable(&a).min(self.rng.range(2, 4) as i32);
                if n >= 1 {
                    used.insert(u);
                    dec += n;
                    ops.push(Op::DecreaseQuota {
                        account: acct_key(&a.key),
                        count: n,
                        allow_over: false,
                    });
                }
            }
        }
        // 划转 between two 事业单位 of the same 主管部门.
        let insts: Vec<UnitId> = units
            .iter()
            .copied()
            .filter(|u| {
                matches!(self.meta[u].sector, Sector::Institution | Sector::Education)
                    && st.unit(*u).is_some_and(|x| x.kind == UnitKind::Institution)
            })
            .collect();
        let mut tries = 0;
        let mut done = 0;
        while done < 2 && tries < 200 {
            tries += 1;
            let a = *self.rng.pick(&insts);
            let b = *self.rng.pick(&insts);
            let (ua, ub) = (st.unit(a).expect("active"), st.unit(b).expect("active"));
            if a == b || ua.parent != ub.parent || used.contains(&a) || used.contains(&b) {
                continue;
            }
            let (Some(fa), Some(fb)) = (best_account(st, a, sy), best_account(st, b, sy)) else {
                continue;
            };
            if fa.key.funding != fb.key.funding || usable(&fa) < 2 {
                continue;
            }
            let n = self.rng.range(1, 2) as i32;
            used.insert(a);
            used.insert(b);
            moved += n;
            done += 1;
            ops.push(Op::TransferQuota {
                from: uref(a),
                to: uref(b),
                qtype: CatRef::Id(sy.0),
                funding: CatRef::Id(u16::from(fa.key.funding.0)),
                count: n,
            });
        }
        if ops.is_empty() {
            return Ok(());
        }
        let reason = format!(
            "{y}年度事业编制动态调整：生源增长学校核增{inc}名，生源减少学校核减{dec}名，同一主管部门内划转{moved}名"
        );
        self.record("盐编", date, ACT_ORG, reason, ops)?;
        Ok(())
    }

    /// 锁定 a few slots for the year's 退役士兵安置.
    pub(super) fn lock(&mut self, date: NaiveDate) -> Result<(), RecordError> {
        let st = self.sink.state();
        let sy = resolve_qtype_id(st, "事业编制");
        let cands: Vec<AccountKey> = active_units(st, &self.meta)
            .into_iter()
            .filter(|u| self.meta[u].sector == Sector::Institution)
            .filter_map(|u| best_account(st, u, sy))
            .filter(|a| usable(a) >= 2 && a.counts.approved >= 10)
            .map(|a| a.key)
            .collect();
        if cands.is_empty() {
            return Ok(());
        }
        let mut chosen = BTreeSet::new();
        for _ in 0..3 {
            chosen.insert(*self.rng.pick(&cands));
        }
        let ops: Vec<Op> = chosen
            .iter()
            .map(|k| Op::LockQuota {
                account: acct_key(k),
                count: 1,
                purpose: format!("{}年度退役士兵安置预留", date.year()),
            })
            .collect();
        let reason = format!(
            "为{}年度退役士兵安置锁定事业编制{}名",
            date.year(),
            ops.len()
        );
        self.record("盐编办", date, ACT_PLAN, reason, ops)?;
        self.locks.extend(chosen.into_iter().map(|k| (k, 1)));
        Ok(())
    }

    pub(super) fn plans(&mut self, date: NaiveDate) -> Result<(), RecordError> {
        let y = date.year();
        let st = self.sink.state();
        let mut by_cat: BTreeMap<PlanCat, Vec<Op>> = BTreeMap::new();
        for u in active_units(st, &self.meta) {
            let meta = &self.meta[&u];
            if meta.sector == Sector::Station && y >= 2021 {
                // The 镇 三定 of mid-2021 abolishes the stations: no plans for them.
                continue;
            }
            let accounts: Vec<QuotaAccount> = st.unit_accounts(u).copied().collect();
            let mut seen = BTreeSet::new();
            for a in accounts {
                let qname = st.qtype_name(a.key.qtype);
                if qname == "工勤编制" || !seen.insert(a.key.qtype) {
                    continue;
                }
                let Some(a) = best_account(st, u, a.key.qtype) else {
                    continue;
                };
                let r = self.rng.range(90, 97) as f64 / 100.0;
                let want = (r * f64::from(a.counts.approved)).floor() as i32
                    - a.counts.actual
                    - a.counts.frozen;
                let n = want.min(usable(&a));
                if n < 1 {
                    continue;
                }
                let cat = match (meta.sector, qname.as_str()) {
                    (_, "行政编制" | "政法专项编制" | "参公事业编制") => {
                        PlanCat::Civil
                    }
                    (Sector::Education, _) => PlanCat::Education,
                    (Sector::Health, _) => PlanCat::Health,
                    _ => PlanCat::Institution,
                };
                let mut lines: Vec<(PlanChannel, i32)> = Vec::new();
                let mut rest = n;
                match cat {
                    PlanCat::Civil => {
                        if n >= 2 && qname == "行政编制" && self.rng.chance(0.35) {
                            lines.push((PlanChannel::Selection, 1));
                            rest -= 1;
                        }
                    }
                    PlanCat::Education => {
                        if n >= 3 && self.rng.chance(0.5) {
                            let g = (n / 4).max(1);
                            lines.push((PlanChannel::Graduate, g));
                            rest -= g;
                        }
                        if rest >= 4 && self.rng.chance(0.3) {
                            lines.push((PlanChannel::TalentIntroduction, 1));
                            rest -= 1;
                        }
                    }
                    PlanCat::Health => {
                        if n >= 5 {
                            let t = n / 5;
                            lines.push((PlanChannel::TalentIntroduction, t));
                            rest -= t;
                        }
                    }
                    PlanCat::Institution => {}
                }
                if rest > 0 {
                    lines.push((PlanChannel::OpenRecruitment, rest));
                }
                let ops = by_cat.entry(cat).or_default();
                for (channel, count) in lines {
                    ops.push(Op::ApprovePlanLine {
                        line: None,
                        unit: uref(u),
                        year: y,
                        channel,
                        qtype: CatRef::Id(a.key.qtype.0),
                        count,
                    });
                }
            }
        }
        for (cat, ops) in by_cat {
            let total: i32 = ops
                .iter()
                .map(|o| match o {
                    Op::ApprovePlanLine { count, .. } => *count,
                    _ => 0,
                })
                .sum();
            let reason = format!("{}（{}个单位计划{}名）", cat.title(y), ops.len(), total);
            let m = self.record("盐编办", date, ACT_PLAN, reason, ops)?;
            for op in &m.ops {
                let Op::ApprovePlanLine {
                    line: Some(line),
                    channel,
                    count,
                    ..
                } = op
                else {
                    continue;
                };
                let (from, to) = match (*channel, cat) {
                    (PlanChannel::TalentIntroduction, _) => ((4, 10), (6, 20)),
                    (PlanChannel::Graduate, _) => ((7, 1), (7, 20)),
                    (PlanChannel::Selection, _) => ((5, 5), (6, 30)),
                    (_, PlanCat::Civil) => ((7, 10), (7, 31)),
                    (_, PlanCat::Education) => ((8, 1), (8, 20)),
                    (_, PlanCat::Health) => ((6, 20), (7, 31)),
                    (_, PlanCat::Institution) => ((7, 1), (8, 15)),
                };
                let d = random_day(&mut self.rng, ymd(y, from.0, from.1), ymd(y, to.0, to.1));
                if *channel == PlanChannel::Selection {
                    self.schedule(d, Ev::Selection { line: *line });
                } else {
                    self.schedule(
                        d,
                        Ev::Hire {
                            line: *line,
                            count: *count,
                        },
                    );
                }
            }
        }
        Ok(())
    }

    /// 入编 against a plan line: as many as the line, the vacancies and the
    /// recruitment result allow.
    pub(super) fn hire(
        &mut self,
        date: NaiveDate,
        line: PlanLineId,
        count: i32,
    ) -> Result<(), RecordError> {
        let y = date.year();
        let st = self.sink.state();
        let Some(pl) = st.plan_line(line).cloned() else {
            return Ok(());
        };
        let unit = pl.unit;
        let Some(u) = st.unit(unit).filter(|u| u.is_active() && pl.year == y) else {
            return Ok(());
        };
        // A unit staffed only with 周转借入 slots (a 镇消防救援站) has no 核定.
        let Some(a) =
            best_account(st, unit, pl.qtype).or_else(|| borrowed_account(st, unit, pl.qtype))
        else {
            return Ok(());
        };
        let mut n = count.min(pl.remaining()).min(usable(&a));
        if n >= 3 && self.rng.chance(0.08) {
            n -= 1; // 招聘未满额
        }
        if n < 1 {
            return Ok(());
        }
        let unit_name = u.name.clone();
        let bodies: Vec<BodyId> = u
            .bodies
            .iter()
            .filter(|b| !b.abolished)
            .map(|b| b.id)
            .collect();
        let qname = st.qtype_name(pl.qtype);
        let Some(meta) = self.meta.get(&unit).cloned() else {
            return Ok(());
        };
        let mut ops = Vec::new();
        let mut ages = Vec::new();
        for _ in 0..n {
            let (lo, hi, first, role) = match pl.channel {
                PlanChannel::Graduate => (22, 24, true, Role::Staff),
                PlanChannel::TalentIntroduction => (26, 35, false, Role::Staff),
                PlanChannel::Selection => (22, 26, true, Role::Staff),
                PlanChannel::VeteranPlacement => (22, 27, false, Role::Veteran),
                PlanChannel::Other | PlanChannel::MilitaryTransfer => (26, 40, false, Role::Staff),
                PlanChannel::OpenRecruitment => {
                    if meta.sector == Sector::Education {
                        (22, 28, self.rng.chance(0.8), Role::Staff)
                    } else {
                        (23, 32, self.rng.chance(0.7), Role::Staff)
                    }
                }
            };
            let age = self.rng.range(lo, hi) as i32;
            let spec = Spec {
                profile: meta.profile,
                identity: identity_for(&qname),
                role,
                age,
                on: date,
                female_share: meta.female_share,
                first_job: first,
            };
            let mut g = self.gen.generate(&mut self.rng, spec, None);
            match pl.channel {
                PlanChannel::TalentIntroduction => {
                    g.details.education = if self.rng.chance(0.15) {
                        "博士研究生".into()
                    } else {
                        "硕士研究生".into()
                    };
                }
                PlanChannel::Selection => {
                    g.details.political = "中共党员".into();
                }
                _ => {}
            }
            ages.push(g.retire_age);
            let body = (!bodies.is_empty()).then(|| *self.rng.pick(&bodies));
            ops.push(Op::Hire {
                person: None,
                account: acct_key(&a.key),
                body,
                plan_line: line,
                details: g.details,
            });
        }
        let names: Vec<String> = ops
            .iter()
            .take(3)
            .filter_map(|o| match o {
                Op::Hire { details, .. } => Some(details.name.clone()),
                _ => None,
            })
            .collect();
        let reason = format!(
            "同意{unit_name}{y}年度{}人员{n}人入编（{}{}）",
            pl.channel.label(),
            names.join("、"),
            if n > 3 { "等" } else { "" }
        );
        let m = self.record("盐编办", date, act_real(y), reason, ops)?;
        let people = Builder::new_people(&m);
        for (id, a) in people.iter().zip(ages) {
            self.set_retire_age(*id, a);
        }
        let d = date + Duration::days(self.rng.range(21, 42));
        self.schedule(
            d,
            Ev::Onboard {
                people,
                doc: m.doc.clone(),
            },
        );
        Ok(())
    }

    pub(super) fn onboard(
        &mut self,
        date: NaiveDate,
        people: Vec<PersonId>,
        doc: DocNo,
    ) -> Result<(), RecordError> {
        let st = self.sink.state();
        let pending: Vec<PersonId> = people
            .into_iter()
            .filter(|p| {
                st.person(*p)
                    .is_some_and(|p| p.placement.status == PersonStatus::Pending)
            })
            .collect();
        if pending.is_empty() {
            return Ok(());
        }
        let mut ops = Vec::new();
        let mut withdrawn = Vec::new();
        for p in &pending {
            if pending.len() >= 3 && withdrawn.is_empty() && self.rng.chance(0.02) {
                withdrawn.push(*p);
                ops.push(Op::WithdrawHire {
                    person: PersonRef::Id(*p),
                });
            } else {
                ops.push(Op::Onboard {
                    person: PersonRef::Id(*p),
                });
            }
        }
        let st = self.st();
        let unit = st
            .person(pending[0])
            .map(|p| st.unit_name(p.placement.unit))
            .unwrap_or_default();
        let on: Vec<PersonId> = pending
            .iter()
            .copied()
            .filter(|p| !withdrawn.contains(p))
            .collect();
        let mut reason = format!("{unit}{}报到（入编审批{doc}）", names_of(st, &on));
        if !withdrawn.is_empty() {
            reason.push_str(&format!(
                "；{}放弃入编，撤回入编审批",
                names_of(st, &withdrawn)
            ));
        }
        self.record("盐编办", date, act_real(date.year()), reason, ops)?;
        Ok(())
    }

    pub(super) fn depart(
        &mut self,
        date: NaiveDate,
        person: PersonId,
        reason: LeaveReason,
    ) -> Result<(), RecordError> {
        let st = self.sink.state();
        let Some(p) = st
            .person(person)
            .filter(|p| p.placement.status == PersonStatus::Active)
        else {
            return Ok(());
        };
        let unit = st.unit_name(p.placement.unit);
        let name = p.details.name.clone();
        let text = match reason {
            LeaveReason::Resign => format!("{unit}{name}同志辞去公职，办理出编"),
            LeaveReason::TransferOut => {
                format!("{unit}{name}同志调出本区（调往市直单位），办理出编")
            }
            LeaveReason::Death => format!("{unit}{name}同志因病去世，办理出编"),
            LeaveReason::Dismissed => format!("{unit}{name}同志连续旷工，依法予以辞退，办理出编"),
            LeaveReason::Expelled => format!("{unit}{name}同志被开除，办理出编"),
            LeaveReason::Other => format!("{unit}{name}同志因其他原因（自费出国定居）出编"),
            LeaveReason::Retire => format!("{unit}{name}同志退休，办理出编"),
        };
        self.record(
            "盐编办",
            date,
            act_real(date.year()),
            text,
            vec![Op::Leave {
                person: PersonRef::Id(person),
                reason,
            }],
        )?;
        Ok(())
    }

    /// 选调: a town civil servant moves to a department against its 选调 line;
    /// for a township, a graduate (选调生) is hired instead.
    pub(super) fn selection(
        &mut self,
        date: NaiveDate,
        line: PlanLineId,
    ) -> Result<(), RecordError> {
        let st = self.sink.state();
        let Some(pl) = st.plan_line(line).cloned() else {
            return Ok(());
        };
        let Some(target) = st.unit(pl.unit).filter(|u| u.is_active()) else {
            return Ok(());
        };
        if matches!(
            target.kind,
            UnitKind::Town | UnitKind::Subdistrict | UnitKind::ParkCommittee
        ) {
            return self.hire(date, line, pl.remaining());
        }
        let Some(a) = best_account(st, pl.unit, pl.qtype).filter(|a| usable(a) >= 1) else {
            return Ok(());
        };
        if pl.remaining() < 1 || pl.year != date.year() {
            return Ok(());
        }
        let cands: Vec<&Person> = st
            .persons
            .iter()
            .flatten()
            .filter(|p| {
                p.placement.status == PersonStatus::Active
                    && p.placement.qtype == pl.qtype
                    && p.posts.is_empty()
                    && (25..=40).contains(&age(p, date))
                    && st
                        .unit(p.placement.unit)
                        .is_some_and(|u| matches!(u.kind, UnitKind::Town | UnitKind::Subdistrict))
            })
            .collect();
        if cands.is_empty() {
            return Ok(());
        }
        let p = *self.rng.pick(&cands);
        let body = {
            let b: Vec<BodyId> = target
                .bodies
                .iter()
                .filter(|b| !b.abolished)
                .map(|b| b.id)
                .collect();
            (!b.is_empty()).then(|| *self.rng.pick(&b))
        };
        let reason = format!(
            "选调{}同志由{}至{}工作",
            p.details.name,
            st.unit_name(p.placement.unit),
            target.name
        );
        let op = Op::Transfer {
            person: PersonRef::Id(p.id),
            to: acct_key(&a.key),
            body,
            plan_line: line,
        };
        self.record("盐编办", date, act_real(date.year()), reason, vec![op])?;
        Ok(())
    }

    /// A single 调任/交流 between two units of the same class, with its own
    /// 用编计划 line (channel 其他) approved in the same matter.
    pub(super) fn misc_transfer(&mut self, date: NaiveDate) -> Result<(), RecordError> {
        let st = self.sink.state();
        let civil = self.rng.chance(0.4);
        let q = resolve_qtype_id(
            st,
            if civil {
                "行政编制"
            } else {
                "事业编制"
            },
        );
        let sectors: &[Sector] = if civil {
            &[Sector::Organ, Sector::Township]
        } else {
            &[Sector::Institution, Sector::Health]
        };
        let targets: Vec<QuotaAccount> = active_units(st, &self.meta)
            .into_iter()
            .filter(|u| sectors.contains(&self.meta[u].sector))
            .filter_map(|u| best_account(st, u, q))
            .filter(|a| usable(a) >= 1)
            .collect();
        if targets.is_empty() {
            return Ok(());
        }
        let t = *self.rng.pick(&targets);
        let cands: Vec<&Person> = st
            .persons
            .iter()
            .flatten()
            .filter(|p| {
                p.placement.status == PersonStatus::Active
                    && p.placement.qtype == q
                    && p.placement.unit != t.key.unit
                    && p.posts.is_empty()
                    && (25..=50).contains(&age(p, date))
                    && self
                        .meta
                        .get(&p.placement.unit)
                        .is_some_and(|m| sectors.contains(&m.sector))
            })
            .collect();
        if cands.is_empty() {
            return Ok(());
        }
        let p = *self.rng.pick(&cands);
        let line = PlanLineId(self.next_line());
        let reason = format!(
            "同意{}同志由{}调入{}（{}）",
            p.details.name,
            st.unit_name(p.placement.unit),
            st.unit_name(t.key.unit),
            if civil {
                "公务员调任"
            } else {
                "事业单位人员交流"
            }
        );
        let ops = vec![
            Op::ApprovePlanLine {
                line: Some(line),
                unit: uref(t.key.unit),
                year: date.year(),
                channel: PlanChannel::Other,
                qtype: CatRef::Id(q.0),
                count: 1,
            },
            Op::Transfer {
                person: PersonRef::Id(p.id),
                to: acct_key(&t.key),
                body: random_body(&mut self.rng, st, t.key.unit),
                plan_line: line,
            },
        ];
        self.record("盐编办", date, act_real(date.year()), reason, ops)?;
        Ok(())
    }

    /// 教师交流: teachers of town schools move to city schools with vacancies.
    pub(super) fn teacher_exchange(&mut self, date: NaiveDate) -> Result<(), RecordError> {
        let st = self.sink.state();
        let sy = resolve_qtype_id(st, "事业编制");
        let units = active_units(st, &self.meta);
        let mut receivers: Vec<(QuotaAccount, i32)> = units
            .iter()
            .filter(|u| self.meta[u].urban_school)
            .filter_map(|u| best_account(st, *u, sy))
            .filter(|a| usable(a) >= 1)
            .map(|a| (a, usable(&a)))
            .collect();
        let senders: Vec<UnitId> = units
            .iter()
            .copied()
            .filter(|u| self.meta[u].rural_school)
            .collect();
        if receivers.is_empty() || senders.is_empty() {
            return Ok(());
        }
        let k = self.rng.range(12, 24) as usize;
        let mut moves: Vec<(PersonId, usize)> = Vec::new();
        let mut taken = BTreeSet::new();
        for _ in 0..k * 4 {
            if moves.len() >= k {
                break;
            }
            let r = self.rng.index(receivers.len());
            if receivers[r].1 < 1 {
                continue;
            }
            let s = *self.rng.pick(&senders);
            let roster = st.roster(s);
            if roster.is_empty() {
                continue;
            }
            let p = *self.rng.pick(&roster);
            let Some(person) = st.person(p) else {
                continue;
            };
            if person.placement.status != PersonStatus::Active
                || !person.posts.is_empty()
                || person.placement.qtype != sy
                || !(26..=48).contains(&age(person, date))
                || !taken.insert(p)
            {
                continue;
            }
            receivers[r].1 -= 1;
            moves.push((p, r));
        }
        if moves.is_empty() {
            return Ok(());
        }
        let mut per: BTreeMap<usize, i32> = BTreeMap::new();
        for (_, r) in &moves {
            *per.entry(*r).or_insert(0) += 1;
        }
        let base = self.next_line();
        let mut line_of = BTreeMap::new();
        let mut ops = Vec::new();
        for (i, (r, n)) in per.iter().enumerate() {
            let line = PlanLineId(base + i as u32);
            line_of.insert(*r, line);
            ops.push(Op::ApprovePlanLine {
                line: Some(line),
                unit: uref(receivers[*r].0.key.unit),
                year: date.year(),
                channel: PlanChannel::Other,
                qtype: CatRef::Id(sy.0),
                count: *n,
            });
        }
        for (p, r) in &moves {
            ops.push(Op::Transfer {
                person: PersonRef::Id(*p),
                to: acct_key(&receivers[*r].0.key),
                body: None,
                plan_line: line_of[r],
            });
        }
        let reason = format!(
            "{}年义务教育学校教师交流轮岗：{}名农村学校教师调入城区学校",
            date.year(),
            moves.len()
        );
        self.record("盐编办", date, act_real(date.year()), reason, ops)?;
        Ok(())
    }

    /// 退役士兵安置 事业岗位: unlocks the slots reserved in February and
    /// approves the lines (mostly in 镇/街道 units), hires in November–December.
    pub(super) fn veteran_plan(&mut self, date: NaiveDate) -> Result<(), RecordError> {
        let y = date.year();
        let st = self.sink.state();
        let sy = resolve_qtype_id(st, "事业编制");
        let mut ops = Vec::new();
        let mut lines: BTreeMap<UnitId, i32> = BTreeMap::new();
        for (key, n) in std::mem::take(&mut self.locks) {
            // Follow a merge to the unit that holds the locked slot now.
            let mut u = key.unit;
            while let Some(x) = st
                .unit(u)
                .filter(|x| !x.is_active())
                .and_then(|x| x.merged_into)
            {
                u = x;
            }
            let k = AccountKey { unit: u, ..key };
            let Some(a) = st.accounts.get(&k) else {
                continue;
            };
            if a.counts.locked < n {
                continue;
            }
            ops.push(Op::UnlockQuota {
                account: acct_key(&k),
                count: n,
            });
            if !a.digesting {
                *lines.entry(u).or_insert(0) += n;
            }
        }
        let base: Vec<UnitId> = active_units(st, &self.meta)
            .into_iter()
            .filter(|u| {
                let in_town = st
                    .unit(*u)
                    .and_then(|x| x.parent)
                    .and_then(|p| st.unit(p))
                    .is_some_and(|p| matches!(p.kind, UnitKind::Town | UnitKind::Subdistrict));
                in_town && st.unit(*u).is_some_and(|x| x.kind == UnitKind::Institution)
            })
            .collect();
        let other: Vec<UnitId> = active_units(st, &self.meta)
            .into_iter()
            .filter(|u| self.meta[u].sector == Sector::Institution)
            .collect();
        let want_base = if y == 2021 { 10 } else { 5 };
        for (pool, want) in [(&base, want_base), (&other, 3)] {
            let mut got = 0;
            for _ in 0..want * 6 {
                if got >= want || pool.is_empty() {
                    break;
                }
                let u = *self.rng.pick(pool);
                let Some(a) = best_account(st, u, sy) else {
                    continue;
                };
                let already = lines.get(&u).copied().unwrap_or(0);
                if usable(&a) - already >= 1 && a.key.funding.0 == 0 {
                    *lines.entry(u).or_insert(0) += 1;
                    got += 1;
                }
            }
        }
        let n_base = lines.keys().filter(|u| base.contains(u)).count();
        for (u, n) in &lines {
            ops.push(Op::ApprovePlanLine {
                line: None,
                unit: uref(*u),
                year: y,
                channel: PlanChannel::VeteranPlacement,
                qtype: CatRef::Id(sy.0),
                count: *n,
            });
        }
        if ops.is_empty() {
            return Ok(());
        }
        let total: i32 = lines.values().sum();
        let reason = format!(
            "下达{y}年度退役士兵安置事业岗位计划{total}个（其中镇（街道）基层岗位{n_base}个），解除安置预留编制锁定"
        );
        // 区政府 issues the year's 退役士兵安置 plan (with 区退役军人事务局).
        let m = self.record("盐政发", date, ACT_PLAN, reason, ops)?;
        for op in &m.ops {
            if let Op::ApprovePlanLine {
                line: Some(line),
                count,
                ..
            } = op
            {
                let d = random_day(&mut self.rng, ymd(y, 11, 20), ymd(y, 12, 10));
                self.schedule(
                    d,
                    Ev::Hire {
                        line: *line,
                        count: *count,
                    },
                );
            }
        }
        Ok(())
    }
}

pub(super) fn resolve_qtype_id(st: &State, name: &str) -> bianzhi_core::QuotaTypeId {
    bianzhi_core::state::resolve_qtype(st, &CatRef::Name(name.into())).expect("standard quota type")
}
