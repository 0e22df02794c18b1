#!/usr/bin/env bash
# Makes sure the Go toolchain and Debian's packaged golang.org/x/mod sources
# exist for the Go interoperability test (server/audit/interop): installs
# golang-go and golang-golang-x-mod-dev with apt where they are missing. The
# test builds with GO111MODULE=off and GOPATH=/usr/share/gocode, so nothing
# is downloaded from the Go module proxy. Prints the Go version it found.
set -euo pipefail
XMOD=/usr/share/gocode/src/golang.org/x/mod/sumdb/note/note.go
have() { command -v go >/dev/null 2>&1 && [ -f "$XMOD" ]; }
if have; then go version; exit 0; fi
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
  echo "Installing Debian's golang-go and golang-golang-x-mod-dev for the Go interoperability test…" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go golang-golang-x-mod-dev) >&2
elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1; then
  (sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go golang-golang-x-mod-dev) >&2
fi
if have; then go version; exit 0; fi
echo "No Go toolchain with golang.org/x/mod could be installed: install Debian's golang-go and golang-golang-x-mod-dev" >&2
exit 1
