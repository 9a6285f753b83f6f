//! What `makemore heatmap` draws of a word list's bigrams, as one request: the lecture's
//! heatmap of the counts `N` or the probabilities `P`, one row as a bar chart, or the
//! explorer page. Its fields are the command's flags (clap's `Args` derive); which of them
//! go together and their defaults are decided here, once.

use std::path::Path;

use crate::counting::bigram::BigramCounts;
use crate::data::vocab::Vocab;
use crate::data::words::WordList;
use crate::drawing::explorer::{Explorer, View as ExplorerView, is_page};
use crate::drawing::figure::Figure;
use crate::drawing::heatmap::Heatmap;
use crate::error::{Error, Result};
use crate::models::counts::{CountsModel, DEFAULT_SMOOTHING, NgramConfig};

/// What the cells of the grid show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CellView {
    /// Bigram counts.
    Counts,
    /// Next-character probabilities.
    Probs,
}

/// One figure of a word list's bigrams: the grid (counts or probabilities, linear or log
/// colours), one row as a bar chart, or the explorer page (chosen by the output's
/// extension, see [`BigramFigure::draw`]).
///
/// ```
/// use makemore::{BigramFigure, CellView, WordList};
/// let words = WordList::parse("emma\nava", "names")?;
/// let out = std::env::temp_dir().join(format!("doc-bigrams-{}.svg", std::process::id()));
/// let figure = BigramFigure { view: CellView::Probs, smoothing: None, log_scale: false, row: None };
/// figure.check(&out)?;
/// figure.draw(&words, &out, "names")?;
/// assert!(std::fs::read_to_string(&out).unwrap().starts_with("<svg"));
/// let row_and_log = BigramFigure { row: Some('a'), log_scale: true, ..figure };
/// assert!(row_and_log.check(&out).is_err());
/// # std::fs::remove_file(&out).unwrap();
/// # Ok::<(), makemore::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, clap::Args)]
pub struct BigramFigure {
    /// What the cells show: the counts N, or the probabilities P = (N + smoothing) / row sums.
    #[arg(long, value_enum, default_value_t = CellView::Counts)]
    pub view: CellView,
    /// With --view probs (default 1) or --row (default 0): added to every count before normalizing.
    #[arg(long, allow_negative_numbers = true)]
    pub smoothing: Option<f64>,
    /// Colour on a log scale (log(1 + count) for counts), so that rare bigrams show too.
    #[arg(long)]
    pub log_scale: bool,
    /// Instead of the grid, a bar chart of what follows this one character.
    #[arg(long, value_name = "CHAR")]
    pub row: Option<char>,
}

impl BigramFigure {
    /// The smoothing of a row's bar chart when none is given: 0, the raw frequencies.
    pub const ROW_SMOOTHING: f64 = 0.0;

    /// Refuse, before any work, flags that do not go together and an output that is not
    /// a figure this draws (`out`: FILE.svg, FILE.png or FILE.html).
    pub fn check(&self, out: &Path) -> Result<()> {
        let usage = |message: String| Err(Error::Usage(message));
        if is_page(out) {
            if self.row.is_some() {
                return usage(
                    "--row applies to .svg and .png figures: the explorer page shows a row when you click it".into(),
                );
            }
            return Ok(());
        }
        if self.smoothing.is_some() && self.view != CellView::Probs && self.row.is_none() {
            return usage("--smoothing applies to --view probs and --row only".into());
        }
        if self.row.is_some() && self.log_scale {
            return usage("--log-scale applies to the grid, not to --row".into());
        }
        if crate::drawing::plot::check_figure_path(out).is_err() {
            return usage(format!(
                "--out '{}': heatmap writes FILE.svg, FILE.png or FILE.html (the explorer page)",
                out.display()
            ));
        }
        Ok(())
    }

    /// Count the bigrams of `words` and draw them to `out`: the explorer page (titled
    /// `title`) for FILE.html, else the grid or the row's bar chart.
    pub fn draw(&self, words: &WordList, out: &Path, title: &str) -> Result<()> {
        self.check(out)?;
        let vocab = Vocab::from_words(words)?;
        if is_page(out) {
            let view = match (self.view, self.log_scale) {
                (_, true) => ExplorerView::Log,
                (CellView::Counts, false) => ExplorerView::Counts,
                (CellView::Probs, false) => ExplorerView::Probs,
            };
            let page = Explorer::new(&BigramCounts::from_words(words, &vocab)?, title)?.view(view);
            let page = match self.smoothing {
                Some(k) => page.smoothing(k)?,
                None => page,
            };
            return page.save(out);
        }
        if self.row.is_none() {
            Heatmap::check_side(vocab.len())?; // before counting anything
        }
        let bigram = |smoothing| CountsModel::fit(words, &vocab, NgramConfig { context_len: 1, smoothing });
        if let Some(ch) = self.row {
            let model = bigram(self.smoothing.unwrap_or(Self::ROW_SMOOTHING))?;
            return Figure::next_char(&model, ch)?.save(out);
        }
        let map = match self.view {
            CellView::Counts => Heatmap::counts(&BigramCounts::from_words(words, &vocab)?)?,
            CellView::Probs => Heatmap::probs(&bigram(self.smoothing.unwrap_or(DEFAULT_SMOOTHING))?)?,
        };
        let map = if self.log_scale { map.log_scale() } else { map };
        map.save(out)
    }
}
