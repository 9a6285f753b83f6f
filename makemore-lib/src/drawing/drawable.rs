//! What every figure shares, written once: a figure says its size and draws itself onto
//! any plotters backend, naming the tooltips it wants; [`Drawable`] turns that into SVG
//! (with the tooltips), PNG, a saved file and a notebook's display. [`crate::Heatmap`] and
//! [`crate::Figure`] are the two figures.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::{BitMapBackend, DrawingArea, DrawingBackend, IntoDrawingArea, SVGBackend};

use crate::drawing::plot::{encode_png, register_embedded_font, save_figure};
use crate::error::Result;

/// Where a tooltip sits over a figure, in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TipArea {
    /// A rectangle from its top-left corner (a heatmap's cell).
    Rect { x: i32, y: i32, width: u32, height: u32 },
    /// A disc around its centre (a scatter's point).
    Circle { x: i32, y: i32, radius: u32 },
}

/// A tooltip: text the browser shows on hover over an area of the SVG (plotters has no
/// element for this, so the SVG gets an invisible shape there with a `<title>`; the
/// notebook's style sheet highlights it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tooltip {
    /// where it shows
    pub area: TipArea,
    /// what it says (plain text: it is escaped when written)
    pub text: String,
}

/// A figure: drawn to SVG or PNG on demand, saved, or shown in a notebook. A figure
/// gives its size and draws itself; the rest is written here once.
///
/// ```
/// use makemore::{Drawable, Figure};
/// let fig = Figure::scatter(&[0.0, 1.0], &[1.0, 0.0], &["a".into(), "<b>".into()], "points")?;
/// let svg = fig.svg()?;
/// assert!(svg.contains("<title>&lt;b&gt;: (1.0000, 0.0000)</title>"));
/// assert!(fig.png()?.starts_with(b"\x89PNG"));
/// # Ok::<(), makemore::Error>(())
/// ```
pub trait Drawable {
    /// Width and height in pixels; an error if the figure is too large to draw.
    fn size_px(&self) -> Result<(u32, u32)>;

    /// Draw onto any plotters drawing area; the tooltips the figure wants over it.
    fn draw_on<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<Vec<Tooltip>>;

    /// The figure as an SVG document, with its tooltips.
    fn svg(&self) -> Result<String> {
        let size = self.size_px()?;
        register_embedded_font();
        let mut svg = String::new();
        let tips = self.draw_on(&SVGBackend::with_string(&mut svg, size).into_drawing_area())?;
        Ok(add_tooltips(svg, &tips))
    }

    /// The figure as PNG bytes (text drawn with the embedded font).
    fn png(&self) -> Result<Vec<u8>> {
        let (w, h) = self.size_px()?;
        register_embedded_font();
        let mut rgb = vec![0u8; (w * h * 3) as usize];
        self.draw_on(&BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area())?;
        encode_png(&rgb, w, h)
    }

    /// Write the figure to `path`, as SVG or PNG by its extension, atomically; only the
    /// format asked for is drawn.
    fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        save_figure(path.as_ref(), || self.svg(), || self.png())
    }

    /// Show the figure inline in a Jupyter notebook on the evcxr kernel (HTML with the SVG
    /// inline, plus the PNG), or its error as text.
    fn evcxr_display(&self) {
        crate::drawing::display::show_figure(self.svg(), self.png());
    }
}

/// Insert one invisible shape with a `<title>` per tooltip before the SVG's end.
fn add_tooltips(svg: String, tips: &[Tooltip]) -> String {
    if tips.is_empty() {
        return svg;
    }
    let mut shapes = String::new();
    for tip in tips {
        let text = escape_html(&tip.text);
        shapes.push_str(&match tip.area {
            TipArea::Rect { x, y, width, height } => format!(
                "<rect x=\"{x}\" y=\"{y}\" width=\"{width}\" height=\"{height}\" fill-opacity=\"0\"><title>{text}</title></rect>\n"
            ),
            TipArea::Circle { x, y, radius } => format!(
                "<circle cx=\"{x}\" cy=\"{y}\" r=\"{radius}\" fill-opacity=\"0\"><title>{text}</title></circle>\n"
            ),
        });
    }
    match svg.rfind("</svg>") {
        Some(end) => format!("{}{shapes}{}", &svg[..end], &svg[end..]),
        None => svg,
    }
}

/// Escape text for HTML element content and quoted attribute values.
pub(crate) fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tooltips_go_before_the_end_escaped() {
        let tips = [
            Tooltip { area: TipArea::Rect { x: 1, y: 2, width: 3, height: 4 }, text: "a<b".into() },
            Tooltip { area: TipArea::Circle { x: 5, y: 6, radius: 7 }, text: "\"q\" & 'r'".into() },
        ];
        let svg = add_tooltips("<svg>\n</svg>\n".into(), &tips);
        assert_eq!(
            svg,
            "<svg>\n<rect x=\"1\" y=\"2\" width=\"3\" height=\"4\" fill-opacity=\"0\"><title>a&lt;b</title></rect>\n\
             <circle cx=\"5\" cy=\"6\" r=\"7\" fill-opacity=\"0\"><title>&quot;q&quot; &amp; &#39;r&#39;</title></circle>\n</svg>\n"
        );
        assert_eq!(add_tooltips("<svg/>".into(), &[]), "<svg/>");
    }
}
