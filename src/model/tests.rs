//! Tests of the path model that need its internals: analytic results, thresholds,
//! invariants over random scenarios, commitments, determinism and extreme inputs.

use super::demand::{ADOPTED, AMBIENT, IDLE};
use super::*;
use crate::model::curves::bass;
use proptest::prelude::*;
use std::path::PathBuf;

fn tiny_path() -> PathBuf {
    crate::scenario::fixture::tiny_path()
}

/// The tiny fixture with `--set` overrides.
fn tiny(sets: &[&str]) -> Scenario {
    let sets: Vec<_> = sets.iter().map(|s| s.parse().unwrap()).collect();
    crate::scenario::load(&tiny_path(), &sets).unwrap_or_else(|e| panic!("{e}"))
}

/// A scenario extending the tiny fixture with more TOML.
fn tiny_with(body: &str) -> Scenario {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.toml");
    std::fs::write(
        &file,
        format!("extends = {:?}\n{body}", tiny_path().display().to_string()),
    )
    .unwrap();
    crate::scenario::load(&file, &[]).unwrap_or_else(|e| panic!("{e}"))
}

const OFF: Switches = Switches {
    hardware: false,
    efficiency: false,
    competition: false,
    devices: false,
};

fn options(switches: Switches) -> Options {
    Options {
        switches,
        record_events: false,
    }
}

/// Runs a path event by event, calling `check` after each one.
fn drive(
    s: &Scenario,
    draws: &Draws,
    o: Options,
    mut check: impl FnMut(&Path, f64, Event),
) -> PathResult {
    let mut p = Path::new(s, draws, 0, s.seed, o);
    p.start();
    while let Some((t, e)) = p.queue.pop() {
        p.step(t, e);
        check(&p, t, e);
    }
    p.finish()
}

#[test]
fn bass_curve_with_the_value_gate_open() {
    // DESIGN.md §3.5: p = 0.03, q = 0.4 per year, review_rate 8, mean of 10 paths of 5,000
    // cohorts within 0.02 of F(t) at months 12, 36 and 60.
    let s = tiny_with(
        "horizon = \"2030-12\"\ncollapse_date = \"2026-01\"\n\
         [segment.enterprise]\ncohorts = 5000\nbass_p = 0.03\nbass_q = 0.4\nreview_rate = 8.0\nvalue = 1e12\n\
         [segment.developer]\ncohorts = 1\n",
    );
    let l = Layout::new(&s);
    let paths: Vec<PathResult> = (0..10u64)
        .map(|i| simulate(&s, &Draws::medians(&s), i, 1, Options::default()))
        .collect();
    for month in [12usize, 36, 60] {
        let mean: f64 = paths
            .iter()
            .map(|r| r.get(l.adoption(0), month))
            .sum::<f64>()
            / 10.0;
        let f = bass(month as f64 / 12.0, 0.03, 0.4);
        assert!(
            (mean - f).abs() < 0.02,
            "month {month}: mean adoption {mean}, Bass {f}"
        );
    }
}

#[test]
fn serving_cost_of_fixed_and_moving_quality() {
    let s = tiny(&["capability.pace=1.0", "software.serving_gain_per_year=3.0"]);
    let d = Draws::medians(&s);
    let mut p = Path::new(
        &s,
        &d,
        0,
        1,
        options(Switches {
            hardware: false,
            ..Switches::ALL
        }),
    );
    let kappa: f64 = 2.5;
    for t in [0.0, 6.0, 12.0, 24.0] {
        p.refresh(t);
        // Hardware off: C_hw = u_0 = 3. Fixed quality q = 0.5: falls with software gains only.
        let fixed = p.market.serving_cost(0.5);
        assert!((fixed - 3.0 * 3f64.powf(-t / 12.0) * kappa.powf(0.5)).abs() < 1e-12);
        // The moving frontier q = Q(t) = t / 12: falls by g_sw / κ per year.
        let frontier = p.market.serving_cost(t / 12.0);
        assert!((frontier - 3.0 * (3.0f64 / kappa).powf(-t / 12.0)).abs() < 1e-12);
    }
}

#[test]
fn reference_price_ignores_cheaper_options_below_the_reference() {
    // The challenger is live at start, very cheap, but 0.3 frontier-years behind q_ref = 0.
    let s =
        tiny_with("[[vendor]]\nname = \"Challenger\"\nlaunch = \"2025-01\"\nlaunch_price = 0.01\n");
    let d = Draws::medians(&s);
    let mut p = Path::new(&s, &d, 0, 1, Options::default());
    p.market.opts[1].live = true;
    p.refresh(0.0);
    assert_eq!(
        p.market.p_fix, 5.0,
        "only the frontier vendor reaches q_ref at t = 0"
    );
    // Once the frontier has moved 0.5 years, the challenger (q = 0.5 - 0.3 = 0.2 ≥ 0) counts,
    // scaled down to q_ref: p · κ^(q_ref - q).
    p.refresh(6.0);
    let challenger = 0.01 * 2.5f64.powf(-(0.5 - 0.3));
    let frontier = 5.0 * 2.5f64.powf(-0.5);
    assert!((p.market.p_fix - challenger.min(frontier)).abs() < 1e-12);
}

#[test]
fn ambient_threshold_and_exit_are_exact() {
    let s = tiny_with(
        "[segment.developer]\ncohorts = 1\nattention_cost = 5.0\ntasks_per_decision = 100\nvalue = 1.0\n",
    );
    let d = Draws::medians(&s);
    let mut p = Path::new(&s, &d, 0, 1, Options::default());
    let seg = 1;
    p.segs[seg].set_state(0, ADOPTED);
    p.segs[seg].c_task = 0.5;
    // K · c_fix = 100 · c_fix versus D = 5: ambient exactly when c_fix ≤ 0.05.
    p.segs[seg].c_fix = 0.05 * (1.0 + 1e-12);
    p.review(seg);
    assert_eq!(p.segs[seg].state[0], ADOPTED);
    p.segs[seg].c_fix = 0.05;
    p.review(seg);
    assert_eq!(p.segs[seg].state[0], AMBIENT);
    assert_eq!(p.segs[seg].count_ambient, 1);
    // Back to idle when the task costs more than it is worth (V = 1).
    p.segs[seg].c_task = 1.0;
    p.review(seg);
    assert_eq!(p.segs[seg].state[0], AMBIENT, "c_task = V still pays");
    p.segs[seg].c_task = 1.0 + 1e-12;
    p.review(seg);
    assert_eq!(p.segs[seg].state[0], IDLE);
    assert_eq!(
        (p.segs[seg].count_adopted, p.segs[seg].count_ambient),
        (0, 0)
    );
    assert_eq!(p.segs[seg].sum_adopted, 0.0);
}

/// A frontier vendor priced at its best response (cost 3 × (1 + cap 2) = 9) from the start.
const AT_EQUILIBRIUM: &str =
    "[[vendor]]\nname = \"Frontier\"\nlaunch_price = 9.0\nadjustment = 1.0\n";

#[test]
fn fixed_capability_price_is_constant_with_everything_off_and_no_progress() {
    let s = tiny_with(&format!("{AT_EQUILIBRIUM}[capability]\npace = 0.0\n"));
    let r = simulate(&s, &Draws::medians(&s), 0, 1, options(OFF));
    let l = Layout::new(&s);
    let first = r.get(l.cost_per_task_ref(), 1);
    assert!(
        r.series(l.cost_per_task_ref()).iter().all(|x| *x == first),
        "{:?}",
        r.series(l.cost_per_task_ref())
    );
}

#[test]
fn fixed_capability_price_drifts_at_most_one_review_of_progress() {
    let s = tiny_with(&format!("{AT_EQUILIBRIUM}[capability]\npace = 1.0\n"));
    let d = Draws::medians(&s);
    let bound = 2.5f64.powf(1.0 * 3.0 / 12.0);
    let mut start = None;
    drive(&s, &d, options(OFF), |p, _, _| {
        let first = *start.get_or_insert(p.market.p_fix);
        let ratio = p.market.p_fix / first;
        assert!(
            ratio <= 1.0 + 1e-12 && ratio >= 1.0 / bound - 1e-12,
            "P_fix moved by {ratio}, bound {bound}"
        );
    });
}

#[test]
fn fixed_capability_price_picks_the_cheapest_scaled_option() {
    let s = tiny(&[]);
    let d = Draws::medians(&s);
    let mut p = Path::new(&s, &d, 0, 1, Options::default());
    for (o, (live, lag, price)) in [
        (true, 0.0, 5.0),
        (true, 0.3, 1.0),
        (false, 0.0, 0.0),
        (true, 0.1, 2.0),
    ]
    .into_iter()
    .enumerate()
    {
        if o < p.market.opts.len() {
            p.market.opts[o].live = live;
            p.market.opts[o].lag = lag;
            p.market.opts[o].price = price;
        }
    }
    p.refresh(12.0); // Q = 1
    let k: f64 = 2.5;
    let expected = [5.0 * k.powf(-1.0), 1.0 * k.powf(-0.7)]
        .into_iter()
        .fold(f64::INFINITY, f64::min);
    assert!(
        (p.market.p_fix - expected).abs() < 1e-12,
        "{} vs {expected}",
        p.market.p_fix
    );
}

#[test]
fn committed_revenue_never_falls_below_the_floor_during_a_term() {
    // The frontier vendor switches as soon as revenue grows slower than tokens (any growth is
    // below 1000%), by the third year; then demand collapses so that commitments bind.
    let s = tiny_with(
        "horizon = \"2029-12\"\n\
         [[vendor]]\nname = \"Frontier\"\n[vendor.commitments]\ntrigger_growth = 10.0\nshare = 0.8\nramp_months = 0\ndiscount = 0.1\nterm_months = 12\n\
         [[shock]]\nname = \"slump\"\ndate = \"2029-01\"\ntarget = \"demand.enterprise\"\nfactor = 0.05\n\
         [segment.enterprise]\nvalue = 1e9\n",
    );
    let l = Layout::new(&s);
    let d = Draws::medians(&s);
    let mut binding = 0;
    let result = drive(&s, &d, Options::default(), |p, _, e| {
        if let Event::MonthEnd(m) = e {
            let Some(c) = &p.commits[0] else { return };
            if c.switched.is_none() {
                return;
            }
            // Contracts in force this month pay at least their commitment.
            let floor: f64 = c
                .signed
                .iter()
                .zip(&c.commit)
                .filter(|(since, _)| **since != 0 && m > **since)
                .map(|(_, commit)| commit)
                .sum();
            let revenue = p.books.out[l.revenue(0) * p.months as usize + m as usize - 1];
            assert!(
                revenue >= floor * (1.0 - 1e-12),
                "month {m}: revenue {revenue} below committed {floor}"
            );
            let per_token = p.books.out[l.tokens(0) * p.months as usize + m as usize - 1]
                * p.market.opts[0].price
                / 1e6;
            if revenue > per_token * 1.001 {
                binding += 1;
            }
        }
    });
    assert!(binding > 0, "the slump should make commitments bind");
    assert!(
        result
            .series(l.commitment_share(0))
            .iter()
            .any(|x| *x > 0.5)
    );
}

#[test]
fn same_inputs_give_the_same_path_bit_for_bit() {
    let s = tiny(&[]);
    let d = Draws::random(&s, 3, 17);
    let a = simulate(&s, &d, 17, 3, Options::default());
    let b = simulate(&s, &d, 17, 3, Options::default());
    assert_eq!(
        a.values.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
        b.values.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
    );
    assert_eq!((a.events, a.cohort_reviews), (b.events, b.cohort_reviews));
    let c = simulate(&s, &d, 18, 3, Options::default());
    assert_ne!(a.values, c.values, "another path index draws other cohorts");
}

/// Checks every invariant of a finished path and during it.
fn check_invariants(s: &Scenario, d: &Draws) {
    let l = Layout::new(s);
    let mut last_t = 0.0;
    let r = drive(s, d, Options::default(), |p, t, _| {
        assert!(t >= last_t, "event time went back from {last_t} to {t}");
        last_t = t;
        for seg in &p.segs {
            let total: f64 = seg.shares.iter().sum();
            assert!((total - 1.0).abs() < 1e-9, "shares sum to {total}");
            assert!(seg.shares.iter().all(|x| (0.0..=1.0 + 1e-12).contains(x)));
        }
    });
    for m in 1..=r.months {
        for seg in 0..2 {
            assert!((0.0..=1.0).contains(&r.get(l.adoption(seg), m)));
            assert!((0.0..=1.0).contains(&r.get(l.ambient(seg), m)));
        }
        let mut sum = r.get(l.revenue_hosts(), m);
        for v in 0..s.vendors.len() {
            let (tok, rev) = (r.get(l.tokens(v), m), r.get(l.revenue(v), m));
            assert!(
                tok.is_finite() && tok >= 0.0 && rev.is_finite() && rev >= 0.0,
                "vendor {v} month {m}: {tok} {rev}"
            );
            if s.vendors[v].commitments.is_none() && tok > 0.0 {
                let price = r.get(l.price(v), m);
                assert!(
                    (rev - tok * price / 1e6).abs() <= 1e-9 * rev.max(1.0),
                    "revenue = tokens × price"
                );
            }
            sum += rev;
        }
        let total = r.get(l.revenue_total(), m);
        assert!((total - sum).abs() <= 1e-9 * total.max(1.0));
        for name in [
            l.tokens_total(),
            l.tokens_paid(),
            l.tokens_device(),
            l.cost_per_task_ref(),
            l.cost_hw(),
        ] {
            let x = r.get(name, m);
            assert!(
                x.is_finite() && x >= 0.0,
                "{} month {m}: {x}",
                l.names()[name]
            );
        }
    }
    assert!(r.scalars.collapse_factor.is_finite() && r.scalars.collapse_factor > 0.0);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn invariants_hold_over_random_scenarios(
        pace in 0.0f64..2.0, kappa in 1.0f64..4.0, gsw in 1.0f64..6.0,
        price in 1e-6f64..50.0, lag in 0.0f64..3.0, eps in 0.0f64..3.0, alpha in 0.0f64..3.0,
        adjustment in 0.01f64..1.0, seed in 0u64..1000,
    ) {
        let sets = [
            format!("capability.pace={pace}"), format!("capability.cost_per_unit={kappa}"),
            format!("software.serving_gain_per_year={gsw}"), format!("vendor.Challenger.launch_price={price}"),
            format!("vendor.Challenger.lag={lag}"), format!("segment.enterprise.elasticity={eps}"),
            format!("segment.developer.price_sensitivity={alpha}"), format!("vendor.Frontier.adjustment={adjustment}"),
        ];
        let sets: Vec<&str> = sets.iter().map(String::as_str).collect();
        let s = tiny(&sets);
        check_invariants(&s, &Draws::random(&s, seed, seed));
    }
}

#[test]
fn extreme_but_valid_inputs_stay_finite() {
    for sets in [
        vec![
            "vendor.Frontier.launch_price=1e-9",
            "vendor.Challenger.launch_price=1e-9",
        ],
        vec![
            "segment.enterprise.elasticity=3",
            "segment.developer.elasticity=3",
        ],
        vec![
            "hardware.Rubin.delay_months=0",
            "vendor.Challenger.delay_months=0",
            "hardware.Rubin.ramp_months=0",
        ],
        vec!["capability.cost_per_unit=1", "capability.pace=0"],
    ] {
        let s = tiny(&sets);
        check_invariants(&s, &Draws::medians(&s));
    }
    // A hundred vendors.
    let mut body = String::new();
    for i in 0..100 {
        body.push_str(&format!(
            "[[vendor]]\nname = \"V{i}\"\nlag = {}\nlaunch_price = {}\nadjustment = 0.5\nmarkup_cap = 1.0\nmargin_floor = 0.0\nreview_months = 3\n",
            (i % 7) as f64 * 0.2,
            0.1 + i as f64 * 0.05
        ));
    }
    let s = tiny_with(&body);
    assert_eq!(s.vendors.len(), 102);
    check_invariants(&s, &Draws::medians(&s));
}

#[test]
fn probe_stops_where_the_path_is_and_its_copy_continues_it() {
    let s = tiny(&[]);
    let d = Draws::random(&s, 3, 17);
    let full = simulate(&s, &d, 17, 3, Options::default());
    let series = full.values.len() / full.months;
    let probe = Probe::after_month(&s, &d, 17, 3, 6);
    for k in 0..series {
        for m in 1..=6u32 {
            let (a, b) = (probe.value(k, m), full.get(k, m as usize));
            assert_eq!(a.to_bits(), b.to_bits(), "series {k}, month {m}");
        }
    }
    // A copy continues the same random streams from the same positions.
    let (mut a, mut b) = (probe.clone(), probe);
    assert_eq!(a.month_of_reviews(), b.month_of_reviews());
    a.month_end();
    b.month_end();
    for k in 0..series {
        assert_eq!(
            a.value(k, 7).to_bits(),
            b.value(k, 7).to_bits(),
            "series {k}"
        );
    }
}

#[test]
fn a_probe_month_has_poisson_many_reviews() {
    // tiny: 20 enterprise cohorts reviewed once a month, 10 developer cohorts twice.
    let s = tiny(&[]);
    let d = Draws::medians(&s);
    let mut p = Probe::after_month(&s, &d, 0, 1, 3);
    let n = 400;
    let mean = (0..n).map(|_| p.month_of_reviews()).sum::<u64>() as f64 / f64::from(n);
    let se = (40.0 / f64::from(n)).sqrt();
    assert!((mean - 40.0).abs() < 4.0 * se, "mean {mean}");
}

#[test]
fn a_path_within_its_budget_is_the_path_and_one_over_it_stops() {
    use std::sync::atomic::AtomicBool;
    let s = tiny(&[]);
    let d = Draws::random(&s, s.seed, 3);
    let full = simulate(&s, &d, 3, s.seed, Options::default());
    let quiet = AtomicBool::new(false);
    let within = super::simulate_within(&s, &d, 3, s.seed, Options::default(), u64::MAX, &quiet)
        .expect("no budget, no stop");
    assert_eq!(within.values.len(), full.values.len());
    assert!(
        within
            .values
            .iter()
            .zip(&full.values)
            .all(|(a, b)| a.to_bits() == b.to_bits())
    );
    assert_eq!(within.events, full.events);
    // Exactly its events is enough; one fewer is not.
    assert!(
        super::simulate_within(&s, &d, 3, s.seed, Options::default(), full.events, &quiet).is_ok()
    );
    match super::simulate_within(
        &s,
        &d,
        3,
        s.seed,
        Options::default(),
        full.events - 1,
        &quiet,
    ) {
        Err(super::Stopped::Budget { budget, events, .. }) => {
            assert_eq!(budget, full.events - 1);
            assert!(events > budget);
        }
        other => panic!(
            "expected a stop for the budget, got {:?}",
            other.map(|r| r.events)
        ),
    }
    let small = super::simulate_within(&s, &d, 3, s.seed, Options::default(), 100, &quiet);
    assert!(matches!(
        small,
        Err(super::Stopped::Budget { budget: 100, .. })
    ));
}

#[test]
fn a_raised_stop_flag_stops_a_path_at_its_first_month_end() {
    use std::sync::atomic::AtomicBool;
    let s = tiny(&[]);
    let d = Draws::random(&s, s.seed, 3);
    let stop = AtomicBool::new(true);
    let r = super::simulate_within(&s, &d, 3, s.seed, Options::default(), u64::MAX, &stop);
    assert_eq!(r.err(), Some(super::Stopped::Cancelled));
}
