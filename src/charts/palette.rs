//! The one colour palette of every chart, and of the page's HTML legends (exported to the
//! page by the wasm binding, which sets them as CSS variables): the Okabe–Ito palette,
//! distinguishable with the common forms of colour blindness (M. Okabe and K. Ito, "Color
//! Universal Design", 2002), plus neutral ink, grid and grey. Not here: which chart uses
//! which colour for what (the charts say so where they draw).

use plotters::style::RGBColor;

/// Text, axes and the net line.
pub const INK: RGBColor = RGBColor(34, 34, 34);
/// Grid lines.
pub const GRID: RGBColor = RGBColor(225, 228, 232);
/// Okabe–Ito blue.
pub const BLUE: RGBColor = RGBColor(0, 114, 178);
/// Okabe–Ito orange.
pub const ORANGE: RGBColor = RGBColor(230, 159, 0);
/// Okabe–Ito bluish green.
pub const GREEN: RGBColor = RGBColor(0, 158, 115);
/// Okabe–Ito vermillion (the palette's red).
pub const RED: RGBColor = RGBColor(213, 94, 0);
/// Okabe–Ito reddish purple.
pub const PURPLE: RGBColor = RGBColor(204, 121, 167);
/// Okabe–Ito sky blue.
pub const SKY: RGBColor = RGBColor(86, 180, 233);
/// Okabe–Ito yellow.
pub const YELLOW: RGBColor = RGBColor(240, 228, 66);
/// Neutral grey (reference lines, unvisited cells).
pub const GREY: RGBColor = RGBColor(150, 150, 150);

/// Every named colour, as the page's CSS variables `--c-<name>` use them.
pub const NAMED: [(&str, RGBColor); 10] = [
    ("ink", INK),
    ("grid", GRID),
    ("blue", BLUE),
    ("orange", ORANGE),
    ("green", GREEN),
    ("red", RED),
    ("purple", PURPLE),
    ("sky", SKY),
    ("yellow", YELLOW),
    ("grey", GREY),
];

/// `#rrggbb` of a colour.
pub fn hex(c: RGBColor) -> String {
    format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
}

/// Colour of a value on a diverging scale (vermillion < 0 < blue, white at 0), `t` in
/// [−1, 1]: the two ends stay apart for red–green colour blindness.
pub fn diverging(t: f64) -> RGBColor {
    let t = if t.is_nan() { 0.0 } else { t.clamp(-1.0, 1.0) };
    let mix = |a: u8, b: u8, f: f64| (a as f64 + (b as f64 - a as f64) * f).round() as u8;
    let (end, f) = if t < 0.0 { (RED, -t) } else { (BLUE, t) };
    RGBColor(mix(247, end.0, f), mix(247, end.1, f), mix(247, end.2, f))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_hex_is_css() {
        let mut names: Vec<&str> = NAMED.iter().map(|(n, _)| *n).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), NAMED.len());
        assert_eq!(hex(BLUE), "#0072b2");
        assert_eq!(diverging(0.0), RGBColor(247, 247, 247));
        assert_eq!(diverging(1.0), BLUE);
        assert_eq!(diverging(-1.0), RED);
    }
}
