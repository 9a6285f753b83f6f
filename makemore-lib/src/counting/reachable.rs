//! Can a model end a word? Sampling stops only when the end token '.' comes out, so a
//! model in which no chain of possible next tokens leads from the start to the end
//! would sample forever. Count models without smoothing can be like that (a loaded file,
//! or data in which a character is always followed by itself); this finds out.

use std::collections::{HashSet, VecDeque};

use crate::counting::ngrams::shift;
use crate::error::{Error, Result};

/// Search from the start context (`context` tokens '.') through every next token with a
/// nonzero probability (`next(ctx)`), and fail unless the end token (index 0) is among
/// them somewhere. Visits each reachable context once.
pub(crate) fn check_can_end(context: usize, next: impl Fn(&[u32]) -> Vec<u32>) -> Result<()> {
    let start = vec![0u32; context];
    let mut seen: HashSet<Vec<u32>> = HashSet::from([start.clone()]);
    let mut queue = VecDeque::from([start]);
    while let Some(ctx) = queue.pop_front() {
        for y in next(&ctx) {
            if y == 0 {
                return Ok(());
            }
            let mut after = ctx.clone();
            shift(&mut after, y);
            if seen.insert(after.clone()) {
                queue.push_back(after);
            }
        }
    }
    Err(Error::NeverEnds(format!(
        "none of the {} contexts reachable from the start is ever followed by the end token '.'",
        seen.len()
    )))
}
