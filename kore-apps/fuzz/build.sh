#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds an executable of Kore in one process (fuzz/inproc.c): the patched
# Kore tree that scripts/build-kore.sh prepared ($BUILD/kore-src), the
# shared front door (kore-apps/common), a harness and optionally a service's
# sources, and the tracing library's fuzz objects, all compiled by clang
# with ASan and UBSan (and libFuzzer's coverage), Kore's main() renamed:
#   build.sh TOP OUT fuzz/fuzz_front_door.c notification-service fuzzer
#     (libFuzzer brings main())
#   build.sh TOP OUT tests/test_io.c - test   (the harness has main())
set -euo pipefail
top=$1 out=$2 harness=$3 service=${4:--} mode=${5:-fuzzer}
build=$top/build/fuzz-front-door
san="-fsanitize=fuzzer-no-link,address,undefined"
cc="clang -g -O1 -fno-omit-frame-pointer $san"
mkdir -p "$build/obj"

# Kore, with the features bin/kore has.
if [ ! -f "$build/kore/kore" ] || [ "$top/bin/kore" -nt "$build/kore/kore" ]; then
	rm -rf "$build/kore"
	cp -r "$top/build/kore-src" "$build/kore"
	rm -rf "$build/kore/obj" "$build/kore/kore"
	mkdir -p "$build/kore/obj"
	# Kore's pools hand out entries at 4-byte offsets (pool.c): UBSan's
	# alignment check is off for Kore's own code only.
	make -s -C "$build/kore" platform.h obj/version.c kore CURL=1 PGSQL=1 TASKS=1 \
	    SANITIZE= CC="$cc -fno-sanitize=alignment -Wno-error" -j"$(nproc)" >"$build/kore.log" 2>&1 ||
		{ tail -30 "$build/kore.log" >&2; exit 1; }
fi
features=$(cat "$top/bin/kore.features")
# Kore's pools take their regions from mmap, where LeakSanitizer does not
# look for pointers: what only pool memory points to would pass for leaked.
# Rebuilt here, pool.c takes them from the heap (fuzz_pool_mmap, in the
# harness) so that every reference is seen.
if [ ! -f "$build/obj/pool.o" ] || [ "$build/kore/obj/pool.o" -nt "$build/obj/pool.o" ]; then
	(cd "$build/kore" && $cc -fno-sanitize=alignment $features -Iinclude/kore -Iobj \
	    -D_FILE_OFFSET_BITS=64 -Dmmap=fuzz_pool_mmap -Dmunmap=fuzz_pool_munmap \
	    -c src/pool.c -o "$build/obj/pool.o")
fi
kore_objs=()
for o in "$build/kore/obj/"*.o; do
	case $(basename "$o") in
	kore.o)
		objcopy --redefine-sym main=kore_main "$o" "$build/obj/kore-nomain.o"
		kore_objs+=("$build/obj/kore-nomain.o") ;;
	pool.o) kore_objs+=("$build/obj/pool.o") ;;
	*) kore_objs+=("$o") ;;
	esac
done

# The service, against the patched Kore headers.
flags=(-std=c11 -D_GNU_SOURCE $features -DSVC_VERSION="\"$(cat "$top/VERSION")\""
    -I"$build/kore/include" -I"$(pg_config --includedir)" -I"$top/kore-apps/common"
    -I"$top/kore-apps/fuzz" -I"$top/tracing/include" -I"$top/tests"
    $(pkg-config --cflags jansson libcurl))
objs=()
srcs=("$top"/kore-apps/common/*.c "$top/kore-apps/fuzz/inproc.c" "$top/kore-apps/$harness")
if [ "$service" != - ]; then
	flags+=(-I"$top/kore-apps/$service/src")
	srcs+=("$top/kore-apps/$service/src/"*.c)
fi
# The newest of the shared headers: an object older than it is rebuilt.
newest_h=
for h in "$top"/kore-apps/common/*.h "$top/kore-apps/fuzz/inproc.h"; do
	if [ -z "$newest_h" ] || [ "$h" -nt "$newest_h" ]; then
		newest_h=$h
	fi
done
for c in "${srcs[@]}"; do
	o=$build/obj/$(basename "$(dirname "$c")")-$(basename "${c%.c}").o
	if [ ! -f "$o" ] || [ "$c" -nt "$o" ] || [ "$newest_h" -nt "$o" ]; then
		$cc "${flags[@]}" -c "$c" -o "$o"
	fi
	objs+=("$o")
done

tracing_objs=("$top"/build/tracing/fuzz/obj/*.o "$top"/build/tracing/fuzz/obj/gen/*.o)
if [ "$mode" = fuzzer ]; then
	link=-fsanitize=fuzzer,address,undefined
else
	link=-fsanitize=fuzzer-no-link,address,undefined
fi
clang -g $link -rdynamic -o "$out.tmp" \
    "${objs[@]}" "${kore_objs[@]}" "${tracing_objs[@]}" \
    -L"$(pg_config --libdir)" -lpq -lssl -lcrypto \
    $(pkg-config --libs jansson libcurl libprotobuf-c yaml-0.1 zlib) -lpthread -ldl -lm
mv "$out.tmp" "$out"
