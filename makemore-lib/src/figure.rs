//! Small line and bar charts for the notebooks: the training loss curve, and what
//! follows one character. SVG, shown inline on the evcxr kernel or saved.

use std::path::Path;

use plotters::prelude::*;

use crate::error::{Error, Result};
use crate::heatmap::{blues, register_embedded_font};
use crate::model::BigramModel;
use crate::output::write_atomic;

const WIDTH: u32 = 720;
const HEIGHT: u32 = 320;

type SvgArea<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;

/// A finished chart as SVG text.
///
/// ```
/// let fig = makemore::Figure::losses(&[3.7, 3.1, 2.9], "training loss")?;
/// assert!(fig.svg().starts_with("<svg"));
/// # Ok::<(), makemore::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Figure {
    svg: String,
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
        let lo = losses.iter().copied().fold(f32::INFINITY, f32::min) as f64;
        let hi = losses.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64;
        let pad = ((hi - lo) * 0.05).max(1e-3);
        Figure::draw(|area| {
            let mut chart = ChartBuilder::on(area)
                .caption(title, (crate::heatmap::FONT, 18))
                .margin(12)
                .x_label_area_size(32)
                .y_label_area_size(48)
                .build_cartesian_2d(1f64..losses.len().max(2) as f64, (lo - pad)..(hi + pad))?;
            chart.configure_mesh().x_desc("step").y_desc("loss").light_line_style(WHITE).draw()?;
            let points = losses.iter().enumerate().map(|(k, &l)| ((k + 1) as f64, l as f64));
            chart.draw_series(LineSeries::new(points, blues(0.8).stroke_width(2)))?;
            Ok(())
        })
    }

    /// A bar chart of `P(next | ch)`: one row of a model's probabilities.
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab\nac", "w")?;
    /// let model = makemore::CountsModel::fit(&words, 0.0)?;
    /// let fig = makemore::Figure::next_char(&model, 'a')?;
    /// assert!(fig.svg().contains("what comes after &apos;a&apos;")); // SVG escapes the quotes
    /// assert!(makemore::Figure::next_char(&model, 'z').is_err());
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn next_char<M: BigramModel + ?Sized>(model: &M, ch: char) -> Result<Figure> {
        let vocab = model.vocab();
        let ix = vocab.stoi(ch).ok_or_else(|| Error::BadParameter {
            name: "character",
            value: format!("{ch:?}"),
            expected: "it is not in the vocabulary",
        })?;
        let p = Vec::<f64>::try_from(&model.next_probs(ix as i64).to_kind(tch::Kind::Double)).expect("1-D");
        let top = p.iter().copied().fold(0.0, f64::max).max(1e-9) * 1.1;
        let title = format!("what comes after '{ch}': P(next | {ch})");
        Figure::draw(|area| {
            let mut chart = ChartBuilder::on(area)
                .caption(&title, (crate::heatmap::FONT, 18))
                .margin(12)
                .x_label_area_size(28)
                .y_label_area_size(48)
                .build_cartesian_2d(0f64..p.len() as f64, 0f64..top)?;
            chart
                .configure_mesh()
                .disable_x_mesh()
                .x_labels(p.len())
                .x_label_formatter(&|x| {
                    let i = x.floor() as usize;
                    if (x - i as f64 - 0.5).abs() < 1e-9 && i < vocab.len() {
                        vocab.itos(i).to_string()
                    } else {
                        String::new()
                    }
                })
                .y_desc("probability")
                .draw()?;
            chart.draw_series(p.iter().enumerate().map(|(i, &v)| {
                Rectangle::new([(i as f64 + 0.1, 0.0), (i as f64 + 0.9, v)], blues(0.4 + 0.6 * v / top).filled())
            }))?;
            Ok(())
        })
    }

    fn draw(
        plot: impl FnOnce(&SvgArea) -> std::result::Result<(), DrawingAreaErrorKind<std::io::Error>>,
    ) -> Result<Figure> {
        register_embedded_font();
        let mut svg = String::new();
        {
            let area = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
            area.fill(&WHITE).map_err(|e| Error::Draw(e.to_string()))?;
            plot(&area).map_err(|e| Error::Draw(e.to_string()))?;
            area.present().map_err(|e| Error::Draw(e.to_string()))?;
        }
        Ok(Figure { svg })
    }

    /// The SVG text.
    ///
    /// ```
    /// let fig = makemore::Figure::losses(&[1.0, 0.5], "loss")?;
    /// assert!(fig.svg().ends_with("</svg>\n"));
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn svg(&self) -> &str {
        &self.svg
    }

    /// Write the chart to an `.svg` file, atomically.
    ///
    /// ```
    /// let fig = makemore::Figure::losses(&[1.0, 0.5], "loss")?;
    /// assert!(fig.save("loss.png").is_err()); // charts are SVG only
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        if !path.extension().is_some_and(|e| e.eq_ignore_ascii_case("svg")) {
            return Err(Error::Write { path: path.into(), reason: "charts are written as .svg".into() });
        }
        write_atomic(path, self.svg.as_bytes())
    }

    /// Show the chart inline in a Jupyter notebook on the evcxr kernel.
    ///
    /// ```
    /// makemore::Figure::losses(&[1.0, 0.5], "loss")?.evcxr_display();
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn evcxr_display(&self) {
        display_svg(&self.svg);
    }
}

/// Print SVG between evcxr's rich-output markers: the kernel sends it to Jupyter as
/// `image/svg+xml`, which the notebook draws inline.
pub(crate) fn display_svg(svg: &str) {
    println!("EVCXR_BEGIN_CONTENT image/svg+xml\n{svg}\nEVCXR_END_CONTENT");
}
