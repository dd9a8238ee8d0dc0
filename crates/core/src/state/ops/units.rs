//! Operations on units (机构): 设立、更名、挂牌、内设机构、划转、合并、撤销 and their settings.

use crate::catalog::{ControlMode, InstitutionCategory, Rank, UnitStatus};
use crate::ids::BodyId;
use crate::matter::{CatRef, NewUnit, Remap, UnitRef};
use crate::model::{InternalBody, Unit};
use crate::state::tx::{Tx, Undo, R};
use crate::violation::{InputError, Violation};

impl Tx<'_> {
    /// 核定人员控制总量.
    pub(in crate::state) fn set_staff_cap(&mut self, unit: &UnitRef, count: Option<i32>) -> R {
        let id = self.active_unit(unit)?;
        if let Some(c) = count.filter(|c| *c < 0) {
            return Err(InputError::NegativeStaffCap(c).into());
        }
        self.staffing_mut(id).cap = count;
        Ok(())
    }

    /// 更名.
    pub(in crate::state) fn rename_unit(
        &mut self,
        unit: &UnitRef,
        name: &str,
        short_name: Option<&str>,
    ) -> R {
        let id = self.active_unit(unit)?;
        let name = name.trim().to_string();
        if name.is_empty() {
            return Err(InputError::EmptyName {
                what: "机构名称"
            }
            .into());
        }
        if self.st.unit_by_name.get(&name).is_some_and(|o| *o != id) {
            return Err(Violation::DuplicateUnitName(name));
        }
        let old = self.st.unit(id).expect("resolved").name.clone();
        self.set_unit_name(&old, None);
        self.set_unit_name(&name, Some(id));
        let u = self.unit_mut(id)?;
        u.name = name;
        if let Some(s) = short_name {
            u.short_name = Some(s.to_string());
        }
        Ok(())
    }

    /// 调整规格.
    pub(in crate::state) fn set_rank(&mut self, unit: &UnitRef, rank: Rank) -> R {
        let id = self.active_unit(unit)?;
        self.unit_mut(id)?.rank = rank;
        Ok(())
    }

    /// 变更登记事项.
    pub(in crate::state) fn update_unit(
        &mut self,
        unit: &UnitRef,
        category: Option<InstitutionCategory>,
        funding: Option<&CatRef>,
        credit_code: Option<&str>,
        functions: Option<&str>,
    ) -> R {
        let id = self.active_unit(unit)?;
        let funding = funding.map(|f| self.funding(f)).transpose()?;
        let credit = credit_code
            .map(|c| self.check_credit_code(id, c))
            .transpose()?;
        let u = self.unit_mut(id)?;
        if category.is_some() {
            u.category = category;
        }
        if funding.is_some() {
            u.funding = funding;
        }
        if let Some((code, warning)) = credit {
            u.credit_code = Some(code);
            u.credit_code_warning = warning;
        }
        if let Some(f) = functions {
            u.functions = f.to_string();
        }
        Ok(())
    }

    /// 挂牌.
    pub(in crate::state) fn add_second_name(&mut self, unit: &UnitRef, name: &str) -> R {
        let id = self.active_unit(unit)?;
        let name = name.trim().to_string();
        if name.is_empty() {
            return Err(InputError::EmptyName {
                what: "牌子名称"
            }
            .into());
        }
        if self.st.unit_by_name.contains_key(&name) {
            return Err(Violation::DuplicateUnitName(name));
        }
        self.set_unit_name(&name, Some(id));
        self.unit_mut(id)?.second_names.push(name);
        Ok(())
    }

    /// 摘牌.
    pub(in crate::state) fn remove_second_name(&mut self, unit: &UnitRef, name: &str) -> R {
        let id = self.active_unit(unit)?;
        let u = self.st.unit(id).expect("resolved");
        if !u.second_names.iter().any(|n| n == name.trim()) {
            return Err(Violation::UnknownSecondName {
                unit: u.name.clone(),
                name: name.trim().to_string(),
            });
        }
        self.set_unit_name(name.trim(), None);
        self.unit_mut(id)?.second_names.retain(|n| n != name.trim());
        Ok(())
    }

    /// 设立内设机构.
    pub(in crate::state) fn add_body(
        &mut self,
        unit: &UnitRef,
        body: Option<BodyId>,
        name: &str,
    ) -> R {
        let id = self.active_unit(unit)?;
        let u = self.st.unit(id).expect("resolved");
        if u.bodies.iter().any(|b| !b.abolished && b.name == *name) {
            return Err(Violation::DuplicateBodyName {
                unit: u.name.clone(),
                name: name.to_string(),
            });
        }
        let bid = body.unwrap_or_else(|| self.st.next_body_id());
        if self
            .st
            .units
            .iter()
            .flatten()
            .any(|u| u.body(bid).is_some())
        {
            return Err(InputError::IdTaken {
                what: "内设机构",
                id: bid.0,
            }
            .into());
        }
        if bid.0 > self.st.max_body {
            self.log(Undo::MaxBody(self.st.max_body));
            self.st.max_body = bid.0;
        }
        self.unit_mut(id)?.bodies.push(InternalBody {
            id: bid,
            name: name.to_string(),
            abolished: false,
        });
        Ok(())
    }

    /// 撤销内设机构.
    pub(in crate::state) fn remove_body(&mut self, unit: &UnitRef, body: BodyId) -> R {
        let id = self.active_unit(unit)?;
        self.check_body(id, Some(body))?;
        let in_body = self
            .st
            .roster(id)
            .into_iter()
            .filter(|p| self.st.person(*p).unwrap().placement.body == Some(body))
            .count();
        let posts: i32 = self
            .st
            .unit_posts(id)
            .filter(|p| p.key.body == Some(body))
            .map(|p| p.approved.max(p.filled()))
            .sum();
        if in_body > 0 || posts > 0 {
            return Err(Violation::UnitNotEmpty {
                unit: self.st.unit_name(id),
                what: format!("内设机构人员 {in_body} 人、领导职数 {posts} 名"),
            });
        }
        let u = self.unit_mut(id)?;
        if let Some(b) = u.bodies.iter_mut().find(|b| b.id == body) {
            b.abolished = true;
        }
        Ok(())
    }

    /// 划转.
    pub(in crate::state) fn move_unit(&mut self, unit: &UnitRef, parent: Option<&UnitRef>) -> R {
        let id = self.active_unit(unit)?;
        let parent = parent.map(|p| self.active_unit(p)).transpose()?;
        // The new parent may not be the unit itself or below it.
        let mut cur = parent;
        while let Some(c) = cur {
            if c == id {
                return Err(Violation::CyclicParent {
                    unit: self.st.unit_name(id),
                });
            }
            cur = self.st.unit(c).and_then(|u| u.parent);
        }
        self.unit_mut(id)?.parent = parent;
        Ok(())
    }

    /// 合并.
    pub(in crate::state) fn merge_unit(&mut self, unit: &UnitRef, into: &UnitRef) -> R {
        let from = self.active_unit(unit)?;
        let to = self.active_unit(into)?;
        self.remap_unit(from, to)?;
        self.abolish(from, Some(to))
    }

    /// 撤销.
    pub(in crate::state) fn abolish_unit(&mut self, unit: &UnitRef, remap: Option<&Remap>) -> R {
        let id = self.active_unit(unit)?;
        if let Some(r) = remap {
            let to = self.active_unit(&r.to)?;
            self.remap_unit(id, to)?;
        }
        self.abolish(id, None)
    }

    /// 设置控编模式.
    pub(in crate::state) fn set_control_mode(&mut self, unit: &UnitRef, mode: ControlMode) -> R {
        let id = self.active_unit(unit)?;
        self.unit_mut(id)?.control = mode;
        Ok(())
    }

    pub(in crate::state) fn create_unit(&mut self, nu: &NewUnit) -> R {
        let name = nu.name.trim().to_string();
        if name.is_empty() {
            return Err(InputError::EmptyName {
                what: "机构名称"
            }
            .into());
        }
        if self.st.unit_by_name.contains_key(&name) {
            return Err(Violation::DuplicateUnitName(name));
        }
        let id = nu.id.unwrap_or_else(|| self.st.next_unit_id());
        if self.st.unit(id).is_some() {
            return Err(InputError::IdTaken {
                what: "机构",
                id: id.0,
            }
            .into());
        }
        let parent = nu
            .parent
            .as_ref()
            .map(|p| self.active_unit(p))
            .transpose()?;
        let funding = nu.funding.as_ref().map(|f| self.funding(f)).transpose()?;
        if nu.category.is_some() && nu.kind != crate::catalog::UnitKind::Institution {
            return Err(Violation::CategoryNotInstitution { unit: name });
        }
        let sector = nu
            .sector
            .as_deref()
            .map(crate::state::sectors::sector_code)
            .transpose()?;
        // Placeholder so that credit-code warnings can name the unit.
        let mut unit = Unit {
            id,
            name: name.to_string(),
            short_name: nu.short_name.clone(),
            second_names: Vec::new(),
            kind: nu.kind,
            rank: nu.rank,
            category: nu.category,
            funding,
            credit_code: None,
            credit_code_warning: None,
            parent,
            bodies: Vec::new(),
            functions: nu.functions.clone(),
            status: UnitStatus::Active,
            control: ControlMode::Hard,
            established: self.effective,
            abolished_on: None,
            merged_into: None,
            sector: sector.map(str::to_string),
        };
        self.put_unit(unit.clone());
        if let Some(code) = &nu.credit_code {
            let (c, w) = self.check_credit_code(id, code)?;
            unit.credit_code = Some(c);
            unit.credit_code_warning = w;
            *self.unit_mut(id)? = unit;
        }
        self.set_unit_name(&name, Some(id));
        Ok(())
    }
}
