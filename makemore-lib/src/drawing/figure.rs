//! Small line and bar charts: the training loss curve, what follows one character, and
//! train/dev loss against a tuned strength. SVG or PNG, inline on the evcxr kernel.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::drawing::plot::{FONT, blues, encode_png, register_embedded_font, save_figure};
use crate::error::{Error, Result};
use crate::models::kind::{LanguageModel, check_bigram};
use crate::using::tune::Tuning;

const WIDTH: u32 = 720;
const HEIGHT: u32 = 320;

/// What a figure shows: the data, kept so that it can be drawn to any backend.
#[derive(Debug, Clone)]
enum Chart {
    Losses { losses: Vec<f32>, title: String },
    Bars { labels: Vec<char>, probs: Vec<f64>, title: String },
    Tuning { values: Vec<f64>, train: Vec<f64>, dev: Vec<f64>, best: usize, what: String },
}

/// A chart, drawn to SVG or PNG on demand.
///
/// ```
/// let fig = makemore::Figure::losses(&[3.7, 3.1, 2.9], "training loss")?;
/// assert!(fig.svg()?.starts_with("<svg"));
/// # Ok::<(), makemore::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Figure {
    chart: Chart,
}

impl Figure {
    /// A line chart of losses against the step number.
    ///
    /// ```
    /// assert!(makemore::Figure::losses(&[], "loss").is_err());
    /// assert!(makemore::Figure::losses(&[f32::NAN], "loss").is_err());
    /// ```
    pub fn losses(losses: &[f32], title: &str) -> Result<Figure> {
        if losses.is_empty() || losses.iter().any(|l| !l.is_finite()) {
            return Err(Error::Draw("a loss curve needs at least one finite loss".into()));
        }
        Ok(Figure { chart: Chart::Losses { losses: losses.to_vec(), title: title.into() } })
    }

    /// A bar chart of `P(next | ch)`: one row of a bigram model's probabilities.
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab\nac", "w")?;
    /// let model = makemore::CountsModel::bigram(&words, 0.0)?;
    /// let fig = makemore::Figure::next_char(&model, 'a')?;
    /// assert!(fig.svg()?.contains("what comes after &apos;a&apos;")); // SVG escapes the quotes
    /// assert!(makemore::Figure::next_char(&model, 'z').is_err());
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn next_char<M: LanguageModel + ?Sized>(model: &M, ch: char) -> Result<Figure> {
        let vocab = model.vocab();
        let ix = vocab.stoi(ch).ok_or_else(|| Error::BadParameter {
            name: "character",
            value: format!("{ch:?}"),
            expected: "it is not in the vocabulary",
        })?;
        check_bigram(model.context_len(), "a chart of what follows one character needs a bigram model (context 1)")?;
        let probs = Vec::<f64>::try_from(&model.next_probs(&[ix as i64])?.f_to_kind(tch::Kind::Double)?)?;
        let title = format!("what comes after '{ch}': P(next | {ch})");
        Ok(Figure { chart: Chart::Bars { labels: vocab.chars().to_vec(), probs, title } })
    }

    /// Train and dev loss against the tried strengths (log scale when all are positive),
    /// the chosen one marked.
    ///
    /// ```
    /// let e = |nll| makemore::Evaluation { nll, ngrams: 10, words: 2, zero_prob: 0 };
    /// let t = makemore::Tuning {
    ///     what: "smoothing",
    ///     rows: vec![makemore::TuneRow { value: 0.1, train: 2.0, dev: 2.2 }, makemore::TuneRow { value: 1.0, train: 2.1, dev: 2.15 }],
    ///     best: 1,
    ///     test: 2.16,
    ///     chosen: [e(2.1), e(2.15), e(2.16)],
    /// };
    /// assert!(makemore::Figure::tuning(&t)?.svg()?.contains("dev"));
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn tuning(t: &Tuning) -> Result<Figure> {
        if t.rows.iter().any(|r| !r.train.is_finite() || !r.dev.is_finite()) {
            return Err(Error::Draw("some losses are infinite (no smoothing?): nothing to draw".into()));
        }
        Ok(Figure {
            chart: Chart::Tuning {
                values: t.rows.iter().map(|r| r.value).collect(),
                train: t.rows.iter().map(|r| r.train).collect(),
                dev: t.rows.iter().map(|r| r.dev).collect(),
                best: t.best,
                what: t.what.into(),
            },
        })
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<()> {
        let err = |e: DrawingAreaErrorKind<DB::ErrorType>| Error::Draw(e.to_string());
        area.fill(&WHITE).map_err(err)?;
        match &self.chart {
            Chart::Losses { losses, title } => {
                let lo = losses.iter().copied().fold(f32::INFINITY, f32::min) as f64;
                let hi = losses.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64;
                let pad = ((hi - lo) * 0.05).max(1e-3);
                let mut chart = ChartBuilder::on(area)
                    .caption(title, (FONT, 18))
                    .margin(12)
                    .x_label_area_size(32)
                    .y_label_area_size(48)
                    .build_cartesian_2d(1f64..losses.len().max(2) as f64, (lo - pad)..(hi + pad))
                    .map_err(err)?;
                chart.configure_mesh().x_desc("step").y_desc("loss").light_line_style(WHITE).draw().map_err(err)?;
                let points = losses.iter().enumerate().map(|(k, &l)| ((k + 1) as f64, l as f64));
                chart.draw_series(LineSeries::new(points, blues(0.8).stroke_width(2))).map_err(err)?;
            }
            Chart::Bars { labels, probs, title } => {
                let top = probs.iter().copied().fold(0.0, f64::max).max(1e-9) * 1.1;
                let mut chart = ChartBuilder::on(area)
                    .caption(title, (FONT, 18))
                    .margin(12)
                    .x_label_area_size(28)
                    .y_label_area_size(48)
                    .build_cartesian_2d(0f64..probs.len() as f64, 0f64..top)
                    .map_err(err)?;
                chart
                    .configure_mesh()
                    .disable_x_mesh()
                    .x_labels(probs.len())
                    .x_label_formatter(&|x| {
                        let i = x.floor() as usize;
                        let centre = (x - i as f64 - 0.5).abs() < 1e-9;
                        if centre && i < labels.len() { labels[i].to_string() } else { String::new() }
                    })
                    .y_desc("probability")
                    .draw()
                    .map_err(err)?;
                chart
                    .draw_series(probs.iter().enumerate().map(|(i, &v)| {
                        Rectangle::new(
                            [(i as f64 + 0.1, 0.0), (i as f64 + 0.9, v)],
                            blues(0.4 + 0.6 * v / top).filled(),
                        )
                    }))
                    .map_err(err)?;
            }
            Chart::Tuning { values, train, dev, best, what } => {
                let log = values.iter().all(|&v| v > 0.0);
                let x = |v: f64| if log { v.log10() } else { v };
                let xs: Vec<f64> = values.iter().map(|&v| x(v)).collect();
                let (x0, x1) = (
                    xs.iter().copied().fold(f64::INFINITY, f64::min),
                    xs.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                );
                let all = train.iter().chain(dev);
                let (lo, hi) = all.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
                let (padx, pady) = (((x1 - x0) * 0.05).max(0.1), ((hi - lo) * 0.1).max(1e-3));
                let title = format!("train and dev loss against the {what}");
                let mut chart = ChartBuilder::on(area)
                    .caption(&title, (FONT, 18))
                    .margin(12)
                    .x_label_area_size(32)
                    .y_label_area_size(52)
                    .build_cartesian_2d((x0 - padx)..(x1 + padx), (lo - pady)..(hi + pady))
                    .map_err(err)?;
                let desc = if log { format!("log10 {what}") } else { what.clone() };
                chart.configure_mesh().x_desc(desc).y_desc("nll").light_line_style(WHITE).draw().map_err(err)?;
                for (series, colour, name) in [(train, blues(0.5), "train"), (dev, blues(0.95), "dev")] {
                    let points: Vec<(f64, f64)> = xs.iter().copied().zip(series.iter().copied()).collect();
                    chart
                        .draw_series(LineSeries::new(points.clone(), colour.stroke_width(2)))
                        .map_err(err)?
                        .label(name)
                        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2)));
                    chart.draw_series(points.iter().map(|&p| Circle::new(p, 3, colour.filled()))).map_err(err)?;
                }
                let chosen = (xs[*best], dev[*best]);
                chart.draw_series([Circle::new(chosen, 7, RGBColor(0xcb, 0x18, 0x1d).stroke_width(2))]).map_err(err)?;
                chart.configure_series_labels().border_style(BLACK).background_style(WHITE).draw().map_err(err)?;
            }
        }
        area.present().map_err(err)
    }

    /// The chart as SVG text.
    ///
    /// ```
    /// let fig = makemore::Figure::losses(&[1.0, 0.5], "loss")?;
    /// assert!(fig.svg()?.ends_with("</svg>\n"));
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn svg(&self) -> Result<String> {
        register_embedded_font();
        let mut svg = String::new();
        self.draw(&SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area())?;
        Ok(svg)
    }

    /// The chart as PNG bytes (text drawn with the embedded font).
    ///
    /// ```
    /// let fig = makemore::Figure::losses(&[1.0, 0.5], "loss")?;
    /// assert!(fig.png()?.starts_with(b"\x89PNG"));
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn png(&self) -> Result<Vec<u8>> {
        register_embedded_font();
        let mut rgb = vec![0u8; (WIDTH * HEIGHT * 3) as usize];
        self.draw(&BitMapBackend::with_buffer(&mut rgb, (WIDTH, HEIGHT)).into_drawing_area())?;
        encode_png(&rgb, WIDTH, HEIGHT)
    }

    /// Write the chart to `.svg` or `.png`, atomically.
    ///
    /// ```
    /// let fig = makemore::Figure::losses(&[1.0, 0.5], "loss")?;
    /// assert!(fig.save("loss.pdf").is_err());
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        save_figure(path.as_ref(), || self.svg(), || self.png())
    }

    /// Show the chart inline in a Jupyter notebook on the evcxr kernel.
    ///
    /// ```
    /// makemore::Figure::losses(&[1.0, 0.5], "loss")?.evcxr_display();
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn evcxr_display(&self) {
        crate::drawing::display::show_figure(self.svg(), self.png());
    }
}
