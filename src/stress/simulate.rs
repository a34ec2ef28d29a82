//! The plans of one tier group (or one plan alone) run month by month over their simulated
//! subscribers on one path.
//!
//! Each month: base churn replaces subscribers (as drawn in their [`Timeline`]); places left
//! for price are offered to newcomers; every subscriber on a plan is billed under its plan's
//! terms and served at the vendor's cost; then subscribers whose bill exceeds the same usage
//! at the cheapest API price by more than the threshold leave (with the switching rate), and
//! those held back by their plan's limit long enough move up a tier (with the upgrade rate).

use super::cohort::{Coin, Coins, Timeline, slice};
use super::plan::{Bill, MonthTerms, PlanPath, Prices, Response, Terms, Year};
use super::{Calendar, SUBSCRIBERS};
use crate::scenario::Dist;

/// What a plan's subscribers see of a path, month by month.
#[derive(Debug, Clone, PartialEq)]
pub struct Market {
    /// The vendor's serving cost, $ per million tokens.
    pub cost: Vec<f64>,
    /// The vendor's API price, $ per million tokens (gaps filled).
    pub price: Vec<f64>,
    /// The cheapest API price of the vendor and the plan's alternatives.
    pub alternative: Vec<f64>,
    /// Cumulative growth of usage per subscriber (1 at the start).
    pub growth: Vec<f64>,
}

/// One plan of a group on one path.
#[derive(Clone, Copy)]
pub struct Member<'a> {
    pub terms: Terms,
    pub response: Response,
    /// Subscribers the plan's simulated sample stands for.
    pub subscribers: f64,
    pub timeline: &'a Timeline,
    pub market: &'a Market,
    pub usage: &'a Dist,
    pub coins: Coins,
}

/// Which figures to keep: all (`Detail::Full`, with the grid's usage-growth multipliers), or
/// the yearly sums alone (the optimiser's candidates).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Detail<'a> {
    Full { grid_growth: &'a [f64] },
    Years,
}

/// The subscribers of a group, one place per simulated subscriber of each plan.
struct Places {
    level: Vec<f64>,
    /// The plan whose population the place belongs to (where newcomers start).
    origin: Vec<usize>,
    /// The plan the subscriber is on now.
    tier: Vec<usize>,
    occupied: Vec<bool>,
    /// Months in a row over the plan's limit.
    over: Vec<u32>,
}

/// What every plan of the group stands at in one month.
struct Now {
    m: usize,
    /// Year index of the month.
    y: usize,
    terms: Vec<MonthTerms>,
    /// Per population.
    growth: Vec<f64>,
    cost: Vec<f64>,
    alternative: Vec<f64>,
    /// `weight[o * k + t]`: a subscriber of plan o's population, in units of plan t's.
    weight: Vec<f64>,
    k: usize,
}

impl Now {
    fn w(&self, o: usize, t: usize) -> f64 {
        self.weight[o * self.k + t]
    }

    /// What a subscriber's bill exceeds its usage at the cheapest API price by.
    fn excess(&self, t: usize, bill: &Bill) -> f64 {
        self.terms[t].fee + bill.overage - bill.served * self.alternative[t]
    }
}

/// A month's sums of one plan.
#[derive(Default, Clone, Copy)]
struct Sums {
    revenue: f64,
    overage: f64,
    spend: f64,
    losers: f64,
    on: f64,
}

/// Runs the plans of a group (in tier order) over the months of one path.
pub fn simulate(members: &[Member], calendar: &Calendar, detail: Detail) -> Vec<PlanPath> {
    let n = SUBSCRIBERS;
    let k = members.len();
    let months = members[0].market.growth.len();
    let years = calendar.distinct();
    let grid_growth: &[f64] = match detail {
        Detail::Full { grid_growth } => grid_growth,
        Detail::Years => &[],
    };
    let full = matches!(detail, Detail::Full { .. });
    let mut places = Places {
        level: members
            .iter()
            .flat_map(|m| m.timeline.levels.iter().copied())
            .collect(),
        origin: (0..k * n).map(|i| i / n).collect(),
        tier: (0..k * n).map(|i| i / n).collect(),
        occupied: vec![true; k * n],
        over: vec![0; k * n],
    };
    let responsive = members.iter().enumerate().any(|(t, m)| {
        m.response.switch_threshold.is_some() || (t + 1 < k && m.response.upgrade_rate > 0.0)
    });
    let mut out: Vec<PlanPath> = (0..k)
        .map(|_| PlanPath {
            margin: Vec::with_capacity(if full { months } else { 0 }),
            loss_share: Vec::new(),
            top5_share: Vec::new(),
            occupancy: Vec::new(),
            years: vec![Year::default(); years.len()],
            grid: vec![Year::default(); grid_growth.len()],
        })
        .collect();
    let final_year = calendar.final_year();
    let mut bills: Vec<Option<Bill>> = if responsive {
        vec![None; k * n]
    } else {
        Vec::new()
    };
    let mut now = Now {
        m: 0,
        y: 0,
        terms: Vec::with_capacity(k),
        growth: vec![0.0; k],
        cost: vec![0.0; k],
        alternative: vec![0.0; k],
        weight: (0..k * k)
            .map(|i| {
                let (o, t) = (i / k, i % k);
                if o == t {
                    1.0
                } else {
                    members[o].subscribers / members[t].subscribers
                }
            })
            .collect(),
        k,
    };
    for m in 0..months {
        now.m = m;
        now.y = years
            .iter()
            .position(|y| *y == calendar.years[m])
            .expect("a year of the run");
        now.terms.clear();
        for (t, member) in members.iter().enumerate() {
            let prices = Prices {
                api: member.market.price[m],
                elasticity: member.response.elasticity,
            };
            now.terms.push(member.terms.month(prices));
            now.growth[t] = member.market.growth[m];
            now.cost[t] = member.market.cost[m];
            now.alternative[t] = member.market.alternative[m];
        }
        churn(members, &mut places, &now, &mut out);
        arrivals(members, &mut places, &now, &mut out);
        let sums = bill_month(&places, &now, &mut bills);
        for (t, s) in sums.iter().enumerate() {
            let p = &mut out[t];
            if full {
                p.margin.push(if s.revenue > 0.0 {
                    (s.revenue - s.spend) / s.revenue
                } else {
                    f64::NAN
                });
                p.loss_share.push(s.losers / s.on);
                p.top5_share.push(top5_share(&places, &now, t, s.spend));
                p.occupancy.push(s.on / n as f64);
            }
            let year = &mut p.years[now.y];
            year.revenue += s.revenue;
            year.overage += s.overage;
            year.cost += s.spend;
            year.subscriber_months += s.on;
        }
        if final_year.contains(&m) {
            grid_month(&places, &now, grid_growth, &mut out);
        }
        if responsive {
            respond(members, &mut places, &now, &bills, &mut out);
        }
    }
    out
}

/// Base churn: each replaced subscriber's place takes a fresh draw from its slice, on the
/// plan its population belongs to (places left for price stay empty).
fn churn(members: &[Member], places: &mut Places, now: &Now, out: &mut [PlanPath]) {
    let n = SUBSCRIBERS;
    for (o, member) in members.iter().enumerate() {
        for &(i, level) in member.timeline.churn(now.m) {
            let p = o * n + i as usize;
            if !places.occupied[p] {
                continue;
            }
            let t = places.tier[p];
            out[t].years[now.y].churned += now.w(o, t);
            places.level[p] = level;
            places.tier[p] = o;
            places.over[p] = 0;
        }
    }
}

/// Places left for price: each is offered, with the switching rate, to a newcomer drawn from
/// its slice, who joins if the plan's bill for its usage is within the threshold.
fn arrivals(members: &[Member], places: &mut Places, now: &Now, out: &mut [PlanPath]) {
    let n = SUBSCRIBERS;
    for (o, member) in members.iter().enumerate() {
        let Some(threshold) = member.response.switch_threshold else {
            continue;
        };
        for i in 0..n {
            let p = o * n + i;
            if places.occupied[p]
                || member.coins.toss(Coin::Arrive, i, now.m) >= member.response.switch_rate
            {
                continue;
            }
            let level = slice(member.usage, i, member.coins.toss(Coin::Level, i, now.m));
            let bill = now.terms[o].bill(level * now.growth[o]);
            if now.excess(o, &bill) <= threshold {
                places.level[p] = level;
                places.tier[p] = o;
                places.occupied[p] = true;
                places.over[p] = 0;
                out[o].years[now.y].joined += 1.0;
            }
        }
    }
}

/// Bills every subscriber for the month; the sums per plan. Keeps each bill when `bills`
/// has room for them (the responses read them).
fn bill_month(places: &Places, now: &Now, bills: &mut [Option<Bill>]) -> Vec<Sums> {
    let mut sums = vec![Sums::default(); now.k];
    let keep = !bills.is_empty();
    if now.k == 1 && !keep {
        // A plan alone, no responses: its own subscribers at weight 1.
        let (terms, g, c) = (&now.terms[0], now.growth[0], now.cost[0]);
        let s = &mut sums[0];
        for (level, on) in places.level.iter().zip(&places.occupied) {
            if !on {
                continue;
            }
            let bill = terms.bill(level * g);
            let pay = terms.fee + bill.overage;
            let served_cost = bill.served * c;
            s.revenue += pay;
            s.overage += bill.overage;
            s.spend += served_cost;
            s.losers += f64::from(u8::from(pay < served_cost));
            s.on += 1.0;
        }
        return sums;
    }
    // Places are visited by index: `bills` may be empty (nothing kept).
    #[allow(clippy::needless_range_loop)]
    for p in 0..places.level.len() {
        if !places.occupied[p] {
            if keep {
                bills[p] = None;
            }
            continue;
        }
        let (o, t) = (places.origin[p], places.tier[p]);
        let bill = now.terms[t].bill(places.level[p] * now.growth[o]);
        let w = now.w(o, t);
        let pay = now.terms[t].fee + bill.overage;
        let served_cost = bill.served * now.cost[t];
        let s = &mut sums[t];
        s.revenue += w * pay;
        s.overage += w * bill.overage;
        s.spend += w * served_cost;
        s.losers += w * f64::from(u8::from(pay < served_cost));
        s.on += w;
        if keep {
            bills[p] = Some(bill);
        }
    }
    sums
}

/// The top 5% subscribers' share of plan `t`'s serving cost in the month (by usage).
fn top5_share(places: &Places, now: &Now, t: usize, spend: f64) -> f64 {
    if spend <= 0.0 {
        return f64::NAN;
    }
    let cost = |level: f64, o: usize| now.terms[t].bill(level * now.growth[o]).served * now.cost[t];
    let alone = now.k == 1;
    let on: Vec<usize> = if alone {
        Vec::new()
    } else {
        (0..places.level.len())
            .filter(|p| places.occupied[*p] && places.tier[*p] == t)
            .collect()
    };
    if alone || on.iter().all(|p| places.origin[*p] == t) {
        // One population: the top 5% by level are the top 5% by cost.
        let mut levels: Vec<f64> = if alone {
            places
                .level
                .iter()
                .zip(&places.occupied)
                .filter(|(_, on)| **on)
                .map(|(l, _)| *l)
                .collect()
        } else {
            on.iter().map(|p| places.level[*p]).collect()
        };
        let top_k = levels.len() / 20;
        if top_k == 0 {
            return 0.0;
        }
        let cut = levels.len() - top_k;
        levels.select_nth_unstable_by(cut, f64::total_cmp);
        let top: f64 = levels[cut..].iter().map(|b| cost(*b, t)).sum();
        return top / spend;
    }
    // Subscribers of several populations: the most expensive places holding 5% of the weight.
    let mut by_cost: Vec<(f64, f64)> = on
        .iter()
        .map(|p| {
            let o = places.origin[*p];
            (cost(places.level[*p], o), now.w(o, t))
        })
        .collect();
    by_cost.sort_by(|a, b| b.0.total_cmp(&a.0));
    let total: f64 = by_cost.iter().map(|c| c.1).sum();
    let (mut held, mut top) = (0.0, 0.0);
    for (cost, w) in by_cost {
        if held >= total / 20.0 {
            break;
        }
        held += w;
        top += w * cost;
    }
    top / spend
}

/// The final year's bills with usage growth multiplied by each of the grid's multipliers.
fn grid_month(places: &Places, now: &Now, grid_growth: &[f64], out: &mut [PlanPath]) {
    for (j, mult) in grid_growth.iter().enumerate() {
        let step = mult.powf(now.m as f64 / 12.0);
        if now.k == 1 {
            let (terms, g, c) = (&now.terms[0], now.growth[0] * step, now.cost[0]);
            let cell = &mut out[0].grid[j];
            let mut on = 0.0;
            for (level, occupied) in places.level.iter().zip(&places.occupied) {
                if *occupied {
                    let bill = terms.bill(level * g);
                    cell.revenue += terms.fee + bill.overage;
                    cell.overage += bill.overage;
                    cell.cost += bill.served * c;
                    on += 1.0;
                }
            }
            cell.subscriber_months += on;
            continue;
        }
        let growth: Vec<f64> = now.growth.iter().map(|g| g * step).collect();
        let mut on = vec![0.0; now.k];
        for p in 0..places.level.len() {
            if !places.occupied[p] {
                continue;
            }
            let (o, t) = (places.origin[p], places.tier[p]);
            let terms = &now.terms[t];
            let bill = terms.bill(places.level[p] * growth[o]);
            let w = now.w(o, t);
            // Summed straight into the year's cell, subscriber by subscriber, as ever.
            let cell = &mut out[t].grid[j];
            cell.revenue += w * (terms.fee + bill.overage);
            cell.overage += w * bill.overage;
            cell.cost += w * (bill.served * now.cost[t]);
            on[t] += w;
        }
        for (t, on) in on.iter().enumerate() {
            out[t].grid[j].subscriber_months += on;
        }
    }
}

/// The month's responses: leaving for price, moving up a tier.
fn respond(
    members: &[Member],
    places: &mut Places,
    now: &Now,
    bills: &[Option<Bill>],
    out: &mut [PlanPath],
) {
    let n = SUBSCRIBERS;
    for (p, bill) in bills.iter().enumerate() {
        let Some(bill) = bill else { continue };
        let (o, t) = (places.origin[p], places.tier[p]);
        let response = &members[t].response;
        let coins = members[o].coins;
        let i = p - o * n;
        if let Some(threshold) = response.switch_threshold
            && now.excess(t, bill) > threshold
            && coins.toss(Coin::Leave, i, now.m) < response.switch_rate
        {
            places.occupied[p] = false;
            out[t].years[now.y].left_for_price += now.w(o, t);
            continue;
        }
        if t + 1 >= now.k || response.upgrade_rate <= 0.0 {
            continue;
        }
        places.over[p] = if bill.limited { places.over[p] + 1 } else { 0 };
        if places.over[p] >= response.upgrade_after
            && coins.toss(Coin::Upgrade, i, now.m) < response.upgrade_rate
        {
            places.tier[p] = t + 1;
            places.over[p] = 0;
            out[t].years[now.y].upgraded += now.w(o, t);
        }
    }
}
