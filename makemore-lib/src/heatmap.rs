//! The lecture's big figure: the V×V count matrix as a grid of blue cells, each with
//! its bigram above and its count below. Drawn with plotters to SVG or PNG; the PNG
//! text uses an embedded DejaVu Sans, so it needs no fonts on the machine.

use std::path::Path;
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::bigram::BigramCounts;
use crate::error::{Error, Result};
use crate::output::write_atomic;

/// Cells are this many pixels wide when their text is drawn.
const CELL: u32 = 44;
/// Above this many tokens the text no longer fits: cells shrink and show colour only.
const MAX_LABELLED: usize = 60;
/// The whole figure stays within this many pixels a side.
const MAX_SIDE: u32 = 2600;
const MARGIN: u32 = 8;
const FONT: &str = "sans-serif";

/// matplotlib's "Blues" (ColorBrewer), light to dark, interpolated linearly.
const BLUES: [(u8, u8, u8); 9] = [
    (0xf7, 0xfb, 0xff),
    (0xde, 0xeb, 0xf7),
    (0xc6, 0xdb, 0xef),
    (0x9e, 0xca, 0xe1),
    (0x6b, 0xae, 0xd6),
    (0x42, 0x92, 0xc6),
    (0x21, 0x71, 0xb5),
    (0x08, 0x51, 0x9c),
    (0x08, 0x30, 0x6b),
];

/// The colour of `t` in 0..=1 on the Blues scale.
///
/// ```
/// use plotters::style::RGBColor;
/// assert_eq!(makemore::heatmap::blues(0.0), RGBColor(0xf7, 0xfb, 0xff));
/// assert_eq!(makemore::heatmap::blues(1.0), RGBColor(0x08, 0x30, 0x6b));
/// ```
pub fn blues(t: f64) -> RGBColor {
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 };
    let x = t * (BLUES.len() - 1) as f64;
    let i = (x.floor() as usize).min(BLUES.len() - 2);
    let f = x - i as f64;
    let mix = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * f).round() as u8;
    let (a, b) = (BLUES[i], BLUES[i + 1]);
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Text colour that reads on a cell: dark gray on light blues, near-white on dark ones
/// (the lecture's gray is unreadable on its darkest cells).
fn text_colour(cell: RGBColor) -> RGBColor {
    let luminance = 0.2126 * cell.0 as f64 + 0.7152 * cell.1 as f64 + 0.0722 * cell.2 as f64;
    if luminance < 140.0 { RGBColor(0xf4, 0xf4, 0xf4) } else { RGBColor(0x40, 0x40, 0x40) }
}

/// A V×V grid to draw: one value per cell, its colour and its text.
///
/// ```
/// let words = makemore::WordList::parse("emma\nava", "names")?;
/// let counts = makemore::BigramCounts::from_words(&words, &makemore::Vocab::from_words(&words))?;
/// let svg = makemore::Heatmap::counts(&counts).to_svg()?;
/// assert!(svg.contains("<svg") && svg.contains(">\nmm\n<"));
/// # Ok::<(), makemore::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Heatmap {
    tokens: Vec<char>,
    values: Vec<f64>,
    texts: Vec<String>,
}

impl Heatmap {
    /// The lecture's figure of the count matrix `N`.
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab", "w")?;
    /// let counts = makemore::BigramCounts::from_words(&words, &makemore::Vocab::from_words(&words))?;
    /// assert_eq!(makemore::Heatmap::counts(&counts).size(), 3);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn counts(counts: &BigramCounts) -> Heatmap {
        let rows = counts.to_rows();
        let values: Vec<f64> = rows.iter().flatten().map(|&c| c as f64).collect();
        let texts = rows.iter().flatten().map(|c| c.to_string()).collect();
        Heatmap { tokens: counts.vocab().chars().to_vec(), values, texts }
    }

    /// Number of rows (and columns).
    ///
    /// ```
    /// let words = makemore::WordList::parse("abc", "w")?;
    /// let counts = makemore::BigramCounts::from_words(&words, &makemore::Vocab::from_words(&words))?;
    /// assert_eq!(makemore::Heatmap::counts(&counts).size(), 4);
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn size(&self) -> usize {
        self.tokens.len()
    }

    fn cell_px(&self) -> u32 {
        let v = self.size() as u32;
        if self.size() <= MAX_LABELLED { CELL.min(MAX_SIDE / v) } else { (MAX_SIDE / v).max(2) }
    }

    /// Width and height of the figure in pixels.
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab", "w")?;
    /// let counts = makemore::BigramCounts::from_words(&words, &makemore::Vocab::from_words(&words))?;
    /// assert_eq!(makemore::Heatmap::counts(&counts).pixels(), (3 * 44 + 16, 3 * 44 + 16));
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn pixels(&self) -> (u32, u32) {
        let side = self.cell_px() * self.size() as u32 + 2 * MARGIN;
        (side, side)
    }

    /// Draw onto any plotters drawing area (SVG, bitmap, or a notebook's figure).
    ///
    /// ```
    /// use plotters::prelude::*;
    /// let words = makemore::WordList::parse("ab", "w")?;
    /// let counts = makemore::BigramCounts::from_words(&words, &makemore::Vocab::from_words(&words))?;
    /// let map = makemore::Heatmap::counts(&counts);
    /// let mut svg = String::new();
    /// map.draw(&SVGBackend::with_string(&mut svg, map.pixels()).into_drawing_area())?;
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<()> {
        let err = |e: DrawingAreaErrorKind<DB::ErrorType>| Error::Draw(e.to_string());
        area.fill(&WHITE).map_err(err)?;
        let v = self.size();
        let cell = self.cell_px() as i32;
        let max = self.values.iter().copied().fold(0.0f64, f64::max);
        let labelled = v <= MAX_LABELLED;
        let font_px = (cell as f64 * 0.34).max(6.0);
        for i in 0..v {
            for j in 0..v {
                let k = i * v + j;
                let (x, y) = (MARGIN as i32 + j as i32 * cell, MARGIN as i32 + i as i32 * cell);
                let colour = blues(if max > 0.0 { self.values[k] / max } else { 0.0 });
                area.draw(&Rectangle::new([(x, y), (x + cell, y + cell)], colour.filled())).map_err(err)?;
                if labelled {
                    let style = (FONT, font_px)
                        .into_font()
                        .color(&text_colour(colour))
                        .pos(Pos::new(HPos::Center, VPos::Center));
                    let bigram = format!("{}{}", self.tokens[i], self.tokens[j]);
                    let cx = x + cell / 2;
                    area.draw(&Text::new(bigram, (cx, y + cell * 3 / 10), style.clone())).map_err(err)?;
                    area.draw(&Text::new(self.texts[k].clone(), (cx, y + cell * 7 / 10), style)).map_err(err)?;
                }
            }
        }
        area.present().map_err(err)
    }

    /// The figure as an SVG document.
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab", "w")?;
    /// let counts = makemore::BigramCounts::from_words(&words, &makemore::Vocab::from_words(&words))?;
    /// assert!(makemore::Heatmap::counts(&counts).to_svg()?.starts_with("<svg"));
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn to_svg(&self) -> Result<String> {
        let mut svg = String::new();
        self.draw(&SVGBackend::with_string(&mut svg, self.pixels()).into_drawing_area())?;
        Ok(svg)
    }

    /// The figure as PNG bytes (text drawn with the embedded font).
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab", "w")?;
    /// let counts = makemore::BigramCounts::from_words(&words, &makemore::Vocab::from_words(&words))?;
    /// assert!(makemore::Heatmap::counts(&counts).to_png()?.starts_with(b"\x89PNG"));
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn to_png(&self) -> Result<Vec<u8>> {
        register_embedded_font();
        let (w, h) = self.pixels();
        let mut rgb = vec![0u8; (w * h * 3) as usize];
        self.draw(&BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area())?;
        encode_png(&rgb, w, h)
    }

    /// Check that `path` names a figure this can write (ends in .svg or .png).
    ///
    /// ```
    /// use std::path::Path;
    /// assert!(makemore::Heatmap::check_path(Path::new("n.PNG")).is_ok());
    /// assert!(makemore::Heatmap::check_path(Path::new("n.pdf")).is_err());
    /// ```
    pub fn check_path(path: &Path) -> Result<()> {
        figure_format(path).map(|_| ())
    }

    /// Write the figure to `path`, as SVG or PNG by its extension, atomically.
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab", "w")?;
    /// let counts = makemore::BigramCounts::from_words(&words, &makemore::Vocab::from_words(&words))?;
    /// let err = makemore::Heatmap::counts(&counts).save("figure.jpg").unwrap_err();
    /// assert!(err.to_string().contains(".svg or .png"));
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let bytes = match figure_format(path)? {
            Format::Svg => self.to_svg()?.into_bytes(),
            Format::Png => self.to_png()?,
        };
        write_atomic(path, &bytes)
    }
}

enum Format {
    Svg,
    Png,
}

fn figure_format(path: &Path) -> Result<Format> {
    match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("svg") => Ok(Format::Svg),
        Some("png") => Ok(Format::Png),
        _ => Err(Error::Write { path: path.into(), reason: "the figure's name must end in .svg or .png".into() }),
    }
}

/// Make plotters' pure-Rust text renderer use the bundled DejaVu Sans.
fn register_embedded_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Cannot fail for the bundled font; if it ever did, drawing text reports the error.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular());
    });
}

fn encode_png(rgb: &[u8], w: u32, h: u32) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let png_err = |e: png::EncodingError| Error::Draw(e.to_string());
    let mut writer = encoder.write_header().map_err(png_err)?;
    writer.write_image_data(rgb).map_err(png_err)?;
    writer.finish().map_err(png_err)?;
    Ok(out)
}
