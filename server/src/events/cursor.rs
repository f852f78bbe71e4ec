//! Where a process's reading of the events table stands, and which newly seen rows are safe to
//! deliver — so that no event is delivered twice and none is skipped.
//!
//! On PostgreSQL, ids come from a sequence when a transaction inserts its events, and
//! transactions commit in any order: a reader may see id 10 committed while id 9 is still in
//! flight. Delivering 10 and moving the cursor past 9 would lose 9 when it commits. So a reader
//! delivers the run of ids that follows its cursor without a hole at once, and stops at a hole.
//! The hole is either a transaction still in flight or one that rolled back (or a sequence value
//! lost in a crash); which one is known once every transaction that could hold it has ended.
//! Every id below the highest id the reader saw (`m`) was drawn before `m`, which committed
//! before the reader's snapshot, so its transaction had its transaction id before that snapshot
//! (the insert makes sure the id is drawn only after the transaction has one: see
//! `store::insert_sql`) — below the snapshot's `xmax`. Once a later snapshot's `xmin` (its
//! oldest running transaction) has reached that `xmax`, every such transaction has ended, and
//! whatever a fresh read then shows at or below `m` is final: holes there stay holes forever.
//!
//! On SQLite one writer at a time commits, in id order: a row seen means every lower id is
//! either seen too or never will be, so there is no horizon and holes are final at once.

/// What a PostgreSQL statement's snapshot says about running transactions
/// (`pg_snapshot_xmin` / `pg_snapshot_xmax` of `pg_current_snapshot()`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Horizon {
    /// Every transaction below this has ended.
    pub xmin: u64,
    /// Every transaction at or above this started after the snapshot.
    pub xmax: u64,
}

/// A hole the reader is waiting out: final once a snapshot's `xmin` reaches `until_xmin`, and
/// then everything up to `up_to` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Hole {
    up_to: i64,
    until_xmin: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// The highest id delivered: every event at or below it was delivered or never will exist.
    last: i64,
    hole: Option<Hole>,
}

impl Cursor {
    /// A cursor after `last`, which the caller knows to be final (see [`Cursor::start`]).
    pub fn after(last: i64) -> Self {
        Self { last, hole: None }
    }

    pub fn last(&self) -> i64 {
        self.last
    }

    /// Whether the reader is waiting for a hole to settle (and should read again soon even
    /// without a wake-up: transactions ending send none).
    pub fn waiting(&self) -> bool {
        self.hole.is_some()
    }

    /// Of `ids` — the ids above [`Cursor::last`] one read saw, ascending — how many (a prefix)
    /// are safe to deliver now; the cursor moves past them. `horizon` is that read's snapshot,
    /// `None` on an engine that commits in id order.
    pub fn advance(&mut self, ids: &[i64], horizon: Option<Horizon>) -> usize {
        let Some(horizon) = horizon else {
            if let Some(&top) = ids.last() {
                self.last = top;
            }
            return ids.len();
        };
        // Holes at or below `settled` are final.
        let settled = match self.hole {
            Some(hole) if hole.up_to <= self.last => {
                self.hole = None;
                self.last
            }
            Some(hole) if horizon.xmin >= hole.until_xmin => {
                self.hole = None;
                hole.up_to
            }
            _ => self.last,
        };
        for (delivered, &id) in ids.iter().enumerate() {
            if id == self.last + 1 || id <= settled {
                self.last = id;
                continue;
            }
            // A hole before `id`: wait it out (an older, still unsettled hole keeps its
            // earlier, sooner horizon).
            if self.hole.is_none() {
                self.hole = Some(Hole {
                    up_to: ids.last().copied().unwrap_or(id),
                    until_xmin: horizon.xmax,
                });
            }
            return delivered;
        }
        // Everything seen was delivered: a hole waited for is filled (or passed).
        if self.hole.is_some_and(|hole| hole.up_to <= self.last) {
            self.hole = None;
        }
        ids.len()
    }
}

/// Where a reader may start when the table's highest id is `top` at a snapshot: every id at
/// or below `top` is final once a later snapshot's `xmin` reaches `until_xmin`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Start {
    pub top: i64,
    pub until_xmin: Option<u64>,
}

impl Start {
    pub fn settled_by(&self, later: Option<Horizon>) -> bool {
        match (self.until_xmin, later) {
            (Some(until), Some(h)) => h.xmin >= until,
            _ => true,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn h(xmin: u64, xmax: u64) -> Option<Horizon> {
        Some(Horizon { xmin, xmax })
    }

    #[test]
    fn a_run_without_holes_is_delivered_at_once() {
        let mut c = Cursor::after(4);
        assert_eq!(c.advance(&[5, 6, 7], h(100, 100)), 3);
        assert_eq!((c.last(), c.waiting()), (7, false));
    }

    #[test]
    fn a_hole_waits_until_its_transactions_have_ended() {
        let mut c = Cursor::after(4);
        // 5 is in flight (transaction 90), 6 committed.
        assert_eq!(
            c.advance(&[6], h(90, 101)),
            0,
            "6 waits behind the hole at 5"
        );
        assert!(c.waiting());
        assert_eq!(
            c.advance(&[6, 7], h(95, 103)),
            0,
            "transaction 90.. may still run"
        );
        // 5 commits: the run is whole again.
        assert_eq!(c.advance(&[5, 6, 7], h(99, 104)), 3);
        assert_eq!((c.last(), c.waiting()), (7, false));
    }

    #[test]
    fn a_rolled_back_hole_is_passed_once_settled() {
        let mut c = Cursor::after(4);
        assert_eq!(c.advance(&[6, 7], h(90, 101)), 0);
        assert_eq!(
            c.advance(&[6, 7, 9], h(101, 105)),
            2,
            "5 is final (rolled back): 6 and 7 go; 9 is past the settled part and 8 is a new hole"
        );
        assert_eq!(c.last(), 7);
        assert!(c.waiting(), "the hole at 8 is waited out in turn");
        assert_eq!(c.advance(&[9], h(105, 106)), 1);
        assert_eq!(c.last(), 9);
    }

    #[test]
    fn an_engine_committing_in_order_has_no_holes() {
        let mut c = Cursor::after(0);
        assert_eq!(c.advance(&[2, 5], None), 2);
        assert_eq!(c.last(), 5);
    }

    /// A simulated PostgreSQL: transactions draw ids in one order, get their transaction id
    /// before drawing, and commit (or roll back) in another; a reader reads at random moments.
    /// Whatever the interleaving, the reader delivers every committed id exactly once, in
    /// order, and never an id that rolled back.
    #[derive(Debug, Clone)]
    enum Step {
        Begin,
        Draw(usize),
        End(usize, bool),
        Read,
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            2 => Just(Step::Begin),
            3 => (0..8usize).prop_map(Step::Draw),
            3 => (0..8usize, proptest::bool::weighted(0.8)).prop_map(|(t, c)| Step::End(t, c)),
            3 => Just(Step::Read),
        ]
    }

    proptest! {
        #[test]
        fn every_committed_event_is_delivered_once_in_order(steps in proptest::collection::vec(step(), 1..120)) {
            struct Tx { xid: u64, ids: Vec<i64>, done: bool }
            let mut next_xid = 100u64;
            let mut next_id = 1i64;
            let mut txs: Vec<Tx> = Vec::new();
            let mut committed: Vec<i64> = Vec::new();
            let mut cursor = Cursor::after(0);
            let mut delivered: Vec<i64> = Vec::new();
            let read = |txs: &Vec<Tx>, committed: &Vec<i64>, next_xid: u64, cursor: &mut Cursor, delivered: &mut Vec<i64>| {
                let xmin = txs.iter().filter(|t| !t.done).map(|t| t.xid).min().unwrap_or(next_xid);
                let mut seen: Vec<i64> = committed.iter().copied().filter(|&i| i > cursor.last()).collect();
                seen.sort_unstable();
                let n = cursor.advance(&seen, Some(Horizon { xmin, xmax: next_xid }));
                delivered.extend_from_slice(&seen[..n]);
            };
            for s in steps {
                match s {
                    Step::Begin => { txs.push(Tx { xid: next_xid, ids: Vec::new(), done: false }); next_xid += 1; }
                    Step::Draw(t) => if let Some(tx) = txs.get_mut(t).filter(|t| !t.done) { tx.ids.push(next_id); next_id += 1; },
                    Step::End(t, commit) => if let Some(tx) = txs.get_mut(t).filter(|t| !t.done) {
                        tx.done = true;
                        if commit { committed.extend(tx.ids.iter().copied()); }
                    },
                    Step::Read => read(&txs, &committed, next_xid, &mut cursor, &mut delivered),
                }
            }
            // Everything ends; a few reads later, everything committed is delivered.
            for tx in txs.iter_mut().filter(|t| !t.done) { tx.done = true; committed.extend(tx.ids.iter().copied()); }
            for _ in 0..3 { read(&txs, &committed, next_xid, &mut cursor, &mut delivered); }
            committed.sort_unstable();
            prop_assert_eq!(delivered, committed);
        }
    }
}
