/* SPDX-License-Identifier: Apache-2.0 */
/*
 * minimal_cpp.cc: minimal.c in C++11. The header is extern "C" and builds
 * with g++ -std=c++11 -Wall -Wextra -Werror; a unique_ptr frees the
 * provider on every path. Attributes go through tracing_span_set_*(): the
 * TRACING_ATTR_* macros are C compound literals, which C++ does not have.
 *
 *	c++ -std=c++11 minimal_cpp.cc $(pkg-config --cflags --libs cotel)
 */

#include <cstdio>
#include <memory>

#include <cotel/tracing.h>

namespace {

struct provider_free {
	void operator()(tracing_provider *p) const { tracing_provider_free(p); }
};

typedef std::unique_ptr<tracing_provider, provider_free> provider_ptr;

}

int
main()
{
	tracing_provider	*p = nullptr;
	tracing_stats		 st;
	char			 errbuf[256];

	if (tracing_provider_alloc(&p, nullptr, errbuf, sizeof(errbuf)) !=
	    TRACING_OK) {
		std::fprintf(stderr, "minimal_cpp: tracing: %s\n", errbuf);
		return (1);
	}
	provider_ptr prov(p);

	int rc = tracing_provider_start(prov.get());
	if (rc != TRACING_OK) {
		std::fprintf(stderr, "minimal_cpp: tracing: %s\n",
		    tracing_strerror(rc));
		return (1);
	}
	tracing_tracer *tr = tracing_provider_tracer(prov.get(), "minimal_cpp",
	    "1.0.0");

	tracing_span *span = tracing_span_start(tr, "minimal_cpp",
	    TRACING_SPAN_INTERNAL, nullptr, 0);
	tracing_span_set_str(span, "example.name", "minimal_cpp");
	tracing_span_set_int(span, "example.answer", 42);
	/* Attribute descriptors in C++: the inline tracing_attr_* functions. */
	const tracing_attr attrs[] = {
		tracing_attr_str("example.language", "c++"),
		tracing_attr_bool("example.cpp", 1),
	};
	tracing_span_add_event(span, "example.event", 0, attrs, 2);
	tracing_span_end(span, 0);

	if ((rc = tracing_provider_shutdown(prov.get(), 5000)) != TRACING_OK)
		std::fprintf(stderr, "minimal_cpp: shutdown: %s\n",
		    tracing_strerror(rc));
	tracing_provider_stats(prov.get(), &st);
	if (st.spans_exported != 1) {
		std::fprintf(stderr, "minimal_cpp: span not exported\n");
		return (1);
	}
	return (rc == TRACING_OK ? 0 : 1);
}
