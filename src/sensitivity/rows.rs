//! The outcomes of a design's paths, in path order: the outcome columns the design explains,
//! one set per path. A shard holds a contiguous range of paths (its first and last design rows
//! may be partial); shards are appended in path order, and only whole rows are analysed.

use crate::stats::sobol::SobolRows;
use std::io;

/// The explained outcome columns of a contiguous range of design paths.
#[derive(Debug, Clone, PartialEq)]
pub struct DesignRows {
    names: Vec<String>,
    per_row: u64,
    first: u64,
    /// Path-major: the values of path `first + i` at `i * width..`.
    values: Vec<f64>,
    /// Whether each path has run (an interrupted run leaves gaps).
    present: Vec<bool>,
}

impl DesignRows {
    /// Empty, for outcome columns `names`, `per_row` paths per design row, from design path
    /// `first` on.
    pub fn new(names: Vec<String>, per_row: u64, first: u64) -> Self {
        Self {
            names,
            per_row,
            first,
            values: Vec::new(),
            present: Vec::new(),
        }
    }

    /// The outcome columns.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The first design path of the range.
    pub fn first(&self) -> u64 {
        self.first
    }

    /// One past the last design path of the range.
    pub fn end(&self) -> u64 {
        self.first + self.present.len() as u64
    }

    /// Paths that ran.
    pub fn paths(&self) -> u64 {
        self.present.iter().filter(|p| **p).count() as u64
    }

    /// Stores the values of design path `path` (at or after `first`).
    pub fn put(&mut self, path: u64, values: &[f64]) {
        assert_eq!(values.len(), self.names.len(), "one value per column");
        let i = (path - self.first) as usize;
        let w = self.names.len();
        if i >= self.present.len() {
            self.present.resize(i + 1, false);
            self.values.resize((i + 1) * w, f64::NAN);
        }
        self.present[i] = true;
        self.values[i * w..(i + 1) * w].copy_from_slice(values);
    }

    /// Appends the paths of `other`, which must start where these end and have the same
    /// columns.
    pub fn append(&mut self, other: &DesignRows) -> Result<(), String> {
        if other.names != self.names || other.per_row != self.per_row {
            return Err("the rows have other columns or another design".to_owned());
        }
        if other.first != self.end() {
            return Err(format!(
                "paths from {} appended where path {} was next",
                other.first,
                self.end()
            ));
        }
        self.values.extend_from_slice(&other.values);
        self.present.extend_from_slice(&other.present);
        Ok(())
    }

    /// The values of design path `path`, if it ran.
    pub fn get(&self, path: u64) -> Option<&[f64]> {
        let i = path.checked_sub(self.first)? as usize;
        let w = self.names.len();
        (*self.present.get(i)?).then(|| &self.values[i * w..(i + 1) * w])
    }

    /// The design rows whose every path ran, in order.
    pub fn whole_rows(&self) -> impl Iterator<Item = u64> + '_ {
        let per = self.per_row;
        (self.first.div_ceil(per)..self.end() / per)
            .filter(move |r| (r * per..(r + 1) * per).all(|p| self.get(p).is_some()))
    }

    /// Number of whole design rows.
    pub fn rows(&self) -> u64 {
        self.whole_rows().count() as u64
    }

    /// Column `c` of every whole row, each value mapped by `f`, as the estimator's rows
    /// (f(A), f(B), then f(AB_j) for each group, the model's randomness last).
    pub fn sobol_rows(&self, c: usize, f: impl Fn(f64) -> f64) -> SobolRows {
        let groups = self.per_row as usize - 2;
        let mut out = SobolRows::new(groups);
        let mut row = vec![0.0; self.per_row as usize];
        for r in self.whole_rows() {
            for (m, y) in row.iter_mut().enumerate() {
                *y = f(self.get(r * self.per_row + m as u64).expect("whole row")[c]);
            }
            out.push_row(row[0], row[1], &row[2..]);
        }
        out
    }

    /// The rows as CSV: `path`, `row`, `run` (`A`, `B`, `AB<j>` for input group j from 0,
    /// `ABmodel`), then the columns; a number in its shortest exact form, `inf` or `-inf`, and
    /// empty for NaN. Paths that did not run are left out.
    pub fn to_csv(&self) -> io::Result<Vec<u8>> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut header = vec!["path".to_owned(), "row".to_owned(), "run".to_owned()];
        header.extend(self.names.iter().cloned());
        w.write_record(&header)?;
        let k = self.per_row - 3;
        for path in self.first..self.end() {
            let Some(values) = self.get(path) else {
                continue;
            };
            let (row, m) = (path / self.per_row, path % self.per_row);
            let run = match m {
                0 => "A".to_owned(),
                1 => "B".to_owned(),
                m if m - 2 < k => format!("AB{}", m - 2),
                _ => "ABmodel".to_owned(),
            };
            let mut record = vec![path.to_string(), row.to_string(), run];
            record.extend(values.iter().map(|x| number(*x)));
            w.write_record(&record)?;
        }
        w.into_inner().map_err(|e| e.into_error())
    }

    /// Rows read back from [`DesignRows::to_csv`]'s text, which must have columns `names`
    /// and hold consecutive paths from `first` on.
    pub fn from_csv(
        bytes: &[u8],
        names: Vec<String>,
        per_row: u64,
        first: u64,
    ) -> Result<DesignRows, String> {
        let mut rdr = csv::Reader::from_reader(bytes);
        let headers = rdr.headers().map_err(|e| e.to_string())?.clone();
        let found: Vec<&str> = headers.iter().skip(3).collect();
        if found != names.iter().map(String::as_str).collect::<Vec<_>>() {
            return Err(format!("expected the columns {names:?}, found {found:?}"));
        }
        let mut rows = DesignRows::new(names, per_row, first);
        let mut values = Vec::new();
        let mut rec = csv::StringRecord::new();
        while rdr.read_record(&mut rec).map_err(|e| e.to_string())? {
            let path: u64 = rec
                .get(0)
                .and_then(|p| p.parse().ok())
                .ok_or_else(|| format!("row {:?} has no path index", rec.position()))?;
            if path != rows.end() {
                return Err(format!("path {path} where path {} was next", rows.end()));
            }
            values.clear();
            for cell in rec.iter().skip(3) {
                values.push(match cell {
                    "" => f64::NAN,
                    x => x
                        .parse()
                        .map_err(|_| format!("path {path}: {x:?} is not a number"))?,
                });
            }
            if values.len() != rows.names.len() {
                return Err(format!("path {path} has {} values", values.len()));
            }
            rows.put(path, &values);
        }
        Ok(rows)
    }
}

/// A number as the rows file writes it: shortest exact form, `inf`/`-inf`, empty for NaN.
fn number(x: f64) -> String {
    if x.is_nan() {
        String::new()
    } else {
        format!("{x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_append_into_whole_rows_and_round_trip_through_csv() {
        // 2 groups: 5 paths per row; values are (path, path²).
        let names = vec!["x".to_owned(), "month".to_owned()];
        let fill = |from: u64, to: u64| {
            let mut r = DesignRows::new(names.clone(), 5, from);
            for p in from..to {
                let month = if p % 3 == 0 { f64::INFINITY } else { p as f64 };
                r.put(p, &[p as f64 * 0.1, month]);
            }
            r
        };
        let whole = fill(0, 23);
        let mut merged = fill(0, 7);
        merged.append(&fill(7, 12)).unwrap();
        merged.append(&fill(12, 23)).unwrap();
        assert_eq!(merged, whole);
        assert!(merged.append(&fill(24, 25)).is_err());
        // Rows 0..4 are whole (paths 0..20); 20..23 is a partial row.
        assert_eq!(whole.rows(), 4);
        assert_eq!(fill(3, 23).whole_rows().collect::<Vec<_>>(), [1, 2, 3]);
        let s = whole.sobol_rows(0, |x| x * 10.0);
        assert_eq!((s.len(), s.groups()), (4, 3));
        // CSV: exact numbers, infinity kept, NaN empty.
        let mut odd = fill(0, 5);
        odd.put(5, &[f64::NAN, -f64::INFINITY]);
        let text = odd.to_csv().unwrap();
        let lines: Vec<&str> = std::str::from_utf8(&text).unwrap().lines().collect();
        assert_eq!(lines[0], "path,row,run,x,month");
        assert_eq!(lines[1], "0,0,A,0,inf");
        assert_eq!(lines[3], "2,0,AB0,0.2,2");
        assert_eq!(lines[5], "4,0,ABmodel,0.4,4");
        assert_eq!(lines[6], "5,1,A,,-inf");
        let back = DesignRows::from_csv(&text, names.clone(), 5, 0).unwrap();
        assert_eq!(back.to_csv().unwrap(), text);
        assert!(back.get(5).unwrap()[0].is_nan());
        assert!(DesignRows::from_csv(&text, names.clone(), 5, 1).is_err());
        // An interrupted run's gap: the row with it is not whole.
        let mut gap = fill(0, 10);
        gap.present[6] = false;
        assert_eq!(gap.whole_rows().collect::<Vec<_>>(), [0]);
        assert_eq!(gap.paths(), 9);
    }
}
