#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# man-names.sh: the names a section-3 page documents: the .Nm lines of its
# NAME section (mdoc), one a line. `make install` writes a link page for
# each, so that man finds a function's page by the function's name.
#
# usage: man-names.sh PAGE
set -eu
sed -n '/^\.Sh NAME/,/^\.Nd/{s/^\.Nm \([A-Za-z0-9_]*\).*/\1/p}' "$1"
