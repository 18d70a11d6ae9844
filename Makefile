# A thin front over Meson. `make demo` and `make test` are the README's quick start.
MESON ?= meson
BUILD ?= build

.PHONY: all demo test test-plain test-asan test-tsan bench clean

all: $(BUILD)/build.ninja
	ninja -C $(BUILD)

$(BUILD)/build.ninja:
	$(MESON) setup $(BUILD) --buildtype=debugoptimized

demo: all
	./$(BUILD)/cli/weft demo

# The whole suite three times: plain, AddressSanitizer+UBSan, ThreadSanitizer.
test:
	sh scripts/test-all.sh plain asan tsan

test-plain:
	sh scripts/test-all.sh plain
test-asan:
	sh scripts/test-all.sh asan
test-tsan:
	sh scripts/test-all.sh tsan

bench:
	sh bench/run.sh

clean:
	rm -rf build build-asan build-tsan build-release
