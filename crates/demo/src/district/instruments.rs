//! The quota instruments of the source document (DOMAIN §3) in the demo's
//! history, 2021–2024:
//!
//! - 核减收回: the vacancies of the 镇属 stations merged by the 2021 镇 三定,
//!   the vacancies cut by the 市三院 “三定”, and the 2022 撤并 of 小散弱
//!   事业单位 go to the district's 周转池 of 事业编制 (see also
//!   `town_sanding` and `small_units_merge`).
//! - 周转池 loans to the 镇 (区属镇用、单列管理): one slot per 镇综合服务中心
//!   for the new 安监 posts, due after two years; three slots per new
//!   镇消防救援站 (下沉全额事业编制 for 消防), due mid-2024; one station gets its
//!   own 核定 in 2023 and returns its loan by hand.
//! - 过桥编制 (人编同调、带编流动): doctors into 市三院 (one slot from the
//!   sender, one from the pool), staff into the 高新区 管委会 with the
//!   林业 and 行政许可 functions (slots from the senders).
//! - 承兑编制: the 东进路 schools and 区中医院 (see `dongjinlu` and the
//!   区中医院 special); the schools are staffed after each tranche.
//! - 动态编制 (退一收一): 区淮剧团 (淮剧 high-level talent), 盐城市龙冈中学
//!   and, in 2024, 区教育人才储备中心 (teachers).
//! - 备案制: 人员控制总量 in 区人民医院 and a public kindergarten, 备案人员
//!   registered in two batches, and 定向入编 into a freed slot.

use super::cycle::{best_account, resolve_qtype_id, usable};
use super::special::{acct_n, nref, DONGJINLU};
use super::*;

use bianzhi_core::catalog::StaffIdentity;
use bianzhi_core::model::QuotaAccount;
use bianzhi_core::QuotaTypeId;

/// How many 镇 get a 消防救援站, and the slots each borrows.
const FIRE_TOWNS: usize = 4;
const FIRE_SLOTS: i32 = 3;
const FIRE_DUE: (i32, u32, u32) = (2024, 6, 30);
/// The 安监 loans fall due two years after they are made.
const SAFETY_DUE: (i32, u32, u32) = (2023, 11, 10);
pub(super) const THIRD_HOSPITAL: &str = "盐城市第三人民医院";
pub(super) const HIGH_TECH: &str = "盐城高新技术产业开发区管理委员会";
pub(super) const HOSPITAL: &str = "区人民医院";
pub(super) const KINDERGARTEN: &str = "盐城市盐都区张庄幼儿园";

fn pool_balance(st: &State, q: QuotaTypeId) -> i32 {
    st.pools.get(&q).map_or(0, |p| p.balance)
}

fn fire_station(town: &str) -> String {
    format!("{town}消防救援站")
}

/// A sender account may give up a slot with the person (人编同调) when it is
/// not over quota once the person has left.
fn can_send(a: &QuotaAccount) -> bool {
    !a.digesting && a.counts.available() >= 0
}

impl Builder<'_> {
    /// Active people of `units` in a `qtype` account that may send, without a
    /// leadership post, aged `lo..=hi`; `n` picked at random, by id.
    fn movers(
        &mut self,
        date: NaiveDate,
        units: &[UnitId],
        qtype: QuotaTypeId,
        (lo, hi): (i32, i32),
        n: usize,
    ) -> Vec<PersonId> {
        let st = self.sink.state();
        let mut v: Vec<PersonId> = units
            .iter()
            .flat_map(|u| st.roster(*u))
            .filter_map(|id| st.person(id))
            .filter(|p| {
                p.placement.status == PersonStatus::Active
                    && p.placement.qtype == qtype
                    && p.posts.is_empty()
                    && p.details.identity != StaffIdentity::Worker
                    && (lo..=hi).contains(&age(p, date))
                    && st.accounts.get(&p.placement.key()).is_some_and(can_send)
            })
            .map(|p| p.id)
            .collect();
        v.sort_unstable();
        v.dedup();
        self.rng.shuffle(&mut v);
        v.truncate(n);
        v.sort_unstable();
        v
    }

    /// 市三院 “三定” 重新核定 (its vacancies reclaimed into the 周转池), then two
    /// doctors brought in with 过桥编制: one slot travels with the person from
    /// 区人民医院 (人编同调), one comes from the pool.
    pub(super) fn third_hospital(&mut self, date: NaiveDate) -> Result<(), RecordError> {
        let h = self.must_unit(THIRD_HOSPITAL);
        let st = self.sink.state();
        let sy = resolve_qtype_id(st, "事业编制");
        let Some(a) = best_account(st, h, sy) else {
            return Ok(());
        };
        let cut = usable(&a);
        let mut ops = vec![
            Op::UpdateUnit {
                unit: uref(h),
                category: None,
                funding: None,
                credit_code: None,
                functions: Some(
                    "宗旨和业务范围：承担医疗救治、急危重症救治、传染病防治和突发公共卫生事件医疗救援，开展医学教育、科研和基层医疗卫生机构业务指导。"
                        .into(),
                ),
            },
            Op::SetPosts {
                unit: uref(h),
                body: None,
                kind: PostKind::UnitDeputy,
                count: 4,
            },
        ];
        if cut > 0 {
            ops.push(Op::Reclaim {
                account: acct_key(&a.key),
                count: cut,
                allow_over: false,
            });
        }
        let reason = format!(
            "印发《盐城市第三人民医院（市三院）主要职责、内设机构和人员编制规定》，重新核定差额拨款事业编制{}名、院级领导职数5名；核减收回空编{cut}名，作为周转编制纳入全区统筹",
            a.counts.approved - cut
        );
        self.record("盐编", date, ACT_ORG, reason, ops)?;

        // 过桥: the hospital has no vacancy now.
        let st = self.sink.state();
        let a = best_account(st, h, sy).expect("account");
        if a.counts.available() >= 1 {
            return Ok(());
        }
        let senders: Vec<UnitId> = [HOSPITAL, "区妇幼保健院"]
            .iter()
            .filter_map(|n| self.unit_id(n))
            .collect();
        let towns = catalogue::townships();
        let health_centres: Vec<UnitId> = towns
            .iter()
            .filter(|t| t.kind == UnitKind::Town)
            .filter_map(|t| self.unit_id(&format!("盐城市盐都区{}中心卫生院", t.short)))
            .collect();
        let pool = pool_balance(self.st(), sy);
        let with_slot = self.movers(date, &senders[..1], sy, (32, 45), 1);
        let with_slot = if with_slot.is_empty() {
            self.movers(date, &senders, sy, (32, 45), 1)
        } else {
            with_slot
        };
        let from_pool = if pool >= 1 {
            self.movers(date, &health_centres, sy, (30, 42), 1)
        } else {
            Vec::new()
        };
        let st = self.sink.state();
        let mut ops = Vec::new();
        let mut text = Vec::new();
        for (p, pool, deadline) in with_slot
            .iter()
            .map(|p| (*p, false, ymd(2023, 8, 31)))
            .chain(from_pool.iter().map(|p| (*p, true, ymd(2023, 12, 31))))
        {
            let person = st.person(p).expect("picked");
            text.push(format!(
                "{}同志由{}调入（过桥编制{}，{}前以自然减员消化）",
                person.details.name,
                st.unit_name(person.placement.unit),
                if pool {
                    "由区事业编制周转池调剂"
                } else {
                    "随人从原单位带入"
                },
                deadline.format("%Y年%-m月%-d日")
            ));
            ops.push(Op::BridgeTransfer {
                bridge: None,
                person: PersonRef::Id(p),
                to: acct_key(&a.key),
                body: None,
                from_pool: pool,
                deadline,
            });
        }
        if ops.is_empty() {
            return Ok(());
        }
        let reason = format!(
            "人编同调、带编流动：为加强市三院重点学科建设，{}；市三院无空编，实行过桥编制管理，出现自然减员空编时等量核销",
            text.join("，")
        );
        self.record("盐编", date, ACT_ORG, reason, ops)?;
        Ok(())
    }

    /// 承兑编制: after each tranche of the 东进路 schools is released, teachers
    /// move in from the city schools and a recruitment line follows.
    pub(super) fn phased_staffing(&mut self, date: NaiveDate) -> Result<(), RecordError> {
        let (n_in, n_hire) = match date.year() {
            2021 => (12, 15),
            2022 => (5, 8),
            _ => (3, 6),
        };
        let sources: Vec<UnitId> = {
            let st = self.sink.state();
            self.meta
                .iter()
                .filter(|(u, m)| {
                    m.urban_school
                        && st.unit(**u).is_some_and(|x| x.is_active())
                        && !DONGJINLU.iter().any(|(n, _)| st.unit_name(**u) == *n)
                })
                .map(|(u, _)| *u)
                .collect()
        };
        for (name, _) in DONGJINLU {
            let u = self.must_unit(name);
            self.staff_new_unit(
                date,
                u,
                &sources,
                n_in,
                n_hire,
                PlanChannel::OpenRecruitment,
            )?;
        }
        Ok(())
    }

    /// 动态编制 (退一收一) from the 周转池: 区淮剧团 for 淮剧 high-level talent,
    /// 盐城市龙冈中学 for teachers, each with a 人才引进 line.
    pub(super) fn dynamic_grants(&mut self, date: NaiveDate) -> Result<(), RecordError> {
        let st = self.sink.state();
        let sy = resolve_qtype_id(st, "事业编制");
        let mut pool = pool_balance(st, sy);
        let mut ops = Vec::new();
        let mut lines = Vec::new();
        let mut text = Vec::new();
        let base = self.next_line();
        for (name, want, what) in [
            ("区淮剧团", 3, "淮剧高层次人才引进"),
            ("盐城市龙冈中学", 3, "紧缺学科骨干教师引进"),
        ] {
            let st = self.sink.state();
            let Some(u) = self.unit_id(name) else {
                continue;
            };
            let Some(a) = best_account(st, u, sy) else {
                continue;
            };
            // A unit over quota (the troupe, since 建账) has its 超编 covered
            // too, so that the talent can be taken on now.
            let over = (-a.counts.available()).max(0);
            let n = (want + over).min(pool);
            let hires = (a.counts.available() + n).min(want);
            if hires < 1 {
                continue;
            }
            pool -= n;
            ops.push(Op::GrantDynamic {
                grant: None,
                account: acct_key(&a.key),
                count: n,
                include_transfer_out: false,
            });
            let line = PlanLineId(base + lines.len() as u32);
            ops.push(Op::ApprovePlanLine {
                line: Some(line),
                unit: uref(u),
                year: date.year(),
                channel: PlanChannel::TalentIntroduction,
                qtype: CatRef::Id(sy.0),
                count: hires,
            });
            lines.push((line, hires));
            text.push(if over > 0 {
                format!("{name}{n}名（现超编{over}名，用于{what}{hires}名）")
            } else {
                format!("{name}{n}名（用于{what}）")
            });
        }
        if ops.is_empty() {
            return Ok(());
        }
        let reason = format!(
            "释放“退一收一”动态事业编制：{}，由区事业编制周转池调剂，待其自然减员出现空编后等量收回",
            text.join("、")
        );
        self.record("盐编", date, ACT_ORG, reason, ops)?;
        for (line, count) in lines {
            let d = date + Duration::days(self.rng.range(25, 45));
            self.schedule(d, Ev::Hire { line, count });
        }
        Ok(())
    }

    /// 周转池 loans to the 镇 (区属镇用、单列管理): 安监 posts in every
    /// 镇综合服务中心, and new 镇消防救援站 staffed with loaned 全额事业编制.
    pub(super) fn grassroots_safety(&mut self, date: NaiveDate) -> Result<(), RecordError> {
        let towns: Vec<Township> = catalogue::townships()
            .into_iter()
            .filter(|t| t.kind == UnitKind::Town)
            .collect();
        let sy = resolve_qtype_id(self.st(), "事业编制");
        let mut pool = pool_balance(self.st(), sy);

        // 安监: one slot per 镇综合服务中心.
        let mut ops = Vec::new();
        let mut lines = Vec::new();
        let base = self.next_line();
        for t in &towns {
            let centre = format!("{}综合服务中心", t.place);
            if self.unit_id(&centre).is_none() || pool < 1 {
                continue;
            }
            pool -= 1;
            ops.push(Op::Lend {
                loan: None,
                account: acct_n(&centre, "事业编制", "全额拨款"),
                count: 1,
                due: Some(ymd(SAFETY_DUE.0, SAFETY_DUE.1, SAFETY_DUE.2)),
                on_attrition: false,
            });
            let line = PlanLineId(base + lines.len() as u32);
            ops.push(Op::ApprovePlanLine {
                line: Some(line),
                unit: nref(&centre),
                year: date.year(),
                channel: PlanChannel::OpenRecruitment,
                qtype: CatRef::Id(sy.0),
                count: 1,
            });
            lines.push(line);
        }
        if !ops.is_empty() {
            let reason = format!(
                "为基层招录新增安监岗位{}个，保障省级安全发展示范城市创建：规范周转池管理使用，从区事业编制周转池向{}个镇综合服务中心各借出全额拨款事业编制1名（区属镇用、单列管理），借用期两年，2023年11月10日到期",
                lines.len(),
                lines.len()
            );
            self.record("盐编", date, ACT_ORG, reason, ops)?;
            for line in lines {
                let d = date + Duration::days(self.rng.range(7, 12));
                self.schedule(d, Ev::Hire { line, count: 1 });
            }
        }

        // 消防: new stations, staffed entirely with loaned slots.
        let n = ((pool / FIRE_SLOTS) as usize).min(FIRE_TOWNS);
        if n == 0 {
            return Ok(());
        }
        let mut ops = Vec::new();
        let mut lines = Vec::new();
        let base = self.next_line();
        let mut names = Vec::new();
        for t in towns.iter().take(n) {
            let name = fire_station(&t.place);
            let code = self.credit_code('2', &name);
            ops.push(Op::CreateUnit(NewUnit {
                id: None,
                name: name.clone(),
                short_name: None,
                kind: UnitKind::Institution,
                rank: Rank::Unit,
                category: Some(InstitutionCategory::PublicWelfare1),
                funding: Some(CatRef::Name("全额拨款".into())),
                credit_code: Some(code),
                parent: Some(nref(&t.place)),
                functions: format!(
                    "宗旨和业务范围：承担{}辖区火灾扑救、抢险救援和防火巡查、消防宣传等基层消防工作。",
                    t.place
                ),
                sector: None,
            }));
            ops.push(Op::SetPosts {
                unit: nref(&name),
                body: None,
                kind: PostKind::UnitChief,
                count: 1,
            });
            ops.push(Op::Lend {
                loan: None,
                account: acct_n(&name, "事业编制", "全额拨款"),
                count: FIRE_SLOTS,
                due: Some(ymd(FIRE_DUE.0, FIRE_DUE.1, FIRE_DUE.2)),
                on_attrition: false,
            });
            let line = PlanLineId(base + lines.len() as u32);
            ops.push(Op::ApprovePlanLine {
                line: Some(line),
                unit: nref(&name),
                year: date.year(),
                channel: PlanChannel::VeteranPlacement,
                qtype: CatRef::Id(sy.0),
                count: FIRE_SLOTS,
            });
            lines.push(line);
            names.push(name);
        }
        let reason = format!(
            "为解决基层消防“短腿”“无腿”问题，设立{}（公益一类，股级），从区事业编制周转池向基层下沉全额拨款事业编制{}名（每站{FIRE_SLOTS}名，区属镇用、单列管理，2024年6月30日到期），用于安置退役士兵担任专职消防员",
            names.join("、"),
            n as i32 * FIRE_SLOTS
        );
        self.record("盐编", date, ACT_ORG, reason, ops)?;
        for name in &names {
            let id = self.must_unit(name);
            let mut m = Meta::inst(
                &Inst::new(name.clone(), FIRE_SLOTS).rank(Rank::Unit),
                "盐委",
            );
            m.chiefs = vec!["站长"];
            m.deputy = "副站长";
            // 专职消防员: 退役士兵, nearly all men.
            m.female_share = Some(0.02);
            self.meta.insert(id, m);
        }
        for line in lines {
            let d = date + Duration::days(self.rng.range(7, 12));
            self.schedule(
                d,
                Ev::Hire {
                    line,
                    count: FIRE_SLOTS,
                },
            );
        }
        Ok(())
    }

    /// 相对集中行政许可权改革 and 林业职能划转 into the 高新区 管委会: staff move
    /// with their functions; those beyond its vacancies move with their slot
    /// (过桥编制 from the sender).
    pub(super) fn high_tech_bridge(&mut self, date: NaiveDate) -> Result<(), RecordError> {
        let Some(gx) = self.unit_id(HIGH_TECH) else {
            return Ok(());
        };
        let st = self.sink.state();
        let xz = resolve_qtype_id(st, "行政编制");
        let Some(ga) = best_account(st, gx, xz) else {
            return Ok(());
        };
        let free = usable(&ga);
        let forestry = self.must_unit("区农业农村局");
        let permits = self.must_unit("区行政审批局");
        // Ordinary 调动 first, up to the vacancies; then one 过桥 from each sender.
        let plain = self.movers(date, &[permits, forestry], xz, (26, 45), free as usize);
        let mut bridged = Vec::new();
        for (u, deadline) in [(forestry, ymd(2023, 12, 31)), (permits, ymd(2025, 6, 30))] {
            let p = self.movers(date, &[u], xz, (28, 45), 4);
            if let Some(p) = p.into_iter().find(|p| !plain.contains(p)) {
                bridged.push((p, deadline));
            }
        }
        if bridged.is_empty() || plain.len() as i32 != free {
            return Ok(());
        }
        let st = self.sink.state();
        let mut ops = Vec::new();
        let line = PlanLineId(self.next_line());
        if free > 0 {
            ops.push(Op::ApprovePlanLine {
                line: Some(line),
                unit: uref(gx),
                year: date.year(),
                channel: PlanChannel::Other,
                qtype: CatRef::Id(xz.0),
                count: free,
            });
        }
        let bodies: Vec<BodyId> = st
            .unit(gx)
            .map(|u| {
                u.bodies
                    .iter()
                    .filter(|b| !b.abolished)
                    .map(|b| b.id)
                    .collect()
            })
            .unwrap_or_default();
        let body = |i: usize| bodies.get(i % bodies.len().max(1)).copied();
        for (i, p) in plain.iter().enumerate() {
            ops.push(Op::Transfer {
                person: PersonRef::Id(*p),
                to: acct_key(&ga.key),
                body: body(i + 1),
                plan_line: line,
            });
        }
        let mut text = Vec::new();
        for (i, (p, deadline)) in bridged.iter().enumerate() {
            let person = st.person(*p).expect("picked");
            text.push(format!(
                "{}（原{}，{}前消化）",
                person.details.name,
                st.unit_name(person.placement.unit),
                deadline.format("%Y年%-m月%-d日")
            ));
            ops.push(Op::BridgeTransfer {
                bridge: None,
                person: PersonRef::Id(*p),
                to: acct_key(&ga.key),
                body: body(i + 2),
                from_pool: false,
                deadline: *deadline,
            });
        }
        let mut reason = String::from(
            "推进相对集中行政许可权改革和林业职能划转，相关人员随职能调入盐城高新区管委会：",
        );
        if free > 0 {
            reason.push_str(&format!(
                "{}按调动办理（使用空编{free}名）；",
                names_of(st, &plain)
            ));
        }
        reason.push_str(&format!(
            "高新区已无空编，{}实行“人编同调、带编流动”，以过桥编制安置，原单位编制随人划转，高新区出现自然减员空编时等量核销",
            text.join("、")
        ));
        self.record("盐编", date, ACT_ORG, reason, ops)?;
        Ok(())
    }

    /// 撤销 a 小散弱 事业单位 whose people move, with their slots, to a sister
    /// unit (人随编走); what remains of its 核定 is reclaimed into the 周转池
    /// (收回撤并单位编制) before it is abolished.
    pub(super) fn dissolve_small_unit(&mut self, date: NaiveDate) -> Result<(), RecordError> {
        for (from, into) in [
            ("区经济研究中心", "区重点项目推进中心"),
            ("区价格认证中心", "区重点项目推进中心"),
            ("区工业经济运行监测中心", "区中小企业服务中心"),
        ] {
            let (Some(c), Some(b)) = (self.unit_id(from), self.unit_id(into)) else {
                continue;
            };
            let st = self.sink.state();
            let sy = resolve_qtype_id(st, "事业编制");
            let accts: Vec<QuotaAccount> = st.unit_accounts(c).copied().collect();
            // Only a plain unit: one 事业编制 account, nothing frozen or locked.
            let [ca] = accts.as_slice() else {
                continue;
            };
            let Some(ba) = best_account(st, b, sy) else {
                continue;
            };
            if ca.key.qtype != sy
                || ca.digesting
                || ba.digesting
                || ca.counts.frozen + ca.counts.locked + ca.counts.borrowed + ca.counts.bridged > 0
                || ca.key.funding != ba.key.funding
                || st
                    .children(Some(c))
                    .iter()
                    .any(|u| st.unit(*u).is_some_and(|u| u.is_active()))
            {
                continue;
            }
            let people = st.roster(c);
            // Each step needs a vacancy in the receiver: its own, or one of the
            // dissolved unit's slots moved over (which each departure frees).
            let mut b_free = usable(&ba);
            if people.is_empty() || usable(ca) + b_free < 1 {
                continue;
            }
            let line = PlanLineId(self.next_line());
            let mut ops = vec![Op::ApprovePlanLine {
                line: Some(line),
                unit: uref(b),
                year: date.year(),
                channel: PlanChannel::Other,
                qtype: CatRef::Id(sy.0),
                count: people.len() as i32,
            }];
            let mut moved_quota = 0;
            for p in &people {
                if b_free == 0 {
                    ops.push(Op::TransferQuota {
                        from: uref(c),
                        to: uref(b),
                        qtype: CatRef::Id(sy.0),
                        funding: CatRef::Id(u16::from(ca.key.funding.0)),
                        count: 1,
                    });
                    moved_quota += 1;
                    b_free += 1;
                }
                ops.push(Op::Transfer {
                    person: PersonRef::Id(*p),
                    to: acct_key(&ba.key),
                    body: None,
                    plan_line: line,
                });
                b_free -= 1;
            }
            let reclaimed = ca.counts.approved - moved_quota;
            ops.push(Op::ReclaimUnitQuotas { unit: uref(c) });
            for p in st.unit_posts(c).filter(|p| p.approved > 0) {
                ops.push(Op::SetPosts {
                    unit: uref(c),
                    body: p.key.body,
                    kind: p.key.kind,
                    count: 0,
                });
            }
            ops.push(Op::AbolishUnit {
                unit: uref(c),
                remap: None,
            });
            let reason = format!(
                "深化事业单位改革，撤并“小散弱”机构：撤销{from}（注销事业单位法人登记），在编人员{}名{}调入{into}，划转事业编制{moved_quota}名随人员调整；其余事业编制{reclaimed}名核减收回，作为周转编制纳入全区统筹",
                people.len(),
                names_of(st, &people)
            );
            self.record("盐编", date, ACT_ORG, reason, ops)?;
            return Ok(());
        }
        Ok(())
    }

    /// 备案制: “编制＋人员控制总量” in 区人民医院 and a public kindergarten.
    pub(super) fn staff_cap(&mut self, date: NaiveDate) -> Result<(), RecordError> {
        let st = self.sink.state();
        let mut ops = Vec::new();
        let mut text = Vec::new();
        for (name, filed) in [(HOSPITAL, 60), (KINDERGARTEN, 8)] {
            let Some(u) = self.unit_id(name) else {
                continue;
            };
            let (cap_q, enrolled) = st.unit_accounts(u).fold((0, 0), |(q, e), a| {
                (
                    q + a.counts.capacity(),
                    e + a.counts.actual + a.counts.frozen,
                )
            });
            let cap = cap_q.max(enrolled) + filed;
            ops.push(Op::SetStaffCap {
                unit: uref(u),
                count: Some(cap),
            });
            text.push(format!(
                "{name}人员控制总量{cap}名（编制{cap_q}名、备案人员控制数{filed}名）"
            ));
        }
        if ops.is_empty() {
            return Ok(());
        }
        let reason = format!(
            "以“备案制”强化人才资源保障，在公立医院、公立幼儿园试点“编制＋人员控制总量”管理：核定{}；备案人员按人员控制总量管理，探索定向入编通道",
            text.join("，")
        );
        self.record("盐编", date, ACT_ORG, reason, ops)?;
        Ok(())
    }

    /// 备案人员登记 (two batches: 2022 and 2023).
    pub(super) fn filed_register(&mut self, date: NaiveDate) -> Result<(), RecordError> {
        let first = date.year() == 2022;
        let mut ops = Vec::new();
        let mut text = Vec::new();
        for (name, want, profile, female) in [
            (
                HOSPITAL,
                if first { 32 } else { 20 },
                Profile::Medical,
                None,
            ),
            (
                KINDERGARTEN,
                if first { 4 } else { 3 },
                Profile::Teacher,
                Some(0.97),
            ),
        ] {
            let Some(u) = self.unit_id(name) else {
                continue;
            };
            let st = self.sink.state();
            let Some(s) = st.staffing.get(&u).copied() else {
                continue;
            };
            let Some(cap) = s.cap else {
                continue;
            };
            let enrolled: i32 = st
                .unit_accounts(u)
                .map(|a| a.counts.actual + a.counts.frozen)
                .sum();
            let n = want.min(cap - enrolled - s.filed);
            if n < 1 {
                continue;
            }
            for _ in 0..n {
                let spec = Spec {
                    profile,
                    identity: StaffIdentity::InstitutionStaff,
                    role: Role::Staff,
                    age: self.rng.range(22, 30) as i32,
                    on: date,
                    female_share: female,
                    first_job: self.rng.chance(0.7),
                };
                let g = self.gen.generate(&mut self.rng, spec, None);
                ops.push(Op::RegisterFiled {
                    person: None,
                    unit: uref(u),
                    details: g.details,
                });
            }
            text.push(format!("{name}{n}名"));
        }
        if ops.is_empty() {
            return Ok(());
        }
        let reason = format!(
            "{}年度备案制人员登记：{}（编外备案管理，纳入人员控制总量）",
            date.year(),
            text.join("、")
        );
        self.record("盐编办", date, act_real(date.year()), reason, ops)?;
        Ok(())
    }

    /// 定向入编: the longest-serving 备案人员 of the kindergarten (and of the
    /// hospital, if it has a free slot) moves into a freed 编制 slot. Tried
    /// again a month later while there is none.
    pub(super) fn directed_enrol(&mut self, date: NaiveDate) -> Result<(), RecordError> {
        let st = self.sink.state();
        let sy = resolve_qtype_id(st, "事业编制");
        let mut ops = Vec::new();
        let mut text = Vec::new();
        let mut kindergarten = false;
        for name in [KINDERGARTEN, HOSPITAL] {
            let Some(u) = self.unit_id(name) else {
                continue;
            };
            let Some(a) = best_account(st, u, sy).filter(|a| usable(a) >= 1) else {
                continue;
            };
            let Some(p) = bianzhi_core::query::filed_at(st, u, date).first().copied() else {
                continue;
            };
            let person = st.person(p).expect("filed");
            text.push(format!("{name}备案人员{}", person.details.name));
            ops.push(Op::DirectedEnrol {
                person: PersonRef::Id(p),
                account: acct_key(&a.key),
                body: None,
            });
            kindergarten |= name == KINDERGARTEN;
        }
        if !kindergarten && date < ymd(2024, 11, 1) {
            // The kindergarten has no free slot yet: try again next month.
            self.schedule(
                date + Duration::days(30),
                Ev::Special(Special::DirectedEnrol),
            );
            return Ok(());
        }
        if ops.is_empty() {
            return Ok(());
        }
        let reason = format!(
            "备案制人员定向入编：{}经考核合格，通过定向入编通道进入本单位出现的空编（事业编制）",
            text.join("、")
        );
        self.record("盐编办", date, act_real(date.year()), reason, ops)?;
        Ok(())
    }

    /// 消防管理体制改革: the first 镇消防救援站 gets its own 核定 and returns
    /// its 周转池 loan by hand.
    pub(super) fn fire_reform(&mut self, date: NaiveDate) -> Result<(), RecordError> {
        let Some(first) = catalogue::townships()
            .into_iter()
            .find(|t| t.kind == UnitKind::Town)
        else {
            return Ok(());
        };
        let name = fire_station(&first.place);
        let Some(u) = self.unit_id(&name) else {
            return Ok(());
        };
        let st = self.sink.state();
        let Some(loan) = st
            .loans
            .iter()
            .flatten()
            .find(|l| l.key.unit == u && l.outstanding() > 0)
            .cloned()
        else {
            return Ok(());
        };
        let n = loan.outstanding();
        let ops = vec![
            Op::IncreaseQuota {
                account: acct_key(&loan.key),
                count: n,
            },
            Op::ReturnLoan {
                loan: loan.id,
                count: Some(n),
            },
        ];
        let reason = format!(
            "推进消防管理体制改革落地见效：核定{name}全额拨款事业编制{n}名，同时归还{}借用的周转编制{n}名（区属镇用借用#{}），专职消防员转由本单位核定编制管理",
            loan.doc, loan.id
        );
        self.record("盐编", date, ACT_ORG, reason, ops)?;
        Ok(())
    }

    /// 动态编制 for teachers in 2024: 区教育人才储备中心, with a 人才引进 line.
    pub(super) fn dynamic_grant_2024(&mut self, date: NaiveDate) -> Result<(), RecordError> {
        let Some(u) = self.unit_id("区教育人才储备中心") else {
            return Ok(());
        };
        let st = self.sink.state();
        let sy = resolve_qtype_id(st, "事业编制");
        let Some(a) = best_account(st, u, sy) else {
            return Ok(());
        };
        let n = 4.min(pool_balance(st, sy));
        if n < 1 {
            return Ok(());
        }
        let hires = (a.counts.available() + n).min(n);
        let line = PlanLineId(self.next_line());
        let mut ops = vec![Op::GrantDynamic {
            grant: None,
            account: acct_key(&a.key),
            count: n,
            include_transfer_out: false,
        }];
        if hires >= 1 {
            ops.push(Op::ApprovePlanLine {
                line: Some(line),
                unit: uref(u),
                year: date.year(),
                channel: PlanChannel::TalentIntroduction,
                qtype: CatRef::Id(sy.0),
                count: hires,
            });
        }
        let reason = format!(
            "释放“退一收一”动态事业编制{n}名至区教育人才储备中心，用于引进紧缺学科优秀教师，由区事业编制周转池调剂，待自然减员出现空编后等量收回"
        );
        self.record("盐编", date, ACT_ORG, reason, ops)?;
        if hires >= 1 {
            let d = date + Duration::days(self.rng.range(14, 28));
            self.schedule(d, Ev::Hire { line, count: hires });
        }
        Ok(())
    }
}
