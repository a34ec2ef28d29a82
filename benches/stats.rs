//! The quantile sketch: counting a block's values into one histogram, merging two tallies'
//! histograms, and counting one value at a time, with the sizes a base run sees (a month's
//! values of one series over a block of 64 paths; a few hundred occupied bins).
//!
//! Here the histogram is hot in the cache, and one value at a time (a binary search each)
//! beats the batch (sort, then one merge pass). In a run it is the other way round: a block
//! visits 2,880 histograms (about 14 MB), each cold, and the batch's sequential pass wins
//! (3,000 base paths on one thread: 4.9 s with batches, 5.3–5.7 s one value at a time).

use chacha20::ChaCha8Rng;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use infercast::stats::Histogram;
use rand::SeedableRng;
use rand_distr::{Distribution, LogNormal};
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    // A series spread like a price across paths: lognormal, σ = 1 (about 600 occupied bins
    // after a few thousand paths).
    let spread = LogNormal::new(0.0, 1.0).expect("valid");
    let mut filled = Histogram::default();
    filled.add_all((0..4096).map(|_| spread.sample(&mut rng)));
    let block: Vec<f64> = (0..64).map(|_| spread.sample(&mut rng)).collect();
    let mut other = Histogram::default();
    other.add_all((0..1024).map(|_| spread.sample(&mut rng)));

    let mut group = c.benchmark_group("histogram");
    group.throughput(Throughput::Elements(64));
    group.bench_function("add a block of 64 values", |b| {
        b.iter(|| {
            let mut h = filled.clone();
            h.add_all(block.iter().copied());
            black_box(h)
        })
    });
    group.bench_function("add 64 values one by one", |b| {
        b.iter(|| {
            let mut h = filled.clone();
            for x in &block {
                h.add(*x);
            }
            black_box(h)
        })
    });
    group.throughput(Throughput::Elements(1));
    group.bench_function("merge two tallies' histograms", |b| {
        b.iter(|| {
            let mut h = filled.clone();
            h.merge(&other);
            black_box(h)
        })
    });
    group.bench_function("clone (the baseline of the above)", |b| {
        b.iter(|| black_box(filled.clone()))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
