//! One home for drawing: the font, the colours, PNG encoding, choosing SVG or PNG by a
//! file's name, and saving. [`crate::Heatmap`] and [`crate::Figure`] draw with plotters;
//! [`crate::Drawable`] turns a drawing into SVG, PNG or a file with these, and
//! [`crate::display`] shows it in a notebook.

use std::path::Path;
use std::sync::Once;

use plotters::style::{FontStyle, RGBColor};

use crate::data::output::write_atomic;
use crate::error::{Error, Result};

/// The font family figures use: plotters' name for the bundled DejaVu Sans, so the PNG
/// text needs no fonts on the machine.
pub const FONT: &str = "sans-serif";

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
/// assert_eq!(makemore::plot::blues(0.0), RGBColor(0xf7, 0xfb, 0xff));
/// assert_eq!(makemore::plot::blues(1.0), RGBColor(0x08, 0x30, 0x6b));
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

/// The kinds of figure file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Scalable vector graphics (text, tooltips on hover).
    Svg,
    /// A bitmap.
    Png,
}

/// The format a figure's path asks for, by its extension (.svg or .png, any case).
///
/// ```
/// use std::path::Path;
/// use makemore::plot::{Format, figure_format};
/// assert_eq!(figure_format(Path::new("n.PNG"))?, Format::Png);
/// assert!(figure_format(Path::new("n.pdf")).is_err());
/// # Ok::<(), makemore::Error>(())
/// ```
pub fn figure_format(path: &Path) -> Result<Format> {
    match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("svg") => Ok(Format::Svg),
        Some("png") => Ok(Format::Png),
        _ => Err(Error::Write { path: path.into(), reason: "a figure's name must end in .svg or .png".into() }),
    }
}

/// Check that `path` names a figure file this crate can write (it ends in .svg or .png,
/// any case), before any work: the heatmap's, tune's plot, any [`crate::Figure`]'s.
///
/// ```
/// use std::path::Path;
/// assert!(makemore::plot::check_figure_path(Path::new("n.PNG")).is_ok());
/// assert!(makemore::plot::check_figure_path(Path::new("n.pdf")).is_err());
/// ```
pub fn check_figure_path(path: &Path) -> Result<()> {
    figure_format(path).map(|_| ())
}

/// Write a figure to `path` as SVG or PNG, by its extension, atomically; only the
/// format asked for is drawn.
///
/// ```
/// let path = std::env::temp_dir().join(format!("doc-save-{}.svg", std::process::id()));
/// makemore::plot::save_figure(&path, || Ok("<svg/>".into()), || unreachable!())?;
/// assert_eq!(std::fs::read_to_string(&path).unwrap(), "<svg/>");
/// # std::fs::remove_file(&path).unwrap();
/// # Ok::<(), makemore::Error>(())
/// ```
pub fn save_figure(
    path: &Path,
    svg: impl FnOnce() -> Result<String>,
    png: impl FnOnce() -> Result<Vec<u8>>,
) -> Result<()> {
    let bytes = match figure_format(path)? {
        Format::Svg => svg()?.into_bytes(),
        Format::Png => png()?,
    };
    write_atomic(path, &bytes)
}

/// Make plotters' pure-Rust text renderer use the bundled DejaVu Sans (once).
///
/// ```
/// makemore::plot::register_embedded_font();
/// ```
pub fn register_embedded_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Cannot fail for the bundled font; if it ever did, drawing text reports the error.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular());
    });
}

/// Encode 8-bit RGB pixels (`w × h × 3` bytes) as a PNG file.
///
/// ```
/// let png = makemore::plot::encode_png(&[255; 2 * 1 * 3], 2, 1)?;
/// assert!(png.starts_with(b"\x89PNG"));
/// # Ok::<(), makemore::Error>(())
/// ```
pub fn encode_png(rgb: &[u8], w: u32, h: u32) -> Result<Vec<u8>> {
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
