# sesami — PGXS build of the extension, plus the standalone worker.
#
#   make                 build the extension (sesami.so) and sesami-worker
#   make install         install the extension into the PostgreSQL found by PG_CONFIG
#   make installcheck    pg_regress + isolation tests against a running cluster
#                        that preloads sesami (scripts/test.sh starts one)
#   make worker          build only worker/sesami-worker

EXTENSION = sesami
EXTVERSION = 0.2.0

MODULE_big = sesami
OBJS = \
	extension/sesami.o \
	extension/jobs.o \
	extension/submit.o \
	extension/repo_url.o \
	extension/identity.o \
	extension/dispatcher.o \
	extension/sqs_dispatch.o \
	common/aws_buf.o \
	common/aws_http.o \
	common/sigv4.o \
	common/aws_credentials.o \
	common/sqs.o

# Sign-in (issue 5): GitHub OAuth, JWTs, tokens sealed to the worker.
OBJS += \
	extension/auth.o \
	extension/jwt.o \
	extension/github.o \
	common/seal.o

DATA_built = sesami--$(EXTVERSION).sql
# Released install scripts stay as they shipped; each release after them adds
# an upgrade script (extension/sesami--OLD--NEW.sql) with every schema change.
DATA = extension/sesami--0.1.0.sql extension/sesami--0.1.0--0.2.0.sql

REGRESS = schema repo_url transitions api worker_api outbox
REGRESS += auth submit profile settle
REGRESS_OPTS = --inputdir=. --dbname=contrib_regression
ISOLATION = claim submit_race submit_isolation cancel_dispatch
ISOLATION_OPTS = --inputdir=. --dbname=contrib_regression_iso

PG_CONFIG ?= pg_config
PG_CFLAGS += -Wall -Wextra -Werror -Wno-unused-parameter -Wno-sign-compare \
	-Wno-missing-field-initializers
PG_CPPFLAGS += -I$(srcdir)/extension -I$(srcdir)/common
SHLIB_LINK += $(shell pkg-config --libs libcurl libcrypto json-c)

EXTRA_CLEAN = worker/sesami-worker

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

all: worker

# PGXS knows no header dependencies: an object built against an older
# extension/*.h (SesamiShared's layout, say) would link without complaint.
$(OBJS): $(wildcard $(srcdir)/extension/*.h $(srcdir)/common/*.h)

# The install script is one file per release, assembled from the source script.
sesami--$(EXTVERSION).sql: extension/sesami.sql
	cp $< $@

.PHONY: worker
worker:
	$(MAKE) -C worker

clean: clean-worker
.PHONY: clean-worker
clean-worker:
	$(MAKE) -C worker clean

# Sign-in (issue 5): command-line driver for common/seal.c, used by
# test/auth.test.sh and scripts/reseal-tokens.sh.
EXTRA_CLEAN += test/seal_driver
test/seal_driver: test/seal_driver.c common/seal.c common/seal.h
	$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -I$(srcdir)/common -o $@ \
		test/seal_driver.c common/seal.c $(shell pkg-config --libs libcrypto)
