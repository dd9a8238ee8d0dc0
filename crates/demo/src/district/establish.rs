//! 建账 (2019-01-01): the unit tree with quotas and leadership posts, the
//! existing staff (存量人员登记) and the leaders in post.

use super::*;

/// Staff age buckets at 建账 (weight, lowest, highest).
const AGE_BUCKETS: &[(u32, (i64, i64))] = &[
    (16, (22, 29)),
    (28, (30, 39)),
    (31, (40, 49)),
    (25, (50, 59)),
];

fn functions_text(name: &str, inst: bool) -> String {
    if inst {
        format!("宗旨和业务范围：按{name}事业单位法人登记的宗旨和业务范围履行公益服务职能。")
    } else {
        format!("贯彻落实党中央和省委、市委、区委决策部署，履行{name}职能配置、内设机构和人员编制规定明确的职责。")
    }
}

fn name_ref(name: &str) -> UnitRef {
    UnitRef::Name(name.to_string())
}

fn acct_n(name: &str, qtype: &str, funding: &str) -> AccountRef {
    AccountRef {
        unit: name_ref(name),
        qtype: CatRef::Name(qtype.into()),
        funding: CatRef::Name(funding.into()),
    }
}

/// Everything 建账 needs to remember between its phases.
#[derive(Default)]
struct Plan {
    slots: BTreeMap<UnitId, Vec<Slot>>,
    over: BTreeMap<UnitId, i32>,
    fill: BTreeMap<UnitId, f64>,
    order: Vec<UnitId>,
}

impl Builder<'_> {
    pub(super) fn establish(&mut self) -> Result<(), RecordError> {
        let d0 = ymd(FIRST_YEAR, 1, 1);
        let towns = catalogue::townships();
        let mut depts = catalogue::departments(&towns);
        for dep in &mut depts {
            match dep.name {
                "区教育局" => dep.insts.extend(catalogue::education(&towns)),
                "区卫生健康委员会" => dep.insts.extend(catalogue::health(&towns)),
                _ => {}
            }
        }
        let mut plan = Plan::default();
        for dep in &depts {
            self.create_dept(d0, dep, &mut plan)?;
        }
        for t in &towns {
            self.create_township(d0, t, &mut plan)?;
        }
        for dep in &depts {
            if dep.insts.is_empty() {
                continue;
            }
            let agency = match dep.name {
                "区教育局" => "盐教人",
                "区卫生健康委员会" => "盐卫人",
                _ if dep.kind == UnitKind::GovDept => "盐政任",
                _ => "盐委",
            };
            self.create_insts(d0, dep.name, &dep.insts, agency, &mut plan)?;
        }
        for t in &towns {
            let st = catalogue::stations(t);
            if !st.is_empty() {
                self.create_insts(d0, &t.unit_name(), &st, "盐委", &mut plan)?;
            }
        }
        let mut leaders: Vec<(UnitId, Vec<(String, Slot)>)> = Vec::new();
        for u in plan.order.clone() {
            let l = self.register_unit(d0, u, &mut plan)?;
            if !l.is_empty() {
                leaders.push((u, l));
            }
        }
        self.appoint_initial(d0, leaders)
    }

    fn jitter(&mut self, n: i32, spread: f64) -> i32 {
        self.rng.jitter(n, spread, 1)
    }

    fn create_dept(
        &mut self,
        d0: NaiveDate,
        dep: &Dept,
        plan: &mut Plan,
    ) -> Result<(), RecordError> {
        let name = dep.name;
        let code = self.credit_code(
            if dep.kind == UnitKind::MassOrg {
                '3'
            } else {
                '1'
            },
            name,
        );
        let mut ops = vec![Op::CreateUnit(NewUnit {
            id: None,
            name: name.into(),
            short_name: dep.short.map(Into::into),
            kind: dep.kind,
            rank: Rank::FullSection,
            category: None,
            funding: Some(CatRef::Name("全额拨款".into())),
            credit_code: Some(code),
            parent: None,
            functions: functions_text(name, false),
            sector: None,
        })];
        for s in &dep.second {
            ops.push(Op::AddSecondName {
                unit: name_ref(name),
                name: s.to_string(),
            });
        }
        let mut bodies = Vec::new();
        for (b, bn) in (self.next_body()..).zip(&dep.bodies) {
            ops.push(Op::AddBody {
                unit: name_ref(name),
                body: Some(BodyId(b)),
                name: bn.clone(),
            });
            bodies.push((BodyId(b), bn.clone()));
        }
        let staff = dep.admin + dep.zf;
        if dep.admin > 0 {
            let n = self.jitter(dep.admin, 0.08);
            ops.push(Op::SetQuota {
                account: acct_n(name, "行政编制", "全额拨款"),
                count: n,
                allow_over: false,
            });
        }
        if dep.zf > 0 {
            let n = self.jitter(dep.zf, 0.06);
            ops.push(Op::SetQuota {
                account: acct_n(name, "政法专项编制", "全额拨款"),
                count: n,
                allow_over: false,
            });
        }
        if dep.workers > 0 {
            ops.push(Op::SetQuota {
                account: acct_n(name, "工勤编制", "全额拨款"),
                count: dep.workers,
                allow_over: false,
            });
        }
        let mut slots = vec![Slot {
            kind: PostKind::UnitChief,
            body: None,
            title: dep.chief.into(),
        }];
        for _ in 0..dep.deputies {
            slots.push(Slot {
                kind: PostKind::UnitDeputy,
                body: None,
                title: dep.deputy.into(),
            });
        }
        if let Some(o) = dep.other {
            slots.push(Slot {
                kind: PostKind::Other,
                body: None,
                title: o.into(),
            });
        }
        let big = staff >= 60;
        for (id, bn) in &bodies {
            slots.push(Slot {
                kind: PostKind::BodyChief,
                body: Some(*id),
                title: body_title(bn).into(),
            });
        }
        if big {
            for (id, bn) in &bodies {
                slots.push(Slot {
                    kind: PostKind::BodyDeputy,
                    body: Some(*id),
                    title: format!("副{}", body_title(bn)),
                });
            }
        }
        ops.extend(post_ops(name_ref(name), &slots));
        let reason = format!(
            "建账：{name}机构编制（依据2019年机构改革{name}职能配置、内设机构和人员编制规定，内设机构{}个）",
            bodies.len()
        );
        self.record("盐编", d0, ACT_ORG, reason, ops)?;
        let id = self.must_unit(name);
        let agency = if dep.kind == UnitKind::GovDept {
            "盐政任"
        } else {
            "盐委"
        };
        self.meta.insert(
            id,
            Meta {
                sector: Sector::Organ,
                profile: dep.profile,
                chiefs: vec![dep.chief],
                deputy: dep.deputy,
                deputy_titles: Vec::new(),
                other: dep.other,
                female_share: None,
                urban_school: false,
                rural_school: false,
                village_school: false,
                agency,
            },
        );
        plan.slots.insert(id, slots);
        if dep.over > 0 {
            plan.over.insert(id, dep.over);
        }
        plan.order.push(id);
        Ok(())
    }

    fn create_township(
        &mut self,
        d0: NaiveDate,
        t: &Township,
        plan: &mut Plan,
    ) -> Result<(), RecordError> {
        let name = t.unit_name();
        let (admin, workers, bodies, chiefs, deputy, deputy_titles, rank): (
            i32,
            i32,
            &[&str],
            Vec<&'static str>,
            &'static str,
            Vec<&'static str>,
            Rank,
        ) = match t.kind {
            UnitKind::Town => (
                self.rng.range(40, 52) as i32,
                3,
                &[
                    "党政办公室",
                    "经济发展办公室",
                    "社会事业办公室",
                    "综合治理办公室",
                ],
                vec!["党委书记", "镇长"],
                "副镇长",
                vec![
                    "党委副书记",
                    "副镇长",
                    "纪委书记",
                    "人大主席",
                    "副镇长",
                    "武装部部长",
                    "副镇长",
                ],
                Rank::FullSection,
            ),
            UnitKind::Subdistrict => (
                if t.short == "盐龙" {
                    58
                } else {
                    self.rng.range(30, 40) as i32
                },
                2,
                &["党政办公室", "经济服务科", "城市管理科", "社会事务科"],
                vec!["党工委书记", "办事处主任"],
                "办事处副主任",
                vec![
                    "党工委副书记",
                    "办事处副主任",
                    "纪工委书记",
                    "办事处副主任",
                    "人大工委主任",
                ],
                Rank::FullSection,
            ),
            _ => (
                self.rng.range(12, 16) as i32,
                0,
                &["综合办公室", "招商服务科"],
                vec!["管委会主任"],
                "管委会副主任",
                Vec::new(),
                if t.short.contains("大纵湖") {
                    Rank::FullSection
                } else {
                    Rank::DeputySection
                },
            ),
        };
        let deputies = match t.kind {
            UnitKind::Town => 7,
            UnitKind::Subdistrict => 5,
            _ => 3,
        };
        let code = self.credit_code('1', &name);
        let mut ops = vec![Op::CreateUnit(NewUnit {
            id: None,
            name: name.clone(),
            short_name: (t.kind == UnitKind::ParkCommittee).then(|| t.place.clone()),
            kind: t.kind,
            rank,
            category: None,
            funding: Some(CatRef::Name("全额拨款".into())),
            credit_code: Some(code),
            parent: None,
            functions: functions_text(&name, false),
            sector: None,
        })];
        let first_body = self.next_body();
        let mut slots: Vec<Slot> = chiefs
            .iter()
            .map(|c| Slot {
                kind: PostKind::UnitChief,
                body: None,
                title: c.to_string(),
            })
            .collect();
        for i in 0..deputies {
            slots.push(Slot {
                kind: PostKind::UnitDeputy,
                body: None,
                title: deputy_titles.get(i).copied().unwrap_or(deputy).into(),
            });
        }
        for (b, bn) in (first_body..).zip(bodies) {
            ops.push(Op::AddBody {
                unit: name_ref(&name),
                body: Some(BodyId(b)),
                name: bn.to_string(),
            });
            slots.push(Slot {
                kind: PostKind::BodyChief,
                body: Some(BodyId(b)),
                title: body_title(bn).into(),
            });
        }
        ops.push(Op::SetQuota {
            account: acct_n(&name, "行政编制", "全额拨款"),
            count: admin,
            allow_over: false,
        });
        if workers > 0 {
            ops.push(Op::SetQuota {
                account: acct_n(&name, "工勤编制", "全额拨款"),
                count: workers,
                allow_over: false,
            });
        }
        ops.extend(post_ops(name_ref(&name), &slots));
        let reason = format!(
            "建账：{name}机构编制（{}，统计用区划代码{}000，行政编制{admin}名）",
            t.kind.label(),
            t.code
        );
        self.record("盐编", d0, ACT_ORG, reason, ops)?;
        let id = self.must_unit(&name);
        self.meta.insert(
            id,
            Meta {
                sector: Sector::Township,
                profile: Profile::Civil,
                chiefs,
                deputy,
                deputy_titles,
                other: None,
                female_share: None,
                urban_school: false,
                rural_school: false,
                village_school: false,
                agency: "盐委",
            },
        );
        plan.slots.insert(id, slots);
        if t.short == "盐龙" {
            plan.fill.insert(id, 0.86);
        }
        plan.order.push(id);
        Ok(())
    }

    fn create_insts(
        &mut self,
        d0: NaiveDate,
        parent: &str,
        insts: &[Inst],
        agency: &'static str,
        plan: &mut Plan,
    ) -> Result<(), RecordError> {
        for chunk in insts.chunks(40) {
            let mut ops = Vec::new();
            let mut chunk_slots = Vec::new();
            for i in chunk {
                let code = self.credit_code('2', &i.name);
                ops.push(Op::CreateUnit(NewUnit {
                    id: None,
                    name: i.name.clone(),
                    short_name: i.short.clone(),
                    kind: UnitKind::Institution,
                    rank: i.rank,
                    category: Some(i.category),
                    funding: Some(CatRef::Name(i.funding.into())),
                    credit_code: Some(code),
                    parent: Some(name_ref(parent)),
                    functions: functions_text(&i.name, true),
                    sector: None,
                }));
                let n = self.jitter(i.approved, 0.12);
                ops.push(Op::SetQuota {
                    account: acct_n(&i.name, i.qtype, i.funding),
                    count: n,
                    allow_over: false,
                });
                if i.workers > 0 {
                    ops.push(Op::SetQuota {
                        account: acct_n(&i.name, "工勤编制", i.funding),
                        count: i.workers,
                        allow_over: false,
                    });
                }
                let mut slots = vec![Slot {
                    kind: PostKind::UnitChief,
                    body: None,
                    title: i.chief.into(),
                }];
                for _ in 0..i.deputies {
                    slots.push(Slot {
                        kind: PostKind::UnitDeputy,
                        body: None,
                        title: i.deputy.into(),
                    });
                }
                ops.extend(post_ops(name_ref(&i.name), &slots));
                if i.warn_only {
                    ops.push(Op::SetControlMode {
                        unit: name_ref(&i.name),
                        mode: ControlMode::WarnOnly,
                    });
                }
                chunk_slots.push(slots);
            }
            let reason = format!("建账：{parent}所属事业单位机构编制（{}个）", chunk.len());
            self.record("盐编", d0, ACT_ORG, reason, ops)?;
            for (i, slots) in chunk.iter().zip(chunk_slots) {
                let id = self.must_unit(&i.name);
                self.meta.insert(id, Meta::inst(i, agency));
                plan.slots.insert(id, slots);
                if i.over > 0 {
                    plan.over.insert(id, i.over);
                }
                plan.order.push(id);
            }
        }
        Ok(())
    }

    /// 存量人员登记 of one unit; returns the leaders to appoint.
    fn register_unit(
        &mut self,
        d0: NaiveDate,
        u: UnitId,
        plan: &mut Plan,
    ) -> Result<Vec<(String, Slot)>, RecordError> {
        let st = self.sink.state();
        let unit = st.unit(u).expect("created");
        let unit_name = unit.name.clone();
        let warn_only = unit.control == ControlMode::WarnOnly;
        let bodies: Vec<BodyId> = unit
            .bodies
            .iter()
            .filter(|b| !b.abolished)
            .map(|b| b.id)
            .collect();
        let accounts: Vec<(AccountKey, i32, String)> = st
            .unit_accounts(u)
            .map(|a| (a.key, a.counts.approved, st.qtype_name(a.key.qtype)))
            .collect();
        let meta = self.meta.get(&u).expect("meta").clone();
        let slots = plan.slots.remove(&u).unwrap_or_default();
        let over = plan.over.get(&u).copied().unwrap_or(0);
        let fill = plan
            .fill
            .get(&u)
            .copied()
            .unwrap_or_else(|| self.rng.range(80, 95) as f64 / 100.0);
        let mut ops = Vec::new();
        let mut ages = Vec::new();
        let mut leaders = Vec::new();
        let mut slot_i = 0;
        for (key, approved, qname) in accounts {
            let worker = qname == "工勤编制";
            let extra = if worker { 0 } else { over };
            let mut n = ((f64::from(approved) * fill).round() as i32).max(approved.min(1));
            if extra > 0 {
                n = approved + extra;
            }
            let allow_over = extra > 0 && !warn_only;
            for _ in 0..n {
                let slot = if worker {
                    None
                } else {
                    slot_i += 1;
                    slots.get(slot_i - 1)
                };
                let role = match slot {
                    Some(s) if s.kind == PostKind::UnitChief => Role::Chief,
                    Some(_) => Role::Deputy,
                    None => Role::Staff,
                };
                let body = match slot {
                    Some(s) => s.body,
                    None if !worker && !bodies.is_empty() => Some(*self.rng.pick(&bodies)),
                    None => None,
                };
                let age = match role {
                    Role::Chief => self.rng.range(44, 56),
                    Role::Deputy => self.rng.range(36, 54),
                    _ => {
                        let (lo, hi) = *self.rng.weighted(AGE_BUCKETS);
                        self.rng.range(if worker { lo.max(30) } else { lo }, hi)
                    }
                } as i32;
                let spec = Spec {
                    profile: if worker {
                        Profile::Worker
                    } else {
                        meta.profile
                    },
                    identity: identity_for(&qname),
                    role,
                    age,
                    on: d0,
                    female_share: if role == Role::Staff && !worker {
                        meta.female_share
                    } else {
                        None
                    },
                    first_job: false,
                };
                let g = self
                    .gen
                    .generate(&mut self.rng, spec, Some(ymd(FIRST_YEAR, 2, 1)));
                let ws = g.details.work_start.expect("set");
                let enrolled_on = (ws + Duration::days(self.rng.range(0, 3 * 365)))
                    .min(ymd(2018, 12, 1))
                    .max(ws);
                if let Some(s) = slot {
                    leaders.push((g.details.id_number.as_str().to_string(), s.clone()));
                }
                ages.push(g.retire_age);
                ops.push(Op::RegisterExisting {
                    person: None,
                    account: acct_key(&key),
                    body,
                    enrolled_on,
                    details: g.details,
                    allow_over,
                });
            }
        }
        if ops.is_empty() {
            return Ok(leaders);
        }
        let reason = if over > 0 {
            format!(
                "建账：{unit_name}实名制在编人员登记（{}人，超编{over}人，列入超编消化）",
                ops.len()
            )
        } else {
            format!("建账：{unit_name}实名制在编人员登记（{}人）", ops.len())
        };
        let m = self.record("盐编办", d0, act_real(FIRST_YEAR), reason, ops)?;
        for (id, a) in Builder::new_people(&m).into_iter().zip(ages) {
            self.set_retire_age(id, a);
        }
        Ok(leaders)
    }

    fn appoint_initial(
        &mut self,
        d0: NaiveDate,
        leaders: Vec<(UnitId, Vec<(String, Slot)>)>,
    ) -> Result<(), RecordError> {
        let mut groups: BTreeMap<(&'static str, UnitId), Vec<Op>> = BTreeMap::new();
        for (u, list) in leaders {
            let st = self.sink.state();
            let agency = self.meta.get(&u).map_or("盐委", |m| m.agency);
            let root = root_of(st, u);
            let ops = groups.entry((agency, root)).or_default();
            for (idn, slot) in list {
                ops.push(Op::Appoint {
                    person: PersonRef::IdNumber(idn),
                    body: slot.body,
                    kind: slot.kind,
                    title: slot.title,
                    exempt: false,
                });
            }
        }
        for ((agency, root), ops) in groups {
            let root_name = self.st().unit_name(root);
            for chunk in ops.chunks(150) {
                let reason = format!("建账：{root_name}系统现任领导职务登记（{}人）", chunk.len());
                self.record(agency, d0, ACT_POST, reason, chunk.to_vec())?;
            }
        }
        Ok(())
    }
}

/// SetPosts operations for the slots of a unit.
fn post_ops(unit: UnitRef, slots: &[Slot]) -> Vec<Op> {
    let mut counts: BTreeMap<(Option<BodyId>, PostKind), i32> = BTreeMap::new();
    for s in slots {
        *counts.entry((s.body, s.kind)).or_insert(0) += 1;
    }
    counts
        .into_iter()
        .map(|((body, kind), count)| Op::SetPosts {
            unit: unit.clone(),
            body,
            kind,
            count,
        })
        .collect()
}
