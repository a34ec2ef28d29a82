//! How numbers and names read wherever people read them: terminal tables, chart axes and
//! captions, HTML pages. One module, so every output writes the same value the same way.

use crate::analysis::Probability;
use crate::scenario::metrics::{self, Measure, ScalarKind, Series};

/// What a series measures: its axis label and how its values read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Unit {
    /// $ per task.
    PerTask,
    /// $ per million tokens.
    PerMTokens,
    /// Tokens per month.
    Tokens,
    /// $ per month.
    Dollars,
    /// $ per year (annual figures).
    DollarsYear,
    /// Tokens per year (annual figures).
    TokensYear,
    /// A share, 0..1, shown in %.
    Share,
    /// A share of a segment's firms, 0..1, shown in %.
    Firms,
    /// A share of a plan's subscribers, 0..1, shown in %.
    Subscribers,
    /// Gross margin, (revenue − cost) / revenue, shown in % (negative: a loss).
    Margin,
    /// A factor ("331x").
    Factor,
    /// Capability in frontier-years.
    Years,
    /// A plain number.
    Number,
}

impl Unit {
    /// The unit of a monthly series (annual: its annual figure) or a scalar outcome, from the
    /// tables of series kinds and scalars.
    pub fn of(series: &str, annual: bool) -> Unit {
        if let Some(kind) = Series::of(series) {
            return match (kind.kind().measure, annual) {
                (Measure::DollarsPerTask, _) => Unit::PerTask,
                (Measure::DollarsPerMTokens, _) => Unit::PerMTokens,
                (Measure::Tokens, true) => Unit::TokensYear,
                (Measure::Tokens, false) => Unit::Tokens,
                (Measure::Dollars, true) => Unit::DollarsYear,
                (Measure::Dollars, false) => Unit::Dollars,
                (Measure::Firms, _) => Unit::Firms,
                (Measure::Share, _) => Unit::Share,
                (Measure::FrontierYears, _) => Unit::Years,
            };
        }
        match metrics::scalar_kind(series) {
            Some(ScalarKind::Factor) => Unit::Factor,
            _ => Unit::Number,
        }
    }

    /// The unit of outcome column `outcome`: `<series>.<year>` is a series' annual figure.
    pub fn of_outcome(outcome: &str) -> Unit {
        match outcome.rsplit_once('.') {
            Some((series, y)) if y.parse::<i32>().is_ok() => Unit::of(series, true),
            _ => Unit::of(outcome, false),
        }
    }

    /// The axis label.
    pub fn axis(self) -> &'static str {
        match self {
            Unit::PerTask => "$ per task",
            Unit::PerMTokens => "$ per million tokens",
            Unit::Tokens => "tokens per month",
            Unit::TokensYear => "tokens per year",
            Unit::Dollars => "$ per month",
            Unit::DollarsYear => "$ per year",
            Unit::Share => "share (%)",
            Unit::Firms => "share of firms (%)",
            Unit::Subscribers => "share of subscribers (%)",
            Unit::Margin => "gross margin (% of revenue)",
            Unit::Factor => "factor (x)",
            Unit::Years => "frontier-years",
            Unit::Number => "value",
        }
    }

    /// A value for people, to three significant digits: `$280B`, `1.2T`, `45%`, `331x`,
    /// `20,800x`, `$3e-7`.
    pub fn format(self, x: f64) -> String {
        match self {
            Unit::PerTask | Unit::PerMTokens | Unit::Dollars | Unit::DollarsYear => {
                if x < 0.0 {
                    format!("-${}", number(-x))
                } else {
                    format!("${}", number(x))
                }
            }
            Unit::Share | Unit::Firms | Unit::Subscribers | Unit::Margin => {
                format!("{}%", number(100.0 * x))
            }
            Unit::Factor if (1e4..1e9).contains(&x) => {
                let digits = x.log10().floor() as i32 - 2;
                let rounded = (x / 10f64.powi(digits)).round() as u64 * 10u64.pow(digits as u32);
                format!("{}x", thousands(rounded))
            }
            Unit::Factor => format!("{}x", number(x)),
            _ => number(x),
        }
    }
}

/// A number to three significant digits with a k, M, B or T suffix; scientific below 1e-4 and
/// from 1e15.
pub fn number(x: f64) -> String {
    if !x.is_finite() {
        return "n/a".to_owned();
    }
    let a = x.abs();
    if a == 0.0 {
        return "0".to_owned();
    }
    if !(1e-4..1e15).contains(&a) {
        return format!("{x:.0e}");
    }
    let (v, suffix) = match a {
        a if a >= 1e12 => (x / 1e12, "T"),
        a if a >= 1e9 => (x / 1e9, "B"),
        a if a >= 1e6 => (x / 1e6, "M"),
        a if a >= 1e4 => (x / 1e3, "k"),
        _ => (x, ""),
    };
    let decimals = (2 - v.abs().log10().floor() as i32).max(0) as usize;
    let mut t = format!("{v:.decimals$}");
    if t.contains('.') {
        t = t.trim_end_matches('0').trim_end_matches('.').to_owned();
    }
    t + suffix
}

/// An integer with thousands separators: 20800 → "20,800".
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Formats a number for people: at most 4 significant digits, with thousands grouped by
/// SI-style suffixes for large magnitudes (1.2T, 280B, 3.5M, 12k).
pub fn human(x: f64) -> String {
    if !x.is_finite() {
        return format!("{x}");
    }
    let a = x.abs();
    let (v, suffix) = match a {
        a if a >= 1e12 => (x / 1e12, "T"),
        a if a >= 1e9 => (x / 1e9, "B"),
        a if a >= 1e6 => (x / 1e6, "M"),
        a if a >= 1e4 => (x / 1e3, "k"),
        _ => (x, ""),
    };
    let s = if v == 0.0 {
        "0".to_owned()
    } else if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 1.0 {
        format!("{:.3}", v)
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_owned()
    } else {
        let digits = (3 - v.abs().log10().floor() as i32).clamp(0, 12) as usize;
        format!("{v:.digits$}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_owned()
    };
    format!("{s}{suffix}")
}

/// Splits `text` into lines of at most `width` characters at spaces (a longer word gets a
/// line of its own).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Escapes text for HTML.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A probability in percent with one decimal: `45.3%`.
pub fn pct(p: f64) -> String {
    format!("{:.1}%", 100.0 * p)
}

/// A probability's 95% Wilson interval: `41.0% – 49.6%`.
pub fn interval(p: &Probability) -> String {
    format!("{} – {}", pct(p.wilson95[0]), pct(p.wilson95[1]))
}

/// A probability with its interval in parentheses: `45.3% (41.0–49.6%)`.
pub fn pct_with_interval(p: &Probability) -> String {
    format!(
        "{:.1}% ({:.1}–{:.1}%)",
        100.0 * p.probability,
        100.0 * p.wilson95[0],
        100.0 * p.wilson95[1]
    )
}

/// A difference in an outcome's unit, with its sign.
pub fn signed(outcome: &str, x: f64) -> String {
    let unit = Unit::of_outcome(outcome);
    if x < 0.0 {
        format!("−{}", unit.format(-x))
    } else {
        format!("+{}", unit.format(x))
    }
}

/// `text` cut to `width` characters, with `…` where it was cut.
pub fn cut(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_owned()
    } else {
        let mut t: String = text.chars().take(width - 1).collect();
        t.push('…');
        t
    }
}

/// A plan's decision variable set to `value`, in words: `fee $140`, `weekly cap 30M tokens`.
pub fn term(variable: &str, value: f64) -> String {
    match variable {
        "fee" => format!("fee {}", Unit::Dollars.format(value)),
        "included" => format!("{}M tokens included", number(value)),
        "credits" => format!(
            "{} of usage at API prices included",
            Unit::Dollars.format(value)
        ),
        "cap" => format!("cap {}M tokens a month", number(value)),
        "weekly_cap" => format!("weekly cap {}M tokens", number(value)),
        "overage" => format!("overage {} per M tokens", Unit::PerMTokens.format(value)),
        other => format!("{other} {}", number(value)),
    }
}

/// Terms in words, joined: `fee $140, weekly cap 30M tokens`.
pub fn terms(values: &[crate::analysis::TermValue]) -> String {
    values
        .iter()
        .map(|t| term(&t.variable, t.value))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A person's name for a series: `revenue.OpenAI` → "OpenAI revenue".
pub fn series_title(series: &str) -> String {
    let (base, who) = series.split_once('.').unwrap_or((series, ""));
    let what = Series::of(series).map_or(base, |k| k.kind().title);
    if who.is_empty() {
        let mut c = what.chars();
        c.next()
            .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
            .unwrap_or_default()
    } else {
        format!("{who} {what}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_read_like_people_write_them() {
        assert_eq!(Unit::DollarsYear.format(280e9), "$280B");
        assert_eq!(Unit::Tokens.format(1.2e12), "1.2T");
        assert_eq!(Unit::Share.format(0.45), "45%");
        assert_eq!(Unit::Factor.format(331.0), "331x");
        assert_eq!(Unit::Factor.format(20_799.0), "20,800x");
        assert_eq!(Unit::Factor.format(98.596), "98.6x");
        assert_eq!(Unit::DollarsYear.format(1.097e9), "$1.1B");
        assert_eq!(Unit::PerTask.format(1e-7), "$1e-7");
        assert_eq!(Unit::PerTask.format(0.0123), "$0.0123");
        assert_eq!(number(1049.0), "1049");
        assert_eq!(number(3e16), "3e16");
        assert_eq!(Unit::of("revenue.OpenAI", true), Unit::DollarsYear);
        assert_eq!(Unit::of("price.OpenAI", false), Unit::PerMTokens);
        assert_eq!(series_title("revenue.OpenAI"), "OpenAI revenue");
        assert_eq!(series_title("price_blended"), "Blended price");
    }

    #[test]
    fn wraps_at_spaces() {
        assert_eq!(wrap("aa bb cc", 5), ["aa bb", "cc"]);
        assert_eq!(wrap("", 5), Vec::<String>::new());
        assert_eq!(wrap("abcdefgh ij", 5), ["abcdefgh", "ij"]);
    }

    #[test]
    fn human_numbers() {
        assert_eq!(human(1.2e12), "1.2T");
        assert_eq!(human(280e9), "280B");
        assert_eq!(human(3.5e6), "3.5M");
        assert_eq!(human(12_000.0), "12k");
        assert_eq!(human(1500.0), "1500");
        assert_eq!(human(0.14), "0.14");
        assert_eq!(human(0.000123456), "0.0001235");
        assert_eq!(human(2.0), "2");
        assert_eq!(human(0.0), "0");
    }
}
