//! The living curve: the x·y = k chart as a function of an animation phase φ ∈ [0, 1] for
//! one of three moves, each computed by the engine on a copy of the AMM now —
//! - a trade: the reserve point slides along the curve; the tangent at the start has the
//!   spot price as its slope and the chord to the point the execution price, so slippage is
//!   the angle between them (docs/amm-formulas.md §2–3);
//! - a repeg toward the oracle: the curve's price scale (the peg) moves, the curve stretches
//!   vertically and the terminal price is marked (§5);
//! - a k change by κ: the curve moves out (or in) at an unchanged mark (§6);
//!
//! with the cost of each written beside it. The page drives φ (`www/js/curve-anim.js`); the
//! static curve chart is `charts::price_curve`. Not here: timing or any browser API.

use plotters::coord::Shift;
use plotters::prelude::*;
use serde::{Deserialize, Serialize};

use super::palette::{BLUE, GREY, INK, ORANGE, RED};
use super::{frame, legend, px, short, DrawResult, Look};
use crate::amm::{Amm, AmmInit, AmmState, Side};
use crate::session::View;

/// Which move the curve animates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CurveMove {
    Trade,
    Repeg,
    K,
}

impl CurveMove {
    /// `trade`, `repeg` or `k`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "trade" => Some(Self::Trade),
            "repeg" => Some(Self::Repeg),
            "k" => Some(Self::K),
            _ => None,
        }
    }
}

/// One planned move: the AMM before and after it, its cost, and the text shown beside it.
#[derive(Debug, Clone, Serialize)]
pub struct CurveAnimation {
    pub kind: CurveMove,
    /// The AMM now, where the animation starts.
    pub before: AmmState,
    /// The AMM after the whole move (φ = 1).
    pub after: AmmState,
    /// The move's cost to the protocol (USD; > 0 paid, < 0 earned); for a trade, minus the
    /// fee it pays.
    pub cost: f64,
    /// Whether Drift's rules of this market allow the move now.
    pub allowed: bool,
    /// What the move does and costs, in one or two sentences.
    pub text: String,
    /// Half-width of the zoomed x window, as a share of the base reserve.
    pub window: f64,
    /// The trade's USD size (trade), the new peg (repeg) or the new √k (k).
    pub target: f64,
    #[serde(skip)]
    start: Option<Amm>,
}

/// The AMM of a view's state under the view's rules.
fn amm_of(s: &AmmState, view: &View<'_>) -> Option<Amm> {
    Amm::new(&AmmInit {
        base_reserve: s.base_reserve,
        quote_reserve: s.quote_reserve,
        peg: s.peg,
        fee_rate: s.fee_rate,
        net_base: s.net_base,
        sqrt_k: Some(s.sqrt_k),
        total_fee: s.total_fee,
        fee_pool: s.fee_pool,
        rules: view.rules,
    })
    .ok()
}

/// Plans `kind` on the AMM of `view`: a long of `trade` USD, the repeg toward the oracle
/// (Drift v1's rule; docs/amm-formulas.md §5) or √k·(1 + κ). `None` without a market or
/// when the move cannot be computed (e.g. a trade larger than the curve can fill).
pub fn curve_animation(view: &View<'_>, kind: CurveMove, trade: f64) -> Option<CurveAnimation> {
    let amm = amm_of(view.amm.as_ref()?, view)?;
    let before = amm.state();
    let b = before.base_reserve;
    let near_terminal = 1.2 * (before.net_base / b).abs();
    let (after, cost, allowed, text, window, target) = match kind {
        CurveMove::Trade => {
            let size = if trade.is_finite() && trade > 0.0 {
                trade
            } else {
                0.01 * before.quote_reserve * before.peg
            };
            let mut next = amm;
            let fill = next.trade_quote(Side::Long, size).ok()?;
            let (spot, exec, spot1) = (
                before.mark_price,
                fill.quote_filled / fill.base_filled,
                next.mark_price(),
            );
            let text = format!(
                "A long of {} USD buys {:.4} base. Spot price (the tangent's slope) {:.4}; execution price (the chord's slope) {:.4}: slippage {:.3}%, {:.2} USD paid above spot (the point's height above the tangent). The new spot price is {:.4}. Fee {:.2} USD, half of it the protocol's.",
                short(size),
                fill.base_filled,
                spot,
                exec,
                100.0 * (exec / spot - 1.0),
                fill.quote_filled - spot * fill.base_filled,
                spot1,
                fill.fee
            );
            let w = (1.5 * fill.base_filled / b).clamp(0.02, 0.5);
            (next.state(), -fill.fee, true, text, w, size)
        }
        CurveMove::Repeg => {
            let oracle = view.oracle;
            let ruled = amm.peg_toward(oracle);
            let peg1 = ruled.unwrap_or(if oracle > 0.0 {
                oracle * before.base_reserve / before.quote_reserve
            } else {
                before.peg * 1.01
            });
            let mut next = amm;
            let cost = next.repeg_cost(peg1);
            let applied = next.repeg(peg1);
            let allowed = ruled.is_some() && applied.is_ok();
            if applied.is_err() {
                // Show the move anyway, outside the rules, and say why it is refused.
                let mut free = amm;
                free.set_rules(crate::amm::AmmRules::unchecked());
                free.repeg(peg1).ok()?;
                next = free;
            }
            let why = if ruled.is_none() {
                " Drift's rule refuses it now: the oracle lies between the mark and the terminal price, so no repeg toward it keeps both on their side.".to_string()
            } else if let Err(e) = applied {
                format!(" Refused now: {e}.")
            } else {
                String::new()
            };
            let text = format!(
                "Repeg {:.4} → {:.4} (oracle {:.4}): the mark moves {:.4} → {:.4} and the terminal price {:.4} → {:.4}. Cost {} {:.2} USD{}.{why}",
                before.peg,
                peg1,
                oracle,
                before.mark_price,
                next.mark_price(),
                before.terminal_price,
                next.terminal_price(),
                if cost >= 0.0 { "paid from the fee pool:" } else { "earned into the fee pool:" },
                cost.abs(),
                if cost >= 0.0 { format!(" (spendable before: {:.2})", amm.spendable()) } else { String::new() },
            );
            let w = (2.5 * (peg1 / before.peg - 1.0).abs())
                .max(near_terminal)
                .clamp(0.02, 0.6);
            (next.state(), cost, allowed, text, w, peg1)
        }
        CurveMove::K => {
            let kappa = view.mdp.kappa;
            let s1 = before.sqrt_k * (1.0 + kappa);
            let mut next = amm;
            let cost = next.k_cost(s1);
            let applied = next.update_k(s1);
            if applied.is_err() {
                let mut free = amm;
                free.set_rules(crate::amm::AmmRules::unchecked());
                free.update_k(s1).ok()?;
                next = free;
            }
            let why = match &applied {
                Err(e) => format!(" Refused now: {e}."),
                Ok(_) => String::new(),
            };
            let text = format!(
                "√k {} → {} (+{:.1}%): the curve moves out at an unchanged mark {:.4}; the terminal price moves {:.4} → {:.4}. Cost {} {:.2} USD.{why}",
                short(before.sqrt_k),
                short(s1),
                100.0 * kappa,
                before.mark_price,
                before.terminal_price,
                next.terminal_price(),
                if cost >= 0.0 { "paid from the fee pool:" } else { "earned into the fee pool:" },
                cost.abs(),
            );
            let w = (2.5 * kappa).max(near_terminal).clamp(0.02, 0.6);
            (next.state(), cost, applied.is_ok(), text, w, s1)
        }
    };
    Some(CurveAnimation {
        kind,
        before,
        after,
        cost,
        allowed,
        text,
        window,
        target,
        start: Some(amm),
    })
}

/// (√k, peg, base reserve) of the curve at phase `phase` of the move.
fn at_phase(a: &CurveAnimation, phase: f64) -> (f64, f64, f64) {
    let t = if phase.is_finite() {
        phase.clamp(0.0, 1.0)
    } else {
        1.0
    };
    let (b0, b1) = (&a.before, &a.after);
    match a.kind {
        CurveMove::Trade => {
            // The partial trade, by the engine: the point slides along the curve.
            let b = a
                .start
                .and_then(|mut amm| {
                    if t == 0.0 {
                        return Some(amm.base_reserve());
                    }
                    amm.trade_quote(Side::Long, t * a.target).ok()?;
                    Some(amm.base_reserve())
                })
                .unwrap_or(b0.base_reserve + t * (b1.base_reserve - b0.base_reserve));
            (b0.sqrt_k, b0.peg, b)
        }
        CurveMove::Repeg => (b0.sqrt_k, b0.peg + t * (b1.peg - b0.peg), b0.base_reserve),
        CurveMove::K => {
            let s = b0.sqrt_k + t * (b1.sqrt_k - b0.sqrt_k);
            (s, b0.peg, b0.base_reserve * s / b0.sqrt_k)
        }
    }
}

/// Draws the move at `phase` on a window fixed over the whole animation, so the motion shows.
pub fn draw_curve_animation<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    look: Look,
    a: &CurveAnimation,
    phase: f64,
) -> DrawResult<DB> {
    match a.kind {
        CurveMove::Trade => draw_trade(area, look, a, phase),
        CurveMove::Repeg | CurveMove::K => draw_adjustment(area, look, a, phase),
    }
}

/// A trade, drawn as the curve's height above its tangent at the start: the tangent (spot
/// price) is the horizontal axis, so the curve's bend is visible at any trade size, the
/// chord's slope is the execution price minus the spot price, and the moving point's height
/// is what the trade paid above spot, quote − spot·base (USD).
fn draw_trade<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    look: Look,
    a: &CurveAnimation,
    phase: f64,
) -> DrawResult<DB> {
    let scale = look.scale;
    let (s, p, m) = (a.before.sqrt_k, a.before.peg, a.before.mark_price);
    let (b, y0) = (a.before.base_reserve, a.before.quote_reserve * p);
    let above = |x: f64| s * s / x * p - (y0 - m * (x - b));
    let span = (b - a.after.base_reserve).abs().max(1e-9 * b);
    let (x0, x1) = (b - 1.25 * span, b + 0.25 * span);
    let top = above(x0).max(above(x1)).max(1e-12);
    let mut chart = frame(
        area,
        "x·y = k above its tangent at the start",
        look,
        x0..x1,
        (-0.05 * top)..(1.05 * top),
        "base reserve x",
        "USD above the tangent",
    )?;
    let stroke = px(2.0, scale);
    chart
        .draw_series(LineSeries::new(
            (0..=160).map(|i| {
                let x = x0 + (x1 - x0) * i as f64 / 160.0;
                (x, above(x))
            }),
            BLUE.stroke_width(stroke),
        ))?
        .label("x·y = k minus the tangent")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], BLUE.stroke_width(2)));
    chart
        .draw_series(DashedLineSeries::new(
            [(x0, 0.0), (x1, 0.0)],
            px(6.0, scale),
            px(4.0, scale),
            ORANGE.stroke_width(stroke),
        ))?
        .label("tangent: spot price")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], ORANGE.stroke_width(2)));
    let (_, _, bx) = at_phase(a, phase);
    let here = (bx, above(bx));
    chart
        .draw_series(std::iter::once(PathElement::new(
            vec![(b, 0.0), here],
            RED.stroke_width(stroke),
        )))?
        .label("chord: execution price")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], RED.stroke_width(2)));
    let r = px(5.0, scale);
    chart.draw_series(std::iter::once(Circle::new((b, 0.0), r, INK.filled())))?;
    chart
        .draw_series(std::iter::once(Circle::new(here, r, BLUE.filled())))?
        .label("reserves")
        .legend(|(x, y)| Circle::new((x + 8, y), 4, BLUE.filled()));
    legend(&mut chart, look)
}

/// A repeg or a k change: the curve before (grey) and at `phase` (blue), zoomed around the
/// reserve point, with the terminal point marked.
fn draw_adjustment<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    look: Look,
    a: &CurveAnimation,
    phase: f64,
) -> DrawResult<DB> {
    let scale = look.scale;
    let b = a.before.base_reserve;
    let (x0, x1) = (b * (1.0 - a.window), b * (1.0 + a.window));
    let curve_y = |s: f64, p: f64, x: f64| s * s / x * p;
    let (s0, p0) = (a.before.sqrt_k, a.before.peg);
    let (s1, p1) = (a.after.sqrt_k, a.after.peg);
    let ys = [
        curve_y(s0, p0, x0),
        curve_y(s0, p0, x1),
        curve_y(s1, p1, x0),
        curve_y(s1, p1, x1),
    ];
    let lo = ys.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = ys.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let title = format!(
        "x·y = k, zoomed to ±{:.0}% of the base reserve",
        100.0 * a.window
    );
    let mut chart = frame(
        area,
        &title,
        look,
        x0..x1,
        lo..hi,
        "base reserve x",
        "quote reserve y × peg (USD)",
    )?;
    let stroke = px(2.0, scale);
    let path = |s: f64, p: f64| -> Vec<(f64, f64)> {
        (0..=120)
            .map(|i| {
                let x = x0 + (x1 - x0) * i as f64 / 120.0;
                (x, curve_y(s, p, x))
            })
            .collect()
    };
    let (s, p, bx) = at_phase(a, phase);
    let start = (b, a.before.quote_reserve * p0);
    chart
        .draw_series(LineSeries::new(
            path(s0, p0),
            GREY.stroke_width(px(1.0, scale)),
        ))?
        .label("before")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], GREY.stroke_width(1)));
    chart
        .draw_series(LineSeries::new(path(s, p), BLUE.stroke_width(stroke)))?
        .label("x·y = k")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], BLUE.stroke_width(2)));
    let here = (bx, curve_y(s, p, bx));
    let r = px(5.0, scale);
    // The terminal price: the curve's point once every position is closed.
    let xt = bx + a.before.net_base;
    if xt > x0 && xt < x1 {
        chart
            .draw_series(std::iter::once(TriangleMarker::new(
                (xt, curve_y(s, p, xt)),
                r + 1,
                ORANGE.filled(),
            )))?
            .label("terminal point (all positions closed)")
            .legend(|(x, y)| TriangleMarker::new((x + 8, y), 5, ORANGE.filled()));
    }
    chart.draw_series(std::iter::once(Circle::new(start, r, GREY.filled())))?;
    chart
        .draw_series(std::iter::once(Circle::new(here, r, BLUE.filled())))?
        .label("reserves")
        .legend(|(x, y)| Circle::new((x + 8, y), 4, BLUE.filled()));
    legend(&mut chart, look)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::session::Session;

    fn session() -> Session {
        let mut s = Session::new(Config::from_hash("seed=2&mdp.episode_len=40").unwrap()).unwrap();
        s.advance(25);
        s
    }

    #[test]
    fn a_trade_pays_more_than_spot_and_ends_where_the_engine_does() {
        let s = session();
        let v = s.view();
        let a = curve_animation(&v, CurveMove::Trade, 300_000.0).unwrap();
        assert!(a.text.contains("slippage"));
        assert!(a.after.mark_price > a.before.mark_price);
        assert!(a.cost < 0.0);
        let (_, _, b_end) = at_phase(&a, 1.0);
        assert_eq!(b_end, a.after.base_reserve);
        let (_, _, b_half) = at_phase(&a, 0.5);
        assert!(b_half < a.before.base_reserve && b_half > a.after.base_reserve);
    }

    #[test]
    fn repeg_and_k_report_the_engines_costs() {
        let s = session();
        let v = s.view();
        let amm = amm_of(v.amm.as_ref().unwrap(), &v).unwrap();
        let r = curve_animation(&v, CurveMove::Repeg, 0.0).unwrap();
        assert_eq!(r.cost, amm.repeg_cost(r.target));
        assert_eq!(at_phase(&r, 1.0).1, r.after.peg);
        let k = curve_animation(&v, CurveMove::K, 0.0).unwrap();
        assert_eq!(k.cost, amm.k_cost(k.target));
        assert!((k.after.mark_price / k.before.mark_price - 1.0).abs() < 1e-12);
        assert!(k.text.contains("Cost"));
        // Every phase draws.
        for kind in [CurveMove::Trade, CurveMove::Repeg, CurveMove::K] {
            let a = curve_animation(&v, kind, 100_000.0).unwrap();
            for phase in [0.0, 0.3, 1.0, f64::NAN] {
                let mut out = String::new();
                {
                    let root = plotters_svg::SVGBackend::with_string(&mut out, (400, 300))
                        .into_drawing_area();
                    draw_curve_animation(&root, Look::FILE, &a, phase).unwrap();
                    root.present().unwrap();
                }
                assert!(out.len() > 1_000);
            }
        }
    }
}
