# The two commands a newcomer runs: `make test` and `make demo`. Everything else is CMake.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps configure build test demo sanitize clean format tidy

all: build

deps:
	@scripts/install-deps.sh

$(BUILD)/build.ninja: | deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

configure: deps $(BUILD)/build.ninja

build: configure
	cmake --build $(BUILD) -j $(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 1500

demo: build
	@scripts/demo.sh $(BUILD)

# ASan + UBSan build of everything, tests included.
sanitize:
	$(MAKE) test BUILD=build-asan CMAKE_FLAGS="-DHUBSEC_SANITIZE=ON"

format:
	git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

tidy: configure
	git ls-files 'driver/*.cpp' 'ike/*.cpp' 'host/*.cpp' | xargs clang-tidy -p $(BUILD) --quiet

clean:
	rm -rf $(BUILD)
