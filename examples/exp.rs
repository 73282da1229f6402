use damm::config::Config;
use damm::session::Session;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mut cfg = Config::from_hash(args.get(1).map(|s| s.as_str()).unwrap_or("")).unwrap();
    if cfg.learn.episodes == 0 {
        cfg.learn.episodes = 3000;
    }
    let t = std::time::Instant::now();
    let mut s = Session::new(cfg.clone()).unwrap();
    s.advance_episodes(cfg.learn.episodes);
    let el = t.elapsed();
    let c = s.compute_q_star();
    println!(
        "train {:?} ({:.1} Msteps/s) {:?}",
        el,
        (cfg.learn.episodes as f64 * cfg.mdp.episode_len as f64) / el.as_secs_f64() / 1e6,
        c
    );
    let snap = s.snapshot();
    worst(&s);
    let v: Vec<u32> = snap.visits.clone();
    println!("min visits tried {:?}", v.iter().filter(|&&x| x > 0).min());
    for e in s.evaluate() {
        println!(
            "{:?} net {:.1} [{:.1},{:.1}] fees {:.1} costs {:.1} funding {:.1} adj {:.1}",
            e.policy,
            e.net.mean,
            e.net.lo,
            e.net.hi,
            e.fees.mean,
            e.costs.mean,
            e.funding.mean,
            e.adjustments.mean
        );
    }
}
#[allow(dead_code)]
fn worst(s: &Session) {
    let snap = s.snapshot();
    let qs = snap.q_star.unwrap();
    let mut v: Vec<(f64, usize)> = snap
        .q
        .iter()
        .zip(&qs)
        .enumerate()
        .filter(|(_, (_, b))| b.is_finite())
        .map(|(i, (a, b))| ((a - b).abs(), i))
        .collect();
    v.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (e, i) in v.iter().take(5) {
        println!(
            "err {e:.1} pair {i} visits {} q {:.1} q* {:.1}",
            snap.visits[*i], snap.q[*i], qs[*i]
        );
    }
}
