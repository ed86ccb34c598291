# Contributors' shortcuts. Nothing in CI depends on this file: .ci/run runs
# `go test ./...` itself. Install just with `npm install -g rust-just`.

# List the recipes.
default:
    @just --list

# Build the lading binary into ./lading.
build:
    go build -o lading ./cmd/lading

# Run the test suite (end-to-end tests skip when their tools are missing).
test:
    go test ./...

# Run the end-to-end tests, failing instead of skipping when a tool is missing.
e2e:
    CI=true go test ./cmd/lading -run E2E -v

# The figures in docs/performance.md; needs ~5 GiB free in $TMPDIR, takes minutes.
# Layer throughput vs the gzip+sha256 baseline, then peak RSS on big trees.
bench count="3":
    go test -run '^$' -bench . -benchmem -count {{count}} ./layer
    bash .ci/bench-rss

# Needs docker-registry, GNU time, curl, jq and ~8 GiB free in $TMPDIR; installs
# ko and crane at pinned versions into a temp GOBIN; takes 10-20 minutes.
# lading vs ko, crane append and plain go build: one table of medians and ratios.
bench-peers rounds="5":
    bash .ci/bench-peers {{rounds}}

# Fail on unformatted files, then run go vet.
lint:
    @out="$(gofmt -l .)"; if [ -n "$out" ]; then echo "gofmt needed:"; echo "$out"; exit 1; fi
    go vet ./...

# Build the example image from testdata/ into the OCI layout ./out.
demo:
    go run ./cmd/lading build --add testdata/example/rootfs:/ --oci-layout out:example --source-date-epoch 0
