# SPDX-License-Identifier: Apache-2.0
# Compiler settings shared by every C component (tracing/, kore-apps/, cli/).
# Each component Makefile sets TOP to the project root and includes this file.

CC	?= cc
BUILD	:= $(TOP)/build
BIN	:= $(TOP)/bin

# Optimisation and hardening: the builder's own CFLAGS when given (Debian's
# dpkg-buildflags), ours otherwise.
CFLAGS	?= -g -O2 -fstack-protector-strong
CFLAGS	+= -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow
CFLAGS	+= -Wstrict-prototypes -Wmissing-prototypes -Wpointer-arith
CFLAGS	+= -fPIC
# Position-independent code that may still call and inline its own functions
# directly: nothing here is meant to be interposed by another object.
CFLAGS	+= -fno-semantic-interposition
LDFLAGS	+=

# make SANITIZE=address,undefined builds everything with sanitizers.
ifneq ($(SANITIZE),)
CFLAGS	+= -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS	+= -fsanitize=$(SANITIZE)
# ThreadSanitizer cannot mix with the others: a tree of its own.
BUILD	:= $(TOP)/build/san$(if $(findstring thread,$(SANITIZE)),-thread)
endif
