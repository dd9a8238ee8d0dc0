use std::sync::{Arc, Mutex};

use serde::Deserialize;
use utoipa::ToSchema;

use crate::matters::views::MatterView;
use crate::prelude::*;
use crate::state::{AfterWrite, GroupJob, Recorded};

/// Where the writer leaves the view a request asked for.
type ViewSlot = Arc<Mutex<Option<Result<MatterView, WebError>>>>;
use bianzhi_store::NewAudit;

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
    /// full name or number, people by 身份证号 or number. Empty for a 撤销.
    #[schema(value_type = Vec<Object>)]
    pub ops: Vec<serde_json::Value>,
    /// 更正 / 撤销: the earlier matter this one corrects. It is void from the
    /// start; an amendment's operations take its place.
    #[serde(default)]
    pub corrects: Option<CorrectionInput>,
}

/// 更正 / 撤销 of a recorded matter.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectionInput {
    /// 序号 of the matter corrected.
    pub of: u64,
    /// `revoke` (撤销: no operations) or `amend` (更正: the operations replace it).
    pub kind: CorrectionKindInput,
}

/// 撤销 or 更正.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CorrectionKindInput {
    #[serde(alias = "撤销")]
    Revoke,
    #[serde(alias = "更正")]
    Amend,
}

impl CorrectionKindInput {
    pub fn parse(s: &str) -> Option<CorrectionKindInput> {
        match s {
            "revoke" | "撤销" => Some(CorrectionKindInput::Revoke),
            "amend" | "更正" => Some(CorrectionKindInput::Amend),
            _ => None,
        }
    }

    fn core(self) -> bianzhi_core::CorrectionKind {
        match self {
            CorrectionKindInput::Revoke => bianzhi_core::CorrectionKind::Revoke,
            CorrectionKindInput::Amend => bianzhi_core::CorrectionKind::Amend,
        }
    }
}

/// What recording matter `seq` of `ledger` did, for the audit trail
/// (see [`App::matter_note`]).
fn note_of(ledger: &bianzhi_core::Ledger, seq: u64) -> String {
    match ledger.matter(seq) {
        Ok(None) => format!("登记事项第 {seq} 条"),
        Err(e) => format!("登记事项第 {seq} 条（{e}）"),
        Ok(Some(m)) => {
            let mut kinds: Vec<&str> = Vec::new();
            for op in &m.ops {
                if !kinds.contains(&op.label()) {
                    kinds.push(op.label());
                }
            }
            let corrects = m
                .corrects
                .map(|c| {
                    let doc = ledger
                        .entry(c.of)
                        .map(|t| format!("（{}）", t.doc.raw))
                        .unwrap_or_default();
                    format!("{}第 {} 条事项{doc}", c.kind.label(), c.of)
                })
                .into_iter();
            let what: Vec<String> = corrects
                .chain(kinds.iter().map(|k| k.to_string()))
                .collect();
            format!("登记事项第 {seq} 条，{}：{}", m.doc.raw, what.join("、"))
        }
    }
}

impl App {
    /// The matter a 编办 clerk entered, checked for form (文号, date,
    /// operations) but not yet against the ledger.
    fn matter_of(&self, user: &User, input: MatterInput) -> Result<bianzhi_core::Matter, WebError> {
        user.require(user.can_record(), "直接登记事项（仅编办）")?;
        let doc = bianzhi_core::ident::parse_doc_no(&input.doc)
            .map_err(|e| WebError::invalid("bad_doc_no", e.to_string()))?;
        let effective = crate::http::params::parse_date(&input.effective)?;
        let corrects = input.corrects.map(|c| bianzhi_core::Correction {
            of: c.of,
            kind: c.kind.core(),
            root: 0,
        });
        let revoking = corrects.is_some_and(|c| c.kind == bianzhi_core::CorrectionKind::Revoke);
        if input.ops.is_empty() && !revoking {
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
            corrects,
            supplements: None,
        })
    }

    /// Records a matter entered by the 编办 (form or API), by group commit:
    /// the matter joins the queue; whoever takes the write lock next (this
    /// request, or one before it) records every queued matter in one write
    /// — each checked in order against the ledger with the group's earlier
    /// matters applied, a refused one changing nothing and answered with its
    /// own refusal — and answers each only once the write is durable. The
    /// others wait to be woken with their answer. One writer alone waits for
    /// nobody: its group is itself.
    pub fn record_matter(&self, user: &User, input: MatterInput) -> Result<u64, WebError> {
        self.record_matter_audited(user, input, None, false)
            .map(|(r, _)| r.seq)
    }

    /// [`App::record_matter`] by a request that `audit` describes: when the
    /// audit trail is kept beside the journal, the matter's 登记事项 entry is
    /// written in the matter's own transaction (a crash cannot leave one
    /// without the other) and the answer says so (`true`: the request needs
    /// no audit entry of its own). With `view` the matter as the user sees
    /// it today is read right after the write and answered too.
    pub(crate) fn record_matter_audited(
        &self,
        user: &User,
        input: MatterInput,
        audit: Option<&crate::http::error::AuditCtx>,
        view: bool,
    ) -> Result<(Recorded, Option<Result<MatterView, WebError>>), WebError> {
        let same_doc = input.same_doc;
        let matter = self.matter_of(user, input)?;
        let seen: ViewSlot = Arc::new(Mutex::new(None));
        let after = view.then(|| {
            let today = self.today();
            let scope = self.scope(user, today);
            let seen = seen.clone();
            let read: AfterWrite = Box::new(move |ctx, seq| {
                let v = crate::matters::views::matter_view(ctx, scope.as_deref(), seq);
                *seen.lock().unwrap_or_else(|e| e.into_inner()) = Some(v);
            });
            (today, read)
        });
        let answer = Arc::new(Mutex::new(None));
        self.group
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(GroupJob {
                matter,
                same_doc,
                audit: audit.filter(|_| self.audit_beside_journal).cloned(),
                after,
                answer: answer.clone(),
            });
        let take = || answer.lock().unwrap_or_else(|e| e.into_inner()).take();
        loop {
            if let Some(r) = take() {
                let v = seen.lock().unwrap_or_else(|e| e.into_inner()).take();
                return r.map(|r| (r, v));
            }
            let lead = match self.write.try_lock() {
                Ok(g) => Some(g),
                Err(std::sync::TryLockError::Poisoned(e)) => Some(e.into_inner()),
                Err(std::sync::TryLockError::WouldBlock) => None,
            };
            if let Some(_w) = lead {
                // The writer now: record everything queued, this matter too.
                let jobs =
                    std::mem::take(&mut *self.group.lock().unwrap_or_else(|e| e.into_inner()));
                if !jobs.is_empty() {
                    self.commit_group(jobs);
                }
                // Under the queue's lock, so that no waiter misses it.
                let _g = self.group.lock().unwrap_or_else(|e| e.into_inner());
                self.group_done.notify_all();
                continue;
            }
            // Another writer is at work: wait for its answer (or, when the
            // lock is held by another kind of write, look again shortly).
            let g = self.group.lock().unwrap_or_else(|e| e.into_inner());
            if answer.lock().unwrap_or_else(|e| e.into_inner()).is_none() {
                let _ = self
                    .group_done
                    .wait_timeout(g, std::time::Duration::from_millis(2));
            }
        }
    }

    /// Records a group of queued matters in one write and answers each
    /// (called under the write lock). The audit entries of the matters that
    /// carry one go into the same transaction.
    fn commit_group(&self, jobs: Vec<GroupJob>) {
        let drafts: Vec<_> = jobs.iter().map(|j| j.matter.clone()).collect();
        let now = self.now();
        let mut db = self.db();
        let results = db.submit_group_audited(
            &drafts,
            now,
            // Under the write lock: another clerk may have used the 文号.
            |ledger, i, m| crate::ledger::check_doc_free(ledger, &m.doc, jobs[i].same_doc),
            |ledger, i, seq| {
                jobs[i].audit.as_ref().map(|a| NewAudit {
                    at: now,
                    actor: a.actor.clone(),
                    ip: a.ip.clone(),
                    action: a.action.into(),
                    target: a.target.clone(),
                    detail: note_of(ledger, seq),
                })
            },
        );
        let answer = |j: &GroupJob, r: Result<Recorded, WebError>| {
            *j.answer.lock().unwrap_or_else(|e| e.into_inner()) = Some(r);
        };
        match results {
            Ok((rs, _)) => {
                for (mut j, r) in jobs.into_iter().zip(rs) {
                    let r = match r {
                        Ok((seq, _)) => {
                            if let Some((date, read)) = j.after.take() {
                                self.read_in(&db, date, |ctx| read(ctx, seq));
                            }
                            Ok(Recorded {
                                seq,
                                audited: j.audit.is_some(),
                            })
                        }
                        Err(bianzhi_store::GroupRefusal::Check(e)) => Err(e),
                        Err(bianzhi_store::GroupRefusal::Db(e)) => Err(e.into()),
                    };
                    answer(&j, r);
                }
            }
            Err(e) => {
                let msg = WebError::from(e).to_string();
                for j in &jobs {
                    answer(j, Err(WebError::Internal(msg.clone())));
                }
            }
        }
    }

    /// What recording matter `seq` did, for the audit trail:
    /// `登记事项第 12 条，盐编〔2026〕3号：核增编制、周转池借出`.
    pub fn matter_note(&self, seq: u64) -> String {
        note_of(self.db().ledger(), seq)
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

impl App {
    /// 补充附件: a document (the 批复 scan …) filed with recorded matter
    /// `seq` by the office. Its SM3 digest goes into the journal as an entry
    /// of its own (no figure changes); the content into the blob store.
    /// Answers the entry's 序号 and the digest.
    pub fn attach_to_matter(
        &self,
        user: &User,
        seq: u64,
        name: &str,
        data: &[u8],
    ) -> Result<(u64, String), WebError> {
        use crate::http::upload::{attachment_too_large, check_content, clean_file_name};
        user.require(user.can_record(), "为事项补充附件（仅编办）")?;
        let name = clean_file_name(name)?;
        if data.is_empty() {
            return Err(WebError::invalid("empty_file", "附件是空文件"));
        }
        if data.len() > crate::http::upload::ATTACHMENT_LIMIT {
            return Err(attachment_too_large());
        }
        let mime = check_content(&name, data)?;
        let digest = bianzhi_store::blob_digest(data);
        let now = self.now();
        let _w = self.write.lock().unwrap_or_else(|e| e.into_inner());
        let doc = {
            let db = self.db();
            let m = db
                .ledger()
                .entry(seq)
                .ok_or_else(|| WebError::NotFound(format!("第 {seq} 号事项不存在")))?;
            if m.supplements.is_some() {
                return Err(WebError::invalid(
                    "not_a_matter",
                    "附件应补充到原事项上，而不是补充附件记录上",
                ));
            }
            m.doc.clone()
        };
        // The content first: a journal entry never names a missing file.
        self.wf().put_blob(mime, data)?;
        let entry = bianzhi_core::Matter {
            doc,
            effective: self.today(),
            recorded_at: now,
            actor: user.name.clone(),
            reason: format!("补充附件：{name}"),
            ops: Vec::new(),
            warnings: Vec::new(),
            attachments: vec![bianzhi_core::AttachmentRef {
                name,
                sm3: digest.clone(),
                size: data.len() as u64,
            }],
            corrects: None,
            supplements: Some(seq),
        };
        let (s, _) = self.db().submit(entry, now)?;
        Ok((s, digest))
    }

    /// A document filed with matter `seq` (at recording or later), for a
    /// user who may see the whole matter: name, MIME type and content. The
    /// caller audits the read.
    pub fn matter_attachment(
        &self,
        user: &User,
        seq: u64,
        digest: &str,
    ) -> Result<(String, String, Vec<u8>), WebError> {
        let today = self.today();
        let scope = self.scope(user, today);
        let v = self.read(today, |ctx| {
            crate::matters::views::matter_view(ctx, scope.as_deref(), seq)
        })?;
        let a = v
            .attachments
            .iter()
            .find(|a| a.sm3 == digest)
            .ok_or_else(|| WebError::NotFound("该事项没有这个附件".into()))?;
        let blob = self
            .wf()
            .blob(digest)?
            .ok_or_else(|| WebError::NotFound("附件内容不存在".into()))?;
        Ok((a.name.clone(), blob.mime, blob.data))
    }
}
