//! The plan simulation against closed forms.

use super::*;
use crate::scenario::Dist;
use crate::scenario::dist::{LogNormal, Shape};

fn lognormal(mu: f64, sigma: f64) -> Dist {
    Dist::new(
        Shape::LogNormal(LogNormal::new(mu, sigma).unwrap()),
        None,
        None,
    )
    .unwrap()
}

fn flat(fee: f64) -> Terms {
    Terms {
        fee,
        included: Allowance::Unlimited,
        overage: None,
        cap: None,
        weekly_cap: None,
    }
}

fn calendar(months: usize, first: i32) -> Calendar {
    Calendar {
        years: (0..months).map(|m| first + m as i32 / 12).collect(),
    }
}

/// A market of constant cost, API price and growth.
fn constant(months: usize, cost: f64, price: f64, alternative: f64) -> Market {
    Market {
        cost: vec![cost; months],
        price: vec![price; months],
        alternative: vec![alternative; months],
        growth: vec![1.0; months],
    }
}

/// One plan alone over `market`.
#[allow(clippy::too_many_arguments)]
fn run_one(
    terms: Terms,
    response: Response,
    usage: &Dist,
    churn: f64,
    market: &Market,
    cal: &Calendar,
    grid: &[f64],
    seed: u64,
) -> PlanPath {
    let months = market.growth.len();
    let timeline = Timeline::draw(usage, churn, months, &mut stream(seed, "test", 0));
    let member = Member {
        terms,
        response,
        subscribers: 1e6,
        timeline: &timeline,
        market,
        usage,
        coins: Coins::new(seed, "test", 0),
    };
    simulate(&[member], cal, Detail::Full { grid_growth: grid })
        .pop()
        .unwrap()
}

#[test]
fn share_of_loss_making_subscribers_matches_the_lognormal_closed_form() {
    // Constant cost c, usage lognormal(μ, σ), no caps: a subscriber loses money when
    // usage·c > fee, so the share is 1 − Φ((ln(fee/c) − μ)/σ).
    let (mu, sigma, fee, c) = (2.0, 1.8, 20.0, 0.5);
    let usage = lognormal(mu, sigma);
    let months = 24;
    let market = constant(months, c, 1.0, 1.0);
    let p = run_one(
        flat(fee),
        Response::NONE,
        &usage,
        0.05,
        &market,
        &calendar(months, 2025),
        &[],
        3,
    );
    let normal = statrs::distribution::Normal::standard();
    use statrs::distribution::ContinuousCDF;
    let expected = 1.0 - normal.cdf(((fee / c).ln() - mu) / sigma);
    let se = (expected * (1.0 - expected) / SUBSCRIBERS as f64).sqrt();
    for share in &p.loss_share {
        assert!(
            (share - expected).abs() < 3.0 * se,
            "{share} vs {expected} ± {se}"
        );
    }
    // Averaged over the months (churn redraws subscribers), closer still.
    let mean = p.loss_share.iter().sum::<f64>() / months as f64;
    assert!((mean - expected).abs() < se, "{mean} vs {expected}");
}

#[test]
fn a_higher_fee_never_raises_the_chance_of_a_loss() {
    let usage = lognormal(1.0, 1.5);
    let growth = [0.5, 1.0, 2.0];
    let terms = Terms {
        fee: 20.0,
        included: Allowance::Tokens(5.0),
        overage: Some(OveragePrice::Fixed(2.0)),
        cap: None,
        weekly_cap: None,
    };
    for seed in 0..20 {
        let p = run_one(
            terms,
            Response::NONE,
            &usage,
            0.0,
            &constant(12, 0.9, 1.0, 1.0),
            &calendar(12, 2030),
            &growth,
            seed,
        );
        for j in 0..growth.len() {
            let losses: Vec<bool> = [0.5, 1.0, 1.5, 2.0, 4.0]
                .iter()
                .map(|k| p.loses(*k, j))
                .collect();
            assert!(losses.windows(2).all(|w| w[0] || !w[1]), "{losses:?}");
        }
        // Faster usage growth never lowers the final year's cost.
        assert!(p.grid.windows(2).all(|w| w[0].cost <= w[1].cost));
    }
}

#[test]
fn overage_elasticity_matches_its_closed_form() {
    // Constant cost and API price p, usage lognormal(μ, σ), allowance I, overage o: beyond
    // I a subscriber uses s = (o/p)^(−ε) of what it desires, so a month's overage per
    // subscriber is o·s·E[(U − I)+], with E[(U − I)+] = e^(μ+σ²/2)·Φ(d1) − I·Φ(d2),
    // d1 = (μ + σ² − ln I)/σ, d2 = d1 − σ.
    let (mu, sigma, inc, o, p, eps) = (1.5, 1.0, 4.0, 6.0, 2.0, 0.7);
    let usage = lognormal(mu, sigma);
    let terms = Terms {
        fee: 20.0,
        included: Allowance::Tokens(inc),
        overage: Some(OveragePrice::Fixed(o)),
        cap: None,
        weekly_cap: None,
    };
    let response = Response {
        elasticity: eps,
        ..Response::NONE
    };
    let months = 12;
    let run = run_one(
        terms,
        response,
        &usage,
        0.0,
        &constant(months, 0.1, p, p),
        &calendar(months, 2030),
        &[],
        5,
    );
    use statrs::distribution::{ContinuousCDF, Normal};
    let phi = |x: f64| Normal::standard().cdf(x);
    let d1 = (mu + sigma * sigma - inc.ln()) / sigma;
    let beyond = (mu + sigma * sigma / 2.0).exp() * phi(d1) - inc * phi(d1 - sigma);
    let s = (o / p).powf(-eps);
    let y = run.years[0];
    let per = y.overage / y.subscriber_months;
    let expected = o * s * beyond;
    assert!(
        (per / expected - 1.0).abs() < 0.01,
        "{per} vs closed form {expected}"
    );
    // With ε = 0 the same subscribers pay 1/s times as much overage.
    let rigid = run_one(
        terms,
        Response::NONE,
        &usage,
        0.0,
        &constant(months, 0.1, p, p),
        &calendar(months, 2030),
        &[],
        5,
    );
    let ratio = y.overage / rigid.years[0].overage;
    assert!((ratio - s).abs() < 1e-9, "{ratio} vs {s}");
    // A single subscriber level, exactly.
    let fixed = Dist::fixed(10.0);
    let one = run_one(
        terms,
        response,
        &fixed,
        0.0,
        &constant(1, 0.1, p, p),
        &calendar(1, 2030),
        &[],
        5,
    );
    let per = one.years[0].overage / one.years[0].subscriber_months;
    assert!((per - o * s * 6.0).abs() < 1e-9, "{per}");
}

#[test]
fn switching_survival_is_geometric_when_every_bill_exceeds_the_threshold() {
    // Every subscriber pays $20 for usage worth cents at the API price, against a threshold
    // of $5: each leaves with probability r a month, and newcomers, who would pay as much,
    // never join. The plan keeps (1 − r)^m of its subscribers after m months.
    let r = 0.15;
    let response = Response {
        switch_threshold: Some(5.0),
        switch_rate: r,
        ..Response::NONE
    };
    let months = 18;
    let p = run_one(
        flat(20.0),
        response,
        &lognormal(0.0, 1.0),
        0.0,
        &constant(months, 0.001, 0.002, 0.002),
        &calendar(months, 2030),
        &[],
        9,
    );
    let n = SUBSCRIBERS as f64;
    for (m, share) in p.occupancy.iter().enumerate() {
        let q = (1.0 - r).powi(m as i32);
        let se = (q * (1.0 - q) / n).sqrt().max(1e-12);
        assert!(
            (share - q).abs() < 4.0 * se,
            "month {m}: {share} vs {q} ± {se}"
        );
    }
    // Those who left are counted as leaving for price, not as churn.
    let left: f64 = p.years.iter().map(|y| y.left_for_price).sum();
    assert!((left / n - (1.0 - (1.0 - r).powi(months as i32))).abs() < 0.03);
    assert_eq!(p.years.iter().map(|y| y.churned).sum::<f64>(), 0.0);
}

#[test]
fn credits_equal_included_tokens_at_a_constant_api_price() {
    let usage = lognormal(1.0, 1.2);
    let market = constant(24, 0.4, 3.0, 3.0);
    let cal = calendar(24, 2029);
    let terms = |included| Terms {
        fee: 20.0,
        included,
        overage: Some(OveragePrice::Fixed(3.0)),
        cap: Some(200.0),
        weekly_cap: None,
    };
    let credits = run_one(
        terms(Allowance::Credits(15.0)),
        Response::NONE,
        &usage,
        0.04,
        &market,
        &cal,
        &[1.0],
        2,
    );
    let tokens = run_one(
        terms(Allowance::Tokens(15.0 / 3.0)),
        Response::NONE,
        &usage,
        0.04,
        &market,
        &cal,
        &[1.0],
        2,
    );
    assert_eq!(credits, tokens);
}

#[test]
fn a_tier_group_conserves_subscribers() {
    // Three tiers with caps; subscribers held back by their cap for two months move up with
    // probability 0.3; churn replaces subscribers on the plan they started on. Subscribers
    // move, none appear or vanish: the group's subscribers stay Σ subscribers every month.
    let months = 36;
    let cal = calendar(months, 2025);
    let market = Market {
        growth: (0..months).map(|m| 1.05f64.powi(m as i32)).collect(),
        ..constant(months, 0.5, 3.0, 3.0)
    };
    let usage = [
        lognormal(1.0, 1.5),
        lognormal(2.5, 1.5),
        lognormal(3.5, 1.5),
    ];
    let timelines: Vec<Timeline> = usage
        .iter()
        .enumerate()
        .map(|(k, u)| Timeline::draw(u, 0.03, months, &mut stream(4, "tier", k as u64)))
        .collect();
    let subscribers = [5e6, 1e6, 2e5];
    let caps = [20.0, 100.0, 400.0];
    let response = Response {
        upgrade_after: 2,
        upgrade_rate: 0.3,
        ..Response::NONE
    };
    let members: Vec<Member> = (0..3)
        .map(|k| Member {
            terms: Terms {
                cap: Some(caps[k]),
                ..flat([20.0, 100.0, 200.0][k])
            },
            response,
            subscribers: subscribers[k],
            timeline: &timelines[k],
            market: &market,
            usage: &usage[k],
            coins: Coins::new(4, &format!("tier{k}"), 0),
        })
        .collect();
    let paths = simulate(&members, &cal, Detail::Full { grid_growth: &[] });
    let total: f64 = subscribers.iter().sum();
    for m in 0..months {
        let on: f64 = (0..3).map(|k| paths[k].occupancy[m] * subscribers[k]).sum();
        assert!(
            (on / total - 1.0).abs() < 1e-9,
            "month {m}: {on} vs {total}"
        );
    }
    // Subscribers did move: the top tier grew and the lower ones report their upgrades.
    assert!(
        paths[2].occupancy[months - 1] > 1.2,
        "{:?}",
        paths[2].occupancy
    );
    assert!(paths[0].years.iter().map(|y| y.upgraded).sum::<f64>() > 100.0);
    assert_eq!(paths[2].years.iter().map(|y| y.upgraded).sum::<f64>(), 0.0);
}

#[test]
fn a_higher_fee_keeps_fewer_subscribers_when_they_compare_prices() {
    // The same subscribers, churn and coins under two fees: over the threshold sooner at the
    // higher fee, more of them leave and fewer newcomers join.
    let usage = lognormal(1.0, 1.5);
    let market = constant(24, 0.5, 2.0, 1.0);
    let cal = calendar(24, 2029);
    let response = Response {
        switch_threshold: Some(25.0),
        switch_rate: 0.3,
        elasticity: 0.5,
        ..Response::NONE
    };
    let terms = |fee| Terms {
        included: Allowance::Credits(10.0),
        overage: Some(OveragePrice::Api),
        ..flat(fee)
    };
    let low = run_one(terms(20.0), response, &usage, 0.02, &market, &cal, &[], 8);
    let high = run_one(terms(35.0), response, &usage, 0.02, &market, &cal, &[], 8);
    assert!(
        high.occupancy[23] < low.occupancy[23] - 0.05,
        "{} vs {}",
        high.occupancy[23],
        low.occupancy[23]
    );
    let left = |p: &PlanPath| p.years.iter().map(|y| y.left_for_price).sum::<f64>();
    assert!(left(&high) > left(&low));
}
