//! One path of the base scenario at its medians, and the cost per event it implies.

use criterion::{Criterion, criterion_group, criterion_main};
use infercast::model::{self, Options};
use infercast::sample::Draws;
use infercast::scenario;
use std::hint::black_box;
use std::path::Path;

fn bench(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/base.toml");
    let s = scenario::load(&path, &[]).expect("valid");
    let draws = Draws::medians(&s);
    let r = model::simulate(&s, &draws, 0, s.seed, Options::default());
    eprintln!(
        "one base path: {} events ({} cohort reviews)",
        r.events, r.cohort_reviews
    );
    c.bench_function("one path of base (medians)", |b| {
        b.iter(|| model::simulate(black_box(&s), &draws, 0, s.seed, Options::default()))
    });
    let random = Draws::random(&s, s.seed, 7);
    c.bench_function("one path of base (random draws, path 7)", |b| {
        b.iter(|| model::simulate(black_box(&s), &random, 7, s.seed, Options::default()))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
