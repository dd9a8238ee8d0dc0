//! The register (事业单位法人登记簿) as a journal: every 登记 act is an entry
//! with its document (文号 or 登记 decision number) and effective date,
//! hash-chained (SM3 over the previous hash and the entry), never edited. A
//! wrong entry is voided by a later `Void` entry (更正); the register as of any
//! date is the replay, in effective-date order, of the entries not voided.
//! An entry that would break the register (now or for any later entry) is
//! refused and changes nothing.

use std::collections::{BTreeMap, BTreeSet};

use bianzhi_core::ident::parse_credit_code;
use bianzhi_core::UnitId;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sm3::{Digest, Sm3};
use thiserror::Error;

use crate::particulars::{Change, Particulars, RegMode};
use crate::sanction::SanctionStep;

/// A legal person's number in this register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct RegId(pub u32);

/// Why a certificate was issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CertReason {
    /// 设立发证.
    Establish,
    /// 变更换证.
    Change,
    /// 证书补领.
    Replace,
    /// 证书换领 (validity ran out).
    Renew,
}

impl CertReason {
    pub fn label(self) -> &'static str {
        match self {
            CertReason::Establish => "设立发证",
            CertReason::Change => "变更换证",
            CertReason::Replace => "补领",
            CertReason::Renew => "换领",
        }
    }
}

/// Kind of seal (印章).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SealKind {
    /// 公章.
    Official,
    /// 财务专用章.
    Finance,
    /// 合同专用章.
    Contract,
    /// 其他专用章.
    Other,
}

impl SealKind {
    pub const ALL: [SealKind; 4] = [
        SealKind::Official,
        SealKind::Finance,
        SealKind::Contract,
        SealKind::Other,
    ];
    pub fn label(self) -> &'static str {
        match self {
            SealKind::Official => "公章",
            SealKind::Finance => "财务专用章",
            SealKind::Contract => "合同专用章",
            SealKind::Other => "其他专用章",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.label() == s.trim())
    }
}

/// What is done with a seal that must come back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SealAction {
    /// 收回 (收缴凭证 issued).
    Collect,
    /// 封存.
    SealUp,
    /// 销毁 (handed to 公安).
    Destroy,
}

impl SealAction {
    pub fn label(self) -> &'static str {
        match self {
            SealAction::Collect => "收回",
            SealAction::SealUp => "封存",
            SealAction::Destroy => "销毁",
        }
    }
}

/// Where a seal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SealStatus {
    /// 在用.
    InUse,
    /// 待收缴 (after a 更名, 注销 or 撤销登记).
    ToCollect,
    /// 已收回.
    Collected,
    /// 已封存.
    SealedUp,
    /// 已销毁.
    Destroyed,
}

impl SealStatus {
    pub fn label(self) -> &'static str {
        match self {
            SealStatus::InUse => "在用",
            SealStatus::ToCollect => "待收缴",
            SealStatus::Collected => "已收回",
            SealStatus::SealedUp => "已封存",
            SealStatus::Destroyed => "已销毁",
        }
    }
    /// Still outside the bureau's hands although it must come back.
    pub fn outstanding(self) -> bool {
        self == SealStatus::ToCollect
    }
}

/// One 登记 act.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum RegisterEvent {
    /// 设立登记 / 设立备案, citing the approval (for a unit in the 机构编制
    /// ledger: its 设立 matter's 文号).
    Establish {
        reg: RegId,
        code: String,
        mode: RegMode,
        particulars: Particulars,
        approval_doc: String,
        /// The ledger's unit, when it has one (a unit outside 编制 has none).
        unit: Option<UnitId>,
    },
    /// 变更登记.
    Change { reg: RegId, changes: Vec<Change> },
    /// A certificate (正本 and 副本) issued; the previous one is void.
    Certificate {
        reg: RegId,
        number: String,
        valid_from: NaiveDate,
        valid_to: NaiveDate,
        reason: CertReason,
    },
    /// 注销登记.
    Deregister { reg: RegId, reason: String },
    /// 印章刻制备案 (after the certificate).
    FileSeal {
        reg: RegId,
        seal: u32,
        kind: SealKind,
        maker: String,
    },
    /// 收回 / 封存 / 销毁 of a seal.
    DisposeSeal {
        reg: RegId,
        seal: u32,
        action: SealAction,
        receiver: String,
    },
    /// A sanction decided (书面警告, 暂扣证章, 撤销登记).
    Sanction {
        reg: RegId,
        step: SanctionStep,
        reason: String,
    },
    /// 暂扣证章 lifted after 改正.
    Restore { reg: RegId },
    /// The dated relation to the ledger's unit (`None` ends it).
    Link { reg: RegId, unit: Option<UnitId> },
    /// 更正: an earlier entry is void from the start.
    Void { of: u64, reason: String },
}

impl RegisterEvent {
    /// The legal person it is about (`None` for a `Void`).
    pub fn reg(&self) -> Option<RegId> {
        match self {
            RegisterEvent::Establish { reg, .. }
            | RegisterEvent::Change { reg, .. }
            | RegisterEvent::Certificate { reg, .. }
            | RegisterEvent::Deregister { reg, .. }
            | RegisterEvent::FileSeal { reg, .. }
            | RegisterEvent::DisposeSeal { reg, .. }
            | RegisterEvent::Sanction { reg, .. }
            | RegisterEvent::Restore { reg }
            | RegisterEvent::Link { reg, .. } => Some(*reg),
            RegisterEvent::Void { .. } => None,
        }
    }

    /// What the act is called on the register's pages.
    pub fn label(&self) -> String {
        match self {
            RegisterEvent::Establish { mode, .. } => format!("设立{}", mode.label()),
            RegisterEvent::Change { changes, .. } => format!(
                "变更登记（{}）",
                changes
                    .iter()
                    .map(Change::label)
                    .collect::<Vec<_>>()
                    .join("、")
            ),
            RegisterEvent::Certificate { reason, .. } => format!("发证（{}）", reason.label()),
            RegisterEvent::Deregister { .. } => "注销登记".into(),
            RegisterEvent::FileSeal { kind, .. } => format!("印章刻制备案（{}）", kind.label()),
            RegisterEvent::DisposeSeal { action, .. } => format!("印章{}", action.label()),
            RegisterEvent::Sanction { step, .. } => step.label().to_string(),
            RegisterEvent::Restore { .. } => "恢复（发还证章）".into(),
            RegisterEvent::Link { unit: Some(_), .. } => "关联机构编制台账".into(),
            RegisterEvent::Link { unit: None, .. } => "解除与机构编制台账的关联".into(),
            RegisterEvent::Void { of, .. } => format!("更正（作废第 {of} 条）"),
        }
    }
}

/// An entry as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterEntry {
    /// 序号, from 1.
    pub seq: u64,
    /// The document it rests on (文号 or 登记 decision number).
    pub doc: String,
    /// 生效日期.
    pub effective: NaiveDate,
    /// 登记时间 (given by the caller).
    pub recorded_at: DateTime<Utc>,
    /// 经办人.
    pub actor: String,
    pub event: RegisterEvent,
    /// Hash of the previous entry ("" for the first).
    pub prev: String,
    /// SM3 of `prev ‖ seq ‖ the entry's JSON`, hex.
    pub hash: String,
}

/// An entry not yet recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    pub doc: String,
    pub effective: NaiveDate,
    pub recorded_at: DateTime<Utc>,
    pub actor: String,
    pub event: RegisterEvent,
}

fn entry_hash(prev: &str, seq: u64, d: &Draft) -> String {
    let body = serde_json::to_vec(d).expect("a draft always serialises");
    let mut h = Sm3::new();
    h.update(b"bianzhi-register\0");
    h.update(prev.as_bytes());
    h.update(seq.to_be_bytes());
    h.update(&body);
    hex::encode(h.finalize())
}

/// The certificate currently in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertRecord {
    pub number: String,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    pub reason: CertReason,
    /// The entry that issued it (its hash gives the verification code).
    pub entry: u64,
}

/// A filed seal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seal {
    pub id: u32,
    pub kind: SealKind,
    pub maker: String,
    pub filed_on: NaiveDate,
    pub status: SealStatus,
    /// Date of the last 收回 / 封存 / 销毁, and who received it.
    pub disposed_on: Option<NaiveDate>,
    pub receiver: Option<String>,
    /// Since when it must come back.
    pub to_collect_since: Option<NaiveDate>,
}

/// A sanction as decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SanctionRecord {
    pub step: SanctionStep,
    pub on: NaiveDate,
    pub doc: String,
    pub reason: String,
}

/// Where a legal person stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LegalStatus {
    /// 存续.
    Active,
    /// 暂扣证章 (限期改正).
    Suspended,
    /// 已注销.
    Deregistered,
    /// 已撤销登记.
    Revoked,
}

impl LegalStatus {
    pub fn label(self) -> &'static str {
        match self {
            LegalStatus::Active => "存续",
            LegalStatus::Suspended => "暂扣证章",
            LegalStatus::Deregistered => "已注销",
            LegalStatus::Revoked => "已撤销登记",
        }
    }
    pub fn ended(self) -> bool {
        matches!(self, LegalStatus::Deregistered | LegalStatus::Revoked)
    }
}

/// A legal person as of a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegalPerson {
    pub reg: RegId,
    /// 统一社会信用代码.
    pub code: String,
    pub mode: RegMode,
    pub particulars: Particulars,
    /// The approval it was set up on.
    pub approval_doc: String,
    /// The ledger's unit (the dated relation as of the date).
    pub unit: Option<UnitId>,
    pub status: LegalStatus,
    pub established_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    pub certificate: Option<CertRecord>,
    pub seals: Vec<Seal>,
    pub sanctions: Vec<SanctionRecord>,
    /// The entries that made it what it is, in the order applied.
    pub entries: Vec<u64>,
}

impl LegalPerson {
    /// Seals still to be collected.
    pub fn outstanding_seals(&self) -> impl Iterator<Item = &Seal> {
        self.seals.iter().filter(|s| s.status.outstanding())
    }
}

/// Why an entry was refused, in Chinese, each naming the rule.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RegisterError {
    #[error("第 {0} 号法人不在登记簿中")]
    UnknownPerson(u32),
    #[error("第 {0} 号法人已登记，不能重复设立登记")]
    AlreadyRegistered(u32),
    #[error("统一社会信用代码有误：{0}")]
    BadCode(String),
    #[error("事业单位的统一社会信用代码应以“12”开头（第1位 1＝机构编制部门登记，第2位 2＝事业单位），实际为“{0}”")]
    WrongPrefix(String),
    #[error("统一社会信用代码第3—8位应为本登记管理机关的行政区划代码 {expected}，实际为 {found}")]
    WrongRegion { expected: String, found: String },
    #[error("统一社会信用代码 {0} 已由另一法人使用")]
    DuplicateCode(String),
    #[error("名称“{0}”已由另一存续的法人使用")]
    DuplicateName(String),
    #[error("登记事项不完整：{0}")]
    Incomplete(String),
    #[error("{name}已于 {on} {status}，不能再办理此项登记")]
    Ended {
        name: String,
        on: NaiveDate,
        status: &'static str,
    },
    #[error("变更登记未列出任何变更事项")]
    NoChange,
    #[error("证书有效期的截止日 {to} 早于起始日 {from}")]
    BadValidity { from: NaiveDate, to: NaiveDate },
    #[error("{0}尚未领取法人证书：印章须在发证之后刻制备案")]
    SealBeforeCertificate(String),
    #[error("印章编号 {0} 已备案")]
    DuplicateSeal(u32),
    #[error("印章编号 {0} 不在{1}的备案中")]
    UnknownSeal(u32, String),
    #[error("印章“{kind}”当前为“{status}”，不能{action}")]
    SealState {
        kind: &'static str,
        status: &'static str,
        action: &'static str,
    },
    #[error("{0}未被暂扣证章，无需恢复")]
    NotSuspended(String),
    #[error("第 {0} 条登记记录不存在")]
    UnknownEntry(u64),
    #[error("第 {0} 条登记记录已作废")]
    AlreadyVoid(u64),
    #[error("更正记录不能再被作废")]
    VoidOfVoid,
    #[error("文号或登记决定书编号未填写")]
    NoDoc,
    #[error("生效日期 {effective} 之前{name}尚未设立登记")]
    BeforeEstablishment { name: String, effective: NaiveDate },
    #[error("此项登记会使后面的第 {seq} 条登记记录不再成立：{reason}")]
    BreaksLater { seq: u64, reason: String },
}

impl RegisterError {
    /// A stable code for the API.
    pub fn code(&self) -> &'static str {
        match self {
            RegisterError::UnknownPerson(_) => "unknown_legal_person",
            RegisterError::AlreadyRegistered(_) => "already_registered",
            RegisterError::BadCode(_) => "bad_credit_code",
            RegisterError::WrongPrefix(_) => "credit_code_prefix",
            RegisterError::WrongRegion { .. } => "credit_code_region",
            RegisterError::DuplicateCode(_) => "duplicate_credit_code",
            RegisterError::DuplicateName(_) => "duplicate_name",
            RegisterError::Incomplete(_) => "incomplete_particulars",
            RegisterError::Ended { .. } => "legal_person_ended",
            RegisterError::NoChange => "no_change",
            RegisterError::BadValidity { .. } => "bad_validity",
            RegisterError::SealBeforeCertificate(_) => "seal_before_certificate",
            RegisterError::DuplicateSeal(_) => "duplicate_seal",
            RegisterError::UnknownSeal(..) => "unknown_seal",
            RegisterError::SealState { .. } => "seal_state",
            RegisterError::NotSuspended(_) => "not_suspended",
            RegisterError::UnknownEntry(_) => "unknown_entry",
            RegisterError::AlreadyVoid(_) => "already_void",
            RegisterError::VoidOfVoid => "void_of_void",
            RegisterError::NoDoc => "no_doc",
            RegisterError::BeforeEstablishment { .. } => "before_establishment",
            RegisterError::BreaksLater { .. } => "breaks_later",
        }
    }
}

/// Checks a 事业单位's code against the registrar: format, prefix 12, region.
pub fn check_code(code: &str, registrar: &str) -> Result<String, RegisterError> {
    let parsed = parse_credit_code(code).map_err(|e| RegisterError::BadCode(e.to_string()))?;
    if let Some(w) = parsed.warning {
        return Err(RegisterError::BadCode(w));
    }
    let c = parsed.code;
    if c.registration_authority() != '1' || c.kind_code() != '2' {
        return Err(RegisterError::WrongPrefix(c.as_str()[..2].to_string()));
    }
    if c.region_code() != registrar {
        return Err(RegisterError::WrongRegion {
            expected: registrar.to_string(),
            found: c.region_code().to_string(),
        });
    }
    Ok(c.as_str().to_string())
}

/// The register of one 登记管理机关.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Register {
    /// The registrar's 行政区划代码 (positions 3–8 of every code it issues).
    pub registrar: String,
    entries: Vec<RegisterEntry>,
    /// The replay of every entry (kept so that an entry dated on or after
    /// all others is checked by applying it alone).
    #[serde(skip)]
    latest: Option<(NaiveDate, Persons)>,
}

impl PartialEq for Register {
    fn eq(&self, other: &Self) -> bool {
        self.registrar == other.registrar && self.entries == other.entries
    }
}

impl Eq for Register {}

/// The register's legal persons as of a date.
pub type Persons = BTreeMap<RegId, LegalPerson>;

impl Register {
    pub fn new(registrar: &str) -> Register {
        Register {
            registrar: registrar.to_string(),
            entries: Vec::new(),
            latest: None,
        }
    }

    /// Rebuilds a register from stored entries, checking the chain.
    pub fn from_entries(registrar: &str, entries: Vec<RegisterEntry>) -> Result<Register, u64> {
        let r = Register {
            registrar: registrar.to_string(),
            entries,
            latest: None,
        };
        r.verify()?;
        Ok(r)
    }

    pub fn entries(&self) -> &[RegisterEntry] {
        &self.entries
    }

    pub fn entry(&self, seq: u64) -> Option<&RegisterEntry> {
        self.entries.get(seq.checked_sub(1)? as usize)
    }

    /// The hash of the last entry ("" when empty).
    pub fn head(&self) -> &str {
        self.entries.last().map(|e| e.hash.as_str()).unwrap_or("")
    }

    /// Recomputes the chain; `Err(seq)` names the first entry that does not hold.
    pub fn verify(&self) -> Result<(), u64> {
        let mut prev = String::new();
        for (i, e) in self.entries.iter().enumerate() {
            let seq = i as u64 + 1;
            let d = Draft {
                doc: e.doc.clone(),
                effective: e.effective,
                recorded_at: e.recorded_at,
                actor: e.actor.clone(),
                event: e.event.clone(),
            };
            if e.seq != seq || e.prev != prev || entry_hash(&prev, seq, &d) != e.hash {
                return Err(seq);
            }
            prev = e.hash.clone();
        }
        Ok(())
    }

    /// The next free 法人 number.
    pub fn next_reg(&self) -> RegId {
        let max = self
            .entries
            .iter()
            .filter_map(|e| match &e.event {
                RegisterEvent::Establish { reg, .. } => Some(reg.0),
                _ => None,
            })
            .max()
            .unwrap_or(0);
        RegId(max + 1)
    }

    /// The next free seal number of a legal person.
    pub fn next_seal(&self, reg: RegId) -> u32 {
        self.entries
            .iter()
            .filter_map(|e| match &e.event {
                RegisterEvent::FileSeal { reg: r, seal, .. } if *r == reg => Some(*seal),
                _ => None,
            })
            .max()
            .unwrap_or(0)
            + 1
    }

    /// The entries voided by a later 更正.
    pub fn voided(&self) -> BTreeSet<u64> {
        self.entries
            .iter()
            .filter_map(|e| match e.event {
                RegisterEvent::Void { of, .. } => Some(of),
                _ => None,
            })
            .collect()
    }

    /// Records an entry if the register (as of every date) still holds with
    /// it; otherwise refuses it and changes nothing.
    pub fn append(&mut self, d: Draft) -> Result<u64, RegisterError> {
        if d.doc.trim().is_empty() {
            return Err(RegisterError::NoDoc);
        }
        let seq = self.entries.len() as u64 + 1;
        if let RegisterEvent::Void { of, .. } = &d.event {
            let target = self.entry(*of).ok_or(RegisterError::UnknownEntry(*of))?;
            if matches!(target.event, RegisterEvent::Void { .. }) {
                return Err(RegisterError::VoidOfVoid);
            }
            if self.voided().contains(of) {
                return Err(RegisterError::AlreadyVoid(*of));
            }
        }
        let prev = self.head().to_string();
        let hash = entry_hash(&prev, seq, &d);
        let entry = RegisterEntry {
            seq,
            doc: d.doc,
            effective: d.effective,
            recorded_at: d.recorded_at,
            actor: d.actor,
            event: d.event,
            prev,
            hash,
        };
        // Dated on or after every entry (and not a 更正): applying it to the
        // replay of the others is the same as replaying them all with it.
        let last = self.entries.iter().map(|e| e.effective).max();
        let in_order = !matches!(entry.event, RegisterEvent::Void { .. })
            && last.is_none_or(|l| entry.effective >= l);
        if in_order {
            let mut persons = match self.latest.take() {
                Some((_, p)) => p,
                None => replay(&self.registrar, &self.entries, None)
                    .expect("every recorded entry was checked against the whole register"),
            };
            let before = persons.clone();
            return match apply(&self.registrar, &mut persons, &entry) {
                Ok(()) => {
                    self.latest = Some((entry.effective, persons));
                    self.entries.push(entry);
                    Ok(seq)
                }
                Err(e) => {
                    self.latest = Some((last.unwrap_or(entry.effective), before));
                    Err(e)
                }
            };
        }
        self.latest = None;
        self.entries.push(entry);
        match replay(&self.registrar, &self.entries, None) {
            Ok(_) => Ok(seq),
            Err((bad, e)) => {
                self.entries.pop();
                if bad == seq {
                    Err(e)
                } else {
                    Err(RegisterError::BreaksLater {
                        seq: bad,
                        reason: e.to_string(),
                    })
                }
            }
        }
    }

    /// Tries an entry without recording it.
    pub fn check(&self, d: Draft) -> Result<(), RegisterError> {
        let mut copy = self.clone();
        copy.append(d).map(|_| ())
    }

    /// The legal persons as of `date` (entries effective on or before it).
    pub fn as_of(&self, date: NaiveDate) -> Persons {
        replay(&self.registrar, &self.entries, Some(date))
            .expect("every recorded entry was checked against the whole register")
    }

    /// One legal person as of `date`.
    pub fn person(&self, reg: RegId, date: NaiveDate) -> Option<LegalPerson> {
        self.as_of(date).remove(&reg)
    }

    /// The entries about one legal person, in effective order, with whether
    /// each is void.
    pub fn history(&self, reg: RegId) -> Vec<(&RegisterEntry, bool)> {
        let void = self.voided();
        let mut out: Vec<_> = self
            .entries
            .iter()
            .filter(|e| match &e.event {
                RegisterEvent::Void { of, .. } => self
                    .entry(*of)
                    .and_then(|t| t.event.reg())
                    .is_some_and(|r| r == reg),
                ev => ev.reg() == Some(reg),
            })
            .map(|e| (e, void.contains(&e.seq)))
            .collect();
        out.sort_by_key(|(e, _)| (e.effective, e.seq));
        out
    }
}

/// Replays the entries in effective order. `Err((seq, why))` names the first
/// entry that does not apply.
fn replay(
    registrar: &str,
    entries: &[RegisterEntry],
    until: Option<NaiveDate>,
) -> Result<Persons, (u64, RegisterError)> {
    let void: BTreeSet<u64> = entries
        .iter()
        .filter_map(|e| match e.event {
            RegisterEvent::Void { of, .. } => Some(of),
            _ => None,
        })
        .collect();
    let mut order: Vec<&RegisterEntry> = entries
        .iter()
        .filter(|e| !void.contains(&e.seq) && !matches!(e.event, RegisterEvent::Void { .. }))
        .filter(|e| until.is_none_or(|u| e.effective <= u))
        .collect();
    order.sort_by_key(|e| (e.effective, e.seq));
    let mut persons = Persons::new();
    for e in order {
        apply(registrar, &mut persons, e).map_err(|err| (e.seq, err))?;
    }
    Ok(persons)
}

fn ended(p: &LegalPerson) -> Result<(), RegisterError> {
    if p.status.ended() {
        return Err(RegisterError::Ended {
            name: p.particulars.name.clone(),
            on: p.ended_on.unwrap_or(p.established_on),
            status: p.status.label(),
        });
    }
    Ok(())
}

fn collect_all_seals(p: &mut LegalPerson, on: NaiveDate) {
    for s in &mut p.seals {
        if s.status == SealStatus::InUse {
            s.status = SealStatus::ToCollect;
            s.to_collect_since = Some(on);
        }
    }
}

fn name_taken(persons: &Persons, name: &str, except: Option<RegId>) -> bool {
    persons
        .values()
        .any(|p| Some(p.reg) != except && !p.status.ended() && p.particulars.name == name)
}

fn apply(registrar: &str, persons: &mut Persons, e: &RegisterEntry) -> Result<(), RegisterError> {
    let on = e.effective;
    let get = |persons: &mut Persons, reg: RegId| -> Result<(), RegisterError> {
        if persons.contains_key(&reg) {
            Ok(())
        } else {
            Err(RegisterError::UnknownPerson(reg.0))
        }
    };
    match &e.event {
        RegisterEvent::Establish {
            reg,
            code,
            mode,
            particulars,
            approval_doc,
            unit,
        } => {
            if persons.contains_key(reg) {
                return Err(RegisterError::AlreadyRegistered(reg.0));
            }
            let code = check_code(code, registrar)?;
            let gaps = particulars.gaps();
            if !gaps.is_empty() {
                return Err(RegisterError::Incomplete(gaps.join("；")));
            }
            if persons.values().any(|p| p.code == code) {
                return Err(RegisterError::DuplicateCode(code));
            }
            if name_taken(persons, &particulars.name, None) {
                return Err(RegisterError::DuplicateName(particulars.name.clone()));
            }
            persons.insert(
                *reg,
                LegalPerson {
                    reg: *reg,
                    code,
                    mode: *mode,
                    particulars: particulars.clone(),
                    approval_doc: approval_doc.clone(),
                    unit: *unit,
                    status: LegalStatus::Active,
                    established_on: on,
                    ended_on: None,
                    certificate: None,
                    seals: Vec::new(),
                    sanctions: Vec::new(),
                    entries: vec![e.seq],
                },
            );
            return Ok(());
        }
        RegisterEvent::Void { .. } => return Ok(()),
        ev => {
            let reg = ev.reg().expect("only Void has no legal person");
            get(persons, reg)?;
        }
    }
    let reg = e.event.reg().expect("checked above");
    // Name uniqueness needs the other persons: check before borrowing this one.
    if let RegisterEvent::Change { changes, .. } = &e.event {
        for c in changes {
            if let Change::Name { name } = c {
                if name_taken(persons, name, Some(reg)) {
                    return Err(RegisterError::DuplicateName(name.clone()));
                }
            }
        }
    }
    let p = persons.get_mut(&reg).expect("checked above");
    if on < p.established_on {
        return Err(RegisterError::BeforeEstablishment {
            name: p.particulars.name.clone(),
            effective: on,
        });
    }
    match &e.event {
        RegisterEvent::Establish { .. } | RegisterEvent::Void { .. } => unreachable!(),
        RegisterEvent::Change { changes, .. } => {
            ended(p)?;
            if changes.is_empty() {
                return Err(RegisterError::NoChange);
            }
            let mut next = p.particulars.clone();
            for c in changes {
                next.apply(c);
            }
            let gaps = next.gaps();
            if !gaps.is_empty() {
                return Err(RegisterError::Incomplete(gaps.join("；")));
            }
            if changes.iter().any(Change::collects_seals) {
                collect_all_seals(p, on);
            }
            p.particulars = next;
        }
        RegisterEvent::Certificate {
            number,
            valid_from,
            valid_to,
            reason,
            ..
        } => {
            ended(p)?;
            if valid_to < valid_from {
                return Err(RegisterError::BadValidity {
                    from: *valid_from,
                    to: *valid_to,
                });
            }
            p.certificate = Some(CertRecord {
                number: number.clone(),
                valid_from: *valid_from,
                valid_to: *valid_to,
                reason: *reason,
                entry: e.seq,
            });
        }
        RegisterEvent::Deregister { .. } => {
            ended(p)?;
            p.status = LegalStatus::Deregistered;
            p.ended_on = Some(on);
            collect_all_seals(p, on);
        }
        RegisterEvent::FileSeal {
            seal, kind, maker, ..
        } => {
            ended(p)?;
            if p.certificate.as_ref().is_none_or(|c| c.valid_from > on) {
                return Err(RegisterError::SealBeforeCertificate(
                    p.particulars.name.clone(),
                ));
            }
            if p.seals.iter().any(|s| s.id == *seal) {
                return Err(RegisterError::DuplicateSeal(*seal));
            }
            p.seals.push(Seal {
                id: *seal,
                kind: *kind,
                maker: maker.clone(),
                filed_on: on,
                status: SealStatus::InUse,
                disposed_on: None,
                receiver: None,
                to_collect_since: None,
            });
        }
        RegisterEvent::DisposeSeal {
            seal,
            action,
            receiver,
            ..
        } => {
            let name = p.particulars.name.clone();
            let s = p
                .seals
                .iter_mut()
                .find(|s| s.id == *seal)
                .ok_or(RegisterError::UnknownSeal(*seal, name))?;
            let allowed = match action {
                SealAction::Collect => {
                    matches!(s.status, SealStatus::ToCollect | SealStatus::InUse)
                }
                SealAction::SealUp => {
                    matches!(s.status, SealStatus::ToCollect | SealStatus::Collected)
                }
                SealAction::Destroy => matches!(
                    s.status,
                    SealStatus::ToCollect | SealStatus::Collected | SealStatus::SealedUp
                ),
            };
            if !allowed {
                return Err(RegisterError::SealState {
                    kind: s.kind.label(),
                    status: s.status.label(),
                    action: action.label(),
                });
            }
            s.status = match action {
                SealAction::Collect => SealStatus::Collected,
                SealAction::SealUp => SealStatus::SealedUp,
                SealAction::Destroy => SealStatus::Destroyed,
            };
            s.disposed_on = Some(on);
            s.receiver = Some(receiver.clone());
        }
        RegisterEvent::Sanction { step, reason, .. } => {
            ended(p)?;
            p.sanctions.push(SanctionRecord {
                step: *step,
                on,
                doc: e.doc.clone(),
                reason: reason.clone(),
            });
            match step {
                SanctionStep::Warning => {}
                SanctionStep::Suspend => p.status = LegalStatus::Suspended,
                SanctionStep::Revoke => {
                    p.status = LegalStatus::Revoked;
                    p.ended_on = Some(on);
                    collect_all_seals(p, on);
                }
            }
        }
        RegisterEvent::Restore { .. } => {
            if p.status != LegalStatus::Suspended {
                return Err(RegisterError::NotSuspended(p.particulars.name.clone()));
            }
            p.status = LegalStatus::Active;
        }
        RegisterEvent::Link { unit, .. } => {
            p.unit = *unit;
        }
    }
    p.entries.push(e.seq);
    Ok(())
}
