# The two commands (see README.md):
#   make run    installs what is missing, builds, and runs the agent
#   make test   installs what is missing, builds, and runs the whole test suite
SWIFT ?= swift
# Debian packages: the C libraries routed links, the kernel tools, and the BGP daemons and capture
# tools the tests and fixture scripts use.
DEBIAN_PACKAGES := pkg-config libmnl-dev libnftnl-dev libnl-3-dev libnl-route-3-dev nftables iproute2 \
                   bird2 gobgpd frr tcpdump iputils-ping netcat-openbsd iperf3 etcd-server
SOURCE_WARNINGS := grep -E '^/.*/(Sources|Tests)/[^ ]*: warning:'

.PHONY: run test deps build build-tests bench bench-lab fuzz fixtures corpus clean

# The agent on its embedded defaults (root; it changes the host it runs on, as a router does).
# Extra options: make run ARGS="--peer 192.0.2.1,as=65000".
run: build
	$(SWIFT) run routed start --as 64512 $(ARGS)

test: build-tests
	$(SWIFT) test

deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# Builds and fails on any warning in our own sources (Swift 6 mode, zero warnings).
build: deps
	$(SWIFT) build 2>&1 | tee .build-output.log
	@! $(SOURCE_WARNINGS) .build-output.log

build-tests: deps
	$(SWIFT) build --build-tests 2>&1 | tee .build-output.log
	@! $(SOURCE_WARNINGS) .build-output.log

# Benchmarks are release builds, run on demand (BENCHMARKS.md), never as timed tests.
bench: deps
	$(SWIFT) run -c release BGPWireBench

# Issue 9's headline benchmarks in a lab of namespaces (root): throughput, convergence, scale.
bench-lab: deps
	$(SWIFT) build -c release --product routed
	$(SWIFT) build -c release --product routed-lab-bench
	$$($(SWIFT) build -c release --show-bin-path)/routed-lab-bench $(ARGS)

fuzz: deps
	contrib/fuzz.sh 600

fixtures: deps
	contrib/capture-fixtures.sh

corpus:
	python3 contrib/make-malformed-corpus.py

clean:
	rm -rf .build .build-* .build-output.log
