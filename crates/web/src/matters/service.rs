use serde::Deserialize;
use utoipa::ToSchema;

use crate::prelude::*;

/// A matter recorded directly by the 编办.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MatterInput {
    /// 文号, e.g. 盐编〔2024〕12号.
    pub doc: String,
    /// 生效日期, YYYY-MM-DD.
    #[schema(value_type = NaiveDate)]
    pub effective: String,
    /// 事由.
    #[serde(default)]
    pub reason: String,
    /// The 文号 is the same document as another matter's (one 批复 covering
    /// several matters); otherwise a 文号 already used is refused.
    #[serde(default)]
    pub same_doc: bool,
    /// Operations (`{"op": "increase_quota", …}`; see `Op` in the core), units by
    /// full name or number, people by 身份证号 or number.
    #[schema(value_type = Vec<Object>)]
    pub ops: Vec<serde_json::Value>,
}

impl App {
    /// The matter a 编办 clerk entered, checked for form (文号, date,
    /// operations) but not yet against the ledger.
    fn matter_of(&self, user: &User, input: MatterInput) -> Result<bianzhi_core::Matter, WebError> {
        user.require(user.can_record(), "直接登记事项（仅编办）")?;
        let doc = bianzhi_core::ident::parse_doc_no(&input.doc)
            .map_err(|e| WebError::invalid("bad_doc_no", e.to_string()))?;
        let effective = crate::http::params::parse_date(&input.effective)?;
        if input.ops.is_empty() {
            return Err(WebError::invalid(
                "missing_field",
                "事项至少要有一项操作（ops）",
            ));
        }
        let ops = crate::ledger::parse_ops(input.ops)?;
        if !input.same_doc {
            crate::ledger::check_doc_free(self.db().ledger(), &doc, false)?;
        }
        Ok(bianzhi_core::Matter {
            doc,
            effective,
            recorded_at: self.now(),
            actor: user.name.clone(),
            reason: input.reason.trim().to_string(),
            ops,
            warnings: Vec::new(),
            attachments: Vec::new(),
            corrects: None,
        })
    }

    /// Records a matter entered by the 编办 (form or API).
    pub fn record_matter(&self, user: &User, input: MatterInput) -> Result<u64, WebError> {
        let same_doc = input.same_doc;
        let m = self.matter_of(user, input)?;
        let now = m.recorded_at;
        let _w = self.write.lock().unwrap_or_else(|e| e.into_inner());
        let mut db = self.db();
        // Again under the write lock: another clerk may have used it meanwhile.
        crate::ledger::check_doc_free(db.ledger(), &m.doc, same_doc)?;
        let (seq, _) = db.submit(m, now)?;
        Ok(seq)
    }

    /// What recording matter `seq` did, for the audit trail:
    /// `登记事项第 12 条，盐编〔2026〕3号：核增编制、周转池借出`.
    pub fn matter_note(&self, seq: u64) -> String {
        let db = self.db();
        match db.ledger().journal().iter().rev().find(|(s, _)| *s == seq) {
            None => format!("登记事项第 {seq} 条"),
            Some((_, m)) => {
                let mut kinds: Vec<&str> = Vec::new();
                for op in &m.ops {
                    if !kinds.contains(&op.label()) {
                        kinds.push(op.label());
                    }
                }
                format!("登记事项第 {seq} 条，{}：{}", m.doc.raw, kinds.join("、"))
            }
        }
    }

    /// 预览: what recording the matter would do, tried on a copy of the
    /// ledger (nothing is recorded).
    pub fn preview_matter(
        &self,
        user: &User,
        input: MatterInput,
    ) -> Result<bianzhi_casework::preview::Preview, WebError> {
        let m = self.matter_of(user, input)?;
        let now = m.recorded_at;
        let db = self.db();
        Ok(bianzhi_casework::preview::preview(db.ledger(), m, now))
    }
}
