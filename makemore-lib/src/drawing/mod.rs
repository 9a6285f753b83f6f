//! Drawing: the shared plotting pieces ([`plot`]), the lecture's heatmap ([`heatmap`]),
//! the other figures ([`figure`]), the interactive explorer page ([`explorer`]), and
//! showing any of them in a notebook ([`display`]). The top floor of the library.

pub mod display;
pub mod explorer;
pub mod figure;
pub mod heatmap;
pub mod plot;
