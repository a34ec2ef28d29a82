//! Everything infercast shows a person: terminal text, data files, charts and HTML pages.
//! Reads only analysis types (and, for `validate`, the scenario); never runs the model, and
//! does no file I/O of its own: exporters hand their bytes to a [`export::Sink`].
//!
//! * [`format`]: how numbers and names read, everywhere;
//! * [`export`]: data files (JSON, CSV), one exporter per format;
//! * [`charts`]: one module per chart kind, SVG and PNG;
//! * [`html`]: the report pages;
//! * [`text`]: what the command line prints.

pub mod charts;
pub mod export;
pub mod format;
pub mod html;
pub mod text;
