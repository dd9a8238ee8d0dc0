use serde::Serialize;
use utoipa::ToSchema;

use crate::prelude::*;

/// An unmasked 身份证号 (each reveal is in the audit trail).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RevealedId {
    pub person_id: u32,
    pub name: String,
    pub id_number: String,
}

impl App {
    /// Shows a person's full 身份证号 to a 编办经办 / 编办领导 (within their
    /// scope), writing the reveal to the audit trail first.
    pub fn reveal_id_number(&self, by: &User, ip: &str, id: u32) -> Result<RevealedId, WebError> {
        by.require(by.can_reveal(), "查看完整身份证号（仅编办经办、编办领导）")?;
        let date = self.today();
        let scope = self.scope(by, date);
        let (name, id_number) = self.read(date, |ctx| {
            crate::people::views::person_view(ctx, scope.as_deref(), id)?;
            let p = ctx
                .live
                .person(bianzhi_core::PersonId(id))
                .ok_or_else(|| WebError::NotFound(format!("人员编号 {id} 不存在")))?;
            Ok::<_, WebError>((
                p.details.name.clone(),
                p.details.id_number.as_str().to_string(),
            ))
        })?;
        self.try_audit(
            &by.login,
            ip,
            "查看身份证号",
            // The auditor reads who looked at whom by 人员编号, not by name.
            &format!("人员编号 {id}"),
            "明文查看",
        )?;
        Ok(RevealedId {
            person_id: id,
            name,
            id_number,
        })
    }
}
