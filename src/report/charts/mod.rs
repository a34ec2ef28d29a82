//! Charts of a run, as SVG and PNG, drawn with plotters from a [`Summary`] alone (never the
//! model). One module per chart kind; this module holds what they share: the bundled font,
//! rendering to both formats, the time and value axes, colours and number formats.
//!
//! The font (DejaVu Sans, from the `dejavu` crate) is compiled in and registered with plotters'
//! `ab_glyph` text layout (the PNG backend draws the glyphs itself, see `raster`), so charts
//! render the same on a machine with no fonts installed.

pub mod adoption;
pub mod annual;
pub mod dates;
pub mod distribution;
pub mod fan;
pub mod heatmap;
pub mod optimize;
pub mod overlay;
mod raster;
pub mod shifts;
mod signed;
pub mod sobol;
pub mod stress;
pub mod tornado;

use crate::analysis::{Quantiles, Summary};
use crate::report::export::Sink;
pub use crate::report::format::Unit;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Chart size in pixels (PNG at scale 1) and user units (SVG).
pub const SIZE: (u32, u32) = (1000, 560);

/// How many PNG pixels per chart unit (`--png-scale`): 2 draws 2000 × 1120 PNGs for slides.
static PNG_SCALE: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);

/// The most `--png-scale` allows.
pub const MAX_PNG_SCALE: u32 = 4;

/// Sets the PNG scale of every chart drawn from now on (1 to [`MAX_PNG_SCALE`]; SVGs do not
/// change).
pub fn set_png_scale(k: u32) {
    PNG_SCALE.store(
        k.clamp(1, MAX_PNG_SCALE),
        std::sync::atomic::Ordering::Relaxed,
    );
}

fn png_scale() -> u32 {
    PNG_SCALE.load(std::sync::atomic::Ordering::Relaxed)
}

/// The height in pixels of a time chart's plot area (about), a legend line's and a legend
/// box's padding: the room [`Axis::with_room`] leaves for a legend.
const PLOT_HEIGHT: f64 = 440.0;
const LEGEND_LINE: f64 = 21.0;
const LEGEND_PAD: f64 = 34.0;

/// `text` with every number in scientific notation (`$3e-6`, `1e18`) written out: small ones
/// in decimals (`$0.000003`), large ones with k/M/B/T (`1,000,000T`). Charts read numbers in
/// plain notation only.
pub fn plain(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let start_ok = i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '.');
        if chars[i].is_ascii_digit() && start_ok {
            let mut j = i;
            while j < chars.len() && (chars[j].is_ascii_digit() || chars[j] == '.') {
                j += 1;
            }
            if j < chars.len() && chars[j] == 'e' {
                let mut k = j + 1;
                if k < chars.len() && (chars[k] == '-' || chars[k] == '+') {
                    k += 1;
                }
                let digits = k;
                while k < chars.len() && chars[k].is_ascii_digit() {
                    k += 1;
                }
                // A factor's `x` may follow (`1e18x`).
                let word_ends = k == chars.len() || !chars[k].is_alphanumeric() || chars[k] == 'x';
                let token: String = chars[i..k].iter().collect();
                if k > digits
                    && word_ends
                    && let Ok(x) = token.parse::<f64>()
                {
                    out.push_str(&written_out(x));
                    i = k;
                    continue;
                }
            }
            out.extend(&chars[i..j]);
            i = j;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// A number without an exponent: below 1 in decimals with 2 significant digits, from 1e15
/// with thousands separators before a T.
fn written_out(x: f64) -> String {
    if x.abs() >= 1e15 {
        let t = (x / 1e12).round() as u64;
        let digits = t.to_string();
        let mut grouped = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        return format!("{grouped}T");
    }
    if x == 0.0 {
        return "0".to_owned();
    }
    let decimals = (1 - x.abs().log10().floor() as i32).clamp(0, 20) as usize;
    let t = format!("{x:.decimals$}");
    if t.contains('.') {
        t.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        t
    }
}

/// The font family every chart uses (DejaVu Sans, registered under this name).
const FONT: &str = "sans-serif";

/// A rendered chart.
#[derive(Debug, Clone)]
pub struct Chart {
    /// File stem: the chart is written as `<name>.svg` and `<name>.png`.
    pub name: String,
    pub title: String,
    /// One sentence saying what the chart shows (the report prints it under the chart).
    pub caption: String,
    pub svg: String,
    pub png: Vec<u8>,
}

/// Why a chart could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error("cannot draw a chart: {0}")]
pub struct ChartError(String);

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for ChartError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        ChartError(e.to_string())
    }
}

impl From<ChartError> for std::io::Error {
    fn from(e: ChartError) -> Self {
        std::io::Error::other(e)
    }
}

/// A chart kind: draws itself on any plotters backend.
pub trait Plot {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError>;
}

/// Registers the bundled font once.
fn register_font() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // The bundled fonts are valid TrueType files; registration cannot fail on them.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular());
        let _ = plotters::style::register_font(FONT, FontStyle::Bold, dejavu::sans::bold());
    });
}

/// Draws `plot` as SVG and as PNG.
pub fn render(
    name: &str,
    title: &str,
    caption: &str,
    plot: &impl Plot,
) -> Result<Chart, ChartError> {
    register_font();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE)?;
        plot.draw(&root)?;
        root.present()?;
    }
    let k = png_scale();
    let (w, h) = (SIZE.0 * k, SIZE.1 * k);
    let mut rgb = vec![0u8; (w * h * 3) as usize];
    {
        let backend = BitMapBackend::with_buffer(&mut rgb, (w, h));
        let root = raster::Raster(backend, k as i32).into_drawing_area();
        root.fill(&WHITE)?;
        plot.draw(&root)?;
        root.present()?;
    }
    Ok(Chart {
        name: name.to_owned(),
        title: title.to_owned(),
        caption: plain(caption),
        svg,
        png: encode_png(&rgb, w, h).map_err(|e| ChartError(e.to_string()))?,
    })
}

fn encode_png(rgb: &[u8], w: u32, h: u32) -> Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header()?;
        writer.write_image_data(rgb)?;
    }
    Ok(out)
}

/// Puts each chart into `sink` as `<name>.svg` and `<name>.png`.
pub fn export(charts: &[Chart], sink: &mut dyn Sink) -> std::io::Result<()> {
    for c in charts {
        sink.put(&format!("{}.svg", c.name), c.svg.as_bytes())?;
        sink.put(&format!("{}.png", c.name), &c.png)?;
    }
    Ok(())
}

/// The charts of a run, in the order the report shows them (drawn in parallel).
pub fn run_charts(s: &Summary) -> Result<Vec<Chart>, ChartError> {
    use rayon::prelude::*;
    type Job<'a> = Box<dyn Fn() -> Result<Chart, ChartError> + Send + Sync + 'a>;
    let mut jobs: Vec<Job> = Vec::new();
    for (series, title) in fan::KEY_SERIES {
        if s.series.contains_key(*series) {
            jobs.push(Box::new(move || fan::chart(s, series, title)));
        }
    }
    jobs.push(Box::new(|| overlay::revenue_by_vendor(s)));
    jobs.push(Box::new(|| adoption::chart(s, adoption::Kind::Adoption)));
    jobs.push(Box::new(|| adoption::chart(s, adoption::Kind::Ambient)));
    // One annual chart per series that yearly targets refer to.
    let mut annual_metrics: Vec<&str> = Vec::new();
    for t in s.targets.iter().filter(|t| t.year.is_some()) {
        if !annual_metrics.contains(&t.metric.as_str()) {
            annual_metrics.push(&t.metric);
        }
    }
    for o in s.observations.iter().filter(|o| o.year.is_some()) {
        if !annual_metrics.contains(&o.metric.as_str()) {
            annual_metrics.push(&o.metric);
        }
    }
    for metric in annual_metrics {
        jobs.push(Box::new(move || annual::chart(s, metric)));
    }
    jobs.push(Box::new(|| dates::chart(s)));
    for name in s.distributions.keys() {
        jobs.push(Box::new(move || distribution::chart(s, name)));
    }
    for label in s.sensitivity.keys() {
        jobs.push(Box::new(move || tornado::chart(s, label)));
    }
    if s.input_shifts.iter().any(|i| i.densities.is_some()) {
        jobs.push(Box::new(|| shifts::chart(s)));
    }
    jobs.par_iter().map(|job| job()).collect()
}

/// The lowest gross margin a chart shows (−200%: cost three times revenue).
pub const MARGIN_FLOOR: f64 = -2.0;

/// A value axis: linear, or log10 (values are plotted as their log10) when they span decades.
#[derive(Debug, Clone, Copy)]
pub struct Axis {
    pub log: bool,
    /// A signed logarithmic scale (values of both signs spanning decades): linear within ±1,
    /// and ±(1 + log10 |x|) beyond, so ±1, ±10, ±100 … are evenly spaced.
    pub signed: bool,
    pub lo: f64,
    pub hi: f64,
    pub unit: Unit,
}

impl Axis {
    /// The axis for the finite numbers among `values`. Log scale when the positive ones span
    /// at least two decades and at most a tenth are zero or negative (those are then left out:
    /// a vendor's revenue before it launches); shares stay linear.
    pub fn fit(values: impl IntoIterator<Item = f64>, unit: Unit) -> Axis {
        let values: Vec<f64> = values.into_iter().filter(|x| x.is_finite()).collect();
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for x in &values {
            lo = lo.min(*x);
            hi = hi.max(*x);
        }
        if !lo.is_finite() {
            (lo, hi) = (0.0, 1.0);
        }
        let positive = values.iter().copied().filter(|x| *x > 0.0);
        let lo_pos = positive.clone().fold(f64::INFINITY, f64::min);
        let shares = matches!(
            unit,
            Unit::Share | Unit::Firms | Unit::Subscribers | Unit::Margin
        );
        // Zeros (a vendor's revenue before it launches) do not keep an axis linear: the log
        // axis starts at the first positive value and the zeros are left undrawn, never a
        // flat line on a linear axis from 0 to the largest value.
        let log = !shares && lo_pos.is_finite() && hi / lo_pos >= 100.0 && positive.count() > 0;
        if log {
            let (a, b) = (lo_pos.log10(), hi.log10());
            let pad = 0.04 * (b - a);
            return Axis {
                log,
                signed: false,
                lo: a - pad,
                hi: b + pad,
                unit,
            };
        }
        if shares {
            // 0 to 100% unless values go beyond (a margin below zero is a loss); margins are
            // shown down to −200% at most (cost three times revenue), the rest is clipped.
            if unit == Unit::Margin {
                lo = lo.max(MARGIN_FLOOR);
            }
            let span = hi.max(1.0) - lo.min(0.0);
            return Axis {
                log,
                signed: false,
                lo: if lo >= 0.0 { 0.0 } else { lo - 0.05 * span },
                hi: if hi <= 1.0 { 1.0 } else { hi + 0.05 * span },
                unit,
            };
        }
        let span = (hi - lo).max(hi.abs() * 0.1).max(1e-12);
        let lo = if lo >= 0.0 && lo < span {
            0.0
        } else {
            lo - 0.05 * span
        };
        Axis {
            log,
            signed: false,
            lo,
            hi: hi + 0.05 * span,
            unit,
        }
    }

    /// The axis extended past its data by room for a legend of `entries` lines (above the
    /// data when `top`, below otherwise), so the legend never covers data.
    pub fn with_room(self, entries: usize, top: bool) -> Axis {
        let room = (LEGEND_LINE * entries as f64 + LEGEND_PAD) / PLOT_HEIGHT;
        let extra = (self.hi - self.lo) * room / (1.0 - room);
        if top {
            Axis {
                hi: self.hi + extra,
                ..self
            }
        } else {
            Axis {
                lo: self.lo - extra,
                ..self
            }
        }
    }

    /// The plotted coordinate of value `x`.
    pub fn y(&self, x: f64) -> f64 {
        if self.signed {
            return if x.abs() <= 1.0 {
                x
            } else {
                x.signum() * (1.0 + x.abs().log10())
            };
        }
        if self.log { x.log10() } else { x }
    }

    /// The label of coordinate `v`. A log axis over three decades or more labels whole
    /// decades only; a shorter one labels every tick, to two significant digits.
    pub fn label(&self, v: f64) -> String {
        if self.signed {
            // Whole steps only: 0, ±1, ±10, ±100 …
            return if (v - v.round()).abs() < 1e-6 {
                self.unit.format(Self::signed_value(v.round()))
            } else {
                String::new()
            };
        }
        if !self.log {
            return plain(&self.unit.format(v));
        }
        if (v - v.round()).abs() < 1e-6 {
            plain(&self.unit.format(10f64.powf(v.round())))
        } else if self.hi - self.lo < 3.0 {
            let x = 10f64.powf(v);
            let scale = 10f64.powf(x.log10().floor() - 1.0);
            plain(&self.unit.format((x / scale).round() * scale))
        } else {
            String::new()
        }
    }

    /// The axis label, with "(log scale)" where it is one.
    pub fn desc(&self) -> String {
        if self.signed {
            return format!("{} (signed log scale)", self.unit.axis());
        }
        if self.log {
            format!("{} (log scale)", self.unit.axis())
        } else {
            self.unit.axis().to_owned()
        }
    }
}

/// The x coordinate of month `"YYYY-MM"`: year + (month - 1)/12.
pub fn month_x(label: &str) -> f64 {
    let y: f64 = label[..4].parse().unwrap_or(0.0);
    let m: f64 = label[5..7].parse().unwrap_or(1.0);
    y + (m - 1.0) / 12.0
}

/// The time axis range of months: the first to the end of the last.
pub fn time_range(months: &[String]) -> std::ops::Range<f64> {
    let first = months.first().map_or(0.0, |m| month_x(m));
    let last = months.last().map_or(1.0, |m| month_x(m));
    first..last + 1.0 / 12.0
}

/// Year labels on the time axis (January of each year).
pub fn year_label(x: &f64) -> String {
    if (x - x.round()).abs() < 1e-6 {
        format!("{:.0}", x.round())
    } else {
        String::new()
    }
}

/// A fan's band: lower and upper statistic, colour, legend entry.
pub type Band = (
    fn(&Quantiles) -> Option<f64>,
    fn(&Quantiles) -> Option<f64>,
    RGBColor,
    &'static str,
);

/// The two bands of a fan, outer first.
pub const FAN_BANDS: [Band; 2] = [
    (|q| q.p5, |q| q.p95, palette::OUTER, "P5–P95"),
    (|q| q.p25, |q| q.p75, palette::INNER, "P25–P75"),
];

/// Colours for fan bands and lines; they differ in lightness, so they survive greyscale.
pub mod palette {
    use plotters::style::RGBColor;
    /// P5–P95 band.
    pub const OUTER: RGBColor = RGBColor(198, 219, 239);
    /// P25–P75 band.
    pub const INNER: RGBColor = RGBColor(107, 174, 214);
    /// Median line.
    pub const MEDIAN: RGBColor = RGBColor(8, 48, 107);
    /// Targets and thresholds.
    pub const TARGET: RGBColor = RGBColor(180, 30, 30);
    /// Light grid lines.
    pub const GRID: RGBColor = RGBColor(230, 230, 230);
    /// The prior's band behind a conditioned run's fan.
    pub const PRIOR: RGBColor = RGBColor(225, 225, 225);
    /// Observed values and their ranges.
    pub const OBSERVED: RGBColor = RGBColor(0, 0, 0);
    /// Series of an overlay, each also drawn with its own dash pattern.
    pub const SERIES: [RGBColor; 6] = [
        RGBColor(0, 63, 136),
        RGBColor(230, 97, 1),
        RGBColor(27, 120, 55),
        RGBColor(118, 42, 131),
        RGBColor(90, 90, 90),
        RGBColor(166, 97, 26),
    ];
}

/// Text style of size `px` in the bundled font.
pub fn font(px: u32) -> TextStyle<'static> {
    (FONT, px).into_font().color(&BLACK)
}

/// The title and margins every chart shares; the plot area under the title.
pub fn titled<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
) -> Result<DrawingArea<DB, Shift>, ChartError> {
    let area = root.titled(title, (FONT, 24).into_font().style(FontStyle::Bold))?;
    Ok(area.margin(4, 8, 8, 24))
}

/// A chart over time with the value axis `axis`, titled, with its mesh drawn.
pub type TimeChart<'a, DB> = ChartContext<
    'a,
    DB,
    plotters::coord::cartesian::Cartesian2d<
        plotters::coord::types::RangedCoordf64,
        plotters::coord::types::RangedCoordf64,
    >,
>;

/// Starts a chart of `months` × `axis` on `area`, with its grid, year ticks and axis labels.
pub fn time_chart<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    months: &[String],
    axis: &Axis,
) -> Result<TimeChart<'a, DB>, ChartError> {
    let mut chart = ChartBuilder::on(area)
        .x_label_area_size(50)
        .y_label_area_size(100)
        .build_cartesian_2d(time_range(months), axis.lo..axis.hi)?;
    house_style(&mut chart.configure_mesh())
        .x_desc("month (ticks: January)")
        .y_desc(axis.desc())
        .x_labels(12)
        .y_labels(10)
        .x_label_formatter(&year_label)
        .y_label_formatter(&|v| axis.label(*v))
        .draw()?;
    Ok(chart)
}

/// An observed value drawn on a chart: a triangle at the value and a bar over its 95% range (a
/// bound's bar is a short stroke toward the side it allows).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mark {
    pub x: f64,
    pub value: f64,
    pub lo: f64,
    pub hi: f64,
}

impl Mark {
    /// The marks of a conditioned run's observations of `column`'s kind: yearly observations
    /// of `metric` (`annual`), or its monthly ones (x = year + (month − 1)/12).
    pub fn of(s: &Summary, metric: &str, annual: bool) -> Vec<Mark> {
        s.observations
            .iter()
            .filter(|o| o.metric == metric)
            .filter_map(|o| {
                let x = match (&o.year, &o.month) {
                    (Some(y), None) if annual => f64::from(*y),
                    (None, Some(m)) if !annual => month_x(m),
                    _ => return None,
                };
                let (lo, hi) = o.observed.range();
                Some(Mark {
                    x,
                    value: o.value,
                    lo,
                    hi,
                })
            })
            .collect()
    }
}

/// Draws `marks` on a chart whose value axis is `axis`, with a legend entry.
pub fn draw_marks<'a, DB: DrawingBackend + 'a>(
    chart: &mut TimeChart<'a, DB>,
    marks: &[Mark],
    axis: &Axis,
) -> Result<(), ChartError> {
    let y = |v: f64| {
        let v = if axis.log && v <= 0.0 {
            axis.lo
        } else {
            axis.y(v)
        };
        v.clamp(axis.lo, axis.hi)
    };
    // A bound's open side: a stroke of a tenth of the plot's height.
    let reach = 0.1 * (axis.hi - axis.lo);
    let end = |v: f64, at: f64| match v {
        v if v == f64::INFINITY => (y(at) + reach).min(axis.hi),
        v if v == f64::NEG_INFINITY => (y(at) - reach).max(axis.lo),
        v => y(v),
    };
    let style = palette::OBSERVED.stroke_width(2);
    let mut first = true;
    for m in marks {
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(m.x, end(m.lo, m.value)), (m.x, end(m.hi, m.value))],
            style,
        )))?;
        let drawn = chart.draw_series(std::iter::once(TriangleMarker::new(
            (m.x, y(m.value)),
            7,
            palette::OBSERVED.filled(),
        )))?;
        if std::mem::take(&mut first) {
            drawn.label("observed (95% range)").legend(move |(x, y)| {
                TriangleMarker::new((x + 12, y), 6, palette::OBSERVED.filled())
            });
        }
    }
    Ok(())
}

/// Draws the prior's P5–P95 band (faint, behind) on a conditioned run's time chart.
pub fn draw_prior_band<'a, DB: DrawingBackend + 'a>(
    chart: &mut TimeChart<'a, DB>,
    months: &[String],
    prior: &[Quantiles],
    axis: &Axis,
) -> Result<(), ChartError> {
    let mut first = true;
    for poly in band(months, prior, |q| q.p5, |q| q.p95, axis) {
        let drawn =
            chart.draw_series(std::iter::once(Polygon::new(poly, palette::PRIOR.filled())))?;
        if std::mem::take(&mut first) {
            drawn.label("prior P5–P95").legend(|(x, y)| {
                Rectangle::new([(x, y - 6), (x + 24, y + 6)], palette::PRIOR.filled())
            });
        }
    }
    Ok(())
}

/// Draws the legend in the corner the data leave free: upper right for falling series.
pub fn legend<'a, DB: DrawingBackend + 'a>(
    chart: &mut TimeChart<'a, DB>,
    falling: bool,
) -> Result<(), ChartError> {
    legend_at(
        chart,
        if falling {
            SeriesLabelPosition::UpperRight
        } else {
            SeriesLabelPosition::UpperLeft
        },
    )
}

/// Draws the legend at `position`, in the house style.
pub fn legend_at<'a, DB: DrawingBackend + 'a, CT: plotters::coord::CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
) -> Result<(), ChartError> {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .legend_area_size(40)
        .label_font(font(15))
        .draw()?;
    Ok(())
}

/// The house style of a chart's grid and axis text.
pub fn house_style<'m, 'a, 'b, X, Y, DB>(
    mesh: &'m mut plotters::chart::MeshStyle<'a, 'b, X, Y, DB>,
) -> &'m mut plotters::chart::MeshStyle<'a, 'b, X, Y, DB>
where
    X: plotters::coord::ranged1d::Ranged,
    Y: plotters::coord::ranged1d::Ranged,
    DB: DrawingBackend,
{
    mesh.light_line_style(palette::GRID)
        .max_light_lines(1)
        .label_style(font(15))
        .axis_desc_style(font(16))
}

/// True when the median ends below where it starts.
pub fn falling(qs: &[Quantiles]) -> bool {
    let first = qs.iter().find_map(|q| q.p50);
    let last = qs.iter().rev().find_map(|q| q.p50);
    matches!((first, last), (Some(a), Some(b)) if b < a)
}

/// Month-by-month points `(x, y)` of one statistic of a series, split where it has no value
/// (a vendor's price before launch) or leaves the axis (a margin below the clipped floor): a
/// line is not drawn along the edge it left by.
pub fn runs(
    months: &[String],
    qs: &[Quantiles],
    stat: impl Fn(&Quantiles) -> Option<f64>,
    axis: &Axis,
) -> Vec<Vec<(f64, f64)>> {
    points(months, qs, stat, axis, false)
}

fn points(
    months: &[String],
    qs: &[Quantiles],
    stat: impl Fn(&Quantiles) -> Option<f64>,
    axis: &Axis,
    clamp: bool,
) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    for (m, q) in months.iter().zip(qs) {
        let y = stat(q)
            .filter(|v| v.is_finite() && (!axis.log || *v > 0.0))
            .map(|v| axis.y(v))
            .and_then(|y| {
                if clamp {
                    Some(y.clamp(axis.lo, axis.hi))
                } else {
                    (axis.lo..=axis.hi).contains(&y).then_some(y)
                }
            });
        match y {
            Some(y) => out.last_mut().expect("non-empty").push((month_x(m), y)),
            None => {
                if !out.last().expect("non-empty").is_empty() {
                    out.push(Vec::new());
                }
            }
        }
    }
    out.retain(|r| !r.is_empty());
    out
}

/// A band between two statistics, as polygons (one per run of months with values).
pub fn band(
    months: &[String],
    qs: &[Quantiles],
    lo: impl Fn(&Quantiles) -> Option<f64>,
    hi: impl Fn(&Quantiles) -> Option<f64>,
    axis: &Axis,
) -> Vec<Vec<(f64, f64)>> {
    let both = |q: &Quantiles| match (lo(q), hi(q)) {
        (Some(a), Some(b)) => Some((a, b)),
        _ => None,
    };
    // Bands reach the edge of the axis where they go beyond it.
    let lows = points(months, qs, |q| both(q).map(|p| p.0), axis, true);
    let highs = points(months, qs, |q| both(q).map(|p| p.1), axis, true);
    lows.into_iter()
        .zip(highs)
        .map(|(l, mut h)| {
            h.reverse();
            let mut poly = l;
            poly.extend(h);
            poly
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_go_log_over_two_decades_and_label_whole_decades() {
        let a = Axis::fit([0.01, 5.0], Unit::PerMTokens);
        assert!(a.log && a.lo < -2.0 && a.hi > 0.69);
        assert_eq!(a.label(-1.0), "$0.1");
        assert_eq!(a.label(-1.5), "$0.032");
        let wide = Axis::fit([0.001, 5.0], Unit::PerMTokens);
        assert_eq!(wide.label(-1.5), "");
        let m = Axis::fit([-2.0, 0.9], Unit::Margin);
        assert!(!m.log && m.lo < -2.0 && m.hi == 1.0, "{m:?}");
        let b = Axis::fit([2.0, 50.0], Unit::Number);
        assert!(!b.log && b.lo == 0.0 && b.hi > 50.0);
        assert_eq!(month_x("2026-07"), 2026.5);
        assert_eq!(year_label(&2027.0), "2027");
        assert_eq!(year_label(&2027.5), "");
        // A series with zeros (revenue before a launch) still gets its log axis.
        let z = Axis::fit([0.0, 0.0, 0.0, 1e6, 1e9], Unit::Dollars);
        assert!(z.log && z.lo > 5.0, "{z:?}");
        let r = Axis::fit([1.0, 1000.0], Unit::Number).with_room(3, true);
        assert!(r.lo < 0.0 && r.hi > 3.3, "{r:?}");
    }

    #[test]
    fn numbers_in_scientific_notation_are_written_out() {
        assert_eq!(plain("$3e-6 to $1e-5"), "$0.000003 to $0.00001");
        assert_eq!(plain("1e18 tokens"), "1,000,000T tokens");
        assert_eq!(plain("−1.5e-14%"), "−0.000000000000015%");
        assert_eq!(
            plain("GPT-5 at 2e3x, price.e2 and 12e"),
            "GPT-5 at 2000x, price.e2 and 12e"
        );
        assert_eq!(plain("2025-01 to $1.2B"), "2025-01 to $1.2B");
    }
}
