//! The split is CPython's: `random.seed(S); random.shuffle(words)` and the cuts
//! `int(0.8*n)`, `int(0.9*n)`, checked against CPython's own output
//! (tests/fixtures/cpython-shuffle.json, written by scripts/make_shuffle_reference.py).

mod common;

use common::{fixture, names_txt};
use makemore::PyRandom;
use makemore::{Examples, Split, Vocab, WordList};
use serde_json::Value;

fn shuffles() -> Value {
    let text = std::fs::read_to_string(fixture("cpython-shuffle.json")).expect("cpython-shuffle.json");
    serde_json::from_str(&text).expect("JSON")
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().expect("array").iter().map(|x| x.as_str().expect("string").to_string()).collect()
}

fn usizes(v: &Value) -> Vec<usize> {
    v.as_array().expect("array").iter().map(|x| x.as_u64().expect("int") as usize).collect()
}

#[test]
fn shuffles_equal_cpythons_for_every_seed_and_length() {
    let fixture = shuffles();
    let cases = fixture["cases"].as_array().unwrap();
    assert!(cases.len() >= 70);
    let mut seeds = std::collections::BTreeSet::new();
    for case in cases {
        let seed = case["seed"].as_u64().unwrap();
        let want = usizes(&case["order"]);
        let mut order: Vec<usize> = (0..case["n"].as_u64().unwrap() as usize).collect();
        PyRandom::new(seed).shuffle(&mut order);
        assert_eq!(order, want, "seed {seed}, {} items", want.len());
        seeds.insert(seed);
    }
    // 0, a 32-bit key, and keys of two 32-bit words up to 2^64 - 1
    assert!(seeds.contains(&0) && seeds.contains(&(u32::MAX as u64)) && seeds.contains(&u64::MAX));
}

#[test]
fn cut_points_are_pythons_float64_products() {
    for cut in shuffles()["cuts"].as_array().unwrap() {
        let p = usizes(&cut["percent"]);
        let (n, n1, n2) = (
            cut["n"].as_u64().unwrap() as usize,
            cut["n1"].as_u64().unwrap() as usize,
            cut["n2"].as_u64().unwrap() as usize,
        );
        let split: Split = format!("{}/{}/{}", p[0], p[1], p[2]).parse().unwrap();
        let text: String = (0..n).map(|i| format!("w{i}\n")).collect();
        let words = WordList::parse(&text, "w").unwrap();
        match split.apply(&words, 1) {
            Ok(s) => assert_eq!((s.train.len(), s.dev.len(), s.test.len()), (n1, n2 - n1, n - n2), "{p:?} of {n}"),
            Err(e) => {
                assert!(n1 == 0 || n2 == n1 || n2 == n, "{p:?} of {n}: {e}");
                assert!(e.to_string().contains("every part needs at least one word"), "{e}");
            }
        }
    }
}

#[test]
fn names_txt_splits_as_the_lecture_does() {
    let fixture = shuffles();
    let want = &fixture["names"];
    let words = WordList::read(names_txt()).unwrap();
    let s = "80/10/10".parse::<Split>().unwrap().apply(&words, 42).unwrap();
    assert_eq!(&s.train[..5], ["yuheng", "diondre", "xavien", "jori", "juanluis"]);
    assert_eq!(strings(&want["first5"]), &s.train[..5]);
    assert_eq!(strings(&want["dev_first5"]), &s.dev[..5]);
    assert_eq!(strings(&want["test_first5"]), &s.test[..5]);
    let (n1, n2) = (want["n1"].as_u64().unwrap() as usize, want["n2"].as_u64().unwrap() as usize);
    assert_eq!((s.train.len(), s.dev.len(), s.test.len()), (n1, n2 - n1, words.len() - n2));
    // every word in CPython's order
    let order = usizes(&want["order"]);
    let ours: Vec<&String> = s.train.iter().chain(s.dev.iter()).chain(s.test.iter()).collect();
    let python: Vec<&String> = order.iter().map(|&i| &words[i]).collect();
    assert_eq!(ours, python);
    // the lecture's build_dataset with block_size 3
    let vocab = Vocab::from_words(&words).unwrap();
    let sizes: Vec<usize> =
        [&s.train, &s.dev, &s.test].iter().map(|p| Examples::with_context(p, &vocab, 3).unwrap().len()).collect();
    assert_eq!(sizes, [182_625, 22_655, 22_866]);
}

#[test]
fn short_lists_shuffle_as_python_and_refuse_to_split() {
    // lengths 0, 1 and 2 draw nothing, nothing, and one 1-bit number
    let mut empty: [u8; 0] = [];
    PyRandom::new(42).shuffle(&mut empty);
    let mut one = [7];
    PyRandom::new(42).shuffle(&mut one);
    assert_eq!(one, [7]);
    let few = WordList::parse("ab\nba", "w").unwrap();
    let err = "80/10/10".parse::<Split>().unwrap().apply(&few, 42).unwrap_err();
    assert!(err.to_string().contains("every part needs at least one word"), "{err}");
}
