//! Turning a draft matter (units by name, people by 身份证号) into the stored,
//! id-based form, allocating the ids of new units, people, bodies and plan lines.
//! Ids are fixed here, at record time, so that replay never re-allocates them.

use rustc_hash::FxHashMap;

use compact_str::CompactString;

use crate::codes;
use crate::ident::parse_id_number;
use crate::ids::{BodyId, BridgeId, GrantId, LoanId, PersonId, PlanLineId, QuotaTypeId, UnitId};
use crate::matter::{AccountRef, CatRef, Matter, Op, PersonRef, UnitRef};
use crate::model::PersonDetails;
use crate::state::{resolve_funding, resolve_qtype, State};
use crate::violation::{InputError, MatterError, Violation};

struct Resolver<'a> {
    st: &'a State,
    next_unit: u32,
    next_person: u32,
    next_body: u32,
    next_plan: u32,
    next_loan: u32,
    next_grant: u32,
    next_bridge: u32,
    new_units: FxHashMap<String, UnitId>,
    new_people: FxHashMap<String, PersonId>,
    new_qtypes: Vec<(String, String)>,
}

impl Resolver<'_> {
    fn unit(&self, r: &mut UnitRef) -> Result<(), Violation> {
        if let UnitRef::Name(n) = r {
            let n = n.trim();
            let id = self
                .new_units
                .get(n)
                .or_else(|| self.st.unit_by_name.get(n))
                .copied()
                .ok_or_else(|| Violation::UnknownUnit(n.to_string()))?;
            *r = UnitRef::Id(id);
        }
        Ok(())
    }

    fn qtype(&self, r: &mut CatRef) -> Result<(), Violation> {
        if let CatRef::Name(n) = r {
            let n = n.trim();
            if let Some(i) = self
                .new_qtypes
                .iter()
                .position(|(c, name)| c == n || name == n)
            {
                *r = CatRef::Id((self.st.quota_types.len() + i) as u16);
                return Ok(());
            }
            let QuotaTypeId(id) = resolve_qtype(self.st, r)?;
            *r = CatRef::Id(id);
        }
        Ok(())
    }

    fn funding(&self, r: &mut CatRef) -> Result<(), Violation> {
        if let CatRef::Name(_) = r {
            let id = resolve_funding(self.st, r)?;
            *r = CatRef::Id(id.0 as u16);
        }
        Ok(())
    }

    fn account(&self, a: &mut AccountRef) -> Result<(), Violation> {
        self.unit(&mut a.unit)?;
        self.qtype(&mut a.qtype)?;
        self.funding(&mut a.funding)
    }

    fn person(&self, r: &mut PersonRef) -> Result<(), Violation> {
        if let PersonRef::IdNumber(s) = r {
            let idn = parse_id_number(s).map_err(crate::violation::InputError::from)?;
            let norm = idn.as_str().to_string();
            let id = self
                .new_people
                .get(&norm)
                .or_else(|| self.st.person_by_id_number.get(norm.as_str()))
                .copied()
                // The message names the person by the masked number only.
                .ok_or_else(|| Violation::UnknownPerson(format!("身份证号 {}", idn.mask())))?;
            *r = PersonRef::Id(id);
        }
        Ok(())
    }

    fn new_person(&mut self, slot: &mut Option<PersonId>, id_number: &str) {
        if slot.is_some() {
            return;
        }
        let id = self
            .new_people
            .get(id_number)
            .or_else(|| self.st.person_by_id_number.get(id_number))
            .copied()
            .unwrap_or_else(|| {
                let id = PersonId(self.next_person);
                self.next_person += 1;
                id
            });
        self.new_people.insert(id_number.to_string(), id);
        *slot = Some(id);
    }

    fn op(&mut self, op: &mut Op) -> Result<(), Violation> {
        match op {
            Op::DefineQuotaType { code, name, .. } => {
                self.new_qtypes.push((code.clone(), name.clone()));
            }
            Op::CreateUnit(nu) => {
                if let Some(p) = &mut nu.parent {
                    self.unit(p)?;
                }
                if let Some(f) = &mut nu.funding {
                    self.funding(f)?;
                }
                if let Some(sec) = &mut nu.sector {
                    sector_code(sec);
                }
                if nu.id.is_none() {
                    nu.id = Some(UnitId(self.next_unit));
                    self.next_unit += 1;
                }
                self.new_units
                    .insert(nu.name.trim().to_string(), nu.id.expect("set"));
            }
            Op::RenameUnit { unit, name, .. } => {
                self.unit(unit)?;
                if let UnitRef::Id(id) = unit {
                    self.new_units.insert(name.trim().to_string(), *id);
                }
            }
            Op::SetRank { unit, .. }
            | Op::AddSecondName { unit, .. }
            | Op::RemoveSecondName { unit, .. }
            | Op::RemoveBody { unit, .. }
            | Op::SetControlMode { unit, .. }
            | Op::SetPosts { unit, .. } => self.unit(unit)?,
            Op::UpdateUnit { unit, funding, .. } => {
                self.unit(unit)?;
                if let Some(f) = funding {
                    self.funding(f)?;
                }
            }
            Op::AddBody { unit, body, .. } => {
                self.unit(unit)?;
                if body.is_none() {
                    *body = Some(BodyId(self.next_body));
                    self.next_body += 1;
                }
            }
            Op::MoveUnit { unit, parent } => {
                self.unit(unit)?;
                if let Some(p) = parent {
                    self.unit(p)?;
                }
            }
            Op::MergeUnit { unit, into } => {
                self.unit(unit)?;
                self.unit(into)?;
            }
            Op::AbolishUnit { unit, remap } => {
                self.unit(unit)?;
                if let Some(r) = remap {
                    self.unit(&mut r.to)?;
                }
            }
            Op::SetQuota { account, .. }
            | Op::IncreaseQuota { account, .. }
            | Op::DecreaseQuota { account, .. }
            | Op::LockQuota { account, .. }
            | Op::UnlockQuota { account, .. } => self.account(account)?,
            Op::TransferQuota {
                from,
                to,
                qtype,
                funding,
                ..
            } => {
                self.unit(from)?;
                self.unit(to)?;
                self.qtype(qtype)?;
                self.funding(funding)?;
            }
            Op::ApprovePlanLine {
                line, unit, qtype, ..
            } => {
                self.unit(unit)?;
                self.qtype(qtype)?;
                if line.is_none() {
                    *line = Some(PlanLineId(self.next_plan));
                    self.next_plan += 1;
                }
            }
            Op::Hire {
                person,
                account,
                details,
                ..
            }
            | Op::RegisterExisting {
                person,
                account,
                details,
                ..
            } => {
                self.account(account)?;
                canonical_codes(details)?;
                let idn = details.id_number.as_str().to_string();
                self.new_person(person, &idn);
            }
            Op::Onboard { person }
            | Op::WithdrawHire { person }
            | Op::Leave { person, .. }
            | Op::Appoint { person, .. }
            | Op::Remove { person, .. }
            | Op::CorrectPerson { person, .. } => self.person(person)?,
            Op::Transfer { person, to, .. } => {
                self.person(person)?;
                self.account(to)?;
            }
            Op::FundPool { qtype, .. } => self.qtype(qtype)?,
            Op::Reclaim { account, .. } => self.account(account)?,
            Op::ReclaimUnitQuotas { unit } | Op::SetStaffCap { unit, .. } => self.unit(unit)?,
            Op::SetSector { unit, sector } => {
                self.unit(unit)?;
                sector_code(sector);
            }
            Op::SetSectorTotal { sector, qtype, .. } => {
                sector_code(sector);
                if let Some(q) = qtype {
                    self.qtype(q)?;
                }
            }
            Op::Lend { loan, account, .. } => {
                self.account(account)?;
                if loan.is_none() {
                    *loan = Some(LoanId(self.next_loan));
                    self.next_loan += 1;
                }
            }
            Op::ReturnLoan { .. } => {}
            Op::BridgeTransfer {
                bridge, person, to, ..
            } => {
                self.person(person)?;
                self.account(to)?;
                if bridge.is_none() {
                    *bridge = Some(BridgeId(self.next_bridge));
                    self.next_bridge += 1;
                }
            }
            Op::GrantPhased { grant, account, .. } | Op::GrantDynamic { grant, account, .. } => {
                self.account(account)?;
                if grant.is_none() {
                    *grant = Some(GrantId(self.next_grant));
                    self.next_grant += 1;
                }
            }
            Op::RegisterFiled {
                person,
                unit,
                details,
            } => {
                self.unit(unit)?;
                canonical_codes(details)?;
                let idn = details.id_number.as_str().to_string();
                self.new_person(person, &idn);
            }
            Op::DirectedEnrol {
                person, account, ..
            } => {
                self.person(person)?;
                self.account(account)?;
            }
        }
        Ok(())
    }
}

/// A person's 民族, 政治面貌 and 学历 as the canonical names of their code
/// tables ([`codes::ETHNICITY`], [`codes::POLITICAL`], [`codes::EDUCATION`]):
/// an alias (`汉`, `党员`, `本科`) or a code becomes the name, a value no
/// entry names is refused. A blank 民族 is 汉族 (as when it is left out); a
/// blank 政治面貌 or 学历 stays blank (not known yet). Done here, at record
/// time, so the journal keeps canonical names; replay takes what was recorded
/// as it is, so journals written before the tables still read.
fn canonical_codes(details: &mut PersonDetails) -> Result<(), InputError> {
    fn set(
        field: &mut CompactString,
        table: &codes::CodeTable,
        blank: &str,
    ) -> Result<(), InputError> {
        let name = if field.trim().is_empty() {
            blank
        } else {
            table.canonical(field)?
        };
        if field != name {
            *field = CompactString::from(name);
        }
        Ok(())
    }
    set(&mut details.ethnicity, &codes::ETHNICITY, "汉族")?;
    set(&mut details.political, &codes::POLITICAL, "")?;
    set(&mut details.education, &codes::EDUCATION, "")
}

impl State {
    /// Resolves names to ids and allocates the ids of new records, in place.
    pub fn resolve(&self, matter: &mut Matter) -> Result<(), MatterError> {
        let mut r = Resolver {
            st: self,
            next_unit: self.next_unit_id().0,
            next_person: self.next_person_id().0,
            next_body: self.next_body_id().0,
            next_plan: self.next_plan_line_id().0,
            next_loan: self.loans.len() as u32,
            next_grant: self.grants.len() as u32,
            next_bridge: self.bridges.len() as u32,
            new_units: FxHashMap::default(),
            new_people: FxHashMap::default(),
            new_qtypes: Vec::new(),
        };
        for (i, op) in matter.ops.iter_mut().enumerate() {
            r.op(op).map_err(|violation| MatterError::Op {
                op: i + 1,
                label: op.label(),
                violation,
            })?;
        }
        Ok(())
    }
}

/// A sector given by name becomes its code; an unknown one is left as given
/// for the rule to refuse.
fn sector_code(sector: &mut String) {
    if let Some(c) = crate::codes::SECTOR.lookup(sector) {
        *sector = c.code.to_string();
    }
}
