# Cross toolchain for a runtime-only aarch64 build (Debian's
# gcc-aarch64-linux-gnu + libc6-dev-arm64-cross).
#
# Only the runtime side is built this way (-DWASMC_BUILD_COMPILER=OFF): the
# compiler runs on the build machine and emits aarch64 artifacts with
# --target=aarch64-linux-gnu.  Target libraries come from two places: the
# cross sysroot /usr/aarch64-linux-gnu (libc) and Debian multiarch
# /usr/lib/aarch64-linux-gnu (any -dev:arm64 package), so
# pkg-config is pointed at the multiarch directory only — never at the build
# machine's own .pc files, whose libraries cannot link into an aarch64
# binary.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

# "/" too, so the multiarch paths pkg-config reports resolve as they are.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu /)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# pkg-config: target .pc files only; their paths are host-absolute
# (/usr/lib/aarch64-linux-gnu), so no sysroot prefix is added.
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/aarch64-linux-gnu/pkgconfig)
set(ENV{PKG_CONFIG_PATH} "")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "")
set(PKG_CONFIG_USE_CMAKE_PREFIX_PATH OFF)

# Tests of the cross build run under user-mode emulation.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -L /usr/aarch64-linux-gnu)
