//! Calendar months (`"YYYY-MM"`), the unit of scenario dates.

use std::fmt;
use std::str::FromStr;

/// A calendar month. Ordered; `b - a` counts the months between them.
///
/// # Example
/// ```
/// use infercast::scenario::Month;
/// let start: Month = "2025-01".parse().unwrap();
/// let april: Month = "2026-04".parse().unwrap();
/// assert_eq!(april - start, 15);
/// assert_eq!(april.to_string(), "2026-04");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month(i32);

impl Month {
    /// The month `month` (1..=12) of `year`.
    pub fn new(year: i32, month: u32) -> Option<Self> {
        (1..=12)
            .contains(&month)
            .then(|| Month(year * 12 + month as i32 - 1))
    }

    /// Calendar year.
    pub fn year(self) -> i32 {
        self.0.div_euclid(12)
    }

    /// Month of the year, 1..=12.
    pub fn month(self) -> u32 {
        self.0.rem_euclid(12) as u32 + 1
    }

    /// Days from 1970-01-01 to the first day of this month: the month as a date in Arrow and
    /// Parquet (`date32`).
    pub fn epoch_days(self) -> i32 {
        // Days from civil (H. Hinnant's algorithm), for the first of the month.
        let (m, year) = (self.month() as i32, self.year());
        let y = if m <= 2 { year - 1 } else { year };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * ((m + 9) % 12) + 2) / 5;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The month `n` months later (earlier for negative `n`).
    pub fn plus(self, n: i32) -> Self {
        Month(self.0 + n)
    }
}

impl std::ops::Sub for Month {
    type Output = i32;
    fn sub(self, rhs: Month) -> i32 {
        self.0 - rhs.0
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year(), self.month())
    }
}

/// Why a date string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected a month as \"YYYY-MM\" (e.g. \"2026-04\"), found {0:?}")]
pub struct MonthError(pub String);

impl FromStr for Month {
    type Err = MonthError;
    fn from_str(s: &str) -> Result<Self, MonthError> {
        let err = || MonthError(s.to_owned());
        let (y, m) = s.split_once('-').ok_or_else(err)?;
        if y.len() != 4 || m.len() != 2 || !y.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        Month::new(y.parse().map_err(|_| err())?, m.parse().map_err(|_| err())?).ok_or_else(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_counts() {
        let a: Month = "2025-01".parse().unwrap();
        let b: Month = "2030-12".parse().unwrap();
        assert_eq!(b - a, 71);
        assert_eq!(b.year(), 2030);
        assert_eq!(b.month(), 12);
        assert_eq!(a.plus(14).to_string(), "2026-03");
        for bad in [
            "2025", "2025-13", "2025-00", "25-01", "2025-1", "2025/01", "abcd-ef", "",
        ] {
            assert!(bad.parse::<Month>().is_err(), "{bad}");
        }
    }
}
