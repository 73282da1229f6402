//! Charts of a run's `View`, written once against plotters' `DrawingBackend`: the page draws
//! them on canvas (`plotters-canvas`), the CLI and the tests to SVG (`svg`).
//!
//! Every chart takes a drawing area, the snapshot and a scale factor (device pixels per
//! CSS pixel, so text and lines stay the same visual size on high-DPI canvases). Charts
//! read data only; they never change the session.

pub mod curve;
pub mod data;
pub mod palette;
mod probe;
mod split;
#[cfg(not(target_arch = "wasm32"))]
pub mod svg;
pub mod ticks;
pub mod whatif;

use plotters::coord::combinators::LogCoord;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

pub use curve::{curve_animation, draw_curve_animation, CurveAnimation, CurveMove};
use palette::{diverging, BLUE, GREEN, GREY, GRID, INK, ORANGE, PURPLE, RED};
pub use split::{money_split, split_colour_names};

use crate::mdp::StepInfo;
use crate::session::View;

/// The charts, by the names the page and the CLI use.
pub const CHART_NAMES: [&str; 8] = [
    "curve",
    "prices",
    "convergence",
    "returns",
    "qtable",
    "interest",
    "money",
    "split",
];

/// A chart with a linear x axis and a y axis of kind `Y`, both with `TickAxis` ticks.
type AxisChart<'a, DB, Y> = ChartContext<'a, DB, Cartesian2d<TickAxis, TickAxis<Y>>>;

/// A chart with linear f64 axes whose ticks come from `ticks`.
type LinearChart<'a, DB> = AxisChart<'a, DB, RangedCoordf64>;

/// A chart with a linear x axis and a log y axis, ticks from `ticks` and `ticks::log_ticks`.
type LogChart<'a, DB> = AxisChart<'a, DB, LogCoord<f64>>;

/// An f64 axis (linear by default, or log) whose tick marks are `ticks`'s (plotters' own
/// choice of ticks repeats labels on narrow ranges).
pub struct TickAxis<C = RangedCoordf64> {
    inner: C,
    ticks: Vec<f64>,
}

impl<C: Ranged<ValueType = f64>> Ranged for TickAxis<C> {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;
    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }
    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }
    fn range(&self) -> std::ops::Range<f64> {
        self.inner.range()
    }
}

impl TickAxis {
    fn new(range: std::ops::Range<f64>, ticks: &ticks::Ticks) -> Self {
        Self {
            inner: range.into(),
            ticks: ticks.values.clone(),
        }
    }
}

impl TickAxis<LogCoord<f64>> {
    fn log(range: std::ops::Range<f64>, ticks: &ticks::Ticks) -> Self {
        Self {
            inner: range.log_scale().into(),
            ticks: ticks.values.clone(),
        }
    }
}

type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// Draws chart `name` (one of `CHART_NAMES`); unknown names draw nothing.
pub fn draw<DB: DrawingBackend>(
    name: &str,
    area: &DrawingArea<DB, Shift>,
    snap: &View<'_>,
    look: Look,
    trade: f64,
) -> DrawResult<DB> {
    match name {
        "curve" => price_curve(area, snap, look, trade),
        "prices" => prices(area, snap, look),
        "convergence" => convergence(area, snap, look),
        "returns" => returns(area, snap, look),
        "qtable" => q_table(area, snap, look),
        "interest" => interest(area, snap, look),
        "money" => money(area, snap, look),
        "split" => money_split(area, snap, look),
        _ => Ok(()),
    }
}

/// How a chart is drawn: `scale` = device pixels per CSS pixel; `annotate` draws the title
/// and legend inside the chart (SVG/PNG files). The page shows both as HTML instead, which
/// is accessible text and spares plotters' slow text measurement on canvas.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Look {
    pub scale: f64,
    pub annotate: bool,
}

impl Look {
    /// Self-contained charts for files.
    pub const FILE: Look = Look {
        scale: 1.0,
        annotate: true,
    };
}

fn px(v: f64, scale: f64) -> u32 {
    (v * scale).round().max(1.0) as u32
}

fn font(scale: f64, size: f64) -> TextStyle<'static> {
    ("sans-serif", size * scale).into_font().color(&INK)
}

/// Draws a labelled line of width 2 (CSS px) with a short stroke as its legend key.
fn labelled_line<DB: DrawingBackend>(
    chart: &mut LinearChart<'_, DB>,
    points: impl IntoIterator<Item = (f64, f64)>,
    color: RGBColor,
    label: &str,
    scale: f64,
) -> DrawResult<DB> {
    chart
        .draw_series(LineSeries::new(points, color.stroke_width(px(2.0, scale))))?
        .label(label)
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2)));
    Ok(())
}

/// (step, f(step)) points along a trajectory.
fn along(traj: &[StepInfo], f: fn(&StepInfo) -> f64) -> impl Iterator<Item = (f64, f64)> + '_ {
    traj.iter().enumerate().map(move |(i, s)| (i as f64, f(s)))
}

/// A frame over the steps of an episode, its y axis spanning `values`.
fn episode_frame<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    snap: &View<'_>,
    look: Look,
    title: &str,
    y_desc: &str,
    values: impl Iterator<Item = f64>,
) -> Result<LinearChart<'a, DB>, DrawingAreaErrorKind<DB::ErrorType>> {
    let len = (snap.mdp.episode_len as f64).max(1.0);
    let (lo, hi) = range_of(values);
    frame_with(area, title, look, (0.0..len, true), lo..hi, "step", y_desc)
}

/// A log axis's range over the positive finite `values`, a factor of 2 beyond them each
/// way (1e-3..1 when there are none).
fn log_range_of(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| *v > 0.0 && v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    if lo.is_finite() {
        (lo / 2.0, hi * 2.0)
    } else {
        (1e-3, 1.0)
    }
}

fn range_of(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.05)
        .max(hi.abs().max(lo.abs()) * 1e-6)
        .max(1e-9);
    (lo - pad, hi + pad)
}

/// Common frame: title, margins, axis labels; returns the chart context.
fn frame<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    title: &str,
    look: Look,
    x: std::ops::Range<f64>,
    y: std::ops::Range<f64>,
    x_desc: &str,
    y_desc: &str,
) -> Result<LinearChart<'a, DB>, DrawingAreaErrorKind<DB::ErrorType>> {
    frame_with(area, title, look, (x, false), y, x_desc, y_desc)
}

/// `frame` with the x axis's ticks on whole numbers when `x.1` (steps, episodes). Both
/// axes' ticks and labels come from `ticks::ticks`, so no label repeats.
fn frame_with<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    title: &str,
    look: Look,
    x: (std::ops::Range<f64>, bool),
    y: std::ops::Range<f64>,
    x_desc: &str,
    y_desc: &str,
) -> Result<LinearChart<'a, DB>, DrawingAreaErrorKind<DB::ErrorType>> {
    let yt = ticks::ticks(y.start, y.end, 6, false);
    frame_on(
        area,
        title,
        look,
        x,
        TickAxis::new(y, &yt),
        &yt,
        (x_desc, y_desc),
    )
}

/// `frame_with` with a log y axis over `y` (positive), its ticks from `ticks::log_ticks`;
/// `descs` are the x and y axis descriptions.
fn log_frame<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    title: &str,
    look: Look,
    (x, y): ((std::ops::Range<f64>, bool), std::ops::Range<f64>),
    descs: (&str, &str),
) -> Result<LogChart<'a, DB>, DrawingAreaErrorKind<DB::ErrorType>> {
    let yt = ticks::log_ticks(y.start, y.end, 6);
    frame_on(area, title, look, x, TickAxis::log(y, &yt), &yt, descs)
}

/// The frame itself: title, margins, the mesh, both axes' labels from their ticks.
fn frame_on<'a, DB: DrawingBackend, Y: Ranged<ValueType = f64>>(
    area: &'a DrawingArea<DB, Shift>,
    title: &str,
    look: Look,
    x: (std::ops::Range<f64>, bool),
    y_axis: TickAxis<Y>,
    yt: &ticks::Ticks,
    (x_desc, y_desc): (&str, &str),
) -> Result<AxisChart<'a, DB, Y>, DrawingAreaErrorKind<DB::ErrorType>> {
    let scale = look.scale;
    let (x, integer_x) = x;
    let xt = ticks::ticks(x.start, x.end, 6, integer_x);
    area.fill(&WHITE)?;
    let mut builder = ChartBuilder::on(area);
    if look.annotate {
        builder.caption(title, font(scale, 15.0));
    }
    let mut chart = builder
        .margin(px(8.0, scale))
        .x_label_area_size(px(34.0, scale))
        .y_label_area_size(px(62.0, scale))
        .build_cartesian_2d(TickAxis::new(x, &xt), y_axis)?;
    let x_label = |v: &f64| tick_label(&xt, *v);
    let y_label = |v: &f64| tick_label(yt, *v);
    chart
        .configure_mesh()
        .light_line_style(GRID)
        .bold_line_style(GRID)
        .axis_style(INK)
        .label_style(font(scale, 11.0))
        .axis_desc_style(font(scale, 12.0))
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_label_formatter(&x_label)
        .y_label_formatter(&y_label)
        .draw()?;
    Ok(chart)
}

/// The label of tick value `v` (one of `t.values`; anything else is formatted compactly).
fn tick_label(t: &ticks::Ticks, v: f64) -> String {
    t.values
        .iter()
        .position(|x| *x == v)
        .map_or_else(|| short(v), |i| t.labels[i].clone())
}

/// Says in the middle of a chart what will appear there and how to start, when it has
/// nothing to show yet (centred by the backend: no text measurement).
fn empty_note<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    look: Look,
    lines: &[&str],
) -> DrawResult<DB> {
    let scale = look.scale;
    let (w, h) = area.dim_in_pixel();
    let size = 13.0 * scale;
    let style = ("sans-serif", size)
        .into_font()
        .color(&INK)
        .pos(Pos::new(HPos::Center, VPos::Center));
    let top = h as f64 / 2.0 - size * 0.75 * (lines.len() as f64 - 1.0);
    for (i, line) in lines.iter().enumerate() {
        let y = (top + i as f64 * size * 1.5) as i32;
        area.draw(&Text::new(
            line.to_string(),
            (w as i32 / 2, y),
            style.clone(),
        ))?;
    }
    Ok(())
}

/// The note of the charts that follow the current episode, before its first step.
const EPISODE_EMPTY: [&str; 2] = [
    "This chart follows the current episode step by step.",
    "Press Play, Step or Episode to start.",
];

/// The note of the charts over episodes, before the first episode ends.
const HISTORY_EMPTY: [&str; 2] = [
    "One point per finished episode appears here.",
    "Press Play or Episode to train.",
];

/// Compact number labels: 1.2k, 3.4M, 0.012.
pub fn short(v: f64) -> String {
    let a = v.abs();
    if a >= 1e9 {
        format!("{:.1}G", v / 1e9)
    } else if a >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if a >= 1e4 {
        format!("{:.1}k", v / 1e3)
    } else if a >= 100.0 || a == 0.0 {
        format!("{v:.0}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3e}")
    }
}

fn legend<'a, DB: DrawingBackend + 'a, CT: plotters::coord::CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    look: Look,
) -> DrawResult<DB> {
    legend_at(chart, look, SeriesLabelPosition::UpperLeft)
}

fn legend_at<'a, DB: DrawingBackend + 'a, CT: plotters::coord::CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    look: Look,
    position: SeriesLabelPosition,
) -> DrawResult<DB> {
    if !look.annotate {
        return Ok(());
    }
    let scale = look.scale;
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(GRID)
        .label_font(font(scale, 11.0))
        .position(position)
        .draw()
}

/// The x·y = k curve in peg-adjusted quote (USD) against base, the reserve point, and the
/// point a long of `trade` USD moves it to (docs/amm-formulas.md §2–3).
pub fn price_curve<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    snap: &View<'_>,
    look: Look,
    trade: f64,
) -> DrawResult<DB> {
    let scale = look.scale;
    // The band model has no curve.
    let Some(a) = &snap.amm else {
        return Ok(());
    };
    let (b, k, p) = (a.base_reserve, a.sqrt_k * a.sqrt_k, a.peg);
    let (x0, x1) = (0.5 * b, 1.6 * b);
    let y = |x: f64| k / x * p;
    let title = format!("x·y = k   (√k = {}, peg = {:.3})", short(a.sqrt_k), p);
    let mut chart = frame(
        area,
        &title,
        look,
        x0..x1,
        y(x1)..y(x0),
        "base reserve x",
        "quote reserve y × peg (USD)",
    )?;
    let stroke = px(2.0, scale);
    chart
        .draw_series(LineSeries::new(
            (0..=200).map(|i| {
                let x = x0 + (x1 - x0) * i as f64 / 200.0;
                (x, y(x))
            }),
            BLUE.stroke_width(stroke),
        ))?
        .label("x·y = k")
        .legend(move |(x, yy)| PathElement::new(vec![(x, yy), (x + 16, yy)], BLUE.stroke_width(2)));
    let here = (b, a.quote_reserve * p);
    chart
        .draw_series(std::iter::once(Circle::new(
            here,
            px(5.0, scale),
            BLUE.filled(),
        )))?
        .label(format!("now: mark {:.4}", a.mark_price))
        .legend(|(x, yy)| Circle::new((x + 8, yy), 4, BLUE.filled()));
    // A long of `trade` USD: q′ = q + trade/p, b′ = k/q′ (docs/amm-formulas.md §3).
    let q1 = a.quote_reserve + trade.abs() / p;
    let b1 = k / q1;
    if trade.abs() > 0.0 && b1 > x0 {
        let after = (b1, q1 * p);
        let mark_after = q1 / b1 * p;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![here, after],
            ORANGE.stroke_width(stroke),
        )))?;
        chart
            .draw_series(std::iter::once(Circle::new(
                after,
                px(5.0, scale),
                ORANGE.filled(),
            )))?
            .label(format!(
                "after a {} USD long: mark {:.4}",
                short(trade.abs()),
                mark_after
            ))
            .legend(|(x, yy)| Circle::new((x + 8, yy), 4, ORANGE.filled()));
    }
    legend(&mut chart, look)
}

/// Mark, oracle and terminal price over the episode, with repeg (●) and k (▲) events.
pub fn prices<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    snap: &View<'_>,
    look: Look,
) -> DrawResult<DB> {
    let scale = look.scale;
    let traj = snap.trajectory;
    let values = traj.iter().flat_map(|s| [s.mark, s.oracle]);
    let mut chart = episode_frame(area, snap, look, "Mark vs oracle", "price (USD)", values)?;
    if traj.len() <= 1 {
        return empty_note(area, look, &EPISODE_EMPTY);
    }
    labelled_line(&mut chart, along(traj, |s| s.oracle), GREY, "oracle", scale)?;
    labelled_line(&mut chart, along(traj, |s| s.mark), BLUE, "mark", scale)?;
    // A k update is an adjustment that moved √k and left the peg; every other adjustment
    // is a repeg (the band model's repeg moves neither, it closes the gap).
    let is_repeg = |i: usize, s: &StepInfo| {
        s.adjusted && i > 0 && (s.peg != traj[i - 1].peg || s.sqrt_k == traj[i - 1].sqrt_k)
    };
    let r = px(4.0, scale);
    chart
        .draw_series(
            traj.iter()
                .enumerate()
                .filter(|(i, s)| is_repeg(*i, s))
                .map(|(i, s)| Circle::new((i as f64, s.mark), r, ORANGE.filled())),
        )?
        .label("repeg")
        .legend(|(x, y)| Circle::new((x + 8, y), 4, ORANGE.filled()));
    chart
        .draw_series(
            traj.iter()
                .enumerate()
                .filter(|(i, s)| s.adjusted && !is_repeg(*i, s))
                .map(|(i, s)| TriangleMarker::new((i as f64, s.mark), r + 1, PURPLE.filled())),
        )?
        .label("k update")
        .legend(|(x, y)| TriangleMarker::new((x + 8, y), 5, PURPLE.filled()));
    legend(&mut chart, look)
}

/// Every `step`-th index so a chart draws at most ~`max` points of a long series.
fn stride(len: usize, max: usize) -> usize {
    len.div_ceil(max).max(1)
}

/// max |ΔQ| per episode and ‖Q − Q*_model‖∞, on a log axis.
pub fn convergence<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    snap: &View<'_>,
    look: Look,
) -> DrawResult<DB> {
    let scale = look.scale;
    let h = &snap.history;
    let first = h.first_episode as f64;
    let n = h.max_dq.len();
    let positive = h
        .max_dq
        .iter()
        .copied()
        .chain(h.q_error.iter().flatten().copied());
    let (lo, hi) = log_range_of(positive);
    let x = (first..(first + n.max(1) as f64), true);
    let descs = ("episode", "log scale");
    let mut chart = log_frame(area, "Policy convergence", look, (x, lo..hi), descs)?;
    if n == 0 {
        return empty_note(area, look, &HISTORY_EMPTY);
    }
    let st = stride(n, 1500);
    chart
        .draw_series(LineSeries::new(
            h.max_dq
                .iter()
                .enumerate()
                .step_by(st)
                .filter(|(_, v)| **v > 0.0)
                .map(|(i, v)| (first + i as f64, *v)),
            BLUE.stroke_width(px(1.0, scale)),
        ))?
        .label("max |ΔQ| per episode")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], BLUE.stroke_width(2)));
    chart
        .draw_series(LineSeries::new(
            h.q_error
                .iter()
                .enumerate()
                .filter_map(|(i, v)| v.filter(|v| *v > 0.0).map(|v| (first + i as f64, v))),
            RED.stroke_width(px(2.0, scale)),
        ))?
        .label("‖Q − Q*‖∞ (estimated model)")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], RED.stroke_width(2)));
    legend_at(&mut chart, look, SeriesLabelPosition::UpperRight)
}

/// Trailing moving average over `w` points.
pub fn moving_average(xs: &[f64], w: usize) -> Vec<f64> {
    let mut out = Vec::with_capacity(xs.len());
    let mut sum = 0.0;
    for (i, x) in xs.iter().enumerate() {
        sum += x;
        if i >= w {
            sum -= xs[i - w];
        }
        out.push(sum / (i + 1).min(w) as f64);
    }
    out
}

/// Episode return with its moving average.
pub fn returns<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    snap: &View<'_>,
    look: Look,
) -> DrawResult<DB> {
    let scale = look.scale;
    let h = &snap.history;
    let first = h.first_episode as f64;
    let n = h.episode_return.len();
    let w = (n / 20).clamp(1, 500);
    let ma = moving_average(&h.episode_return, w);
    let (lo, hi) = range_of(h.episode_return.iter().copied());
    let mut chart = frame_with(
        area,
        "Episode return",
        look,
        (first..(first + n.max(1) as f64), true),
        lo..hi,
        "episode",
        "return",
    )?;
    if n == 0 {
        return empty_note(area, look, &HISTORY_EMPTY);
    }
    let st = stride(n, 1500);
    chart
        .draw_series(
            h.episode_return
                .iter()
                .enumerate()
                .step_by(st)
                .map(|(i, v)| {
                    Circle::new(
                        (first + i as f64, *v),
                        px(1.5, scale),
                        BLUE.mix(0.35).filled(),
                    )
                }),
        )?
        .label("return")
        .legend(|(x, y)| Circle::new((x + 8, y), 3, BLUE.filled()));
    chart
        .draw_series(LineSeries::new(
            ma.iter()
                .enumerate()
                .step_by(st)
                .map(|(i, v)| (first + i as f64, *v)),
            RED.stroke_width(px(2.0, scale)),
        ))?
        .label(format!("moving average ({w})"))
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], RED.stroke_width(2)));
    legend(&mut chart, look)
}

/// Short label of action `a` for the heat map.
fn action_glyph<'a>(snap: &View<'a>, a: u8) -> &'a str {
    snap.action_labels
        .get(a as usize)
        .map_or("?", |s| s.as_str())
}

/// The q_table chart's panels, one per √k level, left to right.
fn q_table_panels<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    look: Look,
    nk: usize,
) -> Vec<DrawingArea<DB, Shift>> {
    let scale = look.scale;
    area.margin(
        px(if look.annotate { 26.0 } else { 4.0 }, scale),
        px(20.0, scale),
        px(44.0, scale),
        px(8.0, scale),
    )
    .split_evenly((1, nk))
}

/// The cells' area of a q_table panel (below it: the panel's label).
fn q_table_grid<DB: DrawingBackend>(
    panel: &DrawingArea<DB, Shift>,
    scale: f64,
) -> DrawingArea<DB, Shift> {
    panel.margin(0, px(16.0, scale), 0, px(4.0, scale))
}

/// The state whose cell of the q_table chart, drawn on a `width` × `height` pixel area
/// with `look`, contains pixel (x, y); `None` outside every cell. Uses the chart's own
/// layout (`q_table_panels`, `q_table_grid`), so a click maps to the cell drawn there.
pub fn q_table_state_at(
    shape: [usize; 3],
    (width, height): (u32, u32),
    look: Look,
    (x, y): (i32, i32),
) -> Option<usize> {
    let [ni, ng, nk] = shape;
    let probe = probe::Probe::new(width, height).into_drawing_area();
    for (k, panel) in q_table_panels(&probe, look, nk).iter().enumerate() {
        let grid = q_table_grid(panel, look.scale);
        let (gx, gy) = grid.get_base_pixel();
        let (gw, gh) = grid.dim_in_pixel();
        let (dx, dy) = (x - gx, y - gy);
        if dx < 0 || dy < 0 || dx >= gw as i32 || dy >= gh as i32 {
            continue;
        }
        let i = ((dx as f64 / (gw as f64 / ni as f64)) as usize).min(ni - 1);
        let r = ((dy as f64 / (gh as f64 / ng as f64)) as usize).min(ng - 1);
        // Rows top to bottom from the highest gap bin, as drawn.
        let g = ng - 1 - r;
        return Some(i + ni * (g + ng * k));
    }
    None
}

/// The greedy policy over the state grid, coloured by V = max Q; one panel per √k level
/// (columns: imbalance bins; rows: gap bins). Unvisited states are grey.
pub fn q_table<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    snap: &View<'_>,
    look: Look,
) -> DrawResult<DB> {
    let scale = look.scale;
    area.fill(&WHITE)?;
    let [ni, ng, nk] = snap.state_shape;
    let na = snap.n_actions;
    let title = "Greedy policy and V = max Q (· hold, R repeg, K± k)";
    if look.annotate {
        let at = (px(8.0, scale) as i32, px(4.0, scale) as i32);
        area.draw(&Text::new(title, at, font(scale, 14.0)))?;
    }
    let panels = q_table_panels(area, look, nk);
    let vmax = snap
        .q
        .chunks(na)
        .zip(snap.visits.chunks(na))
        .filter(|(_, v)| v.iter().any(|c| *c > 0))
        .map(|(q, _)| q.iter().cloned().fold(f64::NEG_INFINITY, f64::max).abs())
        .fold(0.0, f64::max)
        .max(1e-12);
    let m = snap.mdp;
    for (k, panel) in panels.iter().enumerate() {
        let label = if nk > 1 {
            format!("√k level {:+}", k as i32 - (nk / 2) as i32)
        } else {
            "imbalance N/b₀ →".to_string()
        };
        let (_, ph) = panel.dim_in_pixel();
        panel.draw(&Text::new(
            label,
            (0, ph as i32 - px(12.0, scale) as i32),
            font(scale, 11.0),
        ))?;
        let grid = q_table_grid(panel, scale);
        let (gw, gh) = grid.dim_in_pixel();
        let cw = gw as f64 / ni as f64;
        let ch = gh as f64 / ng as f64;
        for g in 0..ng {
            for i in 0..ni {
                let s = i + ni * (g + ng * k);
                let row = &snap.q[s * na..(s + 1) * na];
                let visited = snap.visits[s * na..(s + 1) * na].iter().any(|c| *c > 0);
                let v = row.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                let color = if visited {
                    diverging(v / vmax)
                } else {
                    RGBColor(210, 210, 210)
                };
                // Gap rows top to bottom from mark above oracle to below.
                let r = ng - 1 - g;
                let x0 = (i as f64 * cw) as i32;
                let y0 = (r as f64 * ch) as i32;
                let x1 = ((i + 1) as f64 * cw) as i32 - 1;
                let y1 = ((r + 1) as f64 * ch) as i32 - 1;
                grid.draw(&Rectangle::new([(x0, y0), (x1, y1)], color.filled()))?;
                if s == snap.state {
                    grid.draw(&Rectangle::new(
                        [(x0, y0), (x1, y1)],
                        INK.stroke_width(px(2.0, scale)),
                    ))?;
                }
                if visited && cw > 14.0 * scale && ch > 12.0 * scale {
                    let glyph = action_glyph(snap, snap.policy[s]);
                    let fs = (ch * 0.45).min(cw * 0.45).min(16.0 * scale);
                    // Centred by the backend: no text measurement (slow on canvas).
                    let style = ("sans-serif", fs)
                        .into_font()
                        .color(&INK)
                        .pos(Pos::new(HPos::Center, VPos::Center));
                    grid.draw(&Text::new(glyph, ((x0 + x1) / 2, (y0 + y1) / 2), style))?;
                }
            }
        }
    }
    let legend = format!(
        "columns: imbalance bins over ±{:.1}% of b₀; rows: gap (mark−oracle)/oracle over ±{:.1}%, top = mark above",
        m.imbalance_range * 100.0,
        m.gap_range * 100.0
    );
    if look.annotate && snap.state_shape[1] > 1 {
        area.draw(&Text::new(
            legend,
            (
                px(8.0, scale) as i32,
                (area.dim_in_pixel().1 as f64 - 18.0 * scale) as i32,
            ),
            font(scale, 10.0),
        ))?;
    }
    Ok(())
}

/// Open interest long and short and the net imbalance over the episode.
pub fn interest<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    snap: &View<'_>,
    look: Look,
) -> DrawResult<DB> {
    let scale = look.scale;
    let traj = snap.trajectory;
    let values = traj
        .iter()
        .flat_map(|s| [s.open_interest_long, -s.open_interest_short, s.net_base]);
    let title = "Open interest (base units)";
    let mut chart = episode_frame(area, snap, look, title, "base", values)?;
    if traj.len() <= 1 {
        return empty_note(area, look, &EPISODE_EMPTY);
    }
    labelled_line(
        &mut chart,
        along(traj, |s| s.open_interest_long),
        GREEN,
        "long OI",
        scale,
    )?;
    labelled_line(
        &mut chart,
        along(traj, |s| -s.open_interest_short),
        RED,
        "− short OI",
        scale,
    )?;
    let label = "imbalance N = long − short";
    labelled_line(&mut chart, along(traj, |s| s.net_base), INK, label, scale)?;
    legend(&mut chart, look)
}

/// Fee pool, the F/2 floor and the cumulative reward terms over the episode.
pub fn money<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    snap: &View<'_>,
    look: Look,
) -> DrawResult<DB> {
    let scale = look.scale;
    let traj = snap.trajectory;
    let cum = |f: fn(&StepInfo) -> f64| -> Vec<f64> {
        traj.iter()
            .scan(0.0, |acc, s| {
                *acc += f(s);
                Some(*acc)
            })
            .collect()
    };
    let fees = cum(|s| s.parts.fee_income);
    let costs = cum(|s| -s.parts.adjustment_cost);
    let funding = cum(|s| s.parts.funding);
    let base_pool = traj.first().map_or(0.0, |s| s.fee_pool);
    let pool: Vec<f64> = traj.iter().map(|s| s.fee_pool - base_pool).collect();
    let floor: Vec<f64> = traj.iter().map(|s| 0.5 * s.total_fee - base_pool).collect();
    let values = fees
        .iter()
        .chain(&costs)
        .chain(&funding)
        .chain(&pool)
        .chain(&floor)
        .copied();
    let title = "Protocol money (USD, change over the episode)";
    let mut chart = episode_frame(area, snap, look, title, "USD", values)?;
    if traj.len() <= 1 {
        return empty_note(area, look, &EPISODE_EMPTY);
    }
    let line = |v: &[f64]| {
        v.iter()
            .enumerate()
            .map(|(i, y)| (i as f64, *y))
            .collect::<Vec<_>>()
    };
    for (data, color, label) in [
        (&pool, BLUE, "fee pool P"),
        (&floor, GREY, "floor F/2"),
        (&fees, GREEN, "Σ fee share"),
        (&costs, RED, "Σ −adjustment cost"),
        (&funding, PURPLE, "Σ funding kept"),
    ] {
        labelled_line(&mut chart, line(data), color, label, scale)?;
    }
    legend(&mut chart, look)
}

/// Residuals against fitted values of a regression (one point per observation).
pub fn residual_plot<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    fitted: &[f64],
    residuals: &[f64],
    look: Look,
) -> DrawResult<DB> {
    let scale = look.scale;
    let (x0, x1) = range_of(fitted.iter().copied());
    let (y0, y1) = range_of(residuals.iter().copied());
    let mut chart = frame(
        area,
        title,
        look,
        x0..x1,
        y0..y1,
        "fitted volume (USD/h)",
        "residual",
    )?;
    chart.draw_series(LineSeries::new(
        [(x0, 0.0), (x1, 0.0)],
        GREY.stroke_width(px(1.0, scale)),
    ))?;
    chart.draw_series(
        fitted
            .iter()
            .zip(residuals)
            .map(|(x, y)| Circle::new((*x, *y), px(2.5, scale), BLUE.mix(0.6).filled())),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moving_average_is_trailing() {
        assert_eq!(
            moving_average(&[1.0, 2.0, 3.0, 4.0], 2),
            vec![1.0, 1.5, 2.5, 3.5]
        );
    }

    #[test]
    fn short_labels() {
        assert_eq!(short(12_345.0), "12.3k");
        assert_eq!(short(2.5e6), "2.5M");
        assert_eq!(short(150.0), "150");
    }
}
