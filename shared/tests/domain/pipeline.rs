use chrono::{Duration, TimeZone, Utc};
use leadmart_shared::money::Money;
use leadmart_shared::pipeline::{Pipeline, PipelineStage};
use proptest::prelude::*;

/// The funnel, written out independently of the implementation.
fn position(stage: PipelineStage) -> usize {
    [
        PipelineStage::New,
        PipelineStage::Contacted,
        PipelineStage::Meeting,
        PipelineStage::Quoted,
    ]
    .iter()
    .position(|s| *s == stage)
    .unwrap_or(4)
}

proptest! {
    #[test]
    fn transitions_never_go_backwards(moves in proptest::collection::vec(proptest::sample::select(PipelineStage::ALL.to_vec()), 0..12)) {
        let t0 = Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).single().unwrap();
        let mut p = Pipeline::start(t0);
        for (i, to) in moves.into_iter().enumerate() {
            let from = p.stage();
            let value = (to == PipelineStage::Won).then(|| Money::whole(100_000));
            let legal = position(from) < 4 && position(to) > position(from);
            let result = p.move_to(to, t0 + Duration::hours(i as i64), value);
            prop_assert_eq!(result.is_ok(), legal, "{:?} → {:?}", from, to);
            if result.is_err() {
                prop_assert_eq!(p.stage(), from, "a refused move changes nothing");
            }
        }
        for change in p.history() {
            prop_assert!(position(change.to) > position(change.from));
        }
        prop_assert!(p.history().windows(2).all(|w| w[0].at <= w[1].at), "time-stamps in order");
    }
}
