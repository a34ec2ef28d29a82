//! One path of the base scenario, and its two hot parts on their own: a month of cohort reviews
//! and one month-end booking, from a path stopped after month 36 (of 72).

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
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

    // Each iteration starts from its own copy of the stopped path (copying is not timed).
    let probe = model::Probe::after_month(&s, &draws, 0, s.seed, 36);
    let reviews = probe.clone().month_of_reviews();
    eprintln!("month 37 of the base path: {reviews} cohort reviews");
    let mut group = c.benchmark_group("parts of a base path (medians, month 37)");
    group.throughput(Throughput::Elements(reviews));
    group.bench_function("one month of cohort reviews", |b| {
        b.iter_batched_ref(
            || probe.clone(),
            |p| black_box(p.month_of_reviews()),
            BatchSize::SmallInput,
        )
    });
    group.throughput(Throughput::Elements(1));
    group.bench_function("one month end", |b| {
        b.iter_batched_ref(|| probe.clone(), |p| p.month_end(), BatchSize::SmallInput)
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
