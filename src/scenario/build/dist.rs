//! The distribution a raw number states.

use crate::scenario::dist::{
    Beta, Discrete, Dist, LogNormal, Normal, Pert, Shape, Triangular, Uniform,
};
use crate::scenario::error::did_you_mean;
use crate::scenario::raw::RawDist;

/// Builds the distribution a raw number states.
pub(crate) fn dist_of(raw: &RawDist) -> Result<Dist, String> {
    let fields: [(&str, bool); 16] = [
        ("value", raw.value.is_some()),
        ("mean", raw.mean.is_some()),
        ("sd", raw.sd.is_some()),
        ("median", raw.median.is_some()),
        ("p90", raw.p90.is_some()),
        ("mu", raw.mu.is_some()),
        ("sigma", raw.sigma.is_some()),
        ("low", raw.low.is_some()),
        ("mode", raw.mode.is_some()),
        ("high", raw.high.is_some()),
        ("alpha", raw.alpha.is_some()),
        ("beta", raw.beta.is_some()),
        ("p", raw.p.is_some()),
        ("values", raw.values.is_some()),
        ("weights", raw.weights.is_some()),
        ("", false),
    ];
    let (allowed, usage) = family(&raw.dist)?;
    if let Some((extra, _)) = fields
        .iter()
        .find(|(name, set)| *set && !allowed.contains(name))
    {
        return Err(format!(
            "`{extra}` does not belong to a {} distribution; write {usage}",
            raw.dist
        ));
    }
    let need =
        |x: Option<f64>, name: &str| x.ok_or_else(|| format!("missing `{name}`; write {usage}"));
    let shape = match raw.dist.as_str() {
        "fixed" => Ok(Shape::Fixed(need(raw.value, "value")?)),
        "normal" => Normal::new(need(raw.mean, "mean")?, need(raw.sd, "sd")?).map(Shape::Normal),
        "lognormal" => match (raw.median, raw.p90, raw.mu, raw.sigma) {
            (Some(m), Some(p), None, None) => {
                LogNormal::from_median_p90(m, p).map(Shape::LogNormal)
            }
            (None, None, Some(mu), Some(s)) => LogNormal::new(mu, s).map(Shape::LogNormal),
            _ => {
                return Err(format!(
                    "a lognormal takes `median` and `p90`, or `mu` and `sigma`; write {usage}"
                ));
            }
        },
        "uniform" => {
            Uniform::new(need(raw.low, "low")?, need(raw.high, "high")?).map(Shape::Uniform)
        }
        "triangular" => Triangular::new(
            need(raw.low, "low")?,
            need(raw.mode, "mode")?,
            need(raw.high, "high")?,
        )
        .map(Shape::Triangular),
        "pert" => Pert::new(
            need(raw.low, "low")?,
            need(raw.mode, "mode")?,
            need(raw.high, "high")?,
        )
        .map(Shape::Pert),
        "beta" => Beta::new(need(raw.alpha, "alpha")?, need(raw.beta, "beta")?).map(Shape::Beta),
        "bernoulli" => Shape::bernoulli(need(raw.p, "p")?),
        _ => match (&raw.values, &raw.weights) {
            (Some(v), Some(w)) => Discrete::new(v, w).map(Shape::Discrete),
            _ => {
                return Err(format!(
                    "a discrete distribution needs `values` and `weights`; write {usage}"
                ));
            }
        },
    }
    .map_err(|e| e.to_string())?;
    Dist::new(shape, raw.min, raw.max).map_err(|e| e.to_string())
}

/// The fields distribution family `dist` takes and how to write it, or the problem with an
/// unknown family.
fn family(dist: &str) -> Result<(&'static [&'static str], &'static str), String> {
    let (allowed, usage): (&'static [&'static str], &'static str) = match dist {
        "fixed" => (&["value"], "{ dist = \"fixed\", value }"),
        "normal" => (&["mean", "sd"], "{ dist = \"normal\", mean, sd }"),
        "lognormal" => (
            &["median", "p90", "mu", "sigma"],
            "{ dist = \"lognormal\", median, p90 } or { dist = \"lognormal\", mu, sigma }",
        ),
        "uniform" => (&["low", "high"], "{ dist = \"uniform\", low, high }"),
        "triangular" => (
            &["low", "mode", "high"],
            "{ dist = \"triangular\", low, mode, high }",
        ),
        "pert" => (
            &["low", "mode", "high"],
            "{ dist = \"pert\", low, mode, high }",
        ),
        "beta" => (&["alpha", "beta"], "{ dist = \"beta\", alpha, beta }"),
        "bernoulli" => (&["p"], "{ dist = \"bernoulli\", p }"),
        "discrete" => (
            &["values", "weights"],
            "{ dist = \"discrete\", values = [...], weights = [...] }",
        ),
        other => {
            let kinds = [
                "fixed",
                "normal",
                "lognormal",
                "uniform",
                "triangular",
                "pert",
                "beta",
                "bernoulli",
                "discrete",
            ];
            let hint = did_you_mean(other, kinds)
                .map(|h| format!(" ({h})"))
                .unwrap_or_default();
            return Err(format!(
                "unknown distribution {other:?}{hint}; expected one of {}",
                kinds.join(", ")
            ));
        }
    };
    Ok((allowed, usage))
}
