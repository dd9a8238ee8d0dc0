//! The catalogue journal kept in the workflow store: one record of kind
//! `catalogue` holding the hash-chained entries, appended all or nothing by
//! compare-and-set on its version (so a refused import writes nothing, and
//! two imports never fork the chain).

use bianzhi_grassroots::catalogue::CodeSource;
use bianzhi_grassroots::{Catalogue, Item};
use bianzhi_reports::catalogue::{as_changes, import_catalogue, CatalogueImportError};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use std::sync::Arc;

use crate::prelude::*;

/// Record kind of the catalogue (one record).
pub const CATALOGUE: &str = "catalogue";

/// The stored catalogue: its journal.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CatalogueBody {
    pub entries: Vec<bianzhi_grassroots::catalogue::Entry>,
}

impl App {
    /// The catalogue and the (id, version) of its record (`None`: none yet).
    pub fn catalogue(&self) -> Result<(Catalogue, Option<(i64, i64)>), WebError> {
        let rows = self.wf().records(CATALOGUE)?;
        let Some(r) = rows.into_iter().next() else {
            return Ok((Catalogue::new(), None));
        };
        let body: CatalogueBody = serde_json::from_str(&r.body)
            .map_err(|e| WebError::Internal(format!("权责清单记录无法读取：{e}")))?;
        let c = Catalogue::from_entries(body.entries).map_err(|e| {
            WebError::Internal(format!("权责清单的校验值或内容不符，清单可能被改动：{e}"))
        })?;
        Ok((c, Some((r.id, r.version))))
    }

    /// Imports a county's list (xlsx, xls or csv) under a document and an
    /// effective date, all or nothing: every bad cell is named by row, column
    /// and reason, and nothing is recorded. Answers how many items it added.
    pub fn import_catalogue(
        &self,
        user: &User,
        bytes: &[u8],
        ext: &str,
        doc: &str,
        effective: NaiveDate,
    ) -> Result<usize, WebError> {
        user.require(user.can_review(), "导入权责清单（仅编办）")?;
        bianzhi_core::ident::parse_doc_no(doc)
            .map_err(|e| WebError::invalid("invalid_doc", format!("文号有误：{e}")))?;
        self.change_catalogue(|cat| {
            let items = {
                let db = self.db();
                let st = db.state();
                let holders = |name: &str| {
                    // By full name, or by a short name only one unit bears.
                    crate::ledger::find_unit(st, &crate::ledger::UnitKey::Name(name.to_string()))
                        .ok()
                };
                import_catalogue(
                    bytes,
                    ext,
                    None,
                    &holders,
                    CodeSource::GovService,
                    cat.next_item_id(),
                )
            }
            .map_err(|e| match e {
                CatalogueImportError::Sheet(e) => WebError::invalid("bad_file", e.to_string()),
                e => WebError::invalid("bad_rows", e.to_string()),
            })?;
            if items.is_empty() {
                return Err(WebError::invalid("no_rows", "表格中没有可导入的事项"));
            }
            let n = items.len();
            cat.record_all(doc, as_changes(items, effective))
                .map_err(|e| WebError::invalid("catalogue_refused", e.to_string()))?;
            Ok(n)
        })
    }

    /// Changes the catalogue by `f` and saves it by compare-and-set, trying
    /// again from the stored catalogue when someone else saved first; a
    /// refusal of `f` saves nothing.
    pub fn change_catalogue<T>(
        &self,
        mut f: impl FnMut(&mut Catalogue) -> Result<T, WebError>,
    ) -> Result<T, WebError> {
        for _ in 0..5 {
            let (mut cat, at) = self.catalogue()?;
            let out = f(&mut cat)?;
            let body = serde_json::to_string(&CatalogueBody {
                entries: cat.entries().to_vec(),
            })
            .map_err(WebError::internal)?;
            let mut wf = self.wf();
            let saved = match at {
                None => {
                    wf.records(CATALOGUE)?.is_empty() && {
                        wf.insert_record(CATALOGUE, &body, self.now())?;
                        true
                    }
                }
                Some((id, version)) => wf
                    .update_record(CATALOGUE, id, version, &body, self.now())?
                    .is_some(),
            };
            if saved {
                return Ok(out);
            }
        }
        Err(WebError::Conflict(
            "权责清单正被他人同时修改，请稍后重试".into(),
        ))
    }

    /// The items in force on `date`, in code order.
    pub fn catalogue_items(&self, date: NaiveDate) -> Result<Vec<Item>, WebError> {
        let (d, _) = self.grassroots()?;
        let mut items: Vec<Item> = d.catalogue.as_of(date).into_values().collect();
        items.sort_by(|a, b| {
            (a.code.as_str(), a.parent, a.id).cmp(&(b.code.as_str(), b.parent, b.id))
        });
        Ok(items)
    }
}

/// The district as read, shared, with the (id, version) of its records'
/// record (`None`: none kept yet).
pub type SharedDistrict = (Arc<bianzhi_grassroots::District>, Option<(i64, i64)>);

/// Record kind of the other parts of the district (territory, delegations,
/// concentrations), one record.
pub const RECORDS: &str = "grassroots_records";

impl App {
    /// The district: the catalogue, the territory (the ledger's towns until
    /// delegations are recorded, then as recorded), delegations and
    /// concentrations; with the (id, version) of the records' record. Read
    /// once per change of its records (their versions are compared first,
    /// without reading them), and shared.
    pub fn grassroots(&self) -> Result<SharedDistrict, WebError> {
        let key = {
            let wf = self.wf();
            let records = wf.record_heads(RECORDS)?;
            (wf.record_heads(CATALOGUE)?, records)
        };
        let ledger = if key.1.is_empty() {
            let db = self.db();
            Some((db.ledger().journal_len(), db.ledger().next_seq()))
        } else {
            None
        };
        let key = (key.0, key.1, ledger);
        if let Some((k, d, at)) = self.district_cache().as_ref() {
            if *k == key {
                return Ok((d.clone(), *at));
            }
        }
        let (catalogue, _) = self.catalogue()?;
        let row = self.wf().records(RECORDS)?.into_iter().next();
        let (records, at) = match row {
            Some(r) => {
                let rec: bianzhi_grassroots::Records = serde_json::from_str(&r.body)
                    .map_err(|e| WebError::Internal(format!("三整合记录无法读取：{e}")))?;
                (rec, Some((r.id, r.version)))
            }
            None => {
                let db = self.db();
                (
                    bianzhi_grassroots::Records {
                        territory: bianzhi_grassroots::Territory::from_ledger(db.state()),
                        ..Default::default()
                    },
                    None,
                )
            }
        };
        let d = Arc::new(bianzhi_grassroots::District {
            catalogue,
            territory: records.territory,
            delegations: records.delegations,
            enforcement: records.enforcement,
        });
        // Cached only when nothing moved while it was read.
        if at.map(|a| vec![a]).unwrap_or_default() == key.1 {
            *self.district_cache() = Some((key, d.clone(), at));
        }
        Ok((d, at))
    }

    /// The district and its index maps, built once per district read: make
    /// the index of a request with `d.index_with(&maps)`.
    pub fn grassroots_indexed(
        &self,
    ) -> Result<
        (
            Arc<bianzhi_grassroots::District>,
            Arc<bianzhi_grassroots::IndexMaps>,
        ),
        WebError,
    > {
        let (d, _) = self.grassroots()?;
        if let Some((cd, maps)) = self.district_index_cache().as_ref() {
            if Arc::ptr_eq(cd, &d) {
                return Ok((d, maps.clone()));
            }
        }
        let maps = Arc::new(d.index_maps());
        *self.district_index_cache() = Some((d.clone(), maps.clone()));
        Ok((d, maps))
    }

    /// Records a delegation batch (赋权 / 委托 / 下放), checked against the
    /// catalogue, the territory and the concentrations; all or nothing.
    pub fn decide_delegation(
        &self,
        user: &User,
        batch: bianzhi_grassroots::delegation::BatchDecision,
    ) -> Result<u32, WebError> {
        user.require(user.can_review(), "登记赋权批次（仅编办）")?;
        self.change_district(|d| {
            d.decide(batch.clone())
                .map(|id| id.0)
                .map_err(|e| WebError::invalid("delegation_refused", e.to_string()))
        })
    }

    /// Changes the district's records (territory, delegations, enforcement)
    /// by `f` and saves them by compare-and-set, trying again from the
    /// stored records when someone else saved first; a refusal of `f` saves
    /// nothing. The catalogue is read, never written, here.
    pub fn change_district<T>(
        &self,
        mut f: impl FnMut(&mut bianzhi_grassroots::District) -> Result<T, WebError>,
    ) -> Result<T, WebError> {
        for _ in 0..5 {
            let (d, at) = self.grassroots()?;
            let mut d = (*d).clone();
            let out = f(&mut d)?;
            let body = serde_json::to_string(&bianzhi_grassroots::Records {
                territory: d.territory,
                delegations: d.delegations,
                enforcement: d.enforcement,
            })
            .map_err(WebError::internal)?;
            let mut wf = self.wf();
            let saved = match at {
                None => {
                    wf.records(RECORDS)?.is_empty() && {
                        wf.insert_record(RECORDS, &body, self.now())?;
                        true
                    }
                }
                Some((rid, version)) => wf
                    .update_record(RECORDS, rid, version, &body, self.now())?
                    .is_some(),
            };
            if saved {
                return Ok(out);
            }
        }
        Err(WebError::Conflict(
            "三整合记录正被他人同时修改，请稍后重试".into(),
        ))
    }
}
