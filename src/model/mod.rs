//! The market model: one path of the discrete-event simulation (DESIGN.md §3).
//!
//! [`simulate`] is a pure function of the scenario, the path's draws, the path index and the
//! seed: no I/O, no globals, and all randomness from the per-purpose streams of
//! [`crate::sample::stream`].

pub mod curves;
mod path;
pub mod queue;
mod result;

pub use path::{Probe, simulate};
pub use result::{Layout, LoggedEvent, PathResult, Scalars};

/// Which of the four cost vectors are on (explain's Shapley decomposition switches them off;
/// DESIGN.md §6 says what "off" means for each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Switches {
    /// Off: the fleet stays on the generation installed at start.
    pub hardware: bool,
    /// Off: `E ≡ 1` and no software serving gains.
    pub efficiency: bool,
    /// Off: no vendor launches after start and no open-weight hosts.
    pub competition: bool,
    /// Off: no on-device options.
    pub devices: bool,
}

impl Switches {
    /// Every vector on: the model as the scenario states it.
    pub const ALL: Switches = Switches {
        hardware: true,
        efficiency: true,
        competition: true,
        devices: true,
    };
}

/// What a run of one path should produce beyond the series and scalars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    pub switches: Switches,
    /// Keep the dated timeline of discrete events (for `explain`).
    pub record_events: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            switches: Switches::ALL,
            record_events: false,
        }
    }
}
