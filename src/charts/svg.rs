//! Charts to SVG files (native only): what `damm train --plot DIR` writes.

use std::path::Path;

use plotters::prelude::*;
use plotters_svg::SVGBackend;

use super::{draw, Look, CHART_NAMES};
use crate::session::View;

/// Size of every SVG chart, in pixels.
pub const SIZE: (u32, u32) = (720, 420);

/// Draws chart `name` into an SVG string; `trade` is the USD size shown on the curve.
pub fn render(name: &str, view: &View<'_>, trade: f64) -> Result<String, String> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, SIZE).into_drawing_area();
        draw(name, &root, view, Look::FILE, trade).map_err(|e| format!("{name}: {e}"))?;
        root.present().map_err(|e| format!("{name}: {e}"))?;
    }
    Ok(out)
}

/// Writes every chart as `DIR/<name>.svg`, creating DIR.
pub fn write_all(view: &View<'_>, trade: f64, dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    for name in CHART_NAMES {
        let svg = render(name, view, trade)?;
        std::fs::write(dir.join(format!("{name}.svg")), svg).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Draws a residual plot into an SVG string.
pub fn residuals(title: &str, fitted: &[f64], residuals: &[f64]) -> Result<String, String> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, SIZE).into_drawing_area();
        super::residual_plot(&root, title, fitted, residuals, Look::FILE)
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(out)
}
