//! Scenario loading (parse, extends, validation) and one path's worth of input draws.
//! Seeded: the draws are the same on every run.

use chacha20::ChaCha8Rng;
use criterion::{Criterion, criterion_group, criterion_main};
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
}

criterion_group!(benches, bench);
criterion_main!(benches);
