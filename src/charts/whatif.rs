//! The what-if panels' charts, written once against plotters' `DrawingBackend` like the run's
//! charts: lines (several runs or policies over a shared x axis, optionally log y), interval
//! whiskers (mean with its 95% interval per policy and run) and the sweep's heat map.
//! They take plain data (`LinesSpec`, `WhiskerSpec`, `HeatSpec`, deserialisable so the page
//! can pass JSON) and know nothing of sessions; the page's panels and the tests build the
//! data from the engine's reports. Not for: the run's own charts (`charts`).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use serde::{Deserialize, Serialize};

use super::{
    diverging, font, frame, log_frame, log_range_of, px, range_of, short, DrawResult, BLUE, GREEN,
    GREY, GRID, INK, ORANGE, PURPLE, RED,
};

/// Colours by index: what the page's legends (HTML) name.
pub const PALETTE: [RGBColor; 8] = [
    BLUE,
    ORANGE,
    GREEN,
    RED,
    PURPLE,
    GREY,
    INK,
    super::palette::SKY,
];

fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// One line of a `lines` chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    /// Index into `PALETTE`.
    pub color: usize,
    pub points: Vec<(f64, f64)>,
    /// Thin and translucent (a secondary series such as the oracle or raw returns).
    #[serde(default)]
    pub faint: bool,
    /// Dots at these x values (e.g. the steps where a policy adjusted), on the line.
    #[serde(default)]
    pub marks: Vec<f64>,
}

/// Lines over one x axis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinesSpec {
    pub lines: Vec<Line>,
    /// The x range (default: the points' own).
    #[serde(default)]
    pub x: Option<(f64, f64)>,
    /// A log y axis (non-positive points are left out).
    #[serde(default)]
    pub log_y: bool,
    #[serde(default)]
    pub x_desc: String,
    #[serde(default)]
    pub y_desc: String,
}

/// Draws `spec`: each line in its colour; `marks` as dots on it.
pub fn lines<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    spec: &LinesSpec,
    scale: f64,
) -> DrawResult<DB> {
    let look = super::Look {
        scale,
        annotate: false,
    };
    let finite = |p: &&(f64, f64)| p.0.is_finite() && p.1.is_finite() && (!spec.log_y || p.1 > 0.0);
    let xs = spec
        .lines
        .iter()
        .flat_map(|l| l.points.iter().filter(finite).map(|p| p.0));
    let (x0, x1) = spec.x.unwrap_or_else(|| {
        let (lo, hi) = range_of(xs);
        (lo, hi)
    });
    let x = x0..if x1 > x0 { x1 } else { x0 + 1.0 };
    let ys = spec
        .lines
        .iter()
        .flat_map(|l| l.points.iter().filter(finite).map(|p| p.1));
    if spec.log_y {
        let (lo, hi) = log_range_of(ys);
        let descs = (spec.x_desc.as_str(), spec.y_desc.as_str());
        let mut chart = log_frame(area, "", look, ((x, false), lo..hi), descs)?;
        for l in &spec.lines {
            let style = line_style(l, scale);
            chart.draw_series(LineSeries::new(
                l.points.iter().filter(finite).copied(),
                style,
            ))?;
        }
        return Ok(());
    }
    let (lo, hi) = range_of(ys);
    let mut chart = frame(area, "", look, x, lo..hi, &spec.x_desc, &spec.y_desc)?;
    for l in &spec.lines {
        let style = line_style(l, scale);
        chart.draw_series(LineSeries::new(
            l.points.iter().filter(finite).copied(),
            style,
        ))?;
        let c = color(l.color);
        chart.draw_series(
            l.points
                .iter()
                .filter(|p| l.marks.contains(&p.0))
                .map(|p| Circle::new(*p, px(3.0, scale), c.filled())),
        )?;
    }
    Ok(())
}

fn line_style(l: &Line, scale: f64) -> ShapeStyle {
    let c = color(l.color);
    if l.faint {
        c.mix(0.55).stroke_width(px(1.0, scale))
    } else {
        c.stroke_width(px(2.0, scale))
    }
}

/// One interval: a mean with its 95% interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Whisker {
    pub color: usize,
    pub mean: f64,
    pub lo: f64,
    pub hi: f64,
}

/// A labelled group of whiskers (one policy; one whisker per run).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WhiskerGroup {
    pub label: String,
    pub items: Vec<Whisker>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WhiskerSpec {
    pub groups: Vec<WhiskerGroup>,
    #[serde(default)]
    pub y_desc: String,
}

/// Each group's whiskers side by side: a dot at the mean, a bar from lo to hi with caps,
/// and a line at zero when the range crosses it.
pub fn whiskers<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    spec: &WhiskerSpec,
    scale: f64,
) -> DrawResult<DB> {
    let n = spec.groups.len().max(1) as f64;
    let values = spec
        .groups
        .iter()
        .flat_map(|g| g.items.iter().flat_map(|w| [w.lo, w.hi, w.mean]));
    let (lo, hi) = range_of(values.chain([0.0]));
    area.fill(&WHITE)?;
    let labels: Vec<String> = spec.groups.iter().map(|g| g.label.clone()).collect();
    let label_of = |v: &f64| {
        let i = v.round();
        if (v - i).abs() < 1e-6 && i >= 0.0 {
            labels.get(i as usize).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    };
    let mut chart = ChartBuilder::on(area)
        .margin(px(8.0, scale))
        .x_label_area_size(px(28.0, scale))
        .y_label_area_size(px(62.0, scale))
        .build_cartesian_2d(-0.5..(n - 0.5), lo..hi)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(GRID)
        .bold_line_style(GRID)
        .axis_style(INK)
        .label_style(font(scale, 11.0))
        .axis_desc_style(font(scale, 12.0))
        .y_desc(spec.y_desc.as_str())
        .y_labels(6)
        .x_labels(spec.groups.len().max(1) * 2 + 1)
        .x_label_formatter(&label_of)
        .y_label_formatter(&|v| short(*v))
        .draw()?;
    if lo < 0.0 && hi > 0.0 {
        chart.draw_series(LineSeries::new(
            [(-0.5, 0.0), (n - 0.5, 0.0)],
            INK.mix(0.6).stroke_width(px(1.0, scale)),
        ))?;
    }
    for (g, group) in spec.groups.iter().enumerate() {
        let k = group.items.len().max(1) as f64;
        let width = 0.6 / k;
        for (j, w) in group.items.iter().enumerate() {
            let x = g as f64 - 0.3 + width * (j as f64 + 0.5);
            let c = color(w.color);
            let cap = width * 0.3;
            let stroke = c.stroke_width(px(2.0, scale));
            chart.draw_series(LineSeries::new([(x, w.lo), (x, w.hi)], stroke))?;
            chart.draw_series(LineSeries::new([(x - cap, w.lo), (x + cap, w.lo)], stroke))?;
            chart.draw_series(LineSeries::new([(x - cap, w.hi), (x + cap, w.hi)], stroke))?;
            chart.draw_series([Circle::new((x, w.mean), px(4.0, scale), c.filled())])?;
        }
    }
    Ok(())
}

/// A grid of values: `values[j·nx + i]` is column i (left to right) of row j (bottom to
/// top); `None` = not computed yet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeatSpec {
    pub nx: usize,
    pub ny: usize,
    pub values: Vec<Option<f64>>,
    /// Cells crossed out (e.g. a difference not significant at 95%).
    #[serde(default)]
    pub marked: Vec<bool>,
    /// A cell outlined (hover).
    #[serde(default)]
    pub highlight: Option<usize>,
}

/// The heat map fills the whole area with equal cells, so the cell under pixel (x, y) of a
/// w × h canvas is column ⌊x·nx/w⌋, row ny − 1 − ⌊y·ny/h⌋ (the page's hover and click).
/// Colours: a diverging scale around zero (red < 0 < green, by |value| over the largest)
/// when values of both signs or only negative ones are present; otherwise light to blue
/// from the smallest to the largest. Each computed cell shows its value.
pub fn heatmap<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    spec: &HeatSpec,
    scale: f64,
) -> DrawResult<DB> {
    area.fill(&WHITE)?;
    let (nx, ny) = (spec.nx.max(1), spec.ny.max(1));
    let (w, h) = area.dim_in_pixel();
    let (cw, ch) = (w as f64 / nx as f64, h as f64 / ny as f64);
    let vals = || {
        spec.values
            .iter()
            .flatten()
            .copied()
            .filter(|v| v.is_finite())
    };
    let (lo, hi) = vals().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    });
    let signed = lo < 0.0;
    let amax = vals().map(f64::abs).fold(0.0, f64::max).max(1e-300);
    let fill = |v: f64| -> RGBColor {
        if signed {
            diverging(v / amax)
        } else {
            let t = if hi > lo { (v - lo) / (hi - lo) } else { 1.0 };
            let mix = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * t).round() as u8;
            let end = BLUE;
            RGBColor(mix(239, end.0), mix(243, end.1), mix(255, end.2))
        }
    };
    for j in 0..ny {
        for i in 0..nx {
            let cell = j * nx + i;
            let r = ny - 1 - j;
            let (x0, y0) = ((i as f64 * cw) as i32, (r as f64 * ch) as i32);
            let (x1, y1) = (
                ((i + 1) as f64 * cw) as i32 - 1,
                ((r + 1) as f64 * ch) as i32 - 1,
            );
            let v = spec.values.get(cell).copied().flatten();
            let c = v
                .filter(|v| v.is_finite())
                .map_or(RGBColor(230, 230, 230), fill);
            area.draw(&Rectangle::new([(x0, y0), (x1, y1)], c.filled()))?;
            if spec.marked.get(cell).copied().unwrap_or(false) {
                let hatch = INK.mix(0.45).stroke_width(px(1.0, scale));
                area.draw(&PathElement::new(vec![(x0, y0), (x1, y1)], hatch))?;
                area.draw(&PathElement::new(vec![(x0, y1), (x1, y0)], hatch))?;
            }
            if spec.highlight == Some(cell) {
                area.draw(&Rectangle::new(
                    [(x0, y0), (x1, y1)],
                    INK.stroke_width(px(2.0, scale)),
                ))?;
            }
            if let Some(v) = v {
                if cw > 34.0 * scale && ch > 14.0 * scale {
                    let fs = (ch * 0.3).min(13.0 * scale);
                    // Centred by the backend: no text measurement (slow on canvas).
                    let style = ("sans-serif", fs)
                        .into_font()
                        .color(&INK)
                        .pos(Pos::new(HPos::Center, VPos::Center));
                    area.draw(&Text::new(short(v), ((x0 + x1) / 2, (y0 + y1) / 2), style))?;
                }
            }
        }
    }
    Ok(())
}

/// Draws the what-if chart `kind` ("lines", "whiskers" or "heatmap") from its JSON spec;
/// an unknown kind or a spec that does not parse is an error naming it.
pub fn draw_json<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    kind: &str,
    spec: &str,
    scale: f64,
) -> Result<(), String> {
    let bad = |e: serde_json::Error| format!("{kind} chart: {e}");
    let drawn = match kind {
        "lines" => lines(
            area,
            &serde_json::from_slice(spec.as_bytes()).map_err(bad)?,
            scale,
        ),
        "whiskers" => whiskers(
            area,
            &serde_json::from_slice(spec.as_bytes()).map_err(bad)?,
            scale,
        ),
        "heatmap" => heatmap(
            area,
            &serde_json::from_slice(spec.as_bytes()).map_err(bad)?,
            scale,
        ),
        _ => return Err(format!("unknown chart kind {kind}")),
    };
    drawn.map_err(|e| format!("{kind} chart: {e}"))
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use plotters_svg::SVGBackend;

    fn svg(kind: &str, spec: &str) -> Result<String, String> {
        let mut out = String::new();
        {
            let root = SVGBackend::with_string(&mut out, (400, 240)).into_drawing_area();
            draw_json(&root, kind, spec, 1.0)?;
            root.present().map_err(|e| e.to_string())?;
        }
        Ok(out)
    }

    #[test]
    fn each_kind_draws_and_bad_specs_are_named() {
        let l = r#"{"lines":[{"color":0,"points":[[0,1],[1,3],[2,2]],"marks":[1]},{"color":1,"points":[[0,2],[2,0.5]],"faint":true}],"x":[0,2]}"#;
        assert!(svg("lines", l).unwrap().contains("<circle"));
        let log = r#"{"lines":[{"color":3,"points":[[0,1e-3],[1,0],[2,1]]}],"log_y":true}"#;
        assert!(svg("lines", log).unwrap().contains("<polyline"));
        let w = r#"{"groups":[{"label":"static","items":[{"color":5,"mean":1,"lo":0.5,"hi":1.5}]},{"label":"learned","items":[{"color":0,"mean":-1,"lo":-2,"hi":0}]}]}"#;
        assert!(svg("whiskers", w).unwrap().contains("learned"));
        let h = r#"{"nx":2,"ny":2,"values":[1,-2,null,3],"marked":[false,true,false,false],"highlight":3}"#;
        let out = svg("heatmap", h).unwrap();
        assert!(out.contains("-2.00") && out.contains("3.00"), "{out}");
        assert!(svg("heatmap", "{")
            .unwrap_err()
            .starts_with("heatmap chart:"));
        assert!(svg("pie", "{}")
            .unwrap_err()
            .contains("unknown chart kind pie"));
    }
}
