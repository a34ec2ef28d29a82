//! A path stopped after a month end, for the benchmarks of cohort reviews and month-end
//! accounting on their own.

use super::{Event, Options, Path};
use crate::sample::Draws;
use crate::scenario::Scenario;

/// A path stopped after a month end, to time cohort reviews and month-end accounting on their
/// own (`benches/path.rs`). Not part of the API: the model is [`simulate`].
#[doc(hidden)]
#[derive(Clone)]
pub struct Probe<'a> {
    path: Path<'a>,
    booked: u32,
}

impl<'a> Probe<'a> {
    /// Runs the path as [`simulate`] does, up to and including the month end of `month`.
    ///
    /// # Panics
    /// If `month` is not before the scenario's last month.
    pub fn after_month(
        sc: &'a Scenario,
        draws: &'a Draws,
        path: u64,
        seed: u64,
        month: u32,
    ) -> Self {
        let mut p = Path::new(sc, draws, path, seed, Options::default());
        assert!(
            month < p.months,
            "the probe needs a month after month {month}"
        );
        p.start();
        while let Some((t, e)) = p.queue.pop() {
            p.step(t, e);
            if matches!(e, Event::MonthEnd(m) if m == month) {
                break;
            }
        }
        Probe {
            path: p,
            booked: month,
        }
    }

    /// Processes the cohort reviews of the month after the booked one, as the path does before
    /// its next month end (without the queued events in between); returns how many there were.
    /// Each call reviews that month again, from the cohort states the last call left.
    pub fn month_of_reviews(&mut self) -> u64 {
        let before = self.path.cohort_reviews;
        for seg in &mut self.path.segs {
            seg.reviewed_to = f64::from(self.booked);
        }
        self.path.drain_reviews(f64::from(self.booked + 1));
        self.path.cohort_reviews - before
    }

    /// Books the next month end.
    pub fn month_end(&mut self) {
        self.booked += 1;
        self.path.month_end(self.booked);
    }

    /// The series value of `series` (a [`Layout`] index) booked for `month`.
    pub fn value(&self, series: usize, month: u32) -> f64 {
        self.path.books.out[series * self.path.months as usize + month as usize - 1]
    }
}
