//! The lecture's big figure: the V×V count matrix as a grid of blue cells, each with
//! its bigram above and its count below. Drawn with plotters to SVG or PNG; the PNG
//! text uses an embedded DejaVu Sans, so it needs no fonts on the machine.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::counting::bigram::BigramCounts;
use crate::drawing::drawable::{Drawable, TipArea, Tooltip};
use crate::drawing::plot::{FONT, blues};
use crate::error::{Error, Result};
use crate::models::kind::LanguageModel;

/// Cells are this many pixels wide when their text is drawn.
const CELL: u32 = 44;
/// Above this many tokens the text no longer fits: cells shrink and show colour only.
const MAX_LABELLED: usize = 60;
/// The most rows or columns a heatmap draws: 1000. Larger grids are refused (one cell
/// would be under 2 pixels and the SVG enormous).
pub const MAX_HEATMAP_SIDE: usize = 1000;
/// The whole figure stays within this many pixels a side.
const MAX_SIDE: u32 = 2600;
const MARGIN: u32 = 8;

/// Text colour that reads on a cell: dark gray on light blues, near-white on dark ones
/// (the lecture's gray is unreadable on its darkest cells).
fn text_colour(cell: RGBColor) -> RGBColor {
    let luminance = 0.2126 * cell.0 as f64 + 0.7152 * cell.1 as f64 + 0.0722 * cell.2 as f64;
    if luminance < 140.0 { RGBColor(0xf4, 0xf4, 0xf4) } else { RGBColor(0x40, 0x40, 0x40) }
}

/// What [`Heatmap::matrix`] writes in each cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellText {
    /// The value, to at most four decimals.
    Values,
    /// Nothing: colour only (for large matrices).
    Blank,
}

/// A grid to draw: one value per cell, its colour (linear or log scale), the text
/// lines written in it, and a tooltip shown on hover in the SVG.
///
/// ```
/// use makemore::Drawable;
/// let words = makemore::WordList::parse("emma\nava", "names")?;
/// let counts = makemore::BigramCounts::from_words(&words, &makemore::Vocab::from_words(&words)?)?;
/// let svg = makemore::Heatmap::counts(&counts)?.svg()?;
/// assert!(svg.contains("<svg") && svg.contains(">\nmm\n<"));
/// assert!(svg.contains("<title>mm: 1 of 2 after &#39;m&#39; (P = 0.5000)</title>")); // escaped as HTML
/// # Ok::<(), makemore::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Heatmap {
    rows: usize,
    cols: usize,
    values: Vec<f64>,
    texts: Vec<Vec<String>>,
    tooltips: Vec<String>,
    log_scale: bool,
}

impl Heatmap {
    /// The lecture's figure of the count matrix `N`: each cell shows its bigram and
    /// count; hovering shows the count and the row's probability `N[a,b] / N[a].sum()`.
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab", "w")?;
    /// let counts = makemore::BigramCounts::from_words(&words, &makemore::Vocab::from_words(&words)?)?;
    /// assert_eq!(makemore::Heatmap::counts(&counts)?.shape(), (3, 3));
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn counts(counts: &BigramCounts) -> Result<Heatmap> {
        Heatmap::counts_with(counts, true)
    }

    /// The same figure, with tooltips that hold only the bigram and its count
    /// (`n.: 6763`): the lecture's part 1 draws it before probabilities are taught.
    ///
    /// ```
    /// use makemore::Drawable;
    /// let words = makemore::WordList::parse("emma\nava", "names")?;
    /// let counts = makemore::BigramCounts::from_words(&words, &makemore::Vocab::from_words(&words)?)?;
    /// let svg = makemore::Heatmap::counts_only(&counts)?.svg()?;
    /// assert!(svg.contains("<title>mm: 1</title>") && !svg.contains("P = "));
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn counts_only(counts: &BigramCounts) -> Result<Heatmap> {
        Heatmap::counts_with(counts, false)
    }

    fn counts_with(counts: &BigramCounts, probabilities: bool) -> Result<Heatmap> {
        Heatmap::check_side(counts.vocab().len())?;
        let rows = counts.to_rows();
        let chars = counts.vocab().chars();
        let mut map = Heatmap::empty(chars.len(), chars.len());
        for (i, row) in rows.iter().enumerate() {
            let total: i64 = row.iter().sum();
            for (j, &c) in row.iter().enumerate() {
                let bigram = format!("{}{}", chars[i], chars[j]);
                let p = if total > 0 { c as f64 / total as f64 } else { 0.0 };
                let tip = if probabilities {
                    format!("{bigram}: {c} of {total} after '{}' (P = {p:.4})", chars[i])
                } else {
                    format!("{bigram}: {c}")
                };
                map.push(c as f64, vec![bigram, c.to_string()], tip);
            }
        }
        Ok(map)
    }

    /// The probabilities `P` of a bigram model (counts or neural) in the same layout: each
    /// cell shows its bigram and `P[a, b]` to three decimals. Longer contexts are refused.
    ///
    /// ```
    /// use makemore::Drawable;
    /// let words = makemore::WordList::parse("ab", "w")?;
    /// let model = makemore::CountsModel::bigram(&words, 0.0)?;
    /// let svg = makemore::Heatmap::probs(&model)?.svg()?;
    /// assert!(svg.contains(">\n1.000\n<"));
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn probs<M: LanguageModel + ?Sized>(model: &M) -> Result<Heatmap> {
        Heatmap::check_side(model.vocab().len())?;
        let p = Vec::<Vec<f64>>::try_from(&model.probs_matrix()?.f_to_kind(tch::Kind::Double)?)?;
        let chars = model.vocab().chars();
        let mut map = Heatmap::empty(chars.len(), chars.len());
        for (i, row) in p.iter().enumerate() {
            for (j, &v) in row.iter().enumerate() {
                let bigram = format!("{}{}", chars[i], chars[j]);
                let tip = format!("P({} | {}) = {v:.6}", chars[j], chars[i]);
                map.push(v, vec![bigram, format!("{v:.3}")], tip);
            }
        }
        Ok(map)
    }

    /// Any 2-D float tensor, e.g. the lecture's one-hot `xenc` (5×27) or `W`: cells show
    /// their value or nothing ([`CellText`]), tooltips give row, column and value.
    ///
    /// ```
    /// use makemore::Drawable;
    /// use makemore::{CellText, Heatmap};
    /// let x = tch::Tensor::from_slice(&[0i64, 2]).one_hot(3).to_kind(tch::Kind::Float);
    /// let map = Heatmap::matrix(&x, CellText::Values)?;
    /// assert_eq!(map.shape(), (2, 3));
    /// assert!(map.svg()?.contains("<title>[1, 2] = 1</title>"));
    /// assert!(Heatmap::matrix(&tch::Tensor::from_slice(&[1.0f32]), CellText::Blank).is_err());
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn matrix(t: &tch::Tensor, text: CellText) -> Result<Heatmap> {
        let size = t.size();
        if size.len() != 2 || size.contains(&0) {
            return Err(Error::Draw(format!("a heatmap needs a 2-D tensor with rows and columns, not {size:?}")));
        }
        Heatmap::check_side(size[0].max(size[1]) as usize)?;
        let rows = Vec::<Vec<f64>>::try_from(&t.f_to_kind(tch::Kind::Double)?)?;
        let (r, c) = (rows.len(), rows[0].len());
        let mut map = Heatmap::empty(r, c);
        for (i, row) in rows.iter().enumerate() {
            for (j, &v) in row.iter().enumerate() {
                let text = match text {
                    CellText::Values => vec![format!("{v:.4}").trim_end_matches('0').trim_end_matches('.').to_string()],
                    CellText::Blank => vec![],
                };
                map.push(v, text, format!("[{i}, {j}] = {v}"));
            }
        }
        Ok(map)
    }

    fn empty(rows: usize, cols: usize) -> Heatmap {
        let n = rows * cols;
        Heatmap {
            rows,
            cols,
            values: Vec::with_capacity(n),
            texts: Vec::with_capacity(n),
            tooltips: Vec::with_capacity(n),
            log_scale: false,
        }
    }

    fn push(&mut self, value: f64, text: Vec<String>, tooltip: String) {
        self.values.push(value);
        self.texts.push(text);
        self.tooltips.push(tooltip);
    }

    /// Colour by `log(1 + value / smallest positive value)` instead of the value (for
    /// counts: `log(1 + count)`), so that rare bigrams show too.
    ///
    /// ```
    /// use makemore::Drawable;
    /// let words = makemore::WordList::parse("ab", "w")?;
    /// let counts = makemore::BigramCounts::from_words(&words, &makemore::Vocab::from_words(&words)?)?;
    /// let linear = makemore::Heatmap::counts(&counts)?.svg()?;
    /// let log = makemore::Heatmap::counts(&counts)?.log_scale().svg()?;
    /// assert_eq!(linear, log); // all counts equal: same colours either way
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn log_scale(mut self) -> Heatmap {
        self.log_scale = true;
        self
    }

    /// (rows, columns).
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab", "w")?;
    /// let counts = makemore::BigramCounts::from_words(&words, &makemore::Vocab::from_words(&words)?)?;
    /// assert_eq!(makemore::Heatmap::counts(&counts)?.shape(), (3, 3));
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn shape(&self) -> (usize, usize) {
        (self.rows, self.cols)
    }

    /// Check, before counting or drawing anything, that a grid of `side` rows or columns
    /// can be drawn (at most [`MAX_HEATMAP_SIDE`]).
    ///
    /// ```
    /// assert!(makemore::Heatmap::check_side(27).is_ok());
    /// assert!(makemore::Heatmap::check_side(1001).is_err());
    /// ```
    pub fn check_side(side: usize) -> Result<()> {
        if side > MAX_HEATMAP_SIDE {
            return Err(Error::Draw(format!(
                "a grid of {side} rows or columns is too large to draw (at most {MAX_HEATMAP_SIDE})"
            )));
        }
        Ok(())
    }

    fn check_size(&self) -> Result<()> {
        Heatmap::check_side(self.rows.max(self.cols))
    }

    fn labelled(&self) -> bool {
        self.rows.max(self.cols) <= MAX_LABELLED
    }

    fn cell_px(&self) -> u32 {
        let n = self.rows.max(self.cols) as u32;
        if self.labelled() { CELL.min(MAX_SIDE / n) } else { (MAX_SIDE / n).max(2) }
    }

    /// Where cell (i, j) starts, in pixels.
    fn origin(&self, i: usize, j: usize) -> (i32, i32) {
        let cell = self.cell_px() as i32;
        (MARGIN as i32 + j as i32 * cell, MARGIN as i32 + i as i32 * cell)
    }

    /// Width and height of the figure in pixels.
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab", "w")?;
    /// let counts = makemore::BigramCounts::from_words(&words, &makemore::Vocab::from_words(&words)?)?;
    /// assert_eq!(makemore::Heatmap::counts(&counts)?.pixels(), (3 * 44 + 16, 3 * 44 + 16));
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn pixels(&self) -> (u32, u32) {
        let cell = self.cell_px();
        (cell * self.cols as u32 + 2 * MARGIN, cell * self.rows as u32 + 2 * MARGIN)
    }

    /// Draw onto any plotters drawing area (SVG, bitmap, or a notebook's figure).
    ///
    /// ```
    /// use plotters::prelude::*;
    /// let words = makemore::WordList::parse("ab", "w")?;
    /// let counts = makemore::BigramCounts::from_words(&words, &makemore::Vocab::from_words(&words)?)?;
    /// let map = makemore::Heatmap::counts(&counts)?;
    /// let mut svg = String::new();
    /// map.draw(&SVGBackend::with_string(&mut svg, map.pixels()).into_drawing_area())?;
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<()> {
        self.check_size()?;
        let err = |e: DrawingAreaErrorKind<DB::ErrorType>| Error::Draw(e.to_string());
        area.fill(&WHITE).map_err(err)?;
        let cell = self.cell_px() as i32;
        // log scale: ln(1 + v / smallest positive value), so counts get ln(1 + count) and
        // probabilities spread over their decades just the same
        let unit = self.values.iter().copied().filter(|&v| v > 0.0).fold(f64::INFINITY, f64::min);
        let scale = |v: f64| if self.log_scale && unit.is_finite() { (v.max(0.0) / unit).ln_1p() } else { v };
        let max = self.values.iter().map(|&v| scale(v)).fold(0.0f64, f64::max);
        let font_px = (cell as f64 * 0.34).max(6.0);
        for i in 0..self.rows {
            for j in 0..self.cols {
                let k = i * self.cols + j;
                let (x, y) = self.origin(i, j);
                let colour = blues(if max > 0.0 { scale(self.values[k]) / max } else { 0.0 });
                area.draw(&Rectangle::new([(x, y), (x + cell, y + cell)], colour.filled())).map_err(err)?;
                if !self.labelled() {
                    continue;
                }
                let style =
                    (FONT, font_px).into_font().color(&text_colour(colour)).pos(Pos::new(HPos::Center, VPos::Center));
                let lines = &self.texts[k];
                for (n, text) in lines.iter().enumerate() {
                    // one line: centred; two: at 3/10 and 7/10 of the cell
                    let fy = if lines.len() == 1 { 0.5 } else { (3 + 4 * n) as f64 / 10.0 };
                    let pos = (x + cell / 2, y + (cell as f64 * fy) as i32);
                    area.draw(&Text::new(text.clone(), pos, style.clone())).map_err(err)?;
                }
            }
        }
        area.present().map_err(err)
    }

    /// Show the figure in a Jupyter notebook on the evcxr kernel (the last expression
    /// of a cell, or called directly): [`Drawable::evcxr_display`], here for evcxr, which
    /// calls it by this name.
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab", "w")?;
    /// let counts = makemore::BigramCounts::from_words(&words, &makemore::Vocab::from_words(&words)?)?;
    /// makemore::Heatmap::counts(&counts)?.evcxr_display(); // prints HTML (inline SVG) and PNG between evcxr's markers
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn evcxr_display(&self) {
        Drawable::evcxr_display(self)
    }

    /// The old name of [`crate::plot::check_figure_path`] (it checks any figure's path).
    #[doc(hidden)]
    #[deprecated(note = "use `makemore::plot::check_figure_path`: it checks any figure's path")]
    pub fn check_path(path: &Path) -> Result<()> {
        crate::drawing::plot::check_figure_path(path)
    }

    /// Write the figure to `path`, as SVG or PNG by its extension, atomically
    /// ([`Drawable::save`], here so that it needs no import of the trait).
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab", "w")?;
    /// let counts = makemore::BigramCounts::from_words(&words, &makemore::Vocab::from_words(&words)?)?;
    /// let err = makemore::Heatmap::counts(&counts)?.save("figure.jpg").unwrap_err();
    /// assert!(err.to_string().contains(".svg or .png"));
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        Drawable::save(self, path)
    }

    /// A tooltip over every cell.
    fn tips(&self) -> Vec<Tooltip> {
        let cell = self.cell_px();
        let tip = |(k, text): (usize, &String)| {
            let (x, y) = self.origin(k / self.cols, k % self.cols);
            Tooltip { area: TipArea::Rect { x, y, width: cell, height: cell }, text: text.clone() }
        };
        self.tooltips.iter().enumerate().map(tip).collect()
    }
}

/// The SVG gets a tooltip over every cell: its bigram and value, shown on hover.
///
/// ```
/// use makemore::Drawable;
/// let words = makemore::WordList::parse("ab", "w")?;
/// let counts = makemore::BigramCounts::from_words(&words, &makemore::Vocab::from_words(&words)?)?;
/// let map = makemore::Heatmap::counts(&counts)?;
/// assert_eq!(map.svg()?.matches("<title>").count(), 9);
/// assert!(map.png()?.starts_with(b"\x89PNG"));
/// # Ok::<(), makemore::Error>(())
/// ```
impl Drawable for Heatmap {
    fn size_px(&self) -> Result<(u32, u32)> {
        self.check_size()?;
        Ok(self.pixels())
    }

    fn draw_on<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<Vec<Tooltip>> {
        self.draw(area)?;
        Ok(self.tips())
    }
}
