//! When a run was made, how long it took and the command that made it: what differs from one
//! run of the same scenario, seed and paths to the next. It goes to `provenance.json` and to
//! one delimited block of `report.html`, and nowhere else, so that every other file stays
//! byte-identical across thread counts, shards and reruns.

use serde::{Deserialize, Serialize};
use std::sync::OnceLock;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// The provenance of one run's files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// When the command started, UTC: `2026-12-01T14:17:18Z`.
    pub started_utc: String,
    /// Seconds from the command's start to the writing of the files.
    pub seconds: f64,
    /// The command as typed (arguments with spaces or shell characters quoted).
    pub command: String,
    /// False when the run was interrupted: its files hold the paths finished by then.
    pub complete: bool,
}

struct Start {
    wall: SystemTime,
    clock: Instant,
    command: String,
}

static START: OnceLock<Start> = OnceLock::new();

/// Records the command's start and its arguments (the program first). Later calls are
/// ignored; without a call, the first [`now`] is the start and the command reads
/// "(called from a library)".
pub fn begin(args: impl IntoIterator<Item = String>) {
    let mut args = args.into_iter();
    // The program by its name, not the path it was run from.
    let program = args.next().unwrap_or_default();
    let name = program.rsplit('/').next().unwrap_or("infercast").to_owned();
    let command = std::iter::once(quote(&name))
        .chain(args.map(|a| quote(&a)))
        .collect::<Vec<String>>()
        .join(" ");
    let _ = START.set(Start {
        wall: SystemTime::now(),
        clock: Instant::now(),
        command,
    });
}

/// The provenance of files written now, of a run that did or did not `complete`.
pub fn now(complete: bool) -> Provenance {
    let start = START.get_or_init(|| Start {
        wall: SystemTime::now(),
        clock: Instant::now(),
        command: "(called from a library)".to_owned(),
    });
    let secs = start
        .wall
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Provenance {
        started_utc: utc(secs),
        seconds: (start.clock.elapsed().as_secs_f64() * 10.0).round() / 10.0,
        command: start.command.clone(),
        complete,
    }
}

/// An argument as a POSIX shell reads it back: bare when it holds only safe characters.
fn quote(a: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "_-./=:,+@%".contains(c);
    if !a.is_empty() && a.chars().all(safe) {
        a.to_owned()
    } else {
        format!("'{}'", a.replace('\'', "'\\''"))
    }
}

/// Seconds since 1970 as `YYYY-MM-DDTHH:MM:SSZ` (the proleptic Gregorian calendar).
pub fn utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// A duration for people: `8.2 s`, `3 min 05 s`, `1 h 02 min`.
pub fn duration(seconds: f64) -> String {
    let s = seconds.max(0.0);
    if s < 60.0 {
        format!("{s:.1} s")
    } else if s < 3600.0 {
        let s = s.round() as u64;
        format!("{} min {:02} s", s / 60, s % 60)
    } else {
        let m = (s / 60.0).round() as u64;
        format!("{} h {:02} min", m / 60, m % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_durations_and_quoting() {
        assert_eq!(utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(utc(1_764_598_638), "2025-12-01T14:17:18Z");
        assert_eq!(duration(8.24), "8.2 s");
        assert_eq!(duration(185.0), "3 min 05 s");
        assert_eq!(duration(3720.0), "1 h 02 min");
        assert_eq!(quote("scenarios/base.toml"), "scenarios/base.toml");
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("it's"), "'it'\\''s'");
    }
}
