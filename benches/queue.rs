//! The event queue, and the bare kernel: one generator draw plus one push and pop, the
//! unavoidable work of one event, to compare the model's per-event cost against.

use chacha20::ChaCha8Rng;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use infercast::model::queue::Queue;
use infercast::scenario::dist::open_unit;
use rand::SeedableRng;
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("queue");
    const N: u64 = 10_000;
    group.throughput(Throughput::Elements(N));
    // A queue holding ~10 pending events, as a base path does (two review streams, vendor
    // reviews, the month end, launches): pop the earliest, push its successor.
    group.bench_function("pop + push with 10 pending (10k events)", |b| {
        b.iter(|| {
            let mut q = Queue::default();
            for k in 0..10u64 {
                q.push(k as f64 * 0.1, k == 0, k);
            }
            for _ in 0..N {
                let (t, e) = q.pop().expect("pending");
                q.push(t + 0.37 + (e % 3) as f64 * 0.1, false, e);
            }
            black_box(q.len())
        })
    });
    group.bench_function("bare kernel: draw + push + pop (10k events)", |b| {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        b.iter(|| {
            let mut q = Queue::default();
            for k in 0..10u64 {
                q.push(k as f64 * 0.1, false, k);
            }
            for _ in 0..N {
                let (t, e) = q.pop().expect("pending");
                q.push(t - open_unit(&mut rng).ln(), false, e);
            }
            black_box(q.len())
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
