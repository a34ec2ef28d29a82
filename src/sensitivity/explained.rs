//! What a sensitivity design explains: each `[[target]]` as the indicator of meeting it, and the
//! headline outcomes (collapse factor, month of the 100x collapse, the first frontier vendor's
//! revenue in the horizon's last year, volume growth, price decline), the positive
//! heavy-tailed ones on a log scale.

use crate::run::outcome_names;
use crate::scenario::{Direction, Scenario, Threshold};
use serde::{Deserialize, Serialize};

/// How a path's outcome value becomes the number whose variance is explained.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Transform {
    /// 1 when the path meets the target, else 0: its mean is the target's probability.
    Indicator {
        /// `at_least` (true) or `at_most` the threshold.
        at_least: bool,
        /// On the outcome's scale (a month as its 1-based index).
        threshold: f64,
    },
    /// The natural logarithm (a value ≤ 0 has none: its design row is dropped and counted).
    Log,
    /// The 1-based month index; a path where the event never comes counts as `never` (the month
    /// after the horizon).
    Month { never: f64 },
}

impl Transform {
    /// The explained number of outcome value `x` (NaN where it has none).
    pub fn apply(&self, x: f64) -> f64 {
        match *self {
            Transform::Indicator {
                at_least,
                threshold,
            } => {
                let hit = if at_least {
                    x >= threshold
                } else {
                    x <= threshold
                };
                if x.is_nan() {
                    0.0
                } else {
                    f64::from(u8::from(hit))
                }
            }
            Transform::Log => {
                if x > 0.0 {
                    x.ln()
                } else {
                    f64::NAN
                }
            }
            Transform::Month { never } => {
                if x.is_finite() {
                    x
                } else if x == f64::INFINITY {
                    never
                } else {
                    f64::NAN
                }
            }
        }
    }

    /// What the explained number is, in words.
    pub fn describe(&self) -> String {
        match self {
            Transform::Indicator { .. } => {
                "indicator: 1 if the path meets the target, else 0".to_owned()
            }
            Transform::Log => "natural log, as it is positive and heavy-tailed".to_owned(),
            Transform::Month { .. } => {
                "month index, a path where it never comes counting as the month after the \
                 horizon"
                    .to_owned()
            }
        }
    }
}

/// One outcome the design explains.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explained {
    /// The target's label, or the outcome's name.
    pub label: String,
    /// The outcome column it is computed from (as in `outcomes.csv`).
    pub column: String,
    pub transform: Transform,
    /// A target (true) or a headline outcome.
    pub target: bool,
}

/// The outcomes explained for `s`, targets first.
pub fn explained(s: &Scenario) -> Vec<Explained> {
    let names = outcome_names(s);
    let has = |c: &str| names.iter().any(|n| n == c);
    let month = |m: crate::scenario::Month| f64::from(m - s.start + 1);
    let mut out: Vec<Explained> = s
        .targets
        .iter()
        .map(|t| Explained {
            label: t.label.clone(),
            column: match t.year {
                Some(y) => format!("{}.{y}", t.metric),
                None => t.metric.clone(),
            },
            transform: Transform::Indicator {
                at_least: t.direction == Direction::AtLeast,
                threshold: match t.threshold {
                    Threshold::Number(x) => x,
                    Threshold::Month(m) => month(m),
                },
            },
            target: true,
        })
        .collect();
    let never = s.months() as f64 + 1.0;
    let year = s.horizon.year();
    let frontier = s.vendors.iter().find(|v| v.frontier);
    let mut headline = vec![
        ("collapse_factor".to_owned(), Transform::Log),
        ("month_100x".to_owned(), Transform::Month { never }),
    ];
    if let Some(v) = frontier {
        headline.push((format!("revenue.{}.{year}", v.name), Transform::Log));
    }
    headline.push(("volume_growth".to_owned(), Transform::Log));
    headline.push(("price_decline".to_owned(), Transform::Log));
    out.extend(
        headline
            .into_iter()
            .filter(|(c, _)| has(c))
            .map(|(column, transform)| Explained {
                label: column.clone(),
                column,
                transform,
                target: false,
            }),
    );
    out
}

/// The distinct outcome columns `explained` reads, in order of first use.
pub fn columns(explained: &[Explained]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for e in explained {
        if !out.contains(&e.column) {
            out.push(e.column.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transforms() {
        let at_least = Transform::Indicator {
            at_least: true,
            threshold: 100.0,
        };
        assert_eq!(at_least.apply(100.0), 1.0);
        assert_eq!(at_least.apply(99.0), 0.0);
        assert_eq!(at_least.apply(f64::NAN), 0.0);
        assert_eq!(at_least.apply(f64::INFINITY), 1.0);
        let by = Transform::Indicator {
            at_least: false,
            threshold: 36.0,
        };
        assert_eq!(
            by.apply(f64::INFINITY),
            0.0,
            "never is later than any month"
        );
        assert_eq!(by.apply(12.0), 1.0);
        assert_eq!(Transform::Log.apply(std::f64::consts::E), 1.0);
        assert!(Transform::Log.apply(0.0).is_nan() && Transform::Log.apply(-1.0).is_nan());
        let m = Transform::Month { never: 37.0 };
        assert_eq!((m.apply(5.0), m.apply(f64::INFINITY)), (5.0, 37.0));
        assert!(m.apply(f64::NAN).is_nan());
    }

    #[test]
    fn the_tiny_scenario_explains_its_target_and_the_headline_outcomes() {
        let s = crate::scenario::fixture::tiny();
        let e = explained(&s);
        let cols: Vec<&str> = e.iter().map(|e| e.column.as_str()).collect();
        assert_eq!(
            cols,
            [
                "collapse_factor",
                "collapse_factor",
                "month_100x",
                "revenue.Frontier.2027",
                "volume_growth",
                "price_decline"
            ]
        );
        assert!(e[0].target && !e[1].target);
        assert_eq!(columns(&e).len(), 5);
    }
}
