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
    /// `20,800x`, `$0.0000003`, `−$1.2B`.
    pub fn format(self, x: f64) -> String {
        match self {
            Unit::PerTask | Unit::PerMTokens | Unit::Dollars | Unit::DollarsYear => {
                if x < 0.0 && -x >= NOISE {
                    format!("{MINUS}${}", number(-x))
                } else {
                    format!("${}", number(x.abs()))
                }
            }
            Unit::Factor if (1e4..1e9).contains(&x) => {
                let digits = x.log10().floor() as i32 - 2;
                let rounded = (x / 10f64.powi(digits)).round() as u64 * 10u64.pow(digits as u32);
                format!("{}x", thousands(rounded))
            }
            Unit::Share | Unit::Firms | Unit::Subscribers | Unit::Margin
                if (100.0 * x).abs() < 0.005 =>
            {
                "0%".to_owned()
            }
            Unit::Share | Unit::Firms | Unit::Subscribers | Unit::Margin => {
                format!("{}%", number(100.0 * x))
            }
            Unit::Factor => format!("{}x", number(x)),
            _ => number(x),
        }
    }
}

/// The minus sign people read (U+2212), the same in every table, caption and page.
pub const MINUS: char = '−';

/// Values nearer zero than this are float noise (a difference of equal sums, `4.3e-19`) and
/// read as 0.
pub const NOISE: f64 = 1e-12;

/// A number to three significant digits with a k, M, B or T suffix and thousands separators
/// (`1,050`, `12.3k`, `1,500T`); small values in plain decimals (`0.000123`), never in
/// scientific notation; `−` for negatives; 0 for float noise (|x| < [`NOISE`]).
pub fn number(x: f64) -> String {
    if !x.is_finite() {
        return "n/a".to_owned();
    }
    let a = x.abs();
    if a < NOISE {
        return "0".to_owned();
    }
    let sign = if x < 0.0 {
        MINUS.to_string()
    } else {
        String::new()
    };
    // Three significant digits first, so that rounding up picks the larger suffix (999,999
    // reads 1M, not 1000k).
    let unit = 10f64.powi(a.log10().floor() as i32 - 2);
    let a = (a / unit).round() * unit;
    let (v, suffix) = match a {
        a if a >= 1e12 => (a / 1e12, "T"),
        a if a >= 1e9 => (a / 1e9, "B"),
        a if a >= 1e6 => (a / 1e6, "M"),
        a if a >= 1e4 => (a / 1e3, "k"),
        _ => (a, ""),
    };
    let body = if v >= 1000.0 {
        thousands(v.round() as u64)
    } else {
        let decimals = (2 - v.log10().floor() as i32).max(0) as usize;
        let mut t = format!("{v:.decimals$}");
        if t.contains('.') {
            t = t.trim_end_matches('0').trim_end_matches('.').to_owned();
        }
        t
    };
    format!("{sign}{body}{suffix}")
}

/// An integer with thousands separators: 20800 → "20,800".
pub fn thousands(n: u64) -> String {
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
/// SI-style suffixes for large magnitudes (1.2T, 280B, 3.5M, 12k), separators below them
/// (`1,500`), plain decimals for small values (never scientific notation), `−` for negatives
/// and 0 for float noise.
pub fn human(x: f64) -> String {
    if !x.is_finite() {
        return "n/a".to_owned();
    }
    let a = x.abs();
    if a < NOISE {
        return "0".to_owned();
    }
    let sign = if x < 0.0 {
        MINUS.to_string()
    } else {
        String::new()
    };
    let (v, suffix) = match a {
        a if a >= 1e12 => (a / 1e12, "T"),
        a if a >= 1e9 => (a / 1e9, "B"),
        a if a >= 1e6 => (a / 1e6, "M"),
        a if a >= 1e4 => (a / 1e3, "k"),
        _ => (a, ""),
    };
    let s = if v >= 100.0 {
        thousands(v.round() as u64)
    } else if v >= 1.0 {
        format!("{:.3}", v)
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_owned()
    } else {
        let digits = (3 - v.log10().floor() as i32).clamp(0, 15) as usize;
        format!("{v:.digits$}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_owned()
    };
    format!("{sign}{s}{suffix}")
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

/// A probability in percent: one decimal (`45.3%`), two where one would round a probability
/// that is not 0 or 1 to `0.0%` or `100.0%` (`99.96%`), and `< 0.01%` / `> 99.99%` beyond;
/// exactly 0 and 1 read `0%` and `100%`.
pub fn pct(p: f64) -> String {
    if !p.is_finite() {
        return "n/a".to_owned();
    }
    // Within float noise of 0 or 1 (a Wilson bound of an all-or-nothing count) is 0 or 1.
    if p <= NOISE {
        return "0%".to_owned();
    }
    if p >= 1.0 - NOISE {
        return "100%".to_owned();
    }
    let x = 100.0 * p;
    let one = format!("{x:.1}");
    if one != "0.0" && one != "100.0" {
        return format!("{one}%");
    }
    let two = format!("{x:.2}");
    match two.as_str() {
        "0.00" => "< 0.01%".to_owned(),
        "100.00" => "> 99.99%".to_owned(),
        _ => format!("{two}%"),
    }
}

/// A probability's 95% Wilson interval: `41.0% – 49.6%`.
pub fn interval(p: &Probability) -> String {
    format!("{} – {}", pct(p.wilson95[0]), pct(p.wilson95[1]))
}

/// A probability with its interval in parentheses: `45.3% (41.0% – 49.6%)`.
pub fn pct_with_interval(p: &Probability) -> String {
    format!("{} ({})", pct(p.probability), interval(p))
}

/// A difference in an outcome's unit, with its sign.
pub fn signed(outcome: &str, x: f64) -> String {
    let unit = Unit::of_outcome(outcome);
    if x < 0.0 && -x >= NOISE {
        format!("{MINUS}{}", unit.format(-x))
    } else {
        format!("+{}", unit.format(x))
    }
}

/// A terminal table within `width` columns that cuts no cell: the first column left-aligned,
/// the others right-aligned, each as wide as its widest cell. When a row would be wider than
/// `width`, every row's first cell gets a line of its own and the other cells follow on the
/// next line, indented by two spaces.
pub fn table(headers: &[&str], rows: &[Vec<String>], width: usize) -> String {
    let len = |t: &str| t.chars().count();
    let n = headers.len();
    let widths: Vec<usize> = (0..n)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|t| len(t))
                .chain([len(headers[c])])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let total = widths.iter().sum::<usize>() + 2 * n.saturating_sub(1);
    let stacked = total > width;
    let rest = |cells: &mut dyn Iterator<Item = &str>| -> String {
        cells
            .zip(&widths[1..])
            .map(|(t, w)| format!("{}{t}", " ".repeat(w - len(t))))
            .collect::<Vec<String>>()
            .join("  ")
    };
    let mut out = String::new();
    let line = |first: &str, cells: Vec<&str>, out: &mut String| {
        if stacked {
            out.push_str(first.trim_end());
            out.push_str("\n  ");
            out.push_str(&rest(&mut cells.into_iter()));
        } else {
            out.push_str(&format!("{first}{}", " ".repeat(widths[0] - len(first))));
            out.push_str("  ");
            out.push_str(&rest(&mut cells.into_iter()));
        }
        out.push('\n');
    };
    line(headers[0], headers[1..].to_vec(), &mut out);
    let rule = if stacked { total - widths[0] } else { total };
    out.push_str(&"─".repeat(rule.min(width)));
    out.push('\n');
    for r in rows {
        let cells: Vec<&str> = (1..n)
            .map(|c| r.get(c).map_or("", String::as_str))
            .collect();
        line(r.first().map_or("", String::as_str), cells, &mut out);
    }
    out
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
        assert_eq!(Unit::PerTask.format(1e-7), "$0.0000001");
        assert_eq!(Unit::PerTask.format(3e-6), "$0.000003");
        assert_eq!(Unit::PerTask.format(0.0123), "$0.0123");
        assert_eq!(Unit::Dollars.format(-1.23e9), "−$1.23B");
        assert_eq!(Unit::Dollars.format(-4.3e-19), "$0");
        assert_eq!(Unit::Share.format(-1e-16), "0%");
        assert_eq!(Unit::Margin.format(-0.25), "−25%");
        assert_eq!(number(1049.0), "1,050");
        assert_eq!(number(1234.0), "1,230");
        assert_eq!(number(3e16), "30,000T");
        assert_eq!(number(1e18), "1,000,000T");
        assert_eq!(number(999_999.0), "1M");
        assert_eq!(number(-2.5e6), "−2.5M");
        assert_eq!(number(4.3e-19), "0");
        assert_eq!(Unit::of("revenue.OpenAI", true), Unit::DollarsYear);
        assert_eq!(Unit::of("price.OpenAI", false), Unit::PerMTokens);
        assert_eq!(series_title("revenue.OpenAI"), "OpenAI revenue");
        assert_eq!(series_title("price_blended"), "Blended price");
    }

    #[test]
    fn percentages_keep_the_decimals_that_matter() {
        assert_eq!(pct(0.453), "45.3%");
        assert_eq!(pct(0.9996), "99.96%");
        assert_eq!(pct(0.999_99), "> 99.99%");
        assert_eq!(pct(0.0004), "0.04%");
        assert_eq!(pct(1e-7), "< 0.01%");
        assert_eq!(pct(0.0), "0%");
        assert_eq!(pct(1.0), "100%");
    }

    #[test]
    fn no_scientific_notation_at_any_magnitude() {
        for e in -20..22 {
            for m in [1.0, 2.5, 9.99] {
                let x = m * 10f64.powi(e);
                for t in [number(x), number(-x), human(x), Unit::PerTask.format(x)] {
                    assert!(
                        !t.contains('e') && !t.contains('E') && !t.contains('-'),
                        "{x}: {t}"
                    );
                }
            }
        }
    }

    #[test]
    fn tables_fit_their_width_without_cutting() {
        let rows = vec![vec!["a".to_owned(), "1".to_owned()]];
        assert_eq!(
            table(&["name", "v"], &rows, 100),
            "name  v\n───────\na     1\n"
        );
        let long = "x".repeat(60);
        let rows = vec![vec![long.clone(), "y".repeat(50)]];
        let t = table(&["name", "value"], &rows, 100);
        assert!(t.contains(&long) && t.contains(&"y".repeat(50)), "{t}");
        assert!(t.lines().all(|l| l.chars().count() <= 100), "{t}");
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
        assert_eq!(human(1500.0), "1,500");
        assert_eq!(human(2.5e15), "2,500T");
        assert_eq!(human(-3.0), "−3");
        assert_eq!(human(4.3e-19), "0");
        assert_eq!(human(0.14), "0.14");
        assert_eq!(human(0.000123456), "0.0001235");
        assert_eq!(human(2.0), "2");
        assert_eq!(human(0.0), "0");
    }
}
