//! "Where the money goes": the shown episode's cumulative money split (`mdp::money`) as
//! stacked areas — income above zero, outflows below, each term on its side at every
//! step — with the net (the control reward summed so far) as a line, and the memo items
//! that are not in the reward as dashed lines: the AMM's losses at the oracle to informed
//! flow and to the arbitrageur, and the loss-versus-rebalancing reference (docs/lvr.md).
//! Scoped to what the preset's reward counts (`MoneyScope`): the paper preset stacks its
//! fees and draws the other flows as a memo line; the band preset, with no market, says so.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::palette::{BLUE, GREEN, GREY, INK, ORANGE, PURPLE, RED, SKY, YELLOW};
use super::{empty_note, episode_frame, legend, px, DrawResult, Look, EPISODE_EMPTY};
use crate::mdp::money::{cumulative, MoneyScope, MoneySplit, TERM_NAMES};
use crate::session::View;

/// Colour of each term, in `TERM_NAMES` order (the page's legend uses the same names).
pub const TERM_COLOURS: [(&str, RGBColor); 8] = [
    ("sky", SKY),
    ("blue", BLUE),
    ("purple", PURPLE),
    ("green", GREEN),
    ("yellow", YELLOW),
    ("red", RED),
    ("orange", ORANGE),
    ("grey", GREY),
];

/// The page's CSS colour names of the terms, in `TERM_NAMES` order.
pub fn split_colour_names() -> [&'static str; 8] {
    TERM_COLOURS.map(|(n, _)| n)
}

/// The note of the band preset's split chart (`MoneyScope::NoMarket`).
const NO_MARKET: [&str; 2] = [
    "The band model has no market: its reward is −(a/2)·d² or −K",
    "per step (docs/band.md), so there is no money to split.",
];

/// A memo line: what it plots, its colour and its legend label.
type Memo = (fn(&MoneySplit) -> f64, RGBColor, &'static str);

/// The stacked bands of one trajectory: for each term, its (step, lower, upper) on the
/// positive side and on the negative side.
type Bands = Vec<[Vec<(f64, f64, f64)>; 2]>;

fn stack(cum: &[MoneySplit]) -> Bands {
    let mut bands: Bands = (0..TERM_NAMES.len())
        .map(|_| [Vec::with_capacity(cum.len()), Vec::with_capacity(cum.len())])
        .collect();
    for (t, split) in cum.iter().enumerate() {
        let (mut up, mut down) = (0.0, 0.0);
        for (i, v) in split.terms().into_iter().enumerate() {
            let x = t as f64;
            bands[i][0].push((x, up, up + v.max(0.0)));
            up += v.max(0.0);
            bands[i][1].push((x, down + v.min(0.0), down));
            down += v.min(0.0);
        }
    }
    bands
}

/// The cumulative money split of the shown episode.
pub fn money_split<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    snap: &View<'_>,
    look: Look,
) -> DrawResult<DB> {
    let scale = look.scale;
    let traj = snap.trajectory;
    let scope = snap.money_scope;
    let cum: Vec<MoneySplit> = cumulative(traj).iter().map(|s| s.scoped(scope)).collect();
    let bands = stack(&cum);
    let values = bands
        .iter()
        .flat_map(|b| b.iter().flatten().flat_map(|p| [p.1, p.2]))
        .chain(cum.iter().flat_map(|s| {
            [
                s.net(),
                -s.informed_loss,
                -s.arbitrageur_loss,
                -s.lvr_reference,
                s.outside_reward,
            ]
        }))
        .collect::<Vec<f64>>();
    let title = "Where the money goes (USD, cumulative)";
    if scope == MoneyScope::NoMarket {
        episode_frame(area, snap, look, title, "USD", std::iter::empty())?;
        return empty_note(area, look, &NO_MARKET);
    }
    let mut chart = episode_frame(area, snap, look, title, "USD", values.into_iter())?;
    if traj.len() <= 1 {
        return empty_note(area, look, &EPISODE_EMPTY);
    }
    for (i, side) in bands.iter().enumerate() {
        let colour = TERM_COLOURS[i].1;
        let mut labelled = false;
        for band in side {
            if band.iter().all(|p| p.1 == p.2) {
                continue;
            }
            let outline: Vec<(f64, f64)> = band
                .iter()
                .map(|p| (p.0, p.2))
                .chain(band.iter().rev().map(|p| (p.0, p.1)))
                .collect();
            let drawn =
                chart.draw_series(std::iter::once(Polygon::new(outline, colour.mix(0.85))))?;
            if !labelled {
                labelled = true;
                drawn.label(TERM_NAMES[i]).legend(move |(x, y)| {
                    Rectangle::new([(x, y - 4), (x + 14, y + 4)], colour.filled())
                });
            }
        }
    }
    let line = |f: fn(&MoneySplit) -> f64| -> Vec<(f64, f64)> {
        cum.iter()
            .enumerate()
            .map(|(t, s)| (t as f64, f(s)))
            .collect()
    };
    chart
        .draw_series(LineSeries::new(
            line(MoneySplit::net),
            INK.stroke_width(px(2.0, scale)),
        ))?
        .label(if scope == MoneyScope::FeesOnly {
            "net (the paper's reward so far: fees only)"
        } else {
            "net (the reward so far)"
        })
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], INK.stroke_width(2)));
    let memo: [Memo; 4] = [
        (
            |s| -s.informed_loss,
            BLUE,
            "− loss to informed flow at the oracle (memo)",
        ),
        (
            |s| -s.arbitrageur_loss,
            PURPLE,
            "− loss to the arbitrageur at the oracle (memo)",
        ),
        (|s| -s.lvr_reference, INK, "− LVR reference (memo)"),
        (
            |s| s.outside_reward,
            RED,
            "pool flows outside the reward: repegs (memo)",
        ),
    ];
    for (f, colour, label) in memo {
        let points = line(f);
        if points.iter().all(|p| p.1 == 0.0) {
            continue;
        }
        let style = colour.stroke_width(px(1.5, scale));
        chart
            .draw_series(DashedLineSeries::new(
                points,
                px(6.0, scale),
                px(4.0, scale),
                style,
            ))?
            .label(label)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], style));
    }
    legend(&mut chart, look)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reward::RewardParts;

    #[test]
    fn bands_stack_each_sign_on_its_side() {
        let p = RewardParts {
            fee_uninformed: 2.0,
            fee_informed: 1.0,
            funding: -3.0,
            adjustment_cost: 0.5,
            ..RewardParts::default()
        };
        let cum = [MoneySplit::of(&p)];
        let b = stack(&cum);
        assert_eq!(b[0][0][0], (0.0, 0.0, 2.0));
        assert_eq!(b[1][0][0], (0.0, 2.0, 3.0));
        // Funding paid (index 4) then the adjustment cost (5) go down from 0.
        assert_eq!(b[4][1][0], (0.0, -3.0, 0.0));
        assert_eq!(b[5][1][0], (0.0, -3.5, -3.0));
    }
}
