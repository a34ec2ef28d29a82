//! A whole run of the base scenario at 1,000 paths on one thread and on two: simulation and
//! statistics (histograms, targets, date curves), rows handed to a sink that drops them, no
//! files. The ratio of the two is the runner's parallel scaling.

use criterion::{Criterion, criterion_group, criterion_main};
use infercast::run::{self, Settings, Silent};
use infercast::scenario::{self, Sampling};
use std::path::Path;
use std::sync::atomic::AtomicBool;

fn bench(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/base.toml");
    let s = scenario::load(&path, &[]).expect("valid");
    let cancel = AtomicBool::new(false);
    let mut group = c.benchmark_group("run");
    group.sample_size(10);
    for threads in [1, 2] {
        let settings = Settings {
            paths: 1000,
            seed: s.seed,
            threads,
            sampling: Sampling::Random,
            until_se: None,
            until_ess: None,
            adapt: false,
            shard: None,
        };
        group.bench_function(format!("base, 1,000 paths, {threads} thread(s)"), |b| {
            b.iter(|| {
                run::run(&s, &settings, &Silent, &mut |_, _| Ok(()), &cancel).expect("no I/O")
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
