//! Finding what an operation names: units, accounts, people and catalogue
//! entries, by id or by name.

use super::{resolve_funding, resolve_qtype};
use crate::ident::parse_id_number;
use crate::ids::{BodyId, FundingId, PersonId, QuotaTypeId, UnitId};
use crate::matter::{AccountRef, CatRef, PersonRef, UnitRef};
use crate::model::AccountKey;
use crate::state::tx::{Tx, R};
use crate::violation::Violation;

impl Tx<'_> {
    pub(in crate::state) fn unit_id(&self, r: &UnitRef) -> R<UnitId> {
        match r {
            UnitRef::Id(id) => self
                .st
                .unit(*id)
                .map(|u| u.id)
                .ok_or_else(|| Violation::UnknownUnit(format!("#{id}"))),
            UnitRef::Name(n) => self
                .st
                .unit_by_name
                .get(n.trim())
                .copied()
                .ok_or_else(|| Violation::UnknownUnit(n.clone())),
        }
    }

    pub(in crate::state) fn active_unit(&self, r: &UnitRef) -> R<UnitId> {
        let id = self.unit_id(r)?;
        let u = self.st.unit(id).expect("resolved");
        if !u.is_active() {
            return Err(Violation::UnitAbolished {
                name: u.name.clone(),
                on: u.abolished_on.unwrap_or(self.effective),
            });
        }
        Ok(id)
    }

    pub(in crate::state) fn qtype(&self, r: &CatRef) -> R<QuotaTypeId> {
        resolve_qtype(self.st, r)
    }

    pub(in crate::state) fn funding(&self, r: &CatRef) -> R<FundingId> {
        resolve_funding(self.st, r)
    }

    pub(in crate::state) fn account_key(&self, a: &AccountRef) -> R<AccountKey> {
        Ok(AccountKey {
            unit: self.active_unit(&a.unit)?,
            qtype: self.qtype(&a.qtype)?,
            funding: self.funding(&a.funding)?,
        })
    }

    pub(in crate::state) fn person_id(&self, r: &PersonRef) -> R<PersonId> {
        match r {
            PersonRef::Id(id) => self
                .st
                .person(*id)
                .map(|p| p.id)
                .ok_or_else(|| Violation::UnknownPerson(format!("#{id}"))),
            PersonRef::IdNumber(s) => {
                let norm = parse_id_number(s)
                    .map(|i| i.as_str().to_string())
                    .unwrap_or_else(|_| s.trim().to_uppercase());
                self.st
                    .person_by_id_number
                    .get(norm.as_str())
                    .copied()
                    .ok_or_else(|| Violation::UnknownPerson(crate::ident::mask_id_value(&norm)))
            }
        }
    }

    pub(in crate::state) fn label(&self, key: &AccountKey) -> (String, String) {
        (self.st.unit_name(key.unit), self.st.account_label(key))
    }

    pub(in crate::state) fn check_body(&self, unit: UnitId, body: Option<BodyId>) -> R {
        if let Some(b) = body {
            let u = self.st.unit(unit).expect("resolved");
            if u.body(b).is_none_or(|b| b.abolished) {
                return Err(Violation::UnknownBody {
                    unit: u.name.clone(),
                    body: b.0,
                });
            }
        }
        Ok(())
    }

    pub(in crate::state) fn person_state_err(
        &self,
        id: PersonId,
        action: &'static str,
    ) -> Violation {
        let p = self.st.person(id).expect("resolved");
        Violation::PersonState {
            name: p.details.name.clone(),
            id: p.details.id_number.mask(),
            status: p.placement.status.label(),
            action,
        }
    }
}
