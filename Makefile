# The two commands: `make dream` (set up everything, dream a sample) and `make test`.
SWIFT ?= swift
BIN := .build/release/deepdream

.PHONY: dream test setup weights build clean

dream: build weights
	@mkdir -p out
	$(BIN) image samples/chelsea.jpg -o out/chelsea-dream.jpg --overwrite
	@echo "make dream: wrote out/chelsea-dream.jpg"

test: setup weights
	$(SWIFT) test

setup:
	@scripts/install-packages

weights: setup
	@scripts/fetch-weights

build: setup
	$(SWIFT) build -c release --product deepdream

clean:
	rm -rf .build out
