# Pantry developer targets. Release builds are tuned for this machine's CPU.
RELEASE_FLAGS = $(shell bash scripts/release-flags.sh)

.PHONY: setup build release test demo bench up down
setup:
	bash scripts/setup.sh
build:
	swift build
release:
	swift build $(RELEASE_FLAGS)
test:
	bash scripts/test.sh
demo:
	bash scripts/demo.sh
bench:
	bash Benchmarks/run.sh
up:
	swift build --product pantry && bash scripts/services.sh up
down:
	bash scripts/services.sh down
