//! A synthetic district (tens of thousands of items, towns, parks,
//! villages, delegation batches with 收回 and second hops, concentrations)
//! and a measurement of [`Index::responsible`] against the naive scan
//! [`Index::responsible_naive`] in the same run. The only clock here is the
//! monotonic timer of the measurement; the domain code never reads one.

use std::hint::black_box;
use std::time::Instant;

use bianzhi_core::UnitId;
use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::catalogue::{Catalogue, Change, Duty, Item, ItemId, Level, PowerType, TimeLimit};
use crate::delegation::{BatchDecision, DelegationEntry, DelegationId, Delegations, Mode};
use crate::enforcement::{Domain, Enforcement, EnforcementItem};
use crate::responsible::Index;
use crate::territory::{Place, PlaceId, PlaceKind, Territory};

/// The size of a synthetic district.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Params {
    /// Items in the catalogue (a tenth are 主项 with two 子项).
    pub items: u32,
    /// 镇 and 街道 (powers are delegated to them).
    pub towns: u32,
    /// 园区 (reached by second hops from towns).
    pub parks: u32,
    /// 村/社区 per town or park.
    pub villages_per_town: u32,
    /// Departments holding the items.
    pub departments: u32,
    pub seed: u64,
}

impl Params {
    /// 30,000 items, 17 towns and streets, 3 parks, 300 villages, 30
    /// departments.
    pub fn district() -> Params {
        Params {
            items: 30_000,
            towns: 17,
            parks: 3,
            villages_per_town: 15,
            departments: 30,
            seed: 2021,
        }
    }
}

/// A small deterministic generator (xorshift64*), so that the district and
/// the queries are the same on every run.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in 0..n (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

/// The records of a synthetic district.
#[derive(Debug, Clone)]
pub struct Synthetic {
    pub params: Params,
    pub catalogue: Catalogue,
    pub territory: Territory,
    pub delegations: Delegations,
    pub enforcement: Enforcement,
    /// Towns and streets, then parks.
    pub towns: Vec<PlaceId>,
    pub parks: Vec<PlaceId>,
}

/// The first date of the synthetic district's history.
pub fn start() -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, 1, 1).expect("valid date")
}

fn day(n: u64) -> NaiveDate {
    start() + Days::new(n)
}

const DISTRICT_GOV: UnitId = UnitId(1);
const ENFORCEMENT_BODY: UnitId = UnitId(2);

fn department(params: &Params, i: u32) -> UnitId {
    UnitId(10 + i % params.departments.max(1))
}

/// The role of item `i` (1-based) in the synthetic catalogue, by `i % 10`:
/// 1 主项 (2 and 3 its 子项), 4 amended (holder changes), 5 concentrated,
/// 9 cancelled, 6/7/8/0 delegated.
fn role(i: u32) -> u32 {
    i % 10
}

impl Synthetic {
    /// Builds the district through the same checked code paths as real data.
    pub fn build(params: Params) -> Synthetic {
        let mut rng = Rng::new(params.seed);
        // Territory.
        let mut territory = Territory::new();
        let mut next_place = 0u32;
        let mut add = |t: &mut Territory, name: String, kind, parent, governing| {
            let id = PlaceId(next_place);
            next_place += 1;
            t.add(Place {
                id,
                code: format!("320903{:06}", id.0),
                name,
                kind,
                parent,
                governing,
            })
            .expect("synthetic places are well formed");
            id
        };
        let district = add(
            &mut territory,
            "盐都区".to_owned(),
            PlaceKind::District,
            None,
            Some(DISTRICT_GOV),
        );
        let mut towns = Vec::new();
        let mut parks = Vec::new();
        for t in 0..params.towns + params.parks {
            let park = t >= params.towns;
            let kind = if park {
                PlaceKind::Park
            } else if t % 6 == 5 {
                PlaceKind::Street
            } else {
                PlaceKind::Town
            };
            let id = add(
                &mut territory,
                format!("{}{}", kind.label(), t),
                kind,
                Some(district),
                Some(UnitId(1000 + t)),
            );
            if park {
                parks.push(id);
            } else {
                towns.push(id);
            }
            for v in 0..params.villages_per_town {
                let vk = if kind == PlaceKind::Street {
                    PlaceKind::Community
                } else {
                    PlaceKind::Village
                };
                add(&mut territory, format!("村{t}-{v}"), vk, Some(id), None);
            }
        }

        // Catalogue: every item added at the start, then amendments and
        // cancellations in date order.
        let mut catalogue = Catalogue::new();
        let list_doc = "盐都编〔2020〕1号";
        for i in 1..=params.items {
            let parent = match role(i) {
                2 | 3 => Some(ItemId(i - role(i) + 1)),
                _ => None,
            };
            let power_type = match role(i) {
                1..=3 => PowerType::Licensing,
                5..=7 => PowerType::Penalty,
                8 => PowerType::PublicService,
                _ => PowerType::ALL[(i as usize / 10) % PowerType::ALL.len()],
            };
            let holder = department(&params, parent.map_or(i, |p| p.0));
            let item = Item {
                id: ItemId(i),
                code: format!("320903-{i:06}"),
                parent: parent.filter(|p| p.0 <= params.items),
                name: format!("事项{i}"),
                power_type,
                basis: "《中华人民共和国行政处罚法》".to_owned(),
                holder,
                duties: vec![Duty {
                    stage: "立案".to_owned(),
                    text: "10个工作日内立案".to_owned(),
                    time_limit: Some(TimeLimit::working_days(10)),
                }],
                accountability: Vec::new(),
                time_limit: Some(TimeLimit::working_days(20)),
                level: Level::County,
                supersedes: Vec::new(),
            };
            catalogue
                .record(list_doc, start(), Change::Add { item })
                .expect("synthetic items are well formed");
        }
        let mut later: Vec<(u64, u32, bool)> = (1..=params.items)
            .filter(|&i| matches!(role(i), 4 | 9))
            .map(|i| (1 + rng.below(5 * 365), i, role(i) == 9))
            .collect();
        later.sort();
        for (n, i, cancel) in later {
            let date = day(n);
            let change = if cancel {
                Change::Cancel {
                    item: ItemId(i),
                    reason: "法律修改".to_owned(),
                }
            } else {
                let mut item = catalogue
                    .item_at(ItemId(i), date)
                    .expect("in force")
                    .clone();
                item.holder = department(&params, i + 1 + rng.below(5) as u32);
                item.code = format!("{}-V2", item.code);
                Change::Amend { item }
            };
            catalogue
                .record("盐都编〔2021〕9号", date, change)
                .expect("synthetic changes are valid");
        }

        // Enforcement: role-5 items catalogued; two concentrations, the
        // first ended.
        let mut enforcement = Enforcement::new();
        let conc: Vec<ItemId> = (1..=params.items)
            .filter(|&i| role(i) == 5)
            .map(ItemId)
            .collect();
        for &item in &conc {
            let original = catalogue.item_at(item, start()).expect("in force").holder;
            enforcement
                .catalogue_item(
                    &catalogue,
                    EnforcementItem {
                        item,
                        original,
                        basis: "《城市管理执法办法》".to_owned(),
                        domain: Domain::UrbanManagement,
                        includes_coercion: item.0 % 3 == 0,
                    },
                )
                .expect("penalty items");
        }
        let (first, second) = conc.split_at(conc.len() / 5);
        if !first.is_empty() {
            let c = enforcement
                .concentrate(
                    &catalogue,
                    "盐都政发〔2021〕12号",
                    day(500),
                    ENFORCEMENT_BODY,
                    first.to_vec(),
                )
                .expect("catalogued");
            enforcement
                .end_concentration(c, "盐都政发〔2023〕3号", day(1100), "机构改革")
                .expect("after start");
        }
        if !second.is_empty() {
            enforcement
                .concentrate(
                    &catalogue,
                    "盐都政发〔2022〕30号",
                    day(800),
                    ENFORCEMENT_BODY,
                    second.to_vec(),
                )
                .expect("catalogued");
        }

        // Delegations: two batches to towns (role 6/7/8/0 items, a random
        // 1–5 towns each), second hops to parks, then 收回 of a tenth.
        let mut delegations = Delegations::new();
        let delegable: Vec<u32> = (1..=params.items)
            .filter(|&i| matches!(role(i), 6 | 7 | 8 | 0))
            .collect();
        let modes = [Mode::Empower, Mode::Entrust, Mode::Devolve];
        let mut batch_entries = [Vec::new(), Vec::new()];
        for (k, &i) in delegable.iter().enumerate() {
            if k % 3 == 2 || towns.is_empty() {
                continue; // a third is never delegated
            }
            let b = k % 3;
            let n = 1 + rng.below(5.min(towns.len() as u64)) as usize;
            let mut to: Vec<PlaceId> = Vec::new();
            while to.len() < n {
                let t = towns[rng.below(towns.len() as u64) as usize];
                if !to.contains(&t) {
                    to.push(t);
                }
            }
            let item = ItemId(i);
            batch_entries[b].push(DelegationEntry {
                item,
                from: catalogue.item_at(item, start()).expect("in force").holder,
                to,
                mode: modes[rng.below(3) as usize],
                conditions: "配备持证执法人员".to_owned(),
                effective: day(366 + 365 * b as u64),
                chain_parent: None,
                until: None,
            });
        }
        for (b, entries) in batch_entries.into_iter().enumerate() {
            if entries.is_empty() {
                continue;
            }
            delegations
                .decide(
                    &catalogue,
                    &territory,
                    &enforcement,
                    BatchDecision {
                        doc: format!("盐都政发〔{}〕{}号", 2021 + b, 50 + b),
                        decided: day(366 + 365 * b as u64),
                        label: ["首批", "第二批"][b].to_owned(),
                        entries,
                    },
                )
                .expect("synthetic delegations are valid");
        }
        // Second hops: a fifth of the first batch goes on to a park.
        let mut hops = Vec::new();
        if !parks.is_empty() {
            for d in delegations
                .all()
                .iter()
                .filter(|d| d.batch.0 == 0)
                .step_by(5)
            {
                let town = d.entry.to[0];
                hops.push(DelegationEntry {
                    item: d.entry.item,
                    from: territory
                        .get(town)
                        .and_then(|p| p.governing)
                        .expect("governed"),
                    to: vec![parks[rng.below(parks.len() as u64) as usize]],
                    mode: Mode::Entrust,
                    conditions: "镇级委托、专用公章、服务阵地".to_owned(),
                    effective: day(366 + 200),
                    chain_parent: Some(d.id),
                    until: None,
                });
            }
        }
        if !hops.is_empty() {
            delegations
                .decide(
                    &catalogue,
                    &territory,
                    &enforcement,
                    BatchDecision {
                        doc: "盐都政发〔2021〕80号".to_owned(),
                        decided: day(366 + 190),
                        label: "园区委托".to_owned(),
                        entries: hops,
                    },
                )
                .expect("second hops continue town delegations");
        }
        let ids: Vec<DelegationId> = delegations
            .all()
            .iter()
            .filter(|d| d.entry.chain_parent.is_none())
            .map(|d| d.id)
            .collect();
        for id in ids.into_iter().step_by(10) {
            let from = delegations.get(id).expect("exists").entry.effective;
            // After the park hops began (day 566).
            let date = from + Days::new(250 + rng.below(700));
            delegations
                .withdraw(id, "盐都政发〔2023〕20号", date, "行权频率低")
                .expect("after its start");
        }

        Synthetic {
            params,
            catalogue,
            territory,
            delegations,
            enforcement,
            towns,
            parks,
        }
    }

    /// `n` random (item, place, date) queries over the district's whole
    /// history, half of them on delegated items.
    pub fn queries(&self, seed: u64, n: usize) -> Vec<(ItemId, PlaceId, NaiveDate)> {
        let mut rng = Rng::new(seed);
        let places: Vec<PlaceId> = self.territory.places().map(|p| p.id).collect();
        let dels = self.delegations.all();
        (0..n)
            .map(|k| {
                let item = if k % 2 == 0 && !dels.is_empty() {
                    dels[rng.below(dels.len() as u64) as usize].entry.item
                } else {
                    ItemId(1 + rng.below(u64::from(self.params.items.max(1))) as u32)
                };
                let place = places[rng.below(places.len() as u64) as usize];
                (item, place, day(rng.below(6 * 365)))
            })
            .collect()
    }
}

/// The figures of one benchmark run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub items: u32,
    pub places: usize,
    pub catalogue_entries: usize,
    pub delegations: usize,
    pub concentrations: usize,
    /// Building the synthetic district (checked code paths).
    pub build_district_ms: f64,
    pub build_index_ms: f64,
    pub indexed_queries: usize,
    pub indexed_ns_per_query: f64,
    pub naive_queries: usize,
    pub naive_ns_per_query: f64,
    /// naive / indexed.
    pub ratio: f64,
    /// Queries of the naive sample where the two answers differ (must be 0).
    pub mismatches: usize,
}

/// Builds a district of `params` and times `indexed` indexed queries and
/// `naive` naive ones (the naive sample is also answered by the index and
/// compared).
pub fn run(params: Params, indexed: usize, naive: usize) -> Report {
    let t = Instant::now();
    let s = Synthetic::build(params);
    let build_district_ms = t.elapsed().as_secs_f64() * 1e3;
    let t = Instant::now();
    let idx = Index::build(&s.catalogue, &s.territory, &s.delegations, &s.enforcement);
    let build_index_ms = t.elapsed().as_secs_f64() * 1e3;

    let qs = s.queries(params.seed ^ 0xBEEF, indexed.max(naive));
    let t = Instant::now();
    for &(i, p, d) in &qs[..indexed] {
        black_box(idx.responsible(black_box(i), p, d).ok());
    }
    let indexed_ns = t.elapsed().as_nanos() as f64 / indexed.max(1) as f64;

    let t = Instant::now();
    let mut naive_answers = Vec::with_capacity(naive);
    for &(i, p, d) in &qs[..naive] {
        naive_answers.push(black_box(idx.responsible_naive(black_box(i), p, d)));
    }
    let naive_ns = t.elapsed().as_nanos() as f64 / naive.max(1) as f64;
    let mismatches = qs[..naive]
        .iter()
        .zip(&naive_answers)
        .filter(|((i, p, d), a)| idx.responsible(*i, *p, *d) != **a)
        .count();

    Report {
        items: params.items,
        places: s.territory.places().count(),
        catalogue_entries: s.catalogue.entries().len(),
        delegations: s.delegations.all().len(),
        concentrations: s.enforcement.concentrations().len(),
        build_district_ms,
        build_index_ms,
        indexed_queries: indexed,
        indexed_ns_per_query: indexed_ns,
        naive_queries: naive,
        naive_ns_per_query: naive_ns,
        ratio: if indexed_ns > 0.0 {
            naive_ns / indexed_ns
        } else {
            f64::INFINITY
        },
        mismatches,
    }
}
