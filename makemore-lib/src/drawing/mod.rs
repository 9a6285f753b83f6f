//! Drawing: the shared plotting pieces ([`plot`]), what every figure does once it can
//! draw itself ([`drawable`]: SVG with tooltips, PNG, saving, display), the lecture's heatmap ([`heatmap`]),
//! the other figures ([`figure`]), the interactive explorer page ([`explorer`]), showing
//! any of them in a notebook ([`display`]), and the request of `makemore heatmap` that
//! picks one of them ([`bigram_figure`]). The top floor of the library.

pub mod bigram_figure;
pub mod display;
pub mod drawable;
pub mod explorer;
pub mod figure;
pub mod heatmap;
pub mod plot;
