# Reed-Solomon / GF(2^8) harnesses, included by csrc/Makefile.
#   test_rs      C checks of kernels and the erasure coder
#   asan_rs      the same under AddressSanitizer + UBSan
#   ctgrind_gf   constant-time check of the secret-data GF(2^8) paths (valgrind)
# Works on its own (make -f rs.mk ...) or included by the Makefile.
CC       ?= gcc
CFLAGS   ?= -O3 -g
INC      ?= -Iinclude -Iinternal
OUT      ?= build
VALGRIND ?= valgrind
EC_SRC   ?= $(wildcard ec/*.c)
ifeq ($(strip $(EC_SRC)),)
RS_DEFS  = -DN3_WITHOUT_EC
endif
RS_CFLAGS = $(CFLAGS) -std=gnu11 -Wall -Wextra -Wno-unused-parameter $(RS_DEFS)

RS_SRC = core.c $(wildcard rs/*.c rs/kernels/*.c) $(EC_SRC)
RS_HDR = $(wildcard include/*.h internal/*.h)

.PHONY: rs-ci test_rs asan_rs asan_rscodec ctgrind_gf ctgrind_gf-selftest speed_rs callgrind_rs

rs-ci: test_rs asan_rs asan_rscodec ctgrind_gf-selftest ctgrind_gf

$(OUT):
	mkdir -p $(OUT)

$(OUT)/test_rs: tests/test_rs.c $(RS_SRC) $(RS_HDR) | $(OUT)
	$(CC) $(RS_CFLAGS) $(INC) -o $@ tests/test_rs.c $(RS_SRC)

$(OUT)/asan_rs: tests/test_rs.c $(RS_SRC) $(RS_HDR) | $(OUT)
	$(CC) -O1 -g -std=gnu11 $(RS_DEFS) -fsanitize=address,undefined -fno-sanitize-recover=all \
	    -fno-omit-frame-pointer $(INC) -o $@ tests/test_rs.c $(RS_SRC)

$(OUT)/asan_rscodec: tests/test_rscodec.c $(RS_SRC) $(RS_HDR) | $(OUT)
	$(CC) -O1 -g -std=gnu11 $(RS_DEFS) -fsanitize=address,undefined -fno-sanitize-recover=all \
	    -fno-omit-frame-pointer $(INC) -o $@ tests/test_rscodec.c $(RS_SRC)

asan_rscodec: $(OUT)/asan_rscodec
	$(OUT)/asan_rscodec 3000

$(OUT)/ctgrind_gf: tests/ctgrind_gf.c $(RS_SRC) $(RS_HDR) | $(OUT)
	$(CC) $(RS_CFLAGS) $(INC) -o $@ tests/ctgrind_gf.c $(RS_SRC)

test_rs: $(OUT)/test_rs
	$(OUT)/test_rs

asan_rs: $(OUT)/asan_rs
	$(OUT)/asan_rs

ctgrind_gf: $(OUT)/ctgrind_gf
	$(VALGRIND) -q --error-exitcode=1 $(OUT)/ctgrind_gf

ctgrind_gf-selftest: $(OUT)/ctgrind_gf
	@if $(VALGRIND) -q --error-exitcode=1 $(OUT)/ctgrind_gf --selftest >/dev/null 2>&1; then \
	    echo "ctgrind_gf self-test FAILED: planted leak not reported"; exit 1; \
	else echo "ctgrind_gf self-test ok: planted leak reported"; fi

$(OUT)/speed_rs: speed/speed_rs.c $(RS_SRC) $(RS_HDR) | $(OUT)
	$(CC) $(RS_CFLAGS) $(INC) -o $@ speed/speed_rs.c $(RS_SRC)

speed_rs: $(OUT)/speed_rs
	for k in ref avx2 gfni gfni512; do $(OUT)/speed_rs $$k 0 0 stagger; done

# Instructions per encode (k=10, m=4, 64 KiB shards); valgrind hides GFNI and
# AVX-512, so only ref and avx2 are counted.
callgrind_rs: $(OUT)/speed_rs
	for k in ref avx2; do N3_CALLGRIND=1 $(VALGRIND) --tool=callgrind \
	    --callgrind-out-file=$(OUT)/callgrind.$$k --toggle-collect=n3_rs_encode \
	    $(OUT)/speed_rs $$k 0 0 stagger 2>&1 | grep -E "Collected" | sed "s/^/$$k: /"; done
