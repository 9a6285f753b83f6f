//! Small charts: the training loss curve, what follows one character, train/dev loss
//! against a tuned strength, a line of y against x (a learning-rate search, a loss curve
//! in log10) and a labelled scatter with hover (a 2-D embedding). SVG or PNG, inline on
//! the evcxr kernel.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::drawing::drawable::{Drawable, TipArea, Tooltip};
use crate::drawing::plot::{FONT, blues};
use crate::error::{Error, Result};
use crate::models::kind::{LanguageModel, check_bigram};
use crate::using::tune::Tuning;

const WIDTH: u32 = 720;
const HEIGHT: u32 = 320;
/// A scatter is square, so that distances read the same both ways.
const SCATTER_SIDE: u32 = 560;
/// The radius of a scatter's points, in pixels: room for one character.
const POINT_RADIUS: u32 = 13;

/// What a figure shows: the data, kept so that it can be drawn to any backend.
#[derive(Debug, Clone)]
enum Chart {
    Losses { losses: Vec<f32>, title: String },
    Bars { labels: Vec<char>, probs: Vec<f64>, title: String },
    Tuning { values: Vec<f64>, train: Vec<f64>, dev: Vec<f64>, best: usize, what: String },
    Line { xs: Vec<f64>, ys: Vec<f64>, title: String, x_desc: String, y_desc: String },
    Scatter { xs: Vec<f64>, ys: Vec<f64>, labels: Vec<String>, title: String },
    Lines { series: Vec<Series>, hline: Option<f64>, title: String, x_desc: String, y_desc: String },
    Image { rows: Vec<Vec<f64>>, title: String },
}

/// One named curve of a [`Figure::lines`] chart.
#[derive(Debug, Clone)]
struct Series {
    name: String,
    xs: Vec<f64>,
    ys: Vec<f64>,
}

/// The colours of a chart's curves, one after another (matplotlib's first ten, which the
/// lectures' plots use).
const CYCLE: [RGBColor; 10] = [
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0xff, 0x7f, 0x0e),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0xd6, 0x27, 0x28),
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0x8c, 0x56, 0x4b),
    RGBColor(0xe3, 0x77, 0xc2),
    RGBColor(0x7f, 0x7f, 0x7f),
    RGBColor(0xbc, 0xbd, 0x22),
    RGBColor(0x17, 0xbe, 0xcf),
];
/// The widest an image is drawn: one matrix column at least a pixel wide up to this many.
const IMAGE_WIDTH: u32 = 800;

/// A chart, drawn to SVG or PNG on demand ([`Drawable`]).
///
/// ```
/// use makemore::Drawable;
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
    /// use makemore::Drawable;
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
    /// use makemore::Drawable;
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
        // the values whose training diverged (NaN losses) are left out of the picture
        let drawn: Vec<usize> = (0..t.rows.len()).filter(|&i| !t.rows[i].dev.is_nan()).collect();
        if drawn.iter().any(|&i| !t.rows[i].train.is_finite() || !t.rows[i].dev.is_finite()) {
            return Err(Error::Draw("some losses are infinite (no smoothing?): nothing to draw".into()));
        }
        Ok(Figure {
            chart: Chart::Tuning {
                values: drawn.iter().map(|&i| t.rows[i].value).collect(),
                train: drawn.iter().map(|&i| t.rows[i].train).collect(),
                dev: drawn.iter().map(|&i| t.rows[i].dev).collect(),
                best: drawn.iter().position(|&i| i == t.best).unwrap_or(0),
                what: t.what.into(),
            },
        })
    }

    /// A line chart of `ys` against `xs`: a learning-rate search (loss against the
    /// exponent of the rate), a loss curve in log10 against the step.
    ///
    /// A curve of many more points than the figure is wide (200,000 steps) is drawn as the
    /// lowest and highest value of each pixel column, in order: the band that a line
    /// through every point paints, in an SVG of a few thousand points.
    ///
    /// ```
    /// use makemore::Drawable;
    /// let fig = makemore::Figure::line(&[-3.0, -2.0, -1.0], &[3.1, 2.6, 2.9], "lr search", "log10 lr", "loss")?;
    /// assert!(fig.svg()?.contains("log10 lr"));
    /// assert!(makemore::Figure::line(&[1.0], &[1.0, 2.0], "t", "x", "y").is_err());
    /// assert!(makemore::Figure::line(&[1.0], &[f64::INFINITY], "t", "x", "y").is_err());
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn line(xs: &[f64], ys: &[f64], title: &str, x_desc: &str, y_desc: &str) -> Result<Figure> {
        check_points(xs, ys, "a line chart")?;
        let (xs, ys) = column_envelope(xs, ys, 2 * WIDTH as usize);
        Ok(Figure { chart: Chart::Line { xs, ys, title: title.into(), x_desc: x_desc.into(), y_desc: y_desc.into() } })
    }

    /// Points at (`xs[i]`, `ys[i]`), each a disc carrying its label: a 2-D embedding,
    /// one character a point. In the SVG, hovering a point shows its label and
    /// coordinates (and highlights it).
    ///
    /// ```
    /// use makemore::Drawable;
    /// let labels = ["a".to_string(), "q".to_string()];
    /// let fig = makemore::Figure::scatter(&[0.5, -1.25], &[1.0, 2.0], &labels, "embedding")?;
    /// assert!(fig.svg()?.contains("<title>q: (-1.2500, 2.0000)</title>"));
    /// assert!(makemore::Figure::scatter(&[0.5], &[1.0], &labels, "embedding").is_err());
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn scatter(xs: &[f64], ys: &[f64], labels: &[String], title: &str) -> Result<Figure> {
        check_points(xs, ys, "a scatter")?;
        if labels.len() != xs.len() {
            return Err(Error::Draw(format!("{} labels for {} points", labels.len(), xs.len())));
        }
        Ok(Figure {
            chart: Chart::Scatter { xs: xs.to_vec(), ys: ys.to_vec(), labels: labels.to_vec(), title: title.into() },
        })
    }

    /// Several named curves, each `(name, xs, ys)`, in one chart with a legend: the
    /// lectures' `plt.plot` once per layer, then `plt.legend(...)`. Long curves are drawn
    /// as [`Figure::line`] draws them.
    ///
    /// ```
    /// use makemore::Drawable;
    /// let xs = [-1.0, 0.0, 1.0];
    /// let fig = makemore::Figure::lines(&[("layer 2", &xs, &[0.1, 0.5, 0.1]), ("layer 5", &xs, &[0.2, 0.4, 0.2])],
    ///     "activation distribution", "value", "density")?;
    /// assert!(fig.svg()?.contains("layer 5"));
    /// assert!(makemore::Figure::lines(&[], "t", "x", "y").is_err());
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn lines(series: &[(&str, &[f64], &[f64])], title: &str, x_desc: &str, y_desc: &str) -> Result<Figure> {
        if series.is_empty() {
            return Err(Error::Draw("a chart of lines needs at least one line".into()));
        }
        let mut drawn = Vec::with_capacity(series.len());
        for &(name, xs, ys) in series {
            check_points(xs, ys, &format!("the line {name:?}"))?;
            let (xs, ys) = column_envelope(xs, ys, 2 * WIDTH as usize);
            drawn.push(Series { name: name.into(), xs, ys });
        }
        let (title, x_desc, y_desc) = (title.into(), x_desc.into(), y_desc.into());
        Ok(Figure { chart: Chart::Lines { series: drawn, hline: None, title, x_desc, y_desc } })
    }

    /// The same chart with a black horizontal line at `y` across it (the lecture's
    /// `plt.plot([0, len(ud)], [-3, -3], 'k')`). Only for [`Figure::lines`].
    ///
    /// ```
    /// let xs = [0.0, 1.0];
    /// let fig = makemore::Figure::lines(&[("W1", &xs, &[-2.5, -3.2])], "update:data", "step", "log10")?;
    /// assert!(fig.with_hline(-3.0).is_ok());
    /// assert!(makemore::Figure::line(&xs, &xs, "t", "x", "y")?.with_hline(0.5).is_err());
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn with_hline(mut self, y: f64) -> Result<Figure> {
        match &mut self.chart {
            Chart::Lines { hline, .. } if y.is_finite() => *hline = Some(y),
            Chart::Lines { .. } => {
                return Err(Error::Draw(format!("a horizontal line needs a finite height, not {y}")));
            }
            _ => return Err(Error::Draw("only a chart of lines (Figure::lines) takes a horizontal line".into())),
        }
        Ok(self)
    }

    /// A matrix as a grey image, one cell per value: 0 black, 1 white, values between
    /// in grey and beyond clamped (the lecture's `plt.imshow(h.abs() > 0.99, cmap='gray',
    /// interpolation='nearest')`: white where a tanh is saturated). Rows go down, columns
    /// across.
    ///
    /// ```
    /// use makemore::Drawable;
    /// let saturated = tch::Tensor::from_slice(&[0.0f32, 1.0, 1.0, 0.0]).view([2, 2]);
    /// assert!(makemore::Figure::image(&saturated, "saturated")?.svg()?.contains("saturated"));
    /// assert!(makemore::Figure::image(&tch::Tensor::from_slice(&[1.0f32]), "a vector").is_err());
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn image(matrix: &tch::Tensor, title: &str) -> Result<Figure> {
        let size = matrix.size();
        if size.len() != 2 || size.contains(&0) || size[1] > IMAGE_WIDTH as i64 {
            return Err(Error::Draw(format!(
                "an image needs a 2-D tensor of at most {IMAGE_WIDTH} columns, not one of shape {size:?}"
            )));
        }
        let rows = Vec::<Vec<f64>>::try_from(&matrix.f_to_kind(tch::Kind::Double)?)?;
        if rows.iter().flatten().any(|v| !v.is_finite()) {
            return Err(Error::Draw("an image needs finite values".into()));
        }
        Ok(Figure { chart: Chart::Image { rows, title: title.into() } })
    }

    /// The pixels of one matrix cell in an image: as many as fit the width, at least 1.
    fn cell_px(rows: &[Vec<f64>]) -> u32 {
        (IMAGE_WIDTH / rows[0].len() as u32).clamp(1, 24)
    }

    /// The figure's size in pixels.
    fn size(&self) -> (u32, u32) {
        match &self.chart {
            Chart::Image { rows, .. } => {
                let cell = Figure::cell_px(rows);
                (cell * rows[0].len() as u32 + 40, cell * rows.len() as u32 + 80)
            }
            Chart::Scatter { .. } => (SCATTER_SIDE, SCATTER_SIDE),
            _ => (WIDTH, HEIGHT),
        }
    }

    /// Draw the chart; the tooltips it wants over its points (a scatter's), in pixels.
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<Vec<Tooltip>> {
        let err = |e: DrawingAreaErrorKind<DB::ErrorType>| Error::Draw(e.to_string());
        area.fill(&WHITE).map_err(err)?;
        let mut tips = Vec::new();
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
                chart
                    .configure_mesh()
                    .x_desc("step")
                    .y_desc("loss")
                    .x_label_formatter(&|x| format!("{x:.0}")) // steps are whole numbers
                    .light_line_style(WHITE)
                    .draw()
                    .map_err(err)?;
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
            Chart::Line { xs, ys, title, x_desc, y_desc } => {
                let (x0, x1) = padded(xs, 0.0);
                let (y0, y1) = padded(ys, 0.05);
                let mut chart = ChartBuilder::on(area)
                    .caption(title, (FONT, 18))
                    .margin(12)
                    .x_label_area_size(32)
                    .y_label_area_size(52)
                    .build_cartesian_2d(x0..x1, y0..y1)
                    .map_err(err)?;
                // steps are whole numbers: label them so (20000, not 20000.0)
                let whole = xs.iter().all(|x| x.fract() == 0.0);
                let label = |x: &f64| if whole { format!("{x:.0}") } else { format!("{x}") };
                chart
                    .configure_mesh()
                    .x_desc(x_desc)
                    .y_desc(y_desc)
                    .x_label_formatter(&label)
                    .light_line_style(WHITE)
                    .draw()
                    .map_err(err)?;
                let points = xs.iter().copied().zip(ys.iter().copied());
                chart.draw_series(LineSeries::new(points, blues(0.8).stroke_width(1))).map_err(err)?;
            }
            Chart::Lines { series, hline, title, x_desc, y_desc } => {
                let xs: Vec<f64> = series.iter().flat_map(|s| s.xs.iter().copied()).collect();
                let mut ys: Vec<f64> = series.iter().flat_map(|s| s.ys.iter().copied()).collect();
                ys.extend(*hline);
                let (x0, x1) = padded(&xs, 0.0);
                let (y0, y1) = padded(&ys, 0.05);
                let mut chart = ChartBuilder::on(area)
                    .caption(title, (FONT, 18))
                    .margin(12)
                    .x_label_area_size(32)
                    .y_label_area_size(60)
                    .build_cartesian_2d(x0..x1, y0..y1)
                    .map_err(err)?;
                let whole = xs.iter().all(|x| x.fract() == 0.0);
                let label = |x: &f64| if whole { format!("{x:.0}") } else { tick(*x) };
                chart
                    .configure_mesh()
                    .x_desc(x_desc)
                    .y_desc(y_desc)
                    .x_label_formatter(&label)
                    .y_label_formatter(&|y| tick(*y))
                    .light_line_style(WHITE)
                    .draw()
                    .map_err(err)?;
                for (k, s) in series.iter().enumerate() {
                    let colour = CYCLE[k % CYCLE.len()];
                    let points = s.xs.iter().copied().zip(s.ys.iter().copied());
                    chart
                        .draw_series(LineSeries::new(points, colour.stroke_width(1)))
                        .map_err(err)?
                        .label(s.name.clone())
                        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2)));
                }
                if let Some(y) = *hline {
                    chart.draw_series(LineSeries::new([(x0, y), (x1, y)], BLACK.stroke_width(2))).map_err(err)?;
                }
                chart
                    .configure_series_labels()
                    .position(SeriesLabelPosition::UpperRight)
                    .border_style(BLACK)
                    .background_style(WHITE.mix(0.8))
                    .label_font((FONT, 13))
                    .draw()
                    .map_err(err)?;
            }
            Chart::Image { rows, title } => {
                let cell = Figure::cell_px(rows) as i32;
                let area = area.titled(title, (FONT, 18)).map_err(err)?;
                let (left, top) = (20, 10);
                let (w, h) = (cell * rows[0].len() as i32, cell * rows.len() as i32);
                area.draw(&Rectangle::new([(left, top), (left + w, top + h)], BLACK.filled())).map_err(err)?;
                // one rectangle per run of equal values along a row: a saturated image is
                // mostly runs, so the SVG stays small
                for (i, row) in rows.iter().enumerate() {
                    let mut j = 0;
                    while j < row.len() {
                        let v = row[j].clamp(0.0, 1.0);
                        let run = row[j..].iter().take_while(|&&x| x.clamp(0.0, 1.0) == v).count();
                        if v > 0.0 {
                            let grey = (v * 255.0).round() as u8;
                            let (x, y) = (left + cell * j as i32, top + cell * i as i32);
                            let shape = Rectangle::new(
                                [(x, y), (x + cell * run as i32, y + cell)],
                                RGBColor(grey, grey, grey).filled(),
                            );
                            area.draw(&shape).map_err(err)?;
                        }
                        j += run;
                    }
                }
            }
            Chart::Scatter { xs, ys, labels, title } => {
                let (x0, x1) = padded(xs, 0.08);
                let (y0, y1) = padded(ys, 0.08);
                let mut chart = ChartBuilder::on(area)
                    .caption(title, (FONT, 18))
                    .margin(12)
                    .x_label_area_size(32)
                    .y_label_area_size(48)
                    .build_cartesian_2d(x0..x1, y0..y1)
                    .map_err(err)?;
                // ticks like 0.2 (not 0.20000000001) and 0 (not -0.0)
                let tick = |v: &f64| format!("{:.1}", if v.abs() < 1e-9 { 0.0 } else { *v });
                chart.configure_mesh().x_label_formatter(&tick).y_label_formatter(&tick).draw().map_err(err)?;
                let disc = blues(0.75).filled();
                let text =
                    TextStyle::from((FONT, 15).into_font()).color(&WHITE).pos(Pos::new(HPos::Center, VPos::Center));
                for ((&x, &y), label) in xs.iter().zip(ys).zip(labels) {
                    let point = EmptyElement::at((x, y))
                        + Circle::new((0, 0), POINT_RADIUS, disc)
                        + Text::new(label.clone(), (0, 0), text.clone());
                    chart.plotting_area().draw(&point).map_err(err)?;
                    let (px, py) = chart.backend_coord(&(x, y));
                    let area = TipArea::Circle { x: px, y: py, radius: POINT_RADIUS };
                    tips.push(Tooltip { area, text: format!("{label}: ({x:.4}, {y:.4})") });
                }
            }
        }
        area.present().map_err(err)?;
        Ok(tips)
    }

    /// Write the chart to `.svg` or `.png`, atomically ([`Drawable::save`], here so that
    /// it needs no import of the trait).
    ///
    /// ```
    /// let fig = makemore::Figure::losses(&[1.0, 0.5], "loss")?;
    /// assert!(fig.save("loss.pdf").is_err());
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        Drawable::save(self, path)
    }

    /// Show the chart inline in a Jupyter notebook on the evcxr kernel
    /// ([`Drawable::evcxr_display`], here for evcxr, which calls it by this name).
    ///
    /// ```
    /// makemore::Figure::losses(&[1.0, 0.5], "loss")?.evcxr_display();
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn evcxr_display(&self) {
        Drawable::evcxr_display(self)
    }
}

impl Drawable for Figure {
    fn size_px(&self) -> Result<(u32, u32)> {
        Ok(self.size())
    }

    fn draw_on<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<Vec<Tooltip>> {
        self.draw(area)
    }
}

/// A tick label of an axis whose values are not whole: at most 3 decimals, no float noise
/// (0.2, not 0.19999999999999996), and small numbers in scientific notation (2.5e-3).
fn tick(v: f64) -> String {
    if v == 0.0 || v.abs() < 1e-9 {
        "0".into()
    } else if v.abs() < 0.01 {
        format!("{v:.1e}")
    } else {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// Refuse points a chart cannot draw: no points, unequal lengths, a value that is not finite.
fn check_points(xs: &[f64], ys: &[f64], what: &str) -> Result<()> {
    if xs.is_empty() || xs.len() != ys.len() {
        return Err(Error::Draw(format!(
            "{what} needs as many x as y values, at least one ({} and {})",
            xs.len(),
            ys.len()
        )));
    }
    if xs.iter().chain(ys).any(|v| !v.is_finite()) {
        return Err(Error::Draw(format!("{what} needs finite values")));
    }
    Ok(())
}

/// The range of `values`, widened by `pad` of its width on each side (never empty).
fn padded(values: &[f64], pad: f64) -> (f64, f64) {
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let pad = ((hi - lo) * pad).max(1e-3);
    (lo - pad, hi + pad)
}

/// For a curve of more than `columns` points with increasing x: each of `columns` equal
/// slices of the x range as its lowest and highest point, in the order they come (the
/// band a line through every point paints). Other curves are returned as they are.
fn column_envelope(xs: &[f64], ys: &[f64], columns: usize) -> (Vec<f64>, Vec<f64>) {
    let increasing = xs.windows(2).all(|w| w[0] <= w[1]);
    if xs.len() <= 2 * columns || !increasing {
        return (xs.to_vec(), ys.to_vec());
    }
    let (x0, x1) = (xs[0], xs[xs.len() - 1]);
    let column = |x: f64| (((x - x0) / (x1 - x0) * columns as f64) as usize).min(columns - 1);
    let (mut out_x, mut out_y) = (Vec::new(), Vec::new());
    let mut start = 0;
    while start < xs.len() {
        let c = column(xs[start]);
        let end = start + xs[start..].iter().take_while(|&&x| column(x) == c).count();
        let slice = start..end;
        let lo = slice.clone().min_by(|&a, &b| ys[a].total_cmp(&ys[b])).unwrap_or(start);
        let hi = slice.max_by(|&a, &b| ys[a].total_cmp(&ys[b])).unwrap_or(start);
        for k in if lo <= hi { [lo, hi] } else { [hi, lo] } {
            out_x.push(xs[k]);
            out_y.push(ys[k]);
        }
        start = end;
    }
    (out_x, out_y)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::Tensor;

    #[test]
    fn tick_labels_read_as_numbers() {
        assert_eq!(tick(0.19999999999999996), "0.2");
        assert_eq!(tick(-0.6000000000000001), "-0.6");
        assert_eq!(tick(1.0), "1");
        assert_eq!(tick(0.0025), "2.5e-3");
        assert_eq!(tick(-1e-12), "0");
    }

    #[test]
    fn an_image_is_as_large_as_its_cells_and_no_wider_than_the_limit() {
        let t = Tensor::zeros([32, 200], (tch::Kind::Float, tch::Device::Cpu));
        let fig = Figure::image(&t, "saturated").unwrap();
        assert_eq!(fig.size(), (4 * 200 + 40, 4 * 32 + 80));
        assert!(Figure::image(&Tensor::zeros([2, 801], (tch::Kind::Float, tch::Device::Cpu)), "wide").is_err());
        assert!(Figure::image(&Tensor::from_slice(&[f32::NAN, 0.0]).view([1, 2]), "nan").is_err());
        let lines = Figure::lines(&[("a", &[0.0, 1.0], &[1.0, 2.0])], "t", "x", "y").unwrap();
        assert!(Figure::lines(&[("a", &[0.0, 1.0], &[1.0, f64::NAN])], "t", "x", "y").is_err());
        assert!(lines.with_hline(f64::INFINITY).is_err());
    }

    #[test]
    fn a_long_curve_keeps_each_columns_lowest_and_highest_point() {
        let xs: Vec<f64> = (0..10_000).map(f64::from).collect();
        let ys: Vec<f64> = xs.iter().map(|x| if x % 7.0 == 0.0 { 5.0 } else { (x / 1000.0).sin() }).collect();
        let (ex, ey) = column_envelope(&xs, &ys, 100);
        assert_eq!((ex.len(), ey.len()), (200, 200));
        assert!(ex.windows(2).all(|w| w[0] <= w[1]), "in the order of x");
        let top = ys.iter().copied().fold(f64::MIN, f64::max);
        let bottom = ys.iter().copied().fold(f64::MAX, f64::min);
        assert_eq!(ey.iter().copied().fold(f64::MIN, f64::max), top);
        assert_eq!(ey.iter().copied().fold(f64::MAX, f64::min), bottom);
        // a short curve, or one whose x goes back, is drawn point for point
        assert_eq!(column_envelope(&xs[..150], &ys[..150], 100).0.len(), 150);
        assert_eq!(column_envelope(&[2.0, 1.0, 3.0], &[1.0, 2.0, 3.0], 1).0, [2.0, 1.0, 3.0]);
    }

    #[test]
    fn a_loss_curve_numbers_its_steps_as_whole_numbers() {
        let losses: Vec<f32> = (0..100).map(|k| 3.0 - k as f32 / 100.0).collect();
        let svg = Figure::losses(&losses, "t").unwrap().svg().unwrap();
        assert!(svg.contains(">\n20\n</text>"), "{svg}");
        assert!(!svg.contains(">\n20.0\n</text>"), "{svg}");
    }

    #[test]
    fn every_scatter_point_gets_a_tooltip_at_its_disc() {
        let labels: Vec<String> = ["a", "<", "q"].iter().map(|s| s.to_string()).collect();
        let fig = Figure::scatter(&[0.0, 1.0, 2.0], &[0.0, 1.0, 0.5], &labels, "e").unwrap();
        let svg = fig.svg().unwrap();
        assert_eq!(svg.matches("fill-opacity=\"0\"><title>").count(), 3);
        assert!(svg.contains("<title>&lt;: (1.0000, 1.0000)</title>"), "escaped");
        assert!(svg.trim_end().ends_with("</svg>"));
        assert!(fig.png().unwrap().starts_with(b"\x89PNG"));
    }
}
