//! Rich output for Jupyter notebooks on the evcxr kernel.
//!
//! evcxr turns text a cell prints between `EVCXR_BEGIN_CONTENT <mime type>` and
//! `EVCXR_END_CONTENT` lines into rich output. It gathers every such block of one cell
//! into a single map from mime type to content and sends that as ONE `execute_result`,
//! so a figure printed as two blocks becomes one output with two representations, and
//! the viewer picks the richest it can show:
//!
//! - `text/html`: the SVG inline in the page (not inside an `<img>`), so the cells'
//!   `<title>` tooltips and a CSS hover highlight work in JupyterLab, and the figure
//!   scales down to the output width keeping its aspect ratio (with a PNG `<img>` that
//!   only untrusted, sanitized output shows: see [`figure_html`]);
//! - `image/png` (base64, as Jupyter stores images): for viewers that show no HTML.
//!
//! A second figure in the same cell replaces the first (evcxr keeps one content per mime
//! type and cell): show one figure per cell.

use crate::error::Result;

/// The protocol text that makes evcxr show `parts` (mime type, content) as one output.
/// Contents must be text: encode binary data with [`base64`] first.
///
/// ```
/// let text = makemore::display::evcxr_content(&[("text/html", "<b>hi</b>".into()), ("image/png", "iVBO".into())]);
/// assert_eq!(
///     text,
///     "EVCXR_BEGIN_CONTENT text/html\n<b>hi</b>\nEVCXR_END_CONTENT\n\
///      EVCXR_BEGIN_CONTENT image/png\niVBO\nEVCXR_END_CONTENT\n"
/// );
/// ```
pub fn evcxr_content(parts: &[(&str, String)]) -> String {
    let mut out = String::new();
    for (mime, content) in parts {
        // a content line reading exactly EVCXR_END_CONTENT would end the block early
        let content = content.replace("\nEVCXR_END_CONTENT", "\n EVCXR_END_CONTENT");
        out.push_str(&format!("EVCXR_BEGIN_CONTENT {mime}\n{content}\nEVCXR_END_CONTENT\n"));
    }
    out
}

/// Standard base64 (RFC 4648, with `=` padding, no line breaks): how Jupyter carries
/// `image/png` data.
///
/// ```
/// use makemore::display::base64;
/// assert_eq!(base64(b""), "");
/// assert_eq!(base64(b"f"), "Zg==");
/// assert_eq!(base64(b"fo"), "Zm8=");
/// assert_eq!(base64(b"foobar"), "Zm9vYmFy");
/// assert_eq!(base64(&[0xff, 0xfe, 0x00]), "//4A");
/// ```
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// CSS for inline figures: show the SVG, hide the PNG fallback, and light up heatmap
/// cells and scatter points (the transparent shapes that carry the tooltips) under the
/// pointer.
const FIGURE_CSS: &str = ".makemore-figure .makemore-svg{display:block!important}\
.makemore-figure .makemore-png{display:none!important}\
.makemore-figure svg{display:block;width:100%;height:auto}\
.makemore-figure rect[fill-opacity=\"0\"]:hover{fill:#ff9800;fill-opacity:.35;stroke:#e65100;stroke-width:2}\
.makemore-figure circle[fill-opacity=\"0\"]:hover{fill:#ff9800;fill-opacity:.45;stroke:#e65100;stroke-width:2}";

/// An SVG figure as an HTML fragment for a notebook: the SVG inline, as wide as the
/// output area but never wider than drawn, with its aspect ratio kept (through its
/// `viewBox`), and heatmap cells highlighted on hover.
///
/// JupyterLab sanitizes HTML in untrusted output (a notebook saved elsewhere): it drops
/// `<style>` and `<svg>` but keeps inline `style` attributes and `<img>`. So the SVG sits
/// in a `display:none` box that only the style sheet shows, and the same figure as a
/// PNG `<img>` is shown unless the style sheet hides it: trusted output shows the SVG,
/// untrusted output the picture, never the SVG's loose text. Where scripts run (trusted
/// output), a two-line script removes the hidden picture from the page.
///
/// ```
/// let svg = "<svg width=\"300\" height=\"100\" viewBox=\"0 0 300 100\" xmlns=\"http://www.w3.org/2000/svg\">\n</svg>\n";
/// let html = makemore::display::figure_html(svg, b"\x89PNG");
/// assert!(html.starts_with("<div class=\"makemore-figure\" style=\"max-width:300px\"><style>"));
/// assert!(html.contains("<div class=\"makemore-svg\" style=\"display:none\">\
///     <svg viewBox=\"0 0 300 100\" xmlns=\"http://www.w3.org/2000/svg\" width=\"100%\">"));
/// assert!(html.contains("<img class=\"makemore-png\" src=\"data:image/png;base64,iVBORw==\""));
/// ```
pub fn figure_html(svg: &str, png: &[u8]) -> String {
    let (root, rest) = match (svg.find("<svg"), svg.find('>')) {
        (Some(0), Some(end)) => (&svg[..end], &svg[end..]),
        _ => ("", svg),
    };
    let width = attribute(root, "width");
    let height = attribute(root, "height");
    let mut tag = root.to_string();
    // drop the fixed size (the viewBox keeps the aspect ratio), then fill the container
    for (name, value) in [("width", width), ("height", height)] {
        if let Some(v) = value {
            tag = tag.replacen(&format!(" {name}=\"{v}\""), "", 1);
        }
    }
    if !tag.contains("viewBox")
        && let (Some(w), Some(h)) = (width, height)
    {
        tag.push_str(&format!(" viewBox=\"0 0 {w} {h}\""));
    }
    if !tag.is_empty() {
        tag.push_str(" width=\"100%\"");
    }
    let max = width.map(|w| format!(" style=\"max-width:{w}px\"")).unwrap_or_default();
    format!(
        "<div class=\"makemore-figure\"{max}><style>{FIGURE_CSS}</style>\
         <div class=\"makemore-svg\" style=\"display:none\">{tag}{rest}</div>\
         <img class=\"makemore-png\" src=\"data:image/png;base64,{}\" alt=\"the figure (trusted output shows it \
         with hover)\" style=\"display:block;max-width:100%;height:auto\">{DROP_FALLBACK}</div>",
        base64(png)
    )
}

/// Where scripts run (trusted output, exported pages) the fallbacks for sanitized
/// output are removed outright, so that the page holds no hidden picture.
pub(crate) const DROP_FALLBACK: &str = "<script>(function(s){var p=s&&s.parentElement;if(p)\
p.querySelectorAll('.makemore-png,.makemore-untrusted').forEach(function(e){e.remove()})})(document.currentScript)\
</script>";

/// The value of `name="..."` in an SVG start tag.
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let len = tag[start..].find('"')?;
    Some(&tag[start..start + len])
}

/// The evcxr protocol text for a figure: inline HTML and PNG in one output.
///
/// ```
/// use makemore::Drawable;
/// let fig = makemore::Figure::losses(&[1.0, 0.5], "loss")?;
/// let text = makemore::display::figure_content(&fig.svg()?, &fig.png()?);
/// assert!(text.starts_with("EVCXR_BEGIN_CONTENT text/html\n<div class=\"makemore-figure\""));
/// assert!(text.contains("EVCXR_BEGIN_CONTENT image/png\niVBORw0KGgo")); // base64 of the PNG signature
/// # Ok::<(), makemore::Error>(())
/// ```
pub fn figure_content(svg: &str, png: &[u8]) -> String {
    evcxr_content(&[("text/html", figure_html(svg, png)), ("image/png", base64(png))])
}

/// Print a figure for evcxr (what [`crate::Drawable::evcxr_display`] does), or its error
/// as plain text.
///
/// ```
/// use makemore::Drawable;
/// let fig = makemore::Figure::losses(&[1.0, 0.5], "loss")?;
/// makemore::display::show_figure(fig.svg(), fig.png());
/// # Ok::<(), makemore::Error>(())
/// ```
pub fn show_figure(svg: Result<String>, png: Result<Vec<u8>>) {
    match svg.and_then(|svg| Ok((svg, png?))) {
        Ok((svg, png)) => print!("{}", figure_content(&svg, &png)),
        Err(e) => println!("{e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips_every_length_and_byte() {
        let bytes: Vec<u8> = (0..=255u8).chain((0..=255u8).rev()).collect();
        for len in 0..bytes.len() {
            let text = base64(&bytes[..len]);
            assert_eq!(text.len(), len.div_ceil(3) * 4);
            assert_eq!(decode(&text), &bytes[..len], "length {len}");
        }
    }

    /// A plain decoder, only to check the encoder.
    fn decode(text: &str) -> Vec<u8> {
        let value = |c: u8| match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64: {c}"),
        };
        let mut out = Vec::new();
        for quad in text.as_bytes().chunks(4) {
            let pad = quad.iter().filter(|&&c| c == b'=').count();
            let n =
                quad.iter().take(4 - pad).enumerate().fold(0u32, |n, (k, &c)| n | (value(c) as u32) << (18 - 6 * k));
            out.extend_from_slice(&n.to_be_bytes()[1..4 - pad]);
        }
        out
    }

    #[test]
    fn heatmap_html_keeps_tooltips_inline_and_scales() {
        use crate::counting::bigram::BigramCounts;
        use crate::data::{vocab::Vocab, words::WordList};
        use crate::drawing::drawable::Drawable;
        let words = WordList::parse("emma\nava", "names").unwrap();
        let counts = BigramCounts::from_words(&words, &Vocab::from_words(&words).unwrap()).unwrap();
        let map = crate::drawing::heatmap::Heatmap::counts(&counts).unwrap();
        let html = figure_html(&map.svg().unwrap(), &map.png().unwrap());
        let (w, h) = map.pixels();
        assert!(html.contains(&format!("<svg viewBox=\"0 0 {w} {h}\"")), "{}", &html[..300]);
        assert!(html.contains(&format!("style=\"max-width:{w}px\"")));
        assert!(!html.contains(&format!("height=\"{h}\" viewBox")));
        assert!(html.contains("<title>mm: 1 of 2 after &#39;m&#39; (P = 0.5000)</title>"));
        assert!(html.contains(":hover"));
        // exactly one <svg> root, closed before the wrapper ends
        assert_eq!(html.matches("<svg").count(), 1);
        assert!(html.contains("</svg>\n</div><img class=\"makemore-png\" src=\"data:image/png;base64,iVBOR"));
        assert!(html.ends_with(&format!("\">{DROP_FALLBACK}</div>")));
    }

    #[test]
    fn content_cannot_end_a_block_early() {
        let text = evcxr_content(&[("text/plain", "a\nEVCXR_END_CONTENT\nb".into())]);
        assert_eq!(text.lines().filter(|l| *l == "EVCXR_END_CONTENT").count(), 1);
    }
}
