//! Scenario loading (parse, extends, validation) and one path's worth of input draws.
//! Seeded: the draws are the same on every run.

use chacha20::ChaCha8Rng;
use criterion::{Criterion, criterion_group, criterion_main};
use infercast::scenario::dist::{LogNormal, open_unit};
use infercast::scenario::{self, InputKind, Marginal};
use rand::SeedableRng;
use std::hint::black_box;
use std::path::Path;

fn bench(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/base.toml");
    c.bench_function("load base.toml", |b| {
        b.iter(|| scenario::load(black_box(&path), &[]).expect("valid"))
    });

    let s = scenario::load(&path, &[]).expect("valid");
    let per_path: Vec<_> = s
        .inputs
        .iter()
        .filter(|i| i.kind == InputKind::Path)
        .collect();
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    c.bench_function("draw every per-path input of base once", |b| {
        b.iter(|| {
            per_path
                .iter()
                .map(|i| i.dist.sample(&mut rng))
                .sum::<f64>()
        })
    });

    // Every path draws its cohorts' four attributes this way: 2,800 per base path.
    let ln = LogNormal::from_median_p90(2.0, 20.0).expect("valid");
    let u: Vec<f64> = (0..1000).map(|_| open_unit(&mut rng)).collect();
    c.bench_function("1,000 lognormal quantiles", |b| {
        b.iter(|| u.iter().map(|&u| ln.quantile(black_box(u))).sum::<f64>())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
