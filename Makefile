# The two commands of the README:
#   make test   installs what the tests need into .venv, then runs every test (CI runs this)
#   make demo   (issue 5) runs the sync against the bundled simulators
# Both work on a fresh machine with only Python 3.11 and access to the package registry.

PYTHON ?= python3
VENV := .venv
BIN := $(abspath $(VENV))/bin
export PATH := $(BIN):$(PATH)
STAMP := $(VENV)/.installed
SANITY_DIR ?= .tmp/sanity
SANITY_ROOT = $(SANITY_DIR)/ansible_collections/clearip/netsapiens
BUILD_DIR := .tmp/build
VERSION := $(shell sed -n 's/^version: *//p' galaxy.yml)
# galaxy-importer and antsibull-docs, in an environment of their own (see test-requirements-publish.txt).
PUBLISH_VENV := .tmp/venv-publish
PUBLISH_BIN := $(abspath $(PUBLISH_VENV))/bin
PUBLISH_STAMP := $(PUBLISH_VENV)/.installed

.PHONY: test demo benchmark venv publish-venv build importer docs docs-rst lint sanity sanity-tree pytest ee matrix changelog clean

# The ansible-core 2.19 cell runs in .venv (sanity, pytest); `matrix` runs the other cells.
test: build importer docs lint sanity demo pytest ee matrix

venv: $(STAMP)

$(STAMP): test-requirements.txt requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q -r test-requirements.txt -r requirements.txt
	$(BIN)/pip install --disable-pip-version-check -q -r test-requirements-eda.txt
	touch $@
$(STAMP): test-requirements-eda.txt

# Build the collection tarball, install it into a temporary path, and prove every module's
# documentation renders from the installed copy.
build: venv
	rm -rf $(BUILD_DIR) && mkdir -p $(BUILD_DIR)/install
	$(BIN)/ansible-galaxy collection build --force --output-path $(BUILD_DIR) .
	$(BIN)/ansible-galaxy collection install --force -p $(BUILD_DIR)/install $(BUILD_DIR)/clearip-netsapiens-$(VERSION).tar.gz
	ANSIBLE_COLLECTIONS_PATH=$(abspath $(BUILD_DIR)/install) $(BIN)/python hacking/check_installed_docs.py

publish-venv: $(PUBLISH_STAMP)

$(PUBLISH_STAMP): test-requirements-publish.txt
	$(PYTHON) -m venv $(PUBLISH_VENV)
	$(PUBLISH_BIN)/pip install --disable-pip-version-check -q -r test-requirements-publish.txt
	touch $@

# What Galaxy runs on an upload: galaxy-importer on the tarball of `build` (hacking/galaxy_import.py).
importer: build publish-venv
	$(PUBLISH_BIN)/python hacking/galaxy_import.py

# The Ansible package's docs linter, and the collection's docs site built with antsibull-docs on the
# installed tarball, failing on any warning (hacking/docsite.py; the site lands in .tmp/docsite/build/html).
docs: build publish-venv
	$(PUBLISH_BIN)/python hacking/docsite.py

# Convert the guides of docs/*.md into the docs site's extra docs, docs/docsite/rst (hacking/docs_rst.py).
docs-rst: publish-venv
	$(PUBLISH_BIN)/python hacking/docs_rst.py

# ansible-lint resolves this collection's modules through a collections path that holds this tree.
lint: venv
	mkdir -p .tmp/collections/ansible_collections/clearip
	ln -sfn $(CURDIR) .tmp/collections/ansible_collections/clearip/netsapiens
	ANSIBLE_COLLECTIONS_PATH=$(abspath .tmp/collections) $(BIN)/ansible-lint --offline --profile production
	$(BIN)/antsibull-changelog lint
	$(BIN)/python hacking/changelog_current.py

# The release of galaxy.yml's version in changelogs/changelog.yaml and CHANGELOG.rst, from every fragment (they are
# kept) and the plugins the tree holds; run it after adding, editing or removing a fragment or a plugin.
changelog: venv
	mkdir -p .tmp/collections/ansible_collections/clearip
	ln -sfn $(CURDIR) .tmp/collections/ansible_collections/clearip/netsapiens
	ANSIBLE_COLLECTIONS_PATH=$(abspath .tmp/collections) $(BIN)/antsibull-changelog release --version $(VERSION) --update-existing --reload-plugins
	ANSIBLE_COLLECTIONS_PATH=$(abspath .tmp/collections) $(BIN)/antsibull-changelog generate --refresh --reload-plugins

# ansible-test insists on running from .../ansible_collections/clearip/netsapiens, so sanity runs on
# a copy of the files git knows (tracked, or new and not ignored) at such a path.
sanity: venv sanity-tree
	$(BIN)/python hacking/install_get_pip_standin.py
	cd $(SANITY_ROOT) && $(BIN)/ansible-test sanity --python 3.11 --color no

# The copy alone (the matrix's sanity cells make their own: make sanity-tree SANITY_DIR=...).
sanity-tree:
	rm -rf $(SANITY_DIR) && mkdir -p $(SANITY_ROOT)
	git ls-files -co --exclude-standard -z | xargs -0 -I{} sh -c 'test -e "{}" && cp -P --parents "{}" $(SANITY_ROOT)/ || true'
	cd $(SANITY_ROOT) && git init -q && git add -A

pytest: venv
	$(BIN)/pytest -n 2 --dist loadfile -m 'not ee' tests/unit tests/integration

# The execution environment of execution-environment.yml, built with podman on a local Debian base image, and
# the sync run in it as AWX runs a job (tests/ee_image.py, tests/integration/test_execution_environment_build.py).
# Without podman, runc or debootstrap it says so in a banner and builds nothing; in CI (CI set) that fails.
ee: venv
	@status=0; $(BIN)/python -m tests.ee_image preflight || status=$$?; \
	if [ $$status -eq 0 ]; then $(BIN)/pytest -p no:xdist -p no:cacheprovider -m ee tests/integration/test_execution_environment_build.py; \
	elif [ $$status -ne 2 ]; then exit $$status; fi

# The version matrix of noxfile.py: the tests under ansible-core 2.16 and the newest release, and
# ansible-test sanity under the newest. Each nox session builds its own environment in .tmp/nox and
# prints its duration; nox exits non-zero when any session fails. One cell: make matrix NOX_SESSIONS=tests-2.16
NOX_SESSIONS ?=
matrix: venv
	$(BIN)/nox --no-color $(if $(NOX_SESSIONS),-s $(NOX_SESSIONS))

clean:
	rm -rf .tmp $(VENV) .pytest_cache

# The README's main command: the sync against the bundled simulators (see hacking/demo.py).
demo: venv
	$(BIN)/python hacking/demo.py

# Figures, not a test: the role against a minimal client, on loopback and over a WAN-like link
# (tests/perf/benchmark.py; docs/performance.md). Default size 200 resellers, 10,000 domains,
# 100,000 users; smaller: make benchmark BENCH_ARGS="--domains 1000 --users 10000 --links loopback"
benchmark: venv
	$(BIN)/python tests/perf/benchmark.py $(BENCH_ARGS)
