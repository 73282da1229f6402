//! Charts of Drift's history for the Data panel: a market's mark, peg and √k over time with
//! its repegs and k updates marked, and the volume regression's fit.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{frame, legend, px, DrawResult, Look, BLUE, GREY, ORANGE, PURPLE, RED};
use crate::data::{CurveEvent, EventKind};

/// Points, colour and legend label of one line.
type Series = (Vec<(f64, f64)>, RGBColor, &'static str);

/// Mark, peg and √k of one market relative to its first record (%), over days since then,
/// with repegs (●) and k updates (▲) marked on the mark line.
pub fn history<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    events: &[CurveEvent],
    market: u8,
    look: Look,
) -> DrawResult<DB> {
    let scale = look.scale;
    let rs: Vec<&CurveEvent> = crate::data::by_market(events)
        .into_iter()
        .find(|(m, _)| *m == market)
        .map_or_else(Vec::new, |(_, rs)| rs);
    let Some(first) = rs.first() else {
        area.fill(&WHITE)?;
        return Ok(());
    };
    let t0 = first.ts;
    let mark = |e: &CurveEvent| crate::amm::mark_price(e.base_after, e.quote_after, e.peg_after);
    let (m0, p0, k0) = (mark(first), first.peg_after, first.sqrt_k_after);
    let day = |e: &CurveEvent| (e.ts - t0) as f64 / 86_400.0;
    let series: [Series; 3] = [
        (
            rs.iter()
                .map(|e| (day(e), 100.0 * (mark(e) / m0 - 1.0)))
                .collect(),
            BLUE,
            "mark",
        ),
        (
            rs.iter()
                .map(|e| (day(e), 100.0 * (e.peg_after / p0 - 1.0)))
                .collect(),
            ORANGE,
            "peg",
        ),
        (
            rs.iter()
                .map(|e| (day(e), 100.0 * (e.sqrt_k_after / k0 - 1.0)))
                .collect(),
            PURPLE,
            "√k",
        ),
    ];
    let (lo, hi) = super::range_of(series.iter().flat_map(|(s, _, _)| s.iter().map(|p| p.1)));
    let x1 = rs.last().map_or(1.0, |e| day(e)).max(1e-3);
    let title = format!("{}: change since the first record (%)", first.market());
    let mut chart = frame(area, &title, look, 0.0..x1, lo..hi, "days", "% change")?;
    for (data, color, label) in &series {
        super::labelled_line(&mut chart, data.iter().copied(), *color, label, scale)?;
    }
    let r = px(4.0, scale);
    let marks = &series[0].0;
    chart.draw_series(
        rs.iter()
            .zip(marks)
            .filter(|(e, _)| e.kind() == EventKind::Repeg)
            .map(|(_, p)| Circle::new(*p, r, ORANGE.filled())),
    )?;
    chart.draw_series(
        rs.iter()
            .zip(marks)
            .filter(|(e, _)| matches!(e.kind(), EventKind::KUp | EventKind::KDown))
            .map(|(_, p)| TriangleMarker::new(*p, r, PURPLE.filled())),
    )?;
    legend(&mut chart, look)
}

/// Observed against fitted volume (USD/h) with the identity line.
pub fn fit<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    observed: &[f64],
    fitted: &[f64],
    look: Look,
) -> DrawResult<DB> {
    let scale = look.scale;
    let (lo, hi) = super::range_of(observed.iter().chain(fitted).copied());
    let mut chart = frame(
        area,
        title,
        look,
        lo..hi,
        lo..hi,
        "fitted volume (USD/h)",
        "observed volume (USD/h)",
    )?;
    chart.draw_series(LineSeries::new(
        [(lo, lo), (hi, hi)],
        GREY.stroke_width(px(1.0, scale)),
    ))?;
    chart.draw_series(
        fitted
            .iter()
            .zip(observed)
            .map(|(x, y)| Circle::new((*x, *y), px(2.5, scale), RED.mix(0.55).filled())),
    )?;
    Ok(())
}
