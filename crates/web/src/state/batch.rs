//! Group commit of one kind of write: requests queue their write; whoever
//! finds no write running leads, takes everything queued by then and writes
//! it in one go (one transaction, one commit), then answers each. A lone
//! request leads at once and waits for nobody.

use std::sync::{Arc, Condvar, Mutex, TryLockError};
use std::time::Duration;

type Slot<R> = Arc<Mutex<Option<R>>>;

/// Writes of kind `J` answered with `R`, committed in groups.
pub(crate) struct Batcher<J, R> {
    queue: Mutex<Vec<(J, Slot<R>)>>,
    /// Woken when a group has been answered.
    done: Condvar,
    /// Held by the request writing a group.
    lead: Mutex<()>,
}

impl<J, R> Default for Batcher<J, R> {
    fn default() -> Self {
        Batcher {
            queue: Mutex::new(Vec::new()),
            done: Condvar::new(),
            lead: Mutex::new(()),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl<J, R> Batcher<J, R> {
    /// Queues `job` and answers its result once the group that carried it
    /// was written by `commit` (which answers one result per job, in order).
    pub(crate) fn submit(&self, job: J, commit: impl Fn(Vec<J>) -> Vec<R>) -> R {
        let slot: Slot<R> = Arc::new(Mutex::new(None));
        lock(&self.queue).push((job, slot.clone()));
        loop {
            if let Some(r) = lock(&slot).take() {
                return r;
            }
            let lead = match self.lead.try_lock() {
                Ok(g) => Some(g),
                Err(TryLockError::Poisoned(e)) => Some(e.into_inner()),
                Err(TryLockError::WouldBlock) => None,
            };
            if let Some(_lead) = lead {
                let queued = std::mem::take(&mut *lock(&self.queue));
                if !queued.is_empty() {
                    let (jobs, slots): (Vec<J>, Vec<Slot<R>>) = queued.into_iter().unzip();
                    let n = jobs.len();
                    let results = commit(jobs);
                    assert_eq!(results.len(), n, "one result per queued write");
                    for (s, r) in slots.iter().zip(results) {
                        *lock(s) = Some(r);
                    }
                }
                // Under the queue's lock, so that no waiter misses it.
                let _q = lock(&self.queue);
                self.done.notify_all();
                continue;
            }
            let q = lock(&self.queue);
            if lock(&slot).is_none() {
                let _ = self.done.wait_timeout(q, Duration::from_millis(2));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Many threads at once: every write is committed exactly once, in some
    /// group, and each gets its own answer.
    #[test]
    fn every_write_answered_once_with_its_own_result() {
        let b: Batcher<u32, u32> = Batcher::default();
        let written = Mutex::new(Vec::new());
        let groups = Mutex::new(0u32);
        std::thread::scope(|s| {
            for t in 0..8u32 {
                let (b, written, groups) = (&b, &written, &groups);
                s.spawn(move || {
                    for i in 0..200u32 {
                        let job = t * 1000 + i;
                        let r = b.submit(job, |jobs| {
                            *lock(groups) += 1;
                            lock(written).extend(jobs.iter().copied());
                            jobs.iter().map(|j| j * 2).collect()
                        });
                        assert_eq!(r, job * 2);
                    }
                });
            }
        });
        let mut w = written.into_inner().unwrap();
        w.sort_unstable();
        let mut want: Vec<u32> = (0..8)
            .flat_map(|t| (0..200).map(move |i| t * 1000 + i))
            .collect();
        want.sort_unstable();
        assert_eq!(w, want);
        assert!(groups.into_inner().unwrap() <= 1600);
    }
}
