//! The bigram explorer: one self-contained HTML page (no network, all CSS and JS
//! inline) to explore a word list's bigram counts in a browser or inline in a notebook.
//!
//! The page holds the V×V grid as a table with one cell per bigram carrying
//! `data-from`, `data-to` and `data-count`; hovering or focusing a cell shows its
//! bigram, count and probability in `#info`; clicking a cell or a row label draws
//! P(next | char) with its entropy in `#row`; `#smoothing` re-normalizes P live and
//! `#nll` shows the average negative log-likelihood of the word list at that smoothing,
//! computed in the page from the counts; views show counts, probabilities or counts on
//! a log colour scale; `#sample` draws names into `#samples` from the page's own seeded
//! generator (the same seed gives the same names, but not PyTorch's names).
//!
//! Safety: the data sits in a `<script type="application/json">` block with `<`, `>`
//! and `&` escaped, the table's text and attributes are HTML-escaped, and the script
//! inserts words and characters only as text, so any word list is shown, never run. A
//! Content-Security-Policy forbids every network request.
//!
//! Size: the grid is one DOM element per bigram, so vocabularies above
//! [`MAX_TOKENS`] tokens are refused with an error (the page would be megabytes and
//! slow to redraw); above [`MAX_LABELLED`] the cells show colour only.

use std::path::Path;

use crate::counting::bigram::BigramCounts;
use crate::data::output::write_atomic;
use crate::drawing::display;
use crate::drawing::drawable::{Drawable, escape_html};
use crate::drawing::heatmap::Heatmap;
use crate::error::{Error, Result};
use crate::models::counts::{DEFAULT_SMOOTHING, check_smoothing};

/// The largest vocabulary the explorer draws: 200 tokens, 40,000 cells (a 2.3 MB page
/// that loads in about 2.5 s and redraws in under a second in headless Chromium).
///
/// ```
/// assert_eq!(makemore::EXPLORER_MAX_TOKENS, 200);
/// ```
pub const MAX_TOKENS: usize = 200;
/// Above this many tokens the cells show colour only, no text.
pub(crate) const MAX_LABELLED: usize = 40;

const CSS: &str = include_str!("explorer/explorer.css");
const JS: &str = include_str!("explorer/explorer.js");

/// What the cells show when the page opens (the page can switch between them).
///
/// ```
/// use makemore::ExplorerView as View;
/// let words = makemore::WordList::parse("ab", "w")?;
/// let counts = makemore::BigramCounts::from_words(&words, &makemore::Vocab::from_words(&words)?)?;
/// let page = makemore::Explorer::new(&counts, "w")?.view(View::Probs).to_html();
/// assert!(page.contains(r#""view":"probs""#));
/// # Ok::<(), makemore::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// Counts N, colour linear in N.
    Counts,
    /// Probabilities P = (N + smoothing) / row sum, colour linear in P.
    Probs,
    /// Counts, colour by log(1 + N) so that rare bigrams show.
    Log,
}

impl View {
    fn name(self) -> &'static str {
        match self {
            View::Counts => "counts",
            View::Probs => "probs",
            View::Log => "log",
        }
    }
}

/// The explorer page of one word list's bigram counts.
///
/// ```
/// let words = makemore::WordList::parse("emma\nava", "names")?;
/// let counts = makemore::BigramCounts::from_words(&words, &makemore::Vocab::from_words(&words)?)?;
/// let page = makemore::Explorer::new(&counts, "names")?.to_html();
/// assert!(page.starts_with("<!DOCTYPE html>"));
/// assert!(page.contains(r#"data-from="m" data-to="m" data-count="1""#));
/// assert!(page.contains(r#"id="nll""#) && page.contains(r#"id="smoothing""#));
/// # Ok::<(), makemore::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Explorer {
    title: String,
    counts: BigramCounts,
    /// The counts as rows, as the page's data and table show them.
    rows: Vec<Vec<i64>>,
    words: usize,
    smoothing: f64,
    view: View,
}

impl Explorer {
    /// The explorer of `counts`; `title` names the word list on the page. Refuses
    /// vocabularies over [`MAX_TOKENS`].
    ///
    /// ```
    /// let words = makemore::WordList::parse(&('a'..='z').chain('α'..='ω').collect::<Vec<_>>().chunks(1)
    ///     .map(|c| c[0].to_string()).collect::<Vec<_>>().join("\n"), "w")?;
    /// let counts = makemore::BigramCounts::from_words(&words, &makemore::Vocab::from_words(&words)?)?;
    /// assert!(makemore::Explorer::new(&counts, "w").is_ok()); // 53 tokens
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn new(counts: &BigramCounts, title: &str) -> Result<Explorer> {
        let chars = counts.vocab().chars().to_vec();
        if chars.len() > MAX_TOKENS {
            return Err(Error::Draw(format!(
                "the explorer draws at most {MAX_TOKENS} tokens a side (one element per bigram), \
                 this vocabulary has {}: write a .svg or .png heatmap instead",
                chars.len()
            )));
        }
        let rows = counts.to_rows();
        // every word adds one bigram starting at the boundary token, '.', index 0
        let words = rows.first().map_or(0, |r| r.iter().sum::<i64>()) as usize;
        let counts = counts.clone();
        Ok(Explorer { title: title.into(), counts, rows, words, smoothing: DEFAULT_SMOOTHING, view: View::Counts })
    }

    /// The smoothing the page opens with (default 1; the page's control goes from 0 up).
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab", "w")?;
    /// let counts = makemore::BigramCounts::from_words(&words, &makemore::Vocab::from_words(&words)?)?;
    /// let page = makemore::Explorer::new(&counts, "w")?.smoothing(0.5)?.to_html();
    /// assert!(page.contains(r#""smoothing":0.5"#));
    /// assert!(makemore::Explorer::new(&counts, "w")?.smoothing(-1.0).is_err());
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn smoothing(mut self, smoothing: f64) -> Result<Explorer> {
        self.smoothing = check_smoothing(smoothing)?;
        Ok(self)
    }

    /// The view the page opens with (default [`View::Counts`]).
    ///
    /// ```
    /// use makemore::ExplorerView as View;
    /// let words = makemore::WordList::parse("ab", "w")?;
    /// let counts = makemore::BigramCounts::from_words(&words, &makemore::Vocab::from_words(&words)?)?;
    /// let page = makemore::Explorer::new(&counts, "w")?.view(View::Log).to_html();
    /// assert!(page.contains(r#""view":"log""#));
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn view(mut self, view: View) -> Explorer {
        self.view = view;
        self
    }

    /// The data the page's script reads, as JSON safe inside a `<script>` element:
    /// `<`, `>` and `&` are written as `\u003c`, `\u003e`, `\u0026` (JSON's own escapes,
    /// so the text still parses to the same strings).
    ///
    /// ```
    /// let words = makemore::WordList::parse("</script><b>", "w")?;
    /// let counts = makemore::BigramCounts::from_words(&words, &makemore::Vocab::from_words(&words)?)?;
    /// let json = makemore::Explorer::new(&counts, "</script>")?.data_json();
    /// assert!(!json.contains('<') && json.contains(r"\u003c/script\u003e"));
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn data_json(&self) -> String {
        let palette: Vec<[u8; 3]> = (0..=8)
            .map(|k| {
                let c = crate::drawing::plot::blues(k as f64 / 8.0);
                [c.0, c.1, c.2]
            })
            .collect();
        let value = serde_json::json!({
            "title": self.title,
            "chars": self.chars().iter().map(|c| c.to_string()).collect::<Vec<_>>(),
            "counts": self.rows,
            "words": self.words,
            "smoothing": self.smoothing,
            "view": self.view.name(),
            "labelled": self.chars().len() <= MAX_LABELLED,
            "palette": palette,
        });
        script_safe(&value.to_string())
    }

    /// The whole page: one HTML document, with its CSS, script and data inline.
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab", "w")?;
    /// let counts = makemore::BigramCounts::from_words(&words, &makemore::Vocab::from_words(&words)?)?;
    /// let page = makemore::Explorer::new(&counts, "w")?.to_html();
    /// assert_eq!(page.matches("data-count=").count(), 9); // 3×3 bigrams
    /// assert!(!page.contains("http://") && !page.contains("https://")); // nothing to fetch
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn to_html(&self) -> String {
        let title = escape_html(&self.title);
        let mut page = String::with_capacity(8192 + 64 * self.chars().len() * self.chars().len());
        page.push_str(&format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
             style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <link rel=\"icon\" href=\"data:,\">\n\
             <title>Bigram explorer: {title}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n"
        ));
        page.push_str(&format!(
            "<header><h1>Bigram explorer <span class=\"source\">{title}</span></h1>\n\
             <p id=\"summary\">{} words, {} bigrams, {} tokens</p></header>\n",
            self.words,
            self.rows.iter().flatten().sum::<i64>(),
            self.chars().len()
        ));
        page.push_str(CONTROLS);
        page.push_str("<main>\n<div id=\"grid-wrap\">\n");
        self.push_table(&mut page);
        page.push_str("</div>\n");
        page.push_str(SIDE);
        page.push_str("</main>\n<noscript><p>The explorer needs JavaScript.</p></noscript>\n");
        page.push_str(&format!("<script type=\"application/json\" id=\"data\">{}</script>\n", self.data_json()));
        page.push_str(&format!("<script>\n{JS}</script>\n</body>\n</html>\n"));
        page
    }

    /// The grid: row labels are buttons, every bigram one `<td>` with its data.
    fn push_table(&self, page: &mut String) {
        let class = if self.chars().len() <= MAX_LABELLED { "labelled" } else { "compact" };
        page.push_str(&format!(
            "<table id=\"grid\" class=\"{class}\" role=\"grid\" aria-label=\"bigram counts: rows are the first \
             character, columns the next\">\n<thead><tr><th class=\"corner\" scope=\"col\">→</th>"
        ));
        for &c in self.chars() {
            page.push_str(&format!("<th scope=\"col\">{}</th>", escape_html(&shown(c))));
        }
        page.push_str("</tr></thead>\n<tbody>\n");
        for (i, &a) in self.chars().iter().enumerate() {
            let from = escape_html(&a.to_string());
            page.push_str(&format!(
                "<tr><th scope=\"row\"><button type=\"button\" class=\"rowlabel\" data-row=\"{i}\" \
                 title=\"show what follows\">{}</button></th>",
                escape_html(&shown(a))
            ));
            for (&b, &n) in self.chars().iter().zip(&self.rows[i]) {
                let to = escape_html(&b.to_string());
                page.push_str(&format!("<td data-from=\"{from}\" data-to=\"{to}\" data-count=\"{n}\"></td>"));
            }
            page.push_str("</tr>\n");
        }
        page.push_str("</tbody>\n</table>\n");
    }

    /// Write the page to `path` (which must end in `.html`), atomically.
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab", "w")?;
    /// let counts = makemore::BigramCounts::from_words(&words, &makemore::Vocab::from_words(&words)?)?;
    /// let err = makemore::Explorer::new(&counts, "w")?.save("page.htm").unwrap_err();
    /// assert!(err.to_string().contains(".html"));
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        if !is_page(path) {
            return Err(Error::Write {
                path: path.into(),
                reason: "the explorer page's name must end in .html".into(),
            });
        }
        write_atomic(path, self.to_html().as_bytes())
    }

    /// Show the explorer inline in a Jupyter notebook on the evcxr kernel: the page in
    /// an `<iframe srcdoc>` (its ids and styles cannot clash with the notebook's; its
    /// script runs sandboxed, with no access to the notebook). JupyterLab runs the
    /// script only in trusted output, that is output produced in the running session
    /// (or a notebook saved by this user); untrusted output shows a note and a PNG of
    /// the counts instead.
    ///
    /// ```
    /// let words = makemore::WordList::parse("ab", "w")?;
    /// let counts = makemore::BigramCounts::from_words(&words, &makemore::Vocab::from_words(&words)?)?;
    /// makemore::Explorer::new(&counts, "w")?.evcxr_display();
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn evcxr_display(&self) {
        print!("{}", self.evcxr_content());
    }

    /// What [`Explorer::evcxr_display`] prints: the evcxr protocol text with a
    /// `text/html` iframe, an `image/png` of the counts and a `text/plain` line.
    ///
    /// ```
    /// let words = makemore::WordList::parse("a<b", "w")?;
    /// let counts = makemore::BigramCounts::from_words(&words, &makemore::Vocab::from_words(&words)?)?;
    /// let text = makemore::Explorer::new(&counts, "w")?.evcxr_content();
    /// assert!(text.starts_with("EVCXR_BEGIN_CONTENT text/html\n<div class=\"makemore-explorer\"><style>"));
    /// assert!(text.contains("<iframe sandbox=\"allow-scripts\""));
    /// assert!(text.contains("EVCXR_BEGIN_CONTENT image/png\niVBOR"));
    /// assert!(!text.contains("srcdoc=\"<")); // the page is attribute-escaped
    /// # Ok::<(), makemore::Error>(())
    /// ```
    pub fn evcxr_content(&self) -> String {
        let n = self.chars().len();
        // the grid's own scroll area is at most 92% of the frame's height
        let cell = if n <= MAX_LABELLED { 33 } else { 14 };
        let height = (n * cell + 200).clamp(600, 1000);
        let png = self.heatmap().and_then(|map| map.png()).ok();
        // Untrusted output is sanitized (no <style>, no <iframe>): then the inline styles
        // hide the empty frame and show a note with the counts as a picture instead.
        let mut html = format!(
            "<div class=\"makemore-explorer\"><style>.makemore-explorer iframe{{display:block!important}}\
             .makemore-explorer .makemore-untrusted{{display:none!important}}</style>\
             <iframe sandbox=\"allow-scripts\" title=\"bigram explorer\" \
             style=\"display:none;width:100%;height:{height}px;border:1px solid #ccc\" srcdoc=\"{}\"></iframe>\
             <div class=\"makemore-untrusted\" style=\"display:block\"><p>The interactive explorer runs only in \
             trusted output: run this cell, or trust the notebook. The counts:</p>",
            escape_html(&self.to_html())
        );
        if let Some(png) = &png {
            html.push_str(&format!(
                "<img src=\"data:image/png;base64,{}\" alt=\"bigram counts\" style=\"max-width:100%;height:auto\">",
                display::base64(png)
            ));
        }
        html.push_str("</div>");
        html.push_str(display::DROP_FALLBACK);
        html.push_str("</div>");
        let plain = format!(
            "bigram explorer of {} ({} tokens): shown in HTML output (scripts run in trusted output)",
            self.title, n
        );
        let mut parts = vec![("text/html", html)];
        if let Some(png) = &png {
            parts.push(("image/png", display::base64(png)));
        }
        parts.push(("text/plain", plain));
        display::evcxr_content(&parts)
    }

    /// The static counts heatmap of the same data (the PNG fallback).
    fn heatmap(&self) -> Result<Heatmap> {
        Heatmap::counts(&self.counts)
    }

    /// The vocabulary's characters, '.' first.
    fn chars(&self) -> &[char] {
        self.counts.vocab().chars()
    }
}

/// Does `path` name an explorer page (ends in `.html`, any case)?
pub(crate) fn is_page(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case("html"))
}

/// How a token is labelled: the space, invisible otherwise, as '␣'.
fn shown(c: char) -> String {
    if c == ' ' { "␣".into() } else { c.to_string() }
}

/// JSON text made safe inside `<script>`: no `<`, `>`, `&`, nor the two line separators
/// some parsers treat as line ends.
fn script_safe(json: &str) -> String {
    json.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

const CONTROLS: &str = r#"<div id="controls">
<label for="smoothing">smoothing</label>
<input type="number" id="smoothing" min="0" max="1000" step="0.1" value="1">
<input type="range" id="smoothing-range" min="0" max="10" step="0.1" value="1" aria-label="smoothing (slider)">
<span class="nll">average NLL of the word list: <output id="nll" for="smoothing">…</output></span>
<span id="smoothing-error" role="alert"></span>
<fieldset id="view"><legend>view</legend>
<label><input type="radio" name="view" value="counts" checked> counts</label>
<label><input type="radio" name="view" value="probs"> probabilities</label>
<label><input type="radio" name="view" value="log"> log scale</label>
</fieldset>
</div>
"#;

const SIDE: &str = r#"<aside>
<section><h2>Cell</h2><p id="info" aria-live="polite">Hover over or focus a cell (arrow keys move).</p></section>
<section><h2>Row</h2><div id="row" aria-live="polite"><p>Click a cell or a row label to see P(next | char).</p></div></section>
<section id="sampler"><h2>Sample</h2>
<label for="seed">seed</label> <input type="number" id="seed" min="0" step="1" value="2147483647">
<label for="count">names</label> <input type="number" id="count" min="1" max="200" step="1" value="10">
<button type="button" id="sample">sample</button>
<ol id="samples"></ol>
<p class="note">Drawn from the current P with this page's own seeded generator: the same seed gives
the same names here, but not the names of PyTorch or <code>makemore sample</code>.</p>
</section>
</aside>
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_vocabulary_over_the_labelled_limit_gets_a_compact_grid() -> crate::Result<()> {
        let words = crate::WordList::parse(
            &('a'..='z').chain('A'..='Z').map(String::from).collect::<Vec<_>>().join("\n"),
            "w",
        )?;
        let counts = crate::BigramCounts::from_words(&words, &crate::Vocab::from_words(&words)?)?;
        assert!(counts.vocab().len() > super::MAX_LABELLED);
        assert!(crate::Explorer::new(&counts, "w")?.to_html().contains(r#"<table id="grid" class="compact""#));
        Ok(())
    }

    #[test]
    fn explorer_pages_end_in_html() {
        use std::path::Path;
        assert!(super::is_page(Path::new("out/names.HTML")));
        assert!(!super::is_page(Path::new("names.svg")));
    }

    #[test]
    fn html_escaping_covers_content_and_attributes() {
        assert_eq!(escape_html(r#"<a href="x">&'"#), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
    }

    fn counts_of(text: &str) -> BigramCounts {
        let words = crate::data::words::WordList::parse(text, "test").unwrap();
        BigramCounts::from_words(&words, &crate::data::vocab::Vocab::from_words(&words).unwrap()).unwrap()
    }

    #[test]
    fn one_cell_per_bigram_with_its_count() {
        let counts = counts_of("emma\nolivia\nava");
        let page = Explorer::new(&counts, "t").unwrap().to_html();
        let chars = counts.vocab().chars();
        assert_eq!(page.matches("<td ").count(), chars.len() * chars.len());
        for &a in chars {
            for &b in chars {
                let cell = format!("<td data-from=\"{a}\" data-to=\"{b}\" data-count=\"{}\">", counts.get(a, b));
                assert_eq!(page.matches(&cell).count(), 1, "{cell}");
            }
        }
        // one row label per token
        assert_eq!(page.matches("class=\"rowlabel\"").count(), chars.len());
    }

    #[test]
    fn hostile_words_are_escaped_everywhere() {
        let words = "<img src=x onerror=alert(1)>\n\"><script>alert(2)</script>\n&amp;'";
        let counts = counts_of(words);
        let page = Explorer::new(&counts, "<b>list</b>").unwrap().to_html();
        // the only tags are the page's own: exactly two scripts, no img, no b
        assert_eq!(page.matches("<script").count(), 2);
        assert!(!page.contains("<img") && !page.contains("<b>"));
        assert!(page.contains("data-from=\"&lt;\" data-to=\"i\""));
        assert!(page.contains("data-from=\"&quot;\" data-to=\"&gt;\""));
        assert!(page.contains("data-from=\"&amp;\" data-to=\"a\""));
        assert!(page.contains("Bigram explorer: &lt;b&gt;list&lt;/b&gt;</title>"));
        // the JSON block has no '<' at all, and still parses to the same characters
        let start = page.find("id=\"data\">").unwrap() + "id=\"data\">".len();
        let json = &page[start..start + page[start..].find("</script>").unwrap()];
        assert!(!json.contains('<') && !json.contains('>') && !json.contains('&'));
        let value: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(value["title"], "<b>list</b>");
        let chars: Vec<&str> = value["chars"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
        for c in ["<", ">", "\"", "&", "'", " "] {
            assert!(chars.contains(&c), "{c} missing from {chars:?}");
        }
    }

    #[test]
    fn json_matches_the_counts() {
        let counts = counts_of("zoë\nchloé\nanaïs");
        let explorer = Explorer::new(&counts, "accents").unwrap();
        let value: serde_json::Value = serde_json::from_str(&explorer.data_json()).unwrap();
        assert_eq!(value["words"], 3);
        let rows: Vec<Vec<i64>> = serde_json::from_value(value["counts"].clone()).unwrap();
        assert_eq!(rows, counts.to_rows());
        let chars: Vec<String> = serde_json::from_value(value["chars"].clone()).unwrap();
        assert_eq!(chars.concat(), counts.vocab().chars().iter().collect::<String>());
        assert!(chars.contains(&"ë".to_string()));
        assert_eq!(value["palette"].as_array().unwrap().len(), 9);
    }

    #[test]
    fn vocabularies_over_the_limit_are_refused_clearly() {
        // '.' plus n distinct letters from the CJK block
        let vocab_of = |n: u32| (0..n).map(|k| char::from_u32(0x4e00 + k).unwrap().to_string()).collect::<Vec<_>>();
        let at_limit = counts_of(&vocab_of(MAX_TOKENS as u32 - 1).join("\n"));
        assert_eq!(at_limit.vocab().len(), MAX_TOKENS);
        let page = Explorer::new(&at_limit, "big").unwrap().to_html();
        assert_eq!(page.matches("<td ").count(), MAX_TOKENS * MAX_TOKENS);
        assert!(page.contains("class=\"compact\""));
        let over = counts_of(&vocab_of(MAX_TOKENS as u32).join("\n"));
        let err = Explorer::new(&over, "big").unwrap_err().to_string();
        assert!(err.contains("at most 200 tokens") && err.contains("has 201"), "{err}");
    }

    #[test]
    fn iframe_page_is_attribute_escaped() {
        let counts = counts_of("\"><script>alert(1)</script>");
        let text = Explorer::new(&counts, "x").unwrap().evcxr_content();
        let html_block = text.split("EVCXR_END_CONTENT").next().unwrap();
        // inside the srcdoc attribute no raw quote or tag can close it
        let srcdoc = &html_block[html_block.find("srcdoc=\"").unwrap() + 8..html_block.find("\"></iframe>").unwrap()];
        assert!(!srcdoc.contains('"') && !srcdoc.contains('<'));
        assert!(srcdoc.contains("&lt;!DOCTYPE html&gt;"));
    }
}
