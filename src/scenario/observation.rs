//! `[[observation]]`: what has been observed of a path's outcome, and how precisely. A path is
//! weighted by the likelihood of the observations given its value of each metric (DESIGN.md
//! §7). Every log-likelihood here is relative to its largest possible value (0, reached when
//! the path reproduces the observation exactly, or lies within a bound), so a path's total
//! log-likelihood is ≤ 0: that makes its weight a number in [0, 1]
//! ([`crate::stats::weights`]).

use super::month::Month;

/// Where a metric is observed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ObservedAt {
    /// The annual figure of a monthly series in a calendar year.
    Year(i32),
    /// A monthly series' value in one month.
    Month(Month),
    /// A scalar of the whole path.
    Path,
}

/// The size of a measurement error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Spread {
    /// Lognormal: the value is known to about `sd_log` (0.15 ≈ ±15%).
    Log(f64),
    /// Normal: the value is known to about `sd`, in the metric's own units.
    Abs(f64),
}

impl Spread {
    /// The error's size (`sd_log` or `sd`).
    pub fn size(self) -> f64 {
        match self {
            Spread::Log(x) | Spread::Abs(x) => x,
        }
    }
}

/// What was observed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Evidence {
    /// A value, with a measurement error.
    Point { value: f64, spread: Spread },
    /// At least `bound`: hard (`soft` none) or with a lognormal shortfall `soft`.
    AtLeast { bound: f64, soft: Option<f64> },
    /// At most `bound`.
    AtMost { bound: f64, soft: Option<f64> },
    /// Between `low` and `high`.
    Between {
        low: f64,
        high: f64,
        soft: Option<f64>,
    },
}

/// A validated `[[observation]]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    pub name: String,
    pub metric: String,
    pub at: ObservedAt,
    /// Values of month scalars are 1-based month indices (a month that never comes is +∞).
    pub evidence: Evidence,
    /// The comment on (or above) the entry's lines: its source.
    pub source: Option<String>,
}

/// `−z²/2` for the shortfall of `x` beyond `bound` on a log scale (0 when not beyond it).
fn log_shortfall(x: f64, bound: f64, beyond: bool, soft: Option<f64>) -> f64 {
    if !beyond {
        return 0.0;
    }
    match soft {
        None => f64::NEG_INFINITY,
        Some(sd) if x > 0.0 && bound > 0.0 && x.is_finite() => {
            let z = (x / bound).ln() / sd;
            -0.5 * z * z
        }
        Some(_) => f64::NEG_INFINITY,
    }
}

impl Observation {
    /// The log-likelihood of the observation for a path whose metric is `x`, relative to its
    /// maximum (so ≤ 0). A path without a value (NaN: a price before launch) cannot reproduce
    /// the observation: −∞. For a bound, +∞ ("never" for a month) is a value like any other.
    pub fn log_likelihood(&self, x: f64) -> f64 {
        if x.is_nan() {
            return f64::NEG_INFINITY;
        }
        match self.evidence {
            Evidence::Point { value, spread } => {
                let z = match spread {
                    Spread::Log(sd) if x > 0.0 => (x / value).ln() / sd,
                    Spread::Log(_) => return f64::NEG_INFINITY,
                    Spread::Abs(sd) => (x - value) / sd,
                };
                if z.is_finite() {
                    -0.5 * z * z
                } else {
                    f64::NEG_INFINITY
                }
            }
            Evidence::AtLeast { bound, soft } => log_shortfall(x, bound, x < bound, soft),
            Evidence::AtMost { bound, soft } => log_shortfall(x, bound, x > bound, soft),
            Evidence::Between { low, high, soft } => {
                log_shortfall(x, low, x < low, soft) + log_shortfall(x, high, x > high, soft)
            }
        }
    }

    /// The outcome column that holds the observed metric: `metric.year` for an annual figure,
    /// `metric.YYYY-MM` for a month's value, `metric` for a scalar.
    pub fn column(&self) -> String {
        match self.at {
            ObservedAt::Year(y) => format!("{}.{y}", self.metric),
            ObservedAt::Month(m) => format!("{}.{m}", self.metric),
            ObservedAt::Path => self.metric.clone(),
        }
    }

    /// The observed value, or the middle of the observed range: where the report draws it.
    pub fn central(&self) -> f64 {
        match self.evidence {
            Evidence::Point { value, .. } => value,
            Evidence::AtLeast { bound, .. } | Evidence::AtMost { bound, .. } => bound,
            Evidence::Between { low, high, .. } => {
                if low > 0.0 {
                    (low * high).sqrt()
                } else {
                    (low + high) / 2.0
                }
            }
        }
    }
}

/// Builds the validated observations of a scenario from its raw entries; problems go to
/// `problems`. `node(i)` is entry `i`'s node; `series` the scenario's monthly series names.
pub(super) fn build_all<'n>(
    raw: &[super::raw::RawObservation],
    node: &dyn Fn(usize) -> Option<&'n super::source::Node>,
    series: &[String],
    (start, horizon): (Month, Month),
    problems: &mut Vec<super::error::Problem>,
) -> Vec<Observation> {
    let mut out = Vec::new();
    for (i, o) in raw.iter().enumerate() {
        let entry = node(i);
        let at = |key: &str| entry.and_then(|n| n.get(key)).map(|n| n.loc.clone());
        let field = |key: &str| format!("observation.{}.{key}", o.name);
        let mut problem = |key: &str, msg: String| {
            let loc = at(key).or_else(|| entry.map(|n| n.loc.clone()));
            problems.push(super::error::Problem::at(loc, field(key), msg));
        };
        let Some(when) = observed_at(o, series, (start, horizon), &mut problem) else {
            continue;
        };
        let month_valued = metrics_is_month(&o.metric);
        let Some(evidence) = evidence(o, month_valued, start, &mut problem) else {
            continue;
        };
        let source = ["value", "at_least", "at_most", "low", "high", "metric"]
            .iter()
            .find_map(|k| entry.and_then(|n| n.get(k)).and_then(|n| n.source.clone()))
            .or_else(|| entry.and_then(|n| n.source.clone()));
        out.push(Observation {
            name: o.name.clone(),
            metric: o.metric.clone(),
            at: when,
            evidence,
            source,
        });
    }
    out
}

fn metrics_is_month(metric: &str) -> bool {
    super::metrics::is_month(metric)
}

/// Where the observation's metric is observed, checked against the scenario.
fn observed_at(
    o: &super::raw::RawObservation,
    series: &[String],
    (start, horizon): (Month, Month),
    problem: &mut dyn FnMut(&str, String),
) -> Option<ObservedAt> {
    let is_series = series.contains(&o.metric);
    let is_scalar = super::metrics::scalar_kind(&o.metric).is_some();
    if !is_series && !is_scalar {
        let all = series
            .iter()
            .map(String::as_str)
            .chain(super::metrics::scalars().map(|m| -> &str { m }));
        let hint =
            super::error::did_you_mean(&o.metric, all).map_or(String::new(), |h| format!("; {h}"));
        problem(
            "metric",
            format!(
                "unknown metric {:?}: expected a monthly series or a scalar, as for a [[target]]{hint}",
                o.metric
            ),
        );
        return None;
    }
    match (is_series, o.year, &o.month) {
        (false, None, None) => Some(ObservedAt::Path),
        (false, _, _) => {
            let key = if o.year.is_some() { "year" } else { "month" };
            problem(
                key,
                format!(
                    "`{}` is a scalar of the whole path and takes no `year` or `month`",
                    o.metric
                ),
            );
            None
        }
        (true, Some(_), Some(_)) | (true, None, None) => {
            problem(
                "metric",
                format!(
                    "`{}` is a monthly series: give exactly one of `year` (its annual figure) and `month` (one month's value)",
                    o.metric
                ),
            );
            None
        }
        (true, Some(y), None) if y < start.year() || y > horizon.year() => {
            problem(
                "year",
                format!(
                    "expected a year from {} to {} (the simulated years), found {y}",
                    start.year(),
                    horizon.year()
                ),
            );
            None
        }
        (true, Some(y), None) => Some(ObservedAt::Year(y)),
        (true, None, Some(text)) => match text.parse::<Month>() {
            Ok(m) if m >= start && m <= horizon => Some(ObservedAt::Month(m)),
            Ok(m) => {
                problem(
                    "month",
                    format!(
                        "expected a month from {start} to {horizon} (the simulated months), found {m}"
                    ),
                );
                None
            }
            Err(e) => {
                problem("month", e.to_string());
                None
            }
        },
    }
}

/// A number, or for a month metric a month `"YYYY-MM"` as its 1-based index.
fn number(
    raw: &super::raw::RawThreshold,
    month_valued: bool,
    start: Month,
    key: &str,
    problem: &mut dyn FnMut(&str, String),
) -> Option<f64> {
    use super::raw::RawThreshold;
    match (raw, month_valued) {
        (RawThreshold::Number(x), false) if x.is_finite() => Some(*x),
        (RawThreshold::Number(x), false) => {
            problem(key, format!("expected a finite number, found {x}"));
            None
        }
        (RawThreshold::Month(text), true) => match text.parse::<Month>() {
            Ok(m) => Some(f64::from(m - start + 1)),
            Err(e) => {
                problem(key, e.to_string());
                None
            }
        },
        (_, true) => {
            problem(key, "expected a month such as \"2026-06\"".to_owned());
            None
        }
        (RawThreshold::Month(text), false) => {
            problem(key, format!("expected a number, found the string {text:?}"));
            None
        }
    }
}

/// The size of an error, checked: finite and positive (or, for `sd_log` on a bound, 0 for a
/// hard bound).
fn spread(
    value: Option<f64>,
    key: &str,
    zero_ok: bool,
    problem: &mut dyn FnMut(&str, String),
) -> Option<Option<f64>> {
    match value {
        None => Some(None),
        Some(x) if x == 0.0 && zero_ok => Some(None),
        Some(x) if x.is_finite() && x > 0.0 => Some(Some(x)),
        Some(x) => {
            let what = if zero_ok {
                "≥ 0 (0: a hard bound)"
            } else {
                "> 0"
            };
            problem(key, format!("expected an error size {what}, found {x}"));
            None
        }
    }
}

/// What was observed, checked: exactly one of a value (with `sd_log` or `sd`), a bound or an
/// interval (each hard, or soft with `sd_log`).
fn evidence(
    o: &super::raw::RawObservation,
    month_valued: bool,
    start: Month,
    problem: &mut dyn FnMut(&str, String),
) -> Option<Evidence> {
    let given: Vec<&str> = [
        ("value", o.value.is_some()),
        ("at_least", o.at_least.is_some()),
        ("at_most", o.at_most.is_some()),
        ("low", o.low.is_some() || o.high.is_some()),
    ]
    .iter()
    .filter(|(_, g)| *g)
    .map(|(k, _)| *k)
    .collect();
    if given.len() != 1 {
        problem(
            given.get(1).copied().unwrap_or("value"),
            format!(
                "an observation states exactly one of `value`, `at_least`, `at_most` or `low` and `high`; found {}",
                if given.is_empty() {
                    "none".to_owned()
                } else {
                    given
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            ),
        );
        return None;
    }
    let mut num = |raw: &Option<super::raw::RawThreshold>, key: &str| {
        raw.as_ref()
            .and_then(|r| number(r, month_valued, start, key, problem))
    };
    let evidence = match given[0] {
        "value" => {
            let value = num(&o.value, "value")?;
            let log = spread(o.sd_log, "sd_log", false, problem)?;
            let abs = spread(o.sd, "sd", false, problem)?;
            let spread = match (log, abs) {
                (Some(sd), None) => Spread::Log(sd),
                (None, Some(sd)) => Spread::Abs(sd),
                _ => {
                    problem("value", "an observed value needs its error: exactly one of `sd_log` (lognormal, relative: 0.15 ≈ ±15%) or `sd` (normal, in the metric's units); a value known exactly is never reproduced by a continuous outcome".to_owned());
                    return None;
                }
            };
            Evidence::Point { value, spread }
        }
        "at_least" => Evidence::AtLeast {
            bound: num(&o.at_least, "at_least")?,
            soft: spread(o.sd_log, "sd_log", true, problem)?,
        },
        "at_most" => Evidence::AtMost {
            bound: num(&o.at_most, "at_most")?,
            soft: spread(o.sd_log, "sd_log", true, problem)?,
        },
        _ => {
            let (Some(low), Some(high)) = (num(&o.low, "low"), num(&o.high, "high")) else {
                problem("low", "an interval needs both `low` and `high`".to_owned());
                return None;
            };
            if low >= high || low.is_nan() || high.is_nan() {
                problem(
                    "high",
                    format!("expected `high` above `low` ({low}), found {high}"),
                );
                return None;
            }
            Evidence::Between {
                low,
                high,
                soft: spread(o.sd_log, "sd_log", true, problem)?,
            }
        }
    };
    if given[0] != "value" && o.sd.is_some() {
        problem("sd", "a bound's softness is given by `sd_log` (relative); `sd` goes with an observed `value`".to_owned());
        return None;
    }
    check_signs(&evidence, problem)?;
    Some(evidence)
}

/// A lognormal error, or a soft bound, needs positive values.
fn check_signs(e: &Evidence, problem: &mut dyn FnMut(&str, String)) -> Option<()> {
    let (key, x) = match *e {
        Evidence::Point {
            value,
            spread: Spread::Log(_),
        } => ("value", value),
        Evidence::AtLeast {
            bound,
            soft: Some(_),
        } => ("at_least", bound),
        Evidence::AtMost {
            bound,
            soft: Some(_),
        } => ("at_most", bound),
        Evidence::Between {
            low, soft: Some(_), ..
        } => ("low", low),
        _ => return Some(()),
    };
    if x > 0.0 {
        Some(())
    } else {
        problem(
            key,
            format!(
                "a lognormal error (`sd_log`) is relative: expected a value above 0, found {x}; use `sd` for a value that may be 0 or negative"
            ),
        );
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(evidence: Evidence) -> Observation {
        Observation {
            name: "x".to_owned(),
            metric: "revenue.OpenAI".to_owned(),
            at: ObservedAt::Year(2025),
            evidence,
            source: None,
        }
    }

    #[test]
    fn log_likelihoods_by_hand() {
        let point = obs(Evidence::Point {
            value: 10.0,
            spread: Spread::Log(0.5),
        });
        assert_eq!(point.log_likelihood(10.0), 0.0);
        let z = (20f64 / 10.0).ln() / 0.5;
        assert!((point.log_likelihood(20.0) + z * z / 2.0).abs() < 1e-15);
        assert_eq!(point.log_likelihood(0.0), f64::NEG_INFINITY);
        assert_eq!(point.log_likelihood(f64::NAN), f64::NEG_INFINITY);
        let normal = obs(Evidence::Point {
            value: 10.0,
            spread: Spread::Abs(2.0),
        });
        assert_eq!(normal.log_likelihood(6.0), -2.0);
        assert_eq!(normal.log_likelihood(-6.0), -32.0);
        let hard = obs(Evidence::AtLeast {
            bound: 5.0,
            soft: None,
        });
        assert_eq!(hard.log_likelihood(5.0), 0.0);
        assert_eq!(hard.log_likelihood(4.99), f64::NEG_INFINITY);
        assert_eq!(hard.log_likelihood(f64::INFINITY), 0.0);
        let soft = obs(Evidence::AtMost {
            bound: 5.0,
            soft: Some(0.1),
        });
        assert_eq!(soft.log_likelihood(1.0), 0.0);
        let z = (10f64 / 5.0).ln() / 0.1;
        assert!((soft.log_likelihood(10.0) + z * z / 2.0).abs() < 1e-12);
        let range = obs(Evidence::Between {
            low: 2.0,
            high: 8.0,
            soft: None,
        });
        assert_eq!(range.log_likelihood(3.0), 0.0);
        assert_eq!(range.log_likelihood(9.0), f64::NEG_INFINITY);
        assert_eq!(range.central(), 4.0);
    }
}
