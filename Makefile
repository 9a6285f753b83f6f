# The two commands a new machine needs (see README.md):
#   make lecture   set everything up, then run the lecture end to end
#   make test      set everything up, then run all the tests
# and: make lab    (JupyterLab on notebooks/ with the Rust kernel)
#      make bench  (Rust next to the PyTorch lecture code: BENCHMARKS.md)
#      make lab-test  (only the notebooks in JupyterLab, headless: part of make test)
#      make notebooks  (run the notebooks, write their outputs back into them: commit them so)
#      make reference  (PyTorch's reference numbers for the tests, on this machine's CPU)
.PHONY: lecture test setup lab bench lab-test reference notebooks
lecture: setup
	scripts/lecture.sh
test: setup
	scripts/test.sh
setup:
	scripts/setup.sh
lab: setup
	scripts/lab.sh
lab-test: setup
	.venv/bin/python scripts/browser/jupyterlab.py
bench: setup
	scripts/bench.sh
reference:
	scripts/reference.sh
notebooks: setup
	.venv/bin/python scripts/run-notebooks.py --write-back notebooks/*.ipynb
