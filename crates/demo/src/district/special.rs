//! One-off events: the 2021 reforms of the source document (挂牌 of 区文物局
//! and 区乡村振兴局, new public-service institutions, the 镇 三定 that merges
//! the 镇属 stations into 综合服务中心, 高新区 separated from 盐龙街道,
//! 行政复议体制改革, 东进路 schools and 区中医院 with 承兑编制), and later ones
//! (小散弱 撤并 with 核减收回, 2024 机构改革), plus 关键信息更正. The other
//! quota instruments are in `instruments`.

use super::cycle::{best_account, main_account, resolve_qtype_id, usable};
use super::*;

use bianzhi_core::catalog::StaffIdentity;
use bianzhi_core::ident::credit_check_char;
use bianzhi_core::model::{Counts, Tranche};

/// The 东进路 schools and their 承兑 tranches (released on 1 September of
/// 2021, 2022 and 2023).
pub(super) const DONGJINLU: [(&str, [i32; 3]); 2] = [
    ("盐城市东进路小学", [36, 14, 10]),
    ("盐城市东进路初级中学", [40, 18, 12]),
];

pub(super) fn acct_n(name: &str, qtype: &str, funding: &str) -> AccountRef {
    AccountRef {
        unit: nref(name),
        qtype: CatRef::Name(qtype.into()),
        funding: CatRef::Name(funding.into()),
    }
}

pub(super) fn nref(name: &str) -> UnitRef {
    UnitRef::Name(name.to_string())
}

pub(super) fn inc(unit: UnitRef, qtype: &str, funding: &str, count: i32) -> Op {
    Op::IncreaseQuota {
        account: AccountRef {
            unit,
            qtype: CatRef::Name(qtype.into()),
            funding: CatRef::Name(funding.into()),
        },
        count,
    }
}

pub(super) fn posts(unit: UnitRef, chiefs: i32, deputies: i32) -> Vec<Op> {
    let mut v = vec![Op::SetPosts {
        unit: unit.clone(),
        body: None,
        kind: PostKind::UnitChief,
        count: chiefs,
    }];
    if deputies > 0 {
        v.push(Op::SetPosts {
            unit,
            body: None,
            kind: PostKind::UnitDeputy,
            count: deputies,
        });
    }
    v
}

impl Builder<'_> {
    pub(super) fn special(&mut self, date: NaiveDate, s: Special) -> Result<(), RecordError> {
        match s {
            Special::Supervisor => self.supervisor(date),
            Special::Sectors => self.classify_sectors(date),
            Special::SchoolTotal => self.school_total(date),
            Special::FixName => self.fix_name(date),
            Special::CulturalRelics => self.hang_sign(
                date,
                "区文化广电和旅游局",
                None,
                "区文物局",
                "文物保护科",
                "强化文物保护体系建设，在区文化广电和旅游局挂牌设立区文物局，增设文物保护科",
            ),
            Special::RuralRevitalization => self.hang_sign(
                date,
                "区农业农村局",
                Some("区扶贫开发领导小组办公室"),
                "区乡村振兴局",
                "乡村振兴科",
                "调整优化扶贫工作机构设置：区农业农村局挂牌设立区乡村振兴局，摘除区扶贫开发领导小组办公室牌子",
            ),
            Special::MinorsCentre => self.minors_centre(date),
            Special::Grain => self.grain(date),
            Special::EduReserve => {
                let parent = self.must_unit("区教育局");
                let i = Inst::new("区教育人才储备中心", 40);
                let u = self.new_institution(
                    date,
                    parent,
                    &i,
                    vec![inc(nref(&i.name), "事业编制", "全额拨款", 40)],
                    "设立区教育人才储备中心，核定全额拨款事业编制40名，用于新招聘教师统筹储备".into(),
                )?;
                let src = vec![self.must_unit("区教师发展中心")];
                self.staff_new_unit(date, u, &src, 2, 20, PlanChannel::OpenRecruitment)
            }
            Special::ServiceCentres => self.service_centres(date),
            Special::TownSanding => self.town_sanding(date),
            Special::HighTechZone => self.high_tech_zone(date),
            Special::Dongjinlu => self.dongjinlu(date),
            Special::AdminReview => self.admin_review(date),
            Special::TcmHospital => {
                let parent = self.must_unit("区卫生健康委员会");
                let mut i = Inst::new("区中医院", 80).partial().deputies(3).rank(Rank::FullSection);
                i.sector = Sector::Health;
                i.profile = Profile::Medical;
                // 承兑编制: 120 approved at once, 80 released now, 40 with the
                // second phase of the wards (released by the ledger on its date).
                let tranches = vec![
                    Tranche { date, count: 80 },
                    Tranche {
                        date: ymd(2022, 2, 28),
                        count: 40,
                    },
                ];
                let u = self.new_institution(
                    date,
                    parent,
                    &i,
                    vec![Op::GrantPhased {
                        grant: None,
                        account: acct_n(&i.name, "事业编制", "差额拨款"),
                        tranches,
                        from_pool: false,
                    }],
                    "设立区中医院（公益二类，差额拨款）。承兑编制：差额拨款事业编制一次核定120名、分期分批下达，首批80名即日下达，第二批40名于2022年2月28日随二期病区启用下达".into(),
                )?;
                let src = vec![self.must_unit("区人民医院")];
                self.staff_new_unit(date, u, &src, 12, 15, PlanChannel::TalentIntroduction)
            }
            Special::GrassrootsSafety => self.grassroots_safety(date),
            Special::ThirdHospital => self.third_hospital(date),
            Special::PhasedStaffing => self.phased_staffing(date),
            Special::DynamicGrants => self.dynamic_grants(date),
            Special::HighTechBridge => self.high_tech_bridge(date),
            Special::StaffCap => self.staff_cap(date),
            Special::FiledRegister => self.filed_register(date),
            Special::DirectedEnrol => self.directed_enrol(date),
            Special::FireReform => self.fire_reform(date),
            Special::DynamicGrant2024 => self.dynamic_grant_2024(date),
            Special::SmallUnitsMerge => self.small_units_merge(date),
            Special::GovernanceCentre => self.governance_centre(date),
            Special::NewSchool2022 => self.new_school(date, "盐城市盐都区聚龙湖小学", 45, 10, 12),
            Special::FixId => self.fix_id(date),
            Special::UpdateUnits => self.update_units(date),
            Special::NewKindergarten2023 => self.new_school(date, "盐城市盐都区聚龙湖幼儿园", 26, 5, 8),
            Special::Reform2024 => self.reform_2024(date),
        }
    }

    /// Creates a 事业单位 under `parent`; `quota` ops follow the creation.
    fn new_institution(
        &mut self,
        date: NaiveDate,
        parent: UnitId,
        inst: &Inst,
        quota: Vec<Op>,
        reason: String,
    ) -> Result<UnitId, RecordError> {
        let code = self.credit_code('2', &inst.name);
        let mut ops = vec![Op::CreateUnit(NewUnit {
            id: None,
            name: inst.name.clone(),
            short_name: inst.short.clone(),
            kind: UnitKind::Institution,
            rank: inst.rank,
            category: Some(inst.category),
            funding: Some(CatRef::Name(inst.funding.into())),
            credit_code: Some(code),
            parent: Some(uref(parent)),
            functions: format!(
                "宗旨和业务范围：按{}事业单位法人登记的宗旨和业务范围履行公益服务职能。",
                inst.name
            ),
            sector: None,
        })];
        ops.extend(quota);
        ops.extend(posts(nref(&inst.name), 1, inst.deputies.max(1)));
        self.record("盐编", date, ACT_ORG, reason, ops)?;
        let id = self.must_unit(&inst.name);
        let agency = match inst.sector {
            Sector::Education => "盐教人",
            Sector::Health => "盐卫人",
            _ => "盐委",
        };
        self.meta.insert(id, Meta::inst(inst, agency));
        Ok(id)
    }

    /// Staffs a new unit: 调入 of `n_in` people from `sources` (any unit of the
    /// same quota type when empty) and a line of `n_hire` for `channel`, hired
    /// a month or two later.
    pub(super) fn staff_new_unit(
        &mut self,
        date: NaiveDate,
        unit: UnitId,
        sources: &[UnitId],
        n_in: i32,
        n_hire: i32,
        channel: PlanChannel,
    ) -> Result<(), RecordError> {
        let y = date.year();
        // As of `date`: a 承兑 tranche released today is usable today.
        let view = bianzhi_core::query::view_at(self.sink.state(), date);
        let st: &State = &view;
        let Some(a) = main_account(st, unit) else {
            return Ok(());
        };
        let avail = usable(&a);
        let n_in = n_in.min(avail);
        let n_hire = n_hire.min(avail - n_in);
        let q = a.key.qtype;
        let mut cands: Vec<PersonId> = st
            .persons
            .iter()
            .flatten()
            .filter(|p| {
                p.placement.status == PersonStatus::Active
                    && p.placement.qtype == q
                    && p.placement.unit != unit
                    && p.posts.is_empty()
                    && p.details.identity != StaffIdentity::Worker
                    && (25..=50).contains(&age(p, date))
                    && (sources.is_empty() || sources.contains(&p.placement.unit))
            })
            .map(|p| p.id)
            .collect();
        self.rng.shuffle(&mut cands);
        cands.truncate(n_in.max(0) as usize);
        cands.sort_unstable();
        let n_in = cands.len() as i32;
        let base = self.next_line();
        let mut ops = Vec::new();
        let (l_in, l_hire) = (PlanLineId(base), PlanLineId(base + u32::from(n_in > 0)));
        if n_in > 0 {
            ops.push(Op::ApprovePlanLine {
                line: Some(l_in),
                unit: uref(unit),
                year: y,
                channel: PlanChannel::Other,
                qtype: CatRef::Id(q.0),
                count: n_in,
            });
        }
        if n_hire > 0 {
            ops.push(Op::ApprovePlanLine {
                line: Some(l_hire),
                unit: uref(unit),
                year: y,
                channel,
                qtype: CatRef::Id(q.0),
                count: n_hire,
            });
        }
        for p in &cands {
            ops.push(Op::Transfer {
                person: PersonRef::Id(*p),
                to: acct_key(&a.key),
                body: random_body(&mut self.rng, st, unit),
                plan_line: l_in,
            });
        }
        if ops.is_empty() {
            return Ok(());
        }
        let reason = format!(
            "下达{}{y}年度用编计划（调入{n_in}名、{}{n_hire}名），办理{}调入",
            st.unit_name(unit),
            channel.label(),
            if n_in > 0 {
                names_of(st, &cands)
            } else {
                "（无）".into()
            }
        );
        drop(view);
        self.record("盐编办", date, ACT_PLAN, reason, ops)?;
        if n_hire > 0 {
            let d = (date + Duration::days(self.rng.range(30, 60))).min(ymd(y, 12, 10));
            self.schedule(
                d,
                Ev::Hire {
                    line: l_hire,
                    count: n_hire,
                },
            );
        }
        Ok(())
    }

    fn supervisor(&mut self, date: NaiveDate) -> Result<(), RecordError> {
        let u = self.must_unit("区委办公室");
        let st = self.sink.state();
        let cand = st
            .roster(u)
            .into_iter()
            .filter_map(|id| st.person(id))
            .filter(|p| {
                p.placement.status == PersonStatus::Active
                    && p.posts.is_empty()
                    && p.details.identity == StaffIdentity::CivilServant
                    && (48..=57).contains(&age(p, date))
            })
            .max_by_key(|p| (age(p, date), std::cmp::Reverse(p.id)))
            .map(|p| (p.id, p.details.name.clone()));
        let Some((id, name)) = cand else {
            return Ok(());
        };
        let op = Op::Appoint {
            person: PersonRef::Id(id),
            body: None,
            kind: PostKind::Other,
            title: "区委督查专员".into(),
            exempt: true,
        };
        self.record(
            "盐委",
            date,
            ACT_POST,
            format!("任命{name}为区委督查专员（专员不占领导职数）"),
            vec![op],
        )?;
        Ok(())
    }

    fn pick_active(&mut self, date: NaiveDate, lo: i32, hi: i32) -> Option<PersonId> {
        let st = self.sink.state();
        let v: Vec<PersonId> = st
            .persons
            .iter()
            .flatten()
            .filter(|p| {
                p.placement.status == PersonStatus::Active && (lo..=hi).contains(&age(p, date))
            })
            .map(|p| p.id)
            .collect();
        (!v.is_empty()).then(|| *self.rng.pick(&v))
    }

    fn fix_name(&mut self, date: NaiveDate) -> Result<(), RecordError> {
        let Some(id) = self.pick_active(date, 25, 50) else {
            return Ok(());
        };
        let p = self.st().person(id).expect("picked").clone();
        let old = p.details.name.clone();
        let mut chars: Vec<char> = old.chars().collect();
        let last = chars.pop().expect("non-empty");
        let mut new = old.clone();
        for _ in 0..20 {
            let g = self
                .gen
                .names
                .full_name(&mut self.rng, p.details.sex(), 1990);
            let c = g.chars().last().expect("non-empty");
            if c != last {
                new = chars.iter().chain(std::iter::once(&c)).collect();
                break;
            }
        }
        let op = Op::CorrectPerson {
            person: PersonRef::Id(id),
            name: Some(new.clone()),
            id_number: None,
            work_start: None,
        };
        let reason = format!("关键信息更正：{old}姓名录入有误，依据户籍证明更正为{new}");
        self.record("盐编办", date, act_real(date.year()), reason, vec![op])?;
        Ok(())
    }

    fn fix_id(&mut self, date: NaiveDate) -> Result<(), RecordError> {
        let Some(id) = self.pick_active(date, 30, 50) else {
            return Ok(());
        };
        let p = self.st().person(id).expect("picked").clone();
        let old = p.details.id_number.clone();
        let birth = old.birth_date() + Duration::days(self.rng.range(3, 40));
        let new = self
            .gen
            .ids
            .issue(&mut self.rng, old.address_code(), birth, old.sex());
        let ws = p.details.work_start.map(|w| {
            let d = w + Duration::days(self.rng.range(60, 300));
            ymd(d.year(), d.month(), 1)
        });
        let op = Op::CorrectPerson {
            person: PersonRef::Id(id),
            name: None,
            id_number: Some(new.as_str().to_string()),
            work_start: ws,
        };
        let reason = format!(
            "关键信息更正：{}出生日期录入有误，依据户籍证明更正公民身份号码；参加工作时间按干部档案更正",
            p.details.name
        );
        self.record("盐编办", date, act_real(date.year()), reason, vec![op])?;
        Ok(())
    }

    /// 挂牌 (and optionally 摘牌) on a department, with a new internal body.
    fn hang_sign(
        &mut self,
        date: NaiveDate,
        unit: &str,
        remove: Option<&str>,
        sign: &str,
        body: &str,
        reason: &str,
    ) -> Result<(), RecordError> {
        let u = self.must_unit(unit);
        let b = BodyId(self.next_body());
        let mut ops = Vec::new();
        if let Some(r) = remove {
            ops.push(Op::RemoveSecondName {
                unit: uref(u),
                name: r.into(),
            });
        }
        ops.extend([
            Op::AddSecondName {
                unit: uref(u),
                name: sign.into(),
            },
            Op::AddBody {
                unit: uref(u),
                body: Some(b),
                name: body.into(),
            },
            Op::SetPosts {
                unit: uref(u),
                body: Some(b),
                kind: PostKind::BodyChief,
                count: 1,
            },
        ]);
        self.record("盐编", date, ACT_ORG, reason.into(), ops)?;
        Ok(())
    }

    fn minors_centre(&mut self, date: NaiveDate) -> Result<(), RecordError> {
        let parent = self.must_unit("区民政局");
        let src = self.must_unit("区救助管理站");
        let st = self.sink.state();
        let sy = resolve_qtype_id(st, "事业编制");
        let moved = best_account(st, src, sy).map_or(0, |a| usable(&a).min(3));
        let i = Inst::new("区未成年人救助保护中心", 8);
        let mut quota = Vec::new();
        if moved > 0 {
            quota.push(Op::TransferQuota {
                from: uref(src),
                to: nref(&i.name),
                qtype: CatRef::Name("事业编制".into()),
                funding: CatRef::Name("全额拨款".into()),
                count: moved,
            });
        }
        quota.push(inc(nref(&i.name), "事业编制", "全额拨款", 8 - moved));
        let u = self.new_institution(
            date,
            parent,
            &i,
            quota,
            format!("设立区未成年人救助保护中心（公益一类），从区救助管理站划转事业编制{moved}名，核增{}名", 8 - moved),
        )?;
        let sources = vec![src, self.must_unit("区社会福利院")];
        self.staff_new_unit(date, u, &sources, 2, 3, PlanChannel::OpenRecruitment)
    }

    fn grain(&mut self, date: NaiveDate) -> Result<(), RecordError> {
        let parent = self.must_unit("区发展和改革委员会");
        let old = self.must_unit("区粮油质量监测站");
        let i = Inst::new("区粮食物资和储备服务中心", 10);
        let quota = vec![
            Op::MergeUnit {
                unit: uref(old),
                into: nref(&i.name),
            },
            inc(nref(&i.name), "事业编制", "全额拨款", 3),
        ];
        let u = self.new_institution(
            date,
            parent,
            &i,
            quota,
            "盘活职能弱化机构：设立区粮食物资和储备服务中心，撤销区粮油质量监测站，其人员和编制整体划入，另核增事业编制3名".into(),
        )?;
        self.staff_new_unit(date, u, &[], 0, 2, PlanChannel::OpenRecruitment)
    }

    fn service_centres(&mut self, date: NaiveDate) -> Result<(), RecordError> {
        // 区职工服务中心 (区总工会).
        let parent = self.must_unit("区总工会");
        let i = Inst::new("区职工服务中心", 5);
        let u = self.new_institution(
            date,
            parent,
            &i,
            vec![inc(nref(&i.name), "事业编制", "全额拨款", 5)],
            "设立区职工服务中心（公益一类），核定全额拨款事业编制5名".into(),
        )?;
        let src = vec![self.must_unit("区工人文化宫")];
        self.staff_new_unit(date, u, &src, 1, 2, PlanChannel::OpenRecruitment)?;
        // 区事业单位登记服务中心 (区委编办).
        let parent = self.must_unit("区委机构编制委员会办公室");
        let src = self.must_unit("区机构编制电子政务中心");
        let st = self.sink.state();
        let sy = resolve_qtype_id(st, "事业编制");
        let moved = best_account(st, src, sy).map_or(0, |a| usable(&a).min(2));
        let i = Inst::new("区事业单位登记服务中心", 5);
        let mut quota = Vec::new();
        if moved > 0 {
            quota.push(Op::TransferQuota {
                from: uref(src),
                to: nref(&i.name),
                qtype: CatRef::Name("事业编制".into()),
                funding: CatRef::Name("全额拨款".into()),
                count: moved,
            });
        }
        quota.push(inc(nref(&i.name), "事业编制", "全额拨款", 5 - moved));
        let u = self.new_institution(
            date,
            parent,
            &i,
            quota,
            format!("设立区事业单位登记服务中心，从区机构编制电子政务中心划转事业编制{moved}名，核增{}名", 5 - moved),
        )?;
        self.staff_new_unit(date, u, &[src], 1, 2, PlanChannel::OpenRecruitment)?;
        // 区民族宗教服务中心 (区委统战部).
        let parent = self.must_unit("区委统战部");
        let i = Inst::new("区民族宗教服务中心", 4);
        let u = self.new_institution(
            date,
            parent,
            &i,
            vec![inc(nref(&i.name), "事业编制", "全额拨款", 4)],
            "设立区民族宗教服务中心（公益一类），核定全额拨款事业编制4名".into(),
        )?;
        self.staff_new_unit(date, u, &[], 1, 2, PlanChannel::OpenRecruitment)
    }

    /// 镇（街道）“三定”: per township a 综合服务中心 absorbs the 镇属 stations
    /// (their people and quotas re-mapped by 合并), new internal bodies.
    fn town_sanding(&mut self, date: NaiveDate) -> Result<(), RecordError> {
        let towns = catalogue::townships();
        for t in towns
            .iter()
            .filter(|t| matches!(t.kind, UnitKind::Town | UnitKind::Subdistrict))
        {
            let town = self.must_unit(&t.place);
            let st = self.sink.state();
            let stations: Vec<UnitId> = st
                .children(Some(town))
                .into_iter()
                .filter(|c| {
                    st.unit(*c).is_some_and(|u| u.is_active())
                        && self
                            .meta
                            .get(c)
                            .is_some_and(|m| m.sector == Sector::Station)
                })
                .collect();
            let centre = format!("{}综合服务中心", t.place);
            let code = self.credit_code('2', &centre);
            let mut ops = vec![Op::CreateUnit(NewUnit {
                id: None,
                name: centre.clone(),
                short_name: None,
                kind: UnitKind::Institution,
                rank: Rank::DeputySection,
                category: Some(InstitutionCategory::PublicWelfare1),
                funding: Some(CatRef::Name("全额拨款".into())),
                credit_code: Some(code),
                parent: Some(uref(town)),
                functions: format!("宗旨和业务范围：承担{}农业农村、文化广电、水利、财政、村镇建设、劳动保障等公共服务。", t.place),
                sector: None,
            })];
            for s in &stations {
                ops.push(Op::MergeUnit {
                    unit: uref(*s),
                    into: nref(&centre),
                });
            }
            // 核减收回: the stations' vacancies, one kept for the centre, go to
            // the district's 周转池 of 事业编制 (全区统筹).
            let st = self.sink.state();
            let sy = resolve_qtype_id(st, "事业编制");
            let mut merged: BTreeMap<AccountKey, (Counts, bool)> = BTreeMap::new();
            for s in &stations {
                for a in st.unit_accounts(*s).filter(|a| a.key.qtype == sy) {
                    let e = merged.entry(AccountKey { unit: *s, ..a.key }).or_default();
                    e.0.add(&a.counts);
                    e.1 |= a.digesting;
                }
            }
            let mut by_funding: BTreeMap<bianzhi_core::FundingId, (Counts, bool)> = BTreeMap::new();
            for (k, (c, d)) in merged {
                let e = by_funding.entry(k.funding).or_default();
                e.0.add(&c);
                e.1 |= d;
            }
            let mut reclaimed = 0;
            for (f, (c, digesting)) in by_funding {
                let n = c.available() - 1;
                if digesting || n < 1 {
                    continue;
                }
                reclaimed += n;
                ops.push(Op::Reclaim {
                    account: AccountRef {
                        unit: nref(&centre),
                        qtype: CatRef::Id(sy.0),
                        funding: CatRef::Id(u16::from(f.0)),
                    },
                    count: n,
                    allow_over: false,
                });
            }
            let new_bodies: &[&str] = if t.kind == UnitKind::Town {
                &[
                    "党建工作办公室",
                    "自然资源和生态环境办公室",
                    "综合行政执法局",
                    "财政和资产管理办公室",
                ]
            } else {
                &["党建工作办公室", "平安建设办公室"]
            };
            for (b, bn) in (self.next_body()..).zip(new_bodies) {
                ops.push(Op::AddBody {
                    unit: uref(town),
                    body: Some(BodyId(b)),
                    name: bn.to_string(),
                });
                ops.push(Op::SetPosts {
                    unit: uref(town),
                    body: Some(BodyId(b)),
                    kind: PostKind::BodyChief,
                    count: 1,
                });
            }
            if t.kind == UnitKind::Town {
                ops.push(inc(uref(town), "行政编制", "全额拨款", 2));
            }
            ops.extend(posts(
                nref(&centre),
                1,
                if t.kind == UnitKind::Town { 3 } else { 1 },
            ));
            let mut reason = format!(
                "印发《{}职能配置、内设机构和人员编制规定》：原镇属中心、站所{}个撤销（注销事业单位法人登记、收回公章），人员和编制整体划入{}",
                t.place,
                stations.len(),
                centre
            );
            if reclaimed > 0 {
                reason.push_str(&format!(
                    "；原站所空编中核减收回全额拨款事业编制{reclaimed}名，作为周转编制纳入全区统筹"
                ));
            }
            self.record("盐编发", date, ACT_ORG, reason, ops)?;
            let id = self.must_unit(&centre);
            self.meta.insert(
                id,
                Meta::inst(
                    &Inst::new(centre.clone(), 20).rank(Rank::DeputySection),
                    "盐委",
                ),
            );
        }
        Ok(())
    }

    /// 高新区 与 盐龙街道 “区街分设”: a new 管委会, with 行政编制 and people
    /// moved from 盐龙街道 in step (each 划转 needs a vacancy on the sending
    /// side, each 调动 one on the receiving side).
    fn high_tech_zone(&mut self, date: NaiveDate) -> Result<(), RecordError> {
        let name = "盐城高新技术产业开发区管理委员会";
        let yl = self.must_unit("盐龙街道");
        let st = self.sink.state();
        let xz = resolve_qtype_id(st, "行政编制");
        let Some(src) = best_account(st, yl, xz) else {
            return Ok(());
        };
        let quota_total = (f64::from(src.counts.approved) * 0.4).round() as i32;
        let mut staff: Vec<PersonId> = st
            .roster(yl)
            .into_iter()
            .filter_map(|id| st.person(id))
            .filter(|p| {
                p.placement.status == PersonStatus::Active
                    && p.placement.qtype == xz
                    && p.posts.is_empty()
                    && age(p, date) <= 50
            })
            .map(|p| p.id)
            .collect();
        self.rng.shuffle(&mut staff);
        staff.truncate((quota_total - 3).max(0) as usize);
        staff.sort_unstable();
        let code = self.credit_code('1', name);
        let line = PlanLineId(self.next_line());
        let mut ops = vec![Op::CreateUnit(NewUnit {
            id: None,
            name: name.into(),
            short_name: Some("盐城高新区".into()),
            kind: UnitKind::ParkCommittee,
            rank: Rank::DeputyDivision,
            category: None,
            funding: Some(CatRef::Name("全额拨款".into())),
            credit_code: Some(code),
            parent: None,
            functions: "负责高新区规划建设、经济发展、招商引资和营商环境，社会事务管理交由属地盐龙街道承担。".into(),
            sector: None,
        })];
        let mut bodies = Vec::new();
        for (b, bn) in
            (self.next_body()..).zip(["党政办公室", "经济发展局", "招商服务局", "规划建设局"])
        {
            ops.push(Op::AddBody {
                unit: nref(name),
                body: Some(BodyId(b)),
                name: bn.into(),
            });
            ops.push(Op::SetPosts {
                unit: nref(name),
                body: Some(BodyId(b)),
                kind: PostKind::BodyChief,
                count: 1,
            });
            bodies.push(BodyId(b));
        }
        ops.extend(posts(nref(name), 2, 4));
        ops.push(Op::ApprovePlanLine {
            line: Some(line),
            unit: nref(name),
            year: date.year(),
            channel: PlanChannel::Other,
            qtype: CatRef::Id(xz.0),
            count: (staff.len() as i32).max(1),
        });
        // Interleave 划转编制 and 调动 so that every step has its vacancy.
        let mut src_free = usable(&src);
        let mut dst_free = 0;
        if src_free == 0 {
            // No vacancy in 盐龙街道 to start the exchange: 核增 one slot.
            ops.push(inc(nref(name), "行政编制", "全额拨款", 1));
            dst_free = 1;
        }
        let (mut q_left, mut people) = (quota_total, staff.iter());
        let mut moved_people = 0;
        loop {
            let chunk = src_free.min(q_left);
            if chunk > 0 {
                ops.push(Op::TransferQuota {
                    from: uref(yl),
                    to: nref(name),
                    qtype: CatRef::Id(xz.0),
                    funding: CatRef::Id(u16::from(src.key.funding.0)),
                    count: chunk,
                });
                q_left -= chunk;
                src_free -= chunk;
                dst_free += chunk;
            }
            let mut progressed = chunk > 0;
            while dst_free > 0 {
                let Some(p) = people.next() else {
                    break;
                };
                ops.push(Op::Transfer {
                    person: PersonRef::Id(*p),
                    to: AccountRef {
                        unit: nref(name),
                        qtype: CatRef::Id(xz.0),
                        funding: CatRef::Id(u16::from(src.key.funding.0)),
                    },
                    body: Some(bodies[moved_people % bodies.len()]),
                    plan_line: line,
                });
                moved_people += 1;
                dst_free -= 1;
                src_free += 1;
                progressed = true;
            }
            if q_left == 0 && people.len() == 0 {
                break;
            }
            if !progressed {
                break;
            }
        }
        let reason = format!(
            "推动高新区与盐龙街道“区街分设”、职能分离：设立盐城高新技术产业开发区管理委员会，从盐龙街道划转行政编制{}名、人员{moved_people}名",
            quota_total - q_left
        );
        self.record("盐编", date, ACT_ORG, reason, ops)?;
        let id = self.must_unit(name);
        self.meta.insert(
            id,
            Meta {
                sector: Sector::Township,
                profile: Profile::Civil,
                chiefs: vec!["党工委书记", "管委会主任"],
                deputy: "管委会副主任",
                deputy_titles: Vec::new(),
                other: None,
                female_share: None,
                urban_school: false,
                rural_school: false,
                village_school: false,
                agency: "盐委",
            },
        );
        Ok(())
    }

    /// 承兑编制 (编制一次核定，分期分批下达): the two 东进路 schools are set up
    /// with their whole 核定 approved at once and released in three tranches,
    /// one per school year; they are staffed after each release
    /// ([`Special::PhasedStaffing`]).
    fn dongjinlu(&mut self, date: NaiveDate) -> Result<(), RecordError> {
        let parent = self.must_unit("区教育局");
        for (name, counts) in DONGJINLU {
            let total: i32 = counts.iter().sum();
            let mut i = Inst::new(name, total).deputies(2);
            i.urban_school = true;
            let tranches: Vec<Tranche> = counts
                .iter()
                .zip(2021..)
                .map(|(c, y)| Tranche {
                    date: ymd(y, 9, 1),
                    count: *c,
                })
                .collect();
            self.new_institution(
                date,
                parent,
                &i,
                vec![Op::GrantPhased {
                    grant: None,
                    account: acct_n(name, "事业编制", "全额拨款"),
                    tranches,
                    from_pool: false,
                }],
                format!(
                    "设立{name}（市东进路小学初中）。承兑编制：在不突破全区中小学教职工编制总量的前提下，全额拨款事业编制一次核定{total}名，分期分批下达：2021年9月1日{}名、2022年9月1日{}名、2023年9月1日{}名",
                    counts[0], counts[1], counts[2]
                ),
            )?;
        }
        Ok(())
    }

    fn new_school(
        &mut self,
        date: NaiveDate,
        name: &str,
        quota: i32,
        n_in: i32,
        n_hire: i32,
    ) -> Result<(), RecordError> {
        let parent = self.must_unit("区教育局");
        let mut i = Inst::new(name, quota);
        i.urban_school = true;
        let u = self.new_institution(
            date,
            parent,
            &i,
            vec![inc(nref(name), "事业编制", "全额拨款", quota)],
            format!("设立{name}，核定全额拨款事业编制{quota}名"),
        )?;
        let sources = active_units_urban(self);
        self.staff_new_unit(
            date,
            u,
            &sources,
            n_in,
            n_hire,
            PlanChannel::OpenRecruitment,
        )
    }

    /// 行政复议体制改革: 行政编制 划转 to 区司法局 from departments that held
    /// 复议 functions, a new 行政复议科, and a 核减 of its 政法专项编制.
    fn admin_review(&mut self, date: NaiveDate) -> Result<(), RecordError> {
        let sf = self.must_unit("区司法局");
        let st = self.sink.state();
        let xz = resolve_qtype_id(st, "行政编制");
        let zf = resolve_qtype_id(st, "政法专项编制");
        let mut ops = Vec::new();
        let mut from = Vec::new();
        for name in [
            "区政府办公室",
            "区市场监督管理局",
            "区自然资源和规划局",
            "区交通运输局",
            "区城市管理局",
            "区住房和城乡建设局",
            "区财政局",
        ] {
            if from.len() == 3 {
                break;
            }
            let u = st.unit_by_name[name];
            if best_account(st, u, xz).is_some_and(|a| usable(&a) >= 1 && a.key.funding.0 == 0) {
                from.push(name);
                ops.push(Op::TransferQuota {
                    from: uref(u),
                    to: uref(sf),
                    qtype: CatRef::Id(xz.0),
                    funding: CatRef::Name("全额拨款".into()),
                    count: 1,
                });
            }
        }
        let cut = best_account(st, sf, zf).map_or(0, |a| usable(&a).min(2));
        if cut > 0 {
            ops.push(Op::DecreaseQuota {
                account: acct(sf, "政法专项编制", "全额拨款"),
                count: cut,
                allow_over: false,
            });
        }
        let b = BodyId(self.next_body());
        ops.push(Op::AddBody {
            unit: uref(sf),
            body: Some(b),
            name: "行政复议科".into(),
        });
        ops.push(Op::SetPosts {
            unit: uref(sf),
            body: Some(b),
            kind: PostKind::BodyChief,
            count: 1,
        });
        let reason = format!(
            "行政复议体制改革（一级政府一个复议机关）：从{}划转行政编制{}名至区司法局，设立行政复议科；核减区司法局政法专项编制{cut}名",
            from.join("、"),
            from.len()
        );
        self.record("盐编发", date, ACT_ORG, reason, ops)?;
        Ok(())
    }

    /// 深化事业单位改革 (2022): 小散弱 事业单位 of the same 主管部门 merged;
    /// what the merged units had free, one kept, is reclaimed into the 周转池.
    fn small_units_merge(&mut self, date: NaiveDate) -> Result<(), RecordError> {
        let mut ops = Vec::new();
        let mut text = Vec::new();
        let mut total = 0;
        for (from, into, new_name) in [
            (
                "区科技创业服务中心",
                "区生产力促进中心",
                "区科技创新服务中心",
            ),
            ("区统计普查中心", "区社情民意调查中心", "区统计调查服务中心"),
            (
                "区开放型经济服务中心",
                "区商务综合服务中心",
                "区商务发展服务中心",
            ),
            (
                "区政府采购中心",
                "区财政投资评审中心",
                "区财政投资评审和政府采购服务中心",
            ),
            (
                "区残疾人就业服务所",
                "区残疾人康复中心",
                "区残疾人康复和就业服务中心",
            ),
        ] {
            let (f, t) = (self.must_unit(from), self.must_unit(into));
            ops.push(Op::MergeUnit {
                unit: uref(f),
                into: uref(t),
            });
            ops.push(Op::RenameUnit {
                unit: uref(t),
                name: new_name.into(),
                short_name: None,
            });
            // 核减收回: what both had free, minus one kept for the merged unit.
            let st = self.sink.state();
            let sy = resolve_qtype_id(st, "事业编制");
            let free: i32 = [f, t]
                .iter()
                .filter_map(|u| best_account(st, *u, sy))
                .map(|a| a.counts.available())
                .sum();
            let cut = (free - 1).clamp(0, 3);
            let mut line = format!("{from}并入{into}并更名为{new_name}");
            if cut > 0 {
                total += cut;
                ops.push(Op::Reclaim {
                    account: acct(t, "事业编制", "全额拨款"),
                    count: cut,
                    allow_over: false,
                });
                line.push_str(&format!("（核减收回事业编制{cut}名）"));
            }
            text.push(line);
        }
        let reason = format!(
            "深化事业单位改革，撤并整合“小散弱”机构：{}；共核减收回事业编制{total}名，作为周转编制纳入全区统筹，强化重点领域、重大项目和人才引进保障",
            text.join("；")
        );
        self.record("盐编", date, ACT_ORG, reason, ops)?;
        self.dissolve_small_unit(date)
    }

    fn governance_centre(&mut self, date: NaiveDate) -> Result<(), RecordError> {
        let u = self.must_unit("区网格化服务管理中心");
        let ops = vec![
            Op::RenameUnit {
                unit: uref(u),
                name: "区社会治理现代化指挥中心".into(),
                short_name: None,
            },
            Op::SetRank {
                unit: uref(u),
                rank: Rank::FullSection,
            },
            inc(uref(u), "事业编制", "全额拨款", 6),
            Op::SetPosts {
                unit: uref(u),
                body: None,
                kind: PostKind::UnitDeputy,
                count: 2,
            },
        ];
        self.record(
            "盐编",
            date,
            ACT_ORG,
            "区网格化服务管理中心更名为区社会治理现代化指挥中心，规格调整为正科级，核增事业编制6名"
                .into(),
            ops,
        )?;
        self.staff_new_unit(date, u, &[], 2, 3, PlanChannel::OpenRecruitment)
    }

    fn update_units(&mut self, date: NaiveDate) -> Result<(), RecordError> {
        let mut ops = Vec::new();
        let names: Vec<&str> = self.bad_codes.iter().copied().collect();
        for name in names {
            let Some(u) = self.unit_id(name) else {
                continue;
            };
            let Some(code) = self.st().unit(u).and_then(|x| x.credit_code.clone()) else {
                continue;
            };
            let check = credit_check_char(&code[..17]).expect("valid format");
            ops.push(Op::UpdateUnit {
                unit: uref(u),
                category: None,
                funding: None,
                credit_code: Some(format!("{}{check}", &code[..17])),
                functions: None,
            });
        }
        if let Some(u) = self.unit_id("区淮剧团") {
            // 院团改革: 核减 below 实有; the troupe enters 超编消化.
            let st = self.sink.state();
            let sy = resolve_qtype_id(st, "事业编制");
            if let Some(a) = best_account(st, u, sy) {
                ops.push(Op::DecreaseQuota {
                    account: acct_key(&a.key),
                    count: a.counts.available().max(0) + 6,
                    allow_over: true,
                });
            }
        }
        if let Some(u) = self.unit_id("区融媒体中心") {
            ops.push(Op::SetControlMode {
                unit: uref(u),
                mode: ControlMode::Hard,
            });
            ops.push(Op::UpdateUnit {
                unit: uref(u),
                category: None,
                funding: None,
                credit_code: None,
                functions: Some("宗旨和业务范围：新闻宣传、融媒体内容生产与传播、县级融媒体中心平台运营和服务。".into()),
            });
        }
        self.record(
            "盐编",
            date,
            ACT_ORG,
            "事业单位变更登记：换发证书时更正统一社会信用代码校验位；区淮剧团深化院团改革核减事业编制（列入超编消化）；区融媒体中心变更宗旨和业务范围，恢复严格控编".into(),
            ops,
        )?;
        Ok(())
    }

    /// 2024 机构改革: 区委社会工作部 and 区数据局.
    fn reform_2024(&mut self, date: NaiveDate) -> Result<(), RecordError> {
        for (name, kind, quota, sources, bodies, chief, deputy) in [
            (
                "区委社会工作部",
                UnitKind::PartyOrgan,
                10,
                ["区民政局", "区委组织部"],
                ["办公室", "基层治理科", "社会工作人才科"],
                "部长",
                "副部长",
            ),
            (
                "区数据局",
                UnitKind::GovDept,
                9,
                ["区政府办公室", "区行政审批局"],
                ["办公室", "数据资源科", "数字基础设施科"],
                "局长",
                "副局长",
            ),
        ] {
            let code = self.credit_code('1', name);
            let st = self.sink.state();
            let xz = resolve_qtype_id(st, "行政编制");
            let src: Vec<UnitId> = sources.iter().map(|s| st.unit_by_name[*s]).collect();
            let mut ops = vec![Op::CreateUnit(NewUnit {
                id: None,
                name: name.into(),
                short_name: None,
                kind,
                rank: Rank::FullSection,
                category: None,
                funding: Some(CatRef::Name("全额拨款".into())),
                credit_code: Some(code),
                parent: None,
                functions: format!("贯彻落实党中央关于机构改革的决策部署，履行{name}职能配置、内设机构和人员编制规定明确的职责。"),
                sector: None,
            })];
            let mut moved = 0;
            for s in &src {
                let n = best_account(st, *s, xz).map_or(0, |a| usable(&a).min(2));
                if n > 0 {
                    moved += n;
                    ops.push(Op::TransferQuota {
                        from: uref(*s),
                        to: nref(name),
                        qtype: CatRef::Id(xz.0),
                        funding: CatRef::Name("全额拨款".into()),
                        count: n,
                    });
                }
            }
            ops.push(inc(nref(name), "行政编制", "全额拨款", quota - moved));
            for (b, bn) in (self.next_body()..).zip(bodies) {
                ops.push(Op::AddBody {
                    unit: nref(name),
                    body: Some(BodyId(b)),
                    name: bn.into(),
                });
                ops.push(Op::SetPosts {
                    unit: nref(name),
                    body: Some(BodyId(b)),
                    kind: PostKind::BodyChief,
                    count: 1,
                });
            }
            ops.extend(posts(nref(name), 1, 2));
            if name == "区数据局" {
                if let Some(c) = self.unit_id("区大数据管理中心") {
                    ops.push(Op::MoveUnit {
                        unit: uref(c),
                        parent: Some(nref(name)),
                    });
                }
            }
            let reason = format!(
                "2024年区级机构改革：组建{name}，从{}划转行政编制{moved}名，核增{}名",
                sources.join("、"),
                quota - moved
            );
            self.record("盐编发", date, ACT_ORG, reason, ops)?;
            let id = self.must_unit(name);
            self.meta.insert(
                id,
                Meta {
                    sector: Sector::Organ,
                    profile: Profile::Civil,
                    chiefs: vec![chief],
                    deputy,
                    deputy_titles: Vec::new(),
                    other: None,
                    female_share: None,
                    urban_school: false,
                    rural_school: false,
                    village_school: false,
                    agency: if kind == UnitKind::GovDept {
                        "盐政任"
                    } else {
                        "盐委"
                    },
                },
            );
            self.staff_new_unit(date, id, &src, 4, 2, PlanChannel::OpenRecruitment)?;
            self.fill_posts(date, Some(vec![id]), false)?;
        }
        Ok(())
    }
}

fn active_units_urban(b: &Builder<'_>) -> Vec<UnitId> {
    let st = b.sink.state();
    b.meta
        .iter()
        .filter(|(u, m)| m.urban_school && st.unit(**u).is_some_and(|x| x.is_active()))
        .map(|(u, _)| *u)
        .collect()
}
