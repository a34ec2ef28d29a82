//! The validated scenario: what the rest of the pipeline reads.
//!
//! Every number of the model is a [`ParamId`] into [`Scenario::inputs`], the registry of
//! named inputs (`hardware.Rubin.delay_months`, `segment.enterprise.value`). An input is either
//! drawn once per path ([`InputKind::Path`]; uncertain when its distribution is not a single
//! value) or describes a population drawn per cohort or subscriber ([`InputKind::Population`]).

use super::dist::Dist;
use super::error::Loc;
use super::month::Month;
use super::observation::Observation;
pub use super::raw::Sampling;

/// Index of an input in [`Scenario::inputs`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ParamId(pub u32);

/// How an input is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// One draw per path: an assumption about the world (uncertain unless fixed).
    Path,
    /// A distribution over cohorts or subscribers, drawn many times within a path.
    Population,
}

/// A named number of the scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    /// Stable dotted name, e.g. `vendor.DeepSeek.price`.
    pub name: String,
    /// Its distribution (a fixed number is a distribution with one value).
    pub dist: Dist,
    /// Drawn per path or per member of a population.
    pub kind: InputKind,
    /// The source comment kept from the scenario file, if any.
    pub source: Option<String>,
    /// Where it was written; `None` for a default.
    pub loc: Option<Loc>,
}

impl Input {
    /// A person's name for the input, from its dotted name: the named parts (a vendor, a GPU
    /// generation) first, then the quantity in words with its unit in parentheses:
    /// `hardware.Rubin.delay_months` → "Rubin delay (months)".
    pub fn label(&self) -> String {
        label_of(&self.name)
    }

    /// True for a per-path input whose value is not known in advance.
    pub fn is_uncertain(&self) -> bool {
        self.kind == InputKind::Path && !self.dist.is_fixed()
    }
}

/// A date the scenario states: `hardware.Rubin.date` = 2026-07, and its source comment.
#[derive(Debug, Clone, PartialEq)]
pub struct FixedDate {
    pub name: String,
    pub month: Month,
    pub source: Option<String>,
}

/// A person's name for dotted input name `name` (see [`Input::label`]).
pub fn label_of(name: &str) -> String {
    let parts: Vec<&str> = name.split('.').collect();
    let Some((last, head)) = parts.split_last() else {
        return name.to_owned();
    };
    let (what, unit) = match last.rsplit_once('_') {
        Some((w, u @ ("months" | "years" | "days"))) => (w.to_owned(), Some(u)),
        _ => ((*last).to_owned(), None),
    };
    let what = what.replace("_per_", " per ").replace('_', " ");
    // The section (`hardware`, `vendor`) is dropped when a named entry follows it.
    let named: Vec<&str> = match head {
        [_, rest @ ..] if !rest.is_empty() => rest.to_vec(),
        other => other.to_vec(),
    };
    // Entry names stay as written (`GPT-5_4`); a label that starts with the quantity gets a
    // capital.
    let mut words = named.join(" ");
    if !words.is_empty() {
        words.push(' ');
    }
    words.push_str(&what);
    if head.len() <= 1 {
        // A section word (`capability`) or the quantity first: a capital.
        let mut c = words.chars();
        words = c
            .next()
            .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
            .unwrap_or_default();
    }
    if let Some(u) = unit {
        words.push_str(&format!(" ({u})"));
    }
    words
}

/// `[reference]`: the fixed workload whose cost is `cost_per_task_ref`.
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    /// `q_ref` in frontier-years (0: the frontier at `start`).
    pub capability: f64,
    /// Tokens of the reference workload at `start` (default 1e6).
    pub tokens: f64,
}

/// `[capability]`: the frontier's progress and what capability costs.
#[derive(Debug, Clone, PartialEq)]
pub struct Capability {
    /// Frontier-years of progress per calendar year.
    pub pace: ParamId,
    /// κ: serving cost multiplier per frontier-year of capability.
    pub cost_per_unit: ParamId,
}

/// `[hosts]`: the open-weight hosts option that appears when a vendor publishes weights.
#[derive(Debug, Clone, PartialEq)]
pub struct Hosts {
    /// Hosts' serving cost relative to the reference stack.
    pub cost_factor: ParamId,
    /// Hosts' margin over cost.
    pub margin: ParamId,
}

/// `[[hardware]]` after the first: a GPU generation that ramps in.
#[derive(Debug, Clone, PartialEq)]
pub struct Generation {
    pub name: String,
    /// Nominal availability.
    pub date: Month,
    pub delay_months: ParamId,
    pub ramp_months: ParamId,
    /// Cost per token relative to the previous generation.
    pub cost_factor: ParamId,
}

/// `[[hardware]]`: the installed generation at start and the later ones, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Hardware {
    /// Name of the generation installed at start.
    pub installed: String,
    /// u₀: $ per million tokens of serving the start's frontier model on it.
    pub unit_cost: ParamId,
    /// Later generations in order of nominal date.
    pub generations: Vec<Generation>,
}

/// `[[efficiency]]`: a token-efficiency release.
#[derive(Debug, Clone, PartialEq)]
pub struct Efficiency {
    pub name: String,
    pub date: Month,
    pub delay_months: ParamId,
    pub ramp_months: ParamId,
    /// Tokens per task after the release relative to before (0.3 = 70% fewer).
    pub token_factor: ParamId,
    /// Share of tasks it applies to once fully adopted.
    pub reach: ParamId,
}

/// When an entrant launches.
#[derive(Debug, Clone, PartialEq)]
pub struct Launch {
    pub date: Month,
    pub delay_months: ParamId,
}

/// `[vendor.commitments]`: the move from per-token pricing to committed spend (§3.7).
#[derive(Debug, Clone, PartialEq)]
pub struct Commitments {
    pub trigger_growth: ParamId,
    pub share: ParamId,
    pub ramp_months: ParamId,
    pub discount: ParamId,
    pub term_months: ParamId,
}

/// `[[vendor]]`: a seller of tokens.
#[derive(Debug, Clone, PartialEq)]
pub struct Vendor {
    pub name: String,
    pub frontier: bool,
    /// Capability lag behind the frontier, in frontier-years.
    pub lag: ParamId,
    /// k_v: serving cost relative to the reference stack.
    pub cost_multiplier: ParamId,
    /// `None` for a vendor live at start.
    pub launch: Option<Launch>,
    /// Blended $ per million tokens at launch (for a vendor live at start: its price then).
    pub launch_price: ParamId,
    /// λ: partial adjustment toward the best response, in (0, 1].
    pub adjustment: ParamId,
    pub markup_cap: ParamId,
    pub margin_floor: ParamId,
    pub entry_months: ParamId,
    pub review_months: ParamId,
    /// 1 when the weights are published at launch (a bernoulli input).
    pub open_weights: ParamId,
    pub commitments: Option<Commitments>,
}

/// `[[device]]`: an on-device option such as an Apple M5 laptop.
#[derive(Debug, Clone, PartialEq)]
pub struct Device {
    pub name: String,
    pub date: Month,
    pub delay_months: ParamId,
    pub ramp_months: ParamId,
    pub lag: ParamId,
    /// Lag once some vendor has published open weights.
    pub lag_open: ParamId,
    /// Amortized hardware cost per million tokens at release.
    pub price: ParamId,
}

/// The two demand segments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SegmentKind {
    Enterprise,
    Developer,
}

impl SegmentKind {
    /// Both segments, in the order of [`Scenario::segments`].
    pub const ALL: [SegmentKind; 2] = [SegmentKind::Enterprise, SegmentKind::Developer];

    /// `enterprise` or `developer`.
    pub fn name(self) -> &'static str {
        match self {
            SegmentKind::Enterprise => "enterprise",
            SegmentKind::Developer => "developer",
        }
    }

    /// The segment called `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// `[segment.<name>]`: a population of firms or developers (§3.5).
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    pub kind: SegmentKind,
    pub cohorts: u32,
    /// Firms (or developers) in the segment.
    pub population: ParamId,
    pub adopted_at_start: ParamId,
    /// Bass innovation, per year.
    pub bass_p: ParamId,
    /// Bass imitation, per year.
    pub bass_q: ParamId,
    /// Cohort reviews per month (Poisson rate).
    pub review_rate: ParamId,
    /// α: weight of log price in the logit.
    pub price_sensitivity: ParamId,
    /// β: weight of quality (frontier-years) in the logit.
    pub quality_preference: ParamId,
    /// ε: elasticity of usage to cost per task.
    pub elasticity: ParamId,
    /// Cap on the usage multiplier from cheaper tasks.
    pub usage_cap: ParamId,
    /// τ_s0: tokens per task at start.
    pub tokens_per_task: ParamId,
    /// ρ_s: tokens per task multiplier per frontier-year.
    pub tokens_per_capability: ParamId,
    /// θ_s: tasks multiplier per frontier-year.
    pub tasks_per_capability: ParamId,
    /// M_s: task volume multiplier of ambient cohorts.
    pub ambient_multiplier: ParamId,
    /// Share of tasks that on-device options may serve.
    pub device_eligible: ParamId,
    /// Population: tasks per month at full use and start cost (T_i).
    pub tasks: ParamId,
    /// Population: value per task in $ (V_i).
    pub value: ParamId,
    /// Population: attention cost of one "should we use AI here?" decision in $ (D_i).
    pub attention_cost: ParamId,
    /// Population: tasks covered by one such decision (K_i).
    pub tasks_per_decision: ParamId,
}

/// What a shock multiplies.
#[derive(Debug, Clone, PartialEq)]
pub enum ShockTarget {
    /// The hardware cost factor from then on.
    Cost,
    /// A segment's tasks from then on.
    Demand(SegmentKind),
    /// A vendor's current price, once (index into [`Scenario::vendors`]).
    Price(usize),
}

/// `[[shock]]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Shock {
    pub name: String,
    pub date: Month,
    pub delay_months: ParamId,
    pub target: ShockTarget,
    pub factor: ParamId,
    /// 1 when the shock happens on the path (a bernoulli input).
    pub occurs: ParamId,
}

/// A target's threshold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Threshold {
    Number(f64),
    /// For the month scalars; "never" counts as later than any month.
    Month(Month),
}

/// Which side of the threshold counts as success.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    AtLeast,
    AtMost,
}

/// `[[target]]`: a question answered with a probability.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// Display label (the `name`, or one made from metric, year and bound).
    pub label: String,
    pub metric: String,
    /// Calendar year of the series' annual figure; `None` for a scalar.
    pub year: Option<i32>,
    pub direction: Direction,
    pub threshold: Threshold,
}

/// `[[correlation]]`: a rank correlation between two uncertain inputs.
#[derive(Debug, Clone, PartialEq)]
pub struct Correlation {
    pub a: ParamId,
    pub b: ParamId,
    /// Spearman rank correlation in (-1, 1).
    pub rank: f64,
}

/// A plan's included usage.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Included {
    /// Million tokens per month.
    Limited(ParamId),
    Unlimited,
    /// $ per month of usage at the vendor's API price (`credits`): the tokens included are
    /// the credits over the path's API price that month.
    Credits(ParamId),
}

/// The price of a plan's usage beyond what it includes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Overage {
    /// $ per million tokens.
    Price(ParamId),
    /// The path's API price of the plan's vendor that month (`overage = "api"`).
    Api,
}

/// How subscribers respond to a plan's prices (all optional; without them, subscribers
/// consume what they desire and never leave for price).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PlanResponse {
    /// ε: usage beyond the included amount scales by (overage / API price)^(−ε).
    pub overage_elasticity: Option<ParamId>,
    /// $ per month by which the bill may exceed the same usage at the cheapest API price
    /// before a subscriber considers leaving (`None`: never leaves for price).
    pub switch_threshold: Option<ParamId>,
    /// Monthly probability that a subscriber over the threshold leaves (default 1).
    pub switch_rate: Option<ParamId>,
    /// Vendors (indices) whose API price a subscriber also compares its bill with.
    pub alternatives: Vec<usize>,
    /// Months over the plan's limit after which a subscriber may move to the next tier.
    pub upgrade_after: Option<ParamId>,
    /// Monthly probability of that move.
    pub upgrade_rate: Option<ParamId>,
}

/// The ranges `stress --optimize` searches for a plan, `(lo, hi)` per decision variable.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct OptimizeRanges {
    pub fee: Option<(f64, f64)>,
    pub included: Option<(f64, f64)>,
    pub credits: Option<(f64, f64)>,
    pub cap: Option<(f64, f64)>,
    pub weekly_cap: Option<(f64, f64)>,
    pub overage: Option<(f64, f64)>,
}

impl OptimizeRanges {
    /// Whether no range is given.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// A plan's usage growth.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum UsageGrowth {
    /// A yearly factor (1.5 = +50% a year).
    Factor(ParamId),
    /// The growth of tokens per adopted firm of the plan's segment on the simulated path.
    Model,
}

/// `[[plan]]`: a subscription plan to stress-test (§5).
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub name: String,
    /// Index into [`Scenario::vendors`] of the vendor whose serving cost prices it.
    pub vendor: usize,
    pub segment: SegmentKind,
    /// $ per month.
    pub fee: ParamId,
    pub included: Included,
    /// The price of usage beyond the included amount.
    pub overage: Option<Overage>,
    /// Hard monthly limit, million tokens.
    pub cap: Option<ParamId>,
    /// Weekly limit, million tokens (applied as its monthly equivalent, 365.25 / 84 weeks).
    pub weekly_cap: Option<ParamId>,
    pub subscribers: ParamId,
    /// Population: million tokens per subscriber per month at start.
    pub usage: ParamId,
    pub usage_growth: UsageGrowth,
    /// Monthly probability that a subscriber is replaced by a fresh draw.
    pub churn: ParamId,
    /// How subscribers respond to the plan's prices.
    pub response: PlanResponse,
    /// The tier group (`group`) the plan belongs to: plans of one vendor whose subscribers
    /// move up a tier, in the order the file lists them.
    pub group: Option<String>,
    /// `[plan.optimize]`.
    pub optimize: OptimizeRanges,
}

/// A validated scenario: every reference resolved, every number checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    /// First simulated month.
    pub start: Month,
    /// Last simulated month (inclusive).
    pub horizon: Month,
    pub paths: u64,
    pub seed: u64,
    pub sampling: Sampling,
    pub collapse_date: Month,
    pub reference: Reference,
    pub capability: Capability,
    /// g_sw: software serving gains per year.
    pub serving_gain_per_year: ParamId,
    /// Present when some vendor may publish weights.
    pub hosts: Option<Hosts>,
    pub hardware: Hardware,
    pub efficiency: Vec<Efficiency>,
    pub vendors: Vec<Vendor>,
    pub devices: Vec<Device>,
    /// Enterprise first, then developer (see [`SegmentKind::ALL`]).
    pub segments: [Segment; 2],
    pub shocks: Vec<Shock>,
    pub targets: Vec<Target>,
    pub correlations: Vec<Correlation>,
    pub plans: Vec<Plan>,
    /// What has been observed of the paths' outcomes (`[[observation]]`).
    pub observations: Vec<Observation>,
    /// Every named number, in file order (defaults after the fields that were written).
    pub inputs: Vec<Input>,
    /// Every date the scenario states (generation and launch dates, `start`, ...), with its
    /// source comment: fixed assumptions the report lists with the inputs.
    pub dates: Vec<FixedDate>,
    /// Why each `[[correlation]]` dropped because an input it names was pinned is gone.
    pub dropped_correlations: Vec<String>,
    /// The scenario after `extends` and `--set`, as TOML text.
    pub resolved: String,
}

impl Scenario {
    /// A stable 64-bit FNV-1a hash of the resolved scenario text, as 16 hex digits: what run
    /// folders and reports name the scenario by.
    pub fn hash(&self) -> String {
        format!("{:016x}", crate::stats::fnv1a64(self.resolved.as_bytes()))
    }

    /// The input behind `id`.
    pub fn input(&self, id: ParamId) -> &Input {
        &self.inputs[id.0 as usize]
    }

    /// The input called `name`.
    pub fn find_input(&self, name: &str) -> Option<ParamId> {
        self.inputs
            .iter()
            .position(|i| i.name == name)
            .map(|i| ParamId(i as u32))
    }

    /// Number of simulated months.
    pub fn months(&self) -> usize {
        (self.horizon - self.start + 1) as usize
    }

    /// The segment of that kind.
    pub fn segment(&self, kind: SegmentKind) -> &Segment {
        &self.segments[kind as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::label_of;

    #[test]
    fn labels_read_like_names_people_use() {
        assert_eq!(
            label_of("hardware.Rubin.delay_months"),
            "Rubin delay (months)"
        );
        assert_eq!(label_of("capability.pace"), "Capability pace");
        assert_eq!(
            label_of("efficiency.GPT-5_4.token_factor"),
            "GPT-5_4 token factor"
        );
        assert_eq!(
            label_of("software.serving_gain_per_year"),
            "Software serving gain per year"
        );
        assert_eq!(
            label_of("vendor.OpenAI.commitments.share"),
            "OpenAI commitments share"
        );
    }
}
