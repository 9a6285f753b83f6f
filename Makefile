# The two commands a new machine needs (see README.md):
#   make lecture   set up, then run the lectures' CLI part end to end and part 1's notebook (WORDS=file.txt: the CLI part on your word list)
#   make test      set up, then run all the tests, with a table of where the time went
# and:
#   make cli       set up only libtorch and the `makemore` binary (no notebooks, no browser)
#   make install   put `makemore` on your PATH: a copy in $(PREFIX)/bin (default ~/.local/bin)
#   make lab       JupyterLab on notebooks/ with the Rust kernel (extra flags: make lab ARGS="--no-browser --port 8899")
#   make lecture-notebooks  execute every notebook headless (copies with outputs, and HTML, in out/notebooks/)
#   make test-rust     the cargo tests, the reference reruns, the example crate (needs only `make cli`)
#   make test-browser  the explorer page, inline figures, every notebook in JupyterLab, the must-fail notebooks
#   make lab-test  only the notebooks in JupyterLab, headless (part of make test)
#   make bench     Rust next to the PyTorch lecture code: BENCHMARKS.md
#   make reference PyTorch's reference numbers for the tests, on this machine's CPU
#   make notebooks run the notebooks and write their outputs back into them (commit them so)
.PHONY: lecture lecture-notebooks test cli install setup setup-test lab test-rust test-browser lab-test bench reference notebooks
PREFIX ?= $(HOME)/.local

lecture:
	scripts/setup.sh $(if $(WORDS),cli,lecture)
	scripts/lecture.sh "$(WORDS)"
test: setup-test
	scripts/test.sh all
test-rust: cli
	scripts/test.sh rust
test-browser: setup-test
	scripts/test.sh browser
cli:
	scripts/setup.sh cli
install: cli
	scripts/install.sh "$(PREFIX)"
setup:
	scripts/setup.sh lecture
setup-test:
	scripts/setup.sh test
lab: setup
	scripts/lab.sh $(ARGS)
lecture-notebooks: setup
	.venv/bin/python scripts/run-notebooks.py notebooks/*.ipynb
lab-test: setup-test
	.venv/bin/python scripts/browser/jupyterlab.py notebooks/*.ipynb
bench: setup
	scripts/bench.sh
reference:
	scripts/reference.sh
notebooks: setup
	.venv/bin/python scripts/run-notebooks.py --write-back notebooks/*.ipynb
