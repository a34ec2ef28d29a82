//! The outcome rows of a run, stored as they are handed on (in path order) in a temporary file
//! of raw numbers, so memory does not grow with paths. Exporters read them back row by row
//! (`outcomes.csv`), and the summary reads a few columns at a time (sensitivity).

use std::io::{self, BufReader, BufWriter, Read, Seek, Write};
use std::path::Path;

/// Bytes per stored number.
const WIDTH: usize = std::mem::size_of::<f64>();

/// Outcome rows being stored: each row is its path index, then its values.
pub struct RowStore {
    names: Vec<String>,
    file: BufWriter<std::fs::File>,
    path: tempfile::TempPath,
    rows: u64,
}

impl RowStore {
    /// Starts storing rows with columns `names` (`path` first) in a temporary file in `dir`.
    pub fn create(dir: &Path, names: &[String]) -> io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let (file, path) = tempfile::NamedTempFile::new_in(dir)?.into_parts();
        Ok(Self {
            names: names.to_vec(),
            file: BufWriter::new(file),
            path,
            rows: 0,
        })
    }

    /// Appends rows of consecutive paths starting at `first`.
    pub fn write(&mut self, first: u64, rows: &[Vec<f64>]) -> io::Result<()> {
        for (k, row) in rows.iter().enumerate() {
            debug_assert_eq!(row.len() + 1, self.names.len());
            self.file.write_all(&(first + k as u64).to_le_bytes())?;
            for x in row {
                self.file.write_all(&x.to_le_bytes())?;
            }
        }
        self.rows += rows.len() as u64;
        Ok(())
    }

    /// The stored rows, for reading.
    pub fn finish(self) -> io::Result<Rows> {
        let mut file = self.file.into_inner().map_err(|e| e.into_error())?;
        file.flush()?;
        Ok(Rows {
            names: self.names,
            path: self.path,
            rows: self.rows,
        })
    }
}

/// Stored outcome rows (the temporary file is removed when this is dropped).
pub struct Rows {
    names: Vec<String>,
    path: tempfile::TempPath,
    rows: u64,
}

impl Rows {
    /// Column names, `path` first.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Number of rows.
    pub fn len(&self) -> u64 {
        self.rows
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// Calls `f` with each row's path index and values, in order.
    pub fn for_each(&self, mut f: impl FnMut(u64, &[f64]) -> io::Result<()>) -> io::Result<()> {
        let width = self.names.len();
        let mut r = BufReader::with_capacity(1 << 16, std::fs::File::open(&self.path)?);
        r.rewind()?;
        let mut bytes = vec![0u8; width * WIDTH];
        let mut values = vec![0.0; width.saturating_sub(1)];
        for _ in 0..self.rows {
            r.read_exact(&mut bytes)?;
            let word = |i: usize| -> [u8; WIDTH] {
                bytes[i * WIDTH..(i + 1) * WIDTH]
                    .try_into()
                    .expect("a whole word")
            };
            for (i, v) in values.iter_mut().enumerate() {
                *v = f64::from_le_bytes(word(i + 1));
            }
            f(u64::from_le_bytes(word(0)), &values)?;
        }
        Ok(())
    }

    /// Columns `cs` (indices after `path`), in one pass, as `outcomes.csv` reads back: a
    /// value that is not finite is missing (NaN), except in a month column (`months[c]`),
    /// where it is "never" (+∞).
    pub fn columns(&self, cs: &[usize], months: &[bool]) -> io::Result<Vec<Vec<f64>>> {
        let mut out = vec![Vec::with_capacity(self.rows as usize); cs.len()];
        self.for_each(|_, row| {
            for (col, c) in out.iter_mut().zip(cs) {
                let x = row[*c];
                col.push(match x {
                    x if x.is_finite() => x,
                    _ if months[*c] => f64::INFINITY,
                    _ => f64::NAN,
                });
            }
            Ok(())
        })?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_come_back_as_stored_and_as_csv() {
        let dir = tempfile::tempdir().unwrap();
        let names: Vec<String> = ["path", "x", "month_100x"].map(String::from).to_vec();
        let mut store = RowStore::create(dir.path(), &names).unwrap();
        store
            .write(64, &[vec![1.5, 3.0], vec![f64::NAN, f64::INFINITY]])
            .unwrap();
        store.write(66, &[vec![-0.25, f64::INFINITY]]).unwrap();
        let rows = store.finish().unwrap();
        assert_eq!(rows.len(), 3);
        let cols = rows.columns(&[1, 0], &[false, true]).unwrap();
        assert_eq!(cols[0], [3.0, f64::INFINITY, f64::INFINITY]);
        assert!(cols[1][1].is_nan() && cols[1][2] == -0.25);
        let mut seen = Vec::new();
        rows.for_each(|path, row| {
            seen.push((path, row.to_vec()));
            Ok(())
        })
        .unwrap();
        assert_eq!(seen[0], (64, vec![1.5, 3.0]));
        assert_eq!(seen[2], (66, vec![-0.25, f64::INFINITY]));
    }
}
