#!/usr/bin/env bash
# debian_package.sh in the Debian 13 root (scripts/trixie-root; skipped,
# saying why, where it cannot be built): the package built there with
# trixie's compiler and libraries, installed, run, looked up and purged
# there.
DEB_RELEASE=13 exec bash "$(dirname "$0")/debian_package.sh"
