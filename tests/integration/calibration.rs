//! The base scenario's median outputs land inside the published bands of CALIBRATION.md's
//! last section, all at once (a few hundred paths, fixed seed).

use super::*;
use infercast::model::{self, Layout, Options, PathResult};

pub struct Bands {
    pub ref_cost_fall_per_year: f64,
    pub frontier_fall_per_year: f64,
    pub volume_growth_2026: f64,
    pub volume_growth_2027: f64,
    pub openai: Vec<f64>,
    pub p_stall: f64,
    pub device_share_2030: f64,
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.retain(|x| x.is_finite());
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// Medians over `paths` paths of the quantities the bands constrain.
pub fn measure(s: &Scenario, paths: u64) -> Bands {
    let l = Layout::new(s);
    let (sampler, _) = infercast::sample::Sampler::new(s, s.sampling, paths);
    let results: Vec<PathResult> = (0..paths)
        .map(|i| {
            model::simulate(
                s,
                &sampler.draws(s, s.seed, i),
                i,
                s.seed,
                Options::default(),
            )
        })
        .collect();
    let openai = s
        .vendors
        .iter()
        .position(|v| v.name == "OpenAI")
        .expect("an OpenAI-like vendor");
    let (y0, m0) = (s.start.year(), s.start.month());
    let dec = |year: i32| ((year - y0) * 12 + 12 - (m0 as i32 - 1)) as usize;
    let per = |f: &dyn Fn(&PathResult) -> f64| median(results.iter().map(f).collect());
    let paid = |r: &PathResult, y| r.annual_sum(l.tokens_paid(), y0, m0, y);
    Bands {
        ref_cost_fall_per_year: per(&|r| {
            (r.get(l.cost_per_task_ref(), 1) / r.get(l.cost_per_task_ref(), dec(2027)))
                .powf(12.0 / (dec(2027) - 1) as f64)
        }),
        frontier_fall_per_year: per(&|r| {
            (r.get(l.price_frontier(), 1) / r.get(l.price_frontier(), r.months))
                .powf(12.0 / (r.months - 1) as f64)
        }),
        volume_growth_2026: per(&|r| paid(r, 2026) / paid(r, 2025)),
        volume_growth_2027: per(&|r| paid(r, 2027) / paid(r, 2026)),
        openai: (2025..=2030)
            .map(|y| per(&|r| r.annual_sum(l.revenue(openai), y0, m0, y)))
            .collect(),
        p_stall: results.iter().filter(|r| r.scalars.revenue_stall).count() as f64 / paths as f64,
        device_share_2030: per(&|r| {
            r.annual_sum(l.tokens_device(), y0, m0, 2030)
                / r.annual_sum(l.tokens_total(), y0, m0, 2030)
        }),
    }
}

#[test]
fn base_medians_land_in_the_published_bands() {
    let s = load(&root().join("scenarios/base.toml"), &[]).unwrap();
    let b = measure(&s, 300);
    let report = format!(
        "ref cost ÷{:.1}/yr, frontier ÷{:.2}/yr, volume ×{:.1} (2026) ×{:.1} (2027), OpenAI $B {:?}, P(stall) {:.3}, device share 2030 {:.3}",
        b.ref_cost_fall_per_year,
        b.frontier_fall_per_year,
        b.volume_growth_2026,
        b.volume_growth_2027,
        b.openai
            .iter()
            .map(|x| (x / 1e8).round() / 10.0)
            .collect::<Vec<_>>(),
        b.p_stall,
        b.device_share_2030
    );
    eprintln!("{report}");
    // CAL-18/19/21: price decline at constant capability ~3–40x per year over 2025–27.
    assert!((3.0..=40.0).contains(&b.ref_cost_fall_per_year), "{report}");
    // CAL-1/6/8: the frontier price falls only ~1.5–3x per year.
    assert!((1.5..=3.0).contains(&b.frontier_fall_per_year), "{report}");
    // CAL-26/28/30: paid token volume grows ~2–10x per year in 2025–27.
    assert!((2.0..=10.0).contains(&b.volume_growth_2026), "{report}");
    assert!((2.0..=10.0).contains(&b.volume_growth_2027), "{report}");
    // CAL-32/33: ~$13B in 2025, ~$25–35B in 2026, growing every year, $80–400B in 2030.
    assert!((9e9..=18e9).contains(&b.openai[0]), "{report}");
    assert!((22e9..=38e9).contains(&b.openai[1]), "{report}");
    assert!(b.openai.windows(2).all(|w| w[1] > w[0]), "{report}");
    assert!((80e9..=400e9).contains(&b.openai[5]), "{report}");
    // A revenue stall is possible but well below even odds.
    assert!(b.p_stall > 0.0 && b.p_stall < 0.3, "{report}");
    // CAL-57/58: on-device tokens 2–10% of all by 2030.
    assert!((0.02..=0.10).contains(&b.device_share_2030), "{report}");
}
