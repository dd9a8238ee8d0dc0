//! Date-driven effects: 承兑 tranches released and 周转池 loans falling due,
//! applied when the ledger's clock passes their date.

use chrono::NaiveDate;
use compact_str::CompactString;

use super::tx::{Tx, Undo};
use super::{Effect, State};
use crate::model::GrantKind;

impl State {
    /// Applies the scheduled effects dated on or before `date` (used to look at
    /// a date beyond the latest matter; matters advance the clock themselves).
    pub fn advance_clock(&mut self, date: NaiveDate) {
        if self.schedule.keys().next().is_none_or(|(d, _)| *d > date) {
            return;
        }
        let mut tx = Tx::new(self, true, date, CompactString::default());
        tx.advance(date);
        let st = tx.st;
        for (d, e) in tx.captured {
            st.push_entry(d, e);
        }
    }
}

impl Tx<'_> {
    pub(in crate::state) fn schedule(&mut self, date: NaiveDate, e: Effect) {
        let k = (date, self.st.schedule_next);
        self.log(Undo::ScheduleAdd(k, self.st.schedule_next));
        self.st.schedule_next += 1;
        self.st.schedule.insert(k, e);
    }

    /// Moves the clock to `date`: applies every scheduled effect dated on or
    /// before it, each recorded in the histories at its own date.
    pub(in crate::state) fn advance(&mut self, date: NaiveDate) {
        while let Some((&k, &e)) = self.st.schedule.iter().next() {
            if k.0 > date {
                break;
            }
            self.st.schedule.remove(&k);
            self.log(Undo::ScheduleRemove(k, e));
            match e {
                Effect::Release { grant, count } => {
                    let (key, doc) = match self.grant_mut(grant) {
                        Ok(g) => {
                            if let GrantKind::Phased { released, .. } = &mut g.kind {
                                *released += count;
                            }
                            (g.key, g.doc.clone())
                        }
                        Err(_) => continue,
                    };
                    let a = self.account_mut(key);
                    a.counts.approved += count;
                    a.counts.unreleased -= count;
                    let label = self.st.account_label(&key);
                    self.auto_event(
                        k.0,
                        key.unit,
                        "承兑下达",
                        format!("承兑编制按期下达 {label} {count} 名"),
                        doc,
                        count,
                    );
                }
                Effect::LoanDue { loan } => {
                    let Some(l) = self.st.loan(loan).cloned() else {
                        continue;
                    };
                    let free = self.counts(&l.key).available().max(0);
                    let n = l.outstanding().min(free);
                    if n > 0 {
                        self.return_loan_slots(loan, n);
                        let label = self.st.account_label(&l.key);
                        self.auto_event(
                            k.0,
                            l.key.unit,
                            "到期收回",
                            format!("周转编制借用到期，收回 {label} {n} 名"),
                            l.doc.clone(),
                            -n,
                        );
                    } else {
                        // Nothing returned: still record the date it fell due.
                        self.t_loans.push(loan);
                    }
                    if l.outstanding() > n {
                        self.auto_event(
                            k.0,
                            l.key.unit,
                            "到期未还",
                            format!(
                                "周转编制借用到期，{} 名仍在使用，逾期待减员收回",
                                l.outstanding() - n
                            ),
                            l.doc.clone(),
                            0,
                        );
                    }
                }
            }
            self.capture(k.0);
        }
    }
}
