# Installation and packaging (cmake --install, pkg-config, find_package,
# CPack).  Two Debian packages: `wasmrt` — the runtime CLI, libwasmrt and
# its headers, with no LLVM dependency, for edge boxes — and `wasmc`, the
# compiler, which needs LLVM 19 and lld at run time.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS wasmrt wasmrt_static wasmrt_cli
  EXPORT wasmrtTargets
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT runtime
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT runtime
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/rt/include/
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT runtime
  FILES_MATCHING PATTERN "*.h" PATTERN "*.def")
install(EXPORT wasmrtTargets NAMESPACE wasmrt::
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/wasmrt COMPONENT runtime)

file(RELATIVE_PATH WASMRT_PC_TO_PREFIX /p/${CMAKE_INSTALL_LIBDIR}/pkgconfig /p)
configure_file(${PROJECT_SOURCE_DIR}/cmake/wasmrt.pc.in ${PROJECT_BINARY_DIR}/wasmrt.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/wasmrt.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT runtime)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/wasmrtConfig.cmake.in
  ${PROJECT_BINARY_DIR}/wasmrtConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/wasmrt)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/wasmrtConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/wasmrtConfig.cmake ${PROJECT_BINARY_DIR}/wasmrtConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/wasmrt COMPONENT runtime)

# The wasm-c-api libraries and their header.  wasm.h is installed from
# ${WASM_C_API_DIR} (Apache-2.0, with its licence); the repository itself
# does not hold a copy (../shared/wasm-c-api/PROVENANCE.md).
if(TARGET wasmrt_capi)
  install(TARGETS wasmrt_capi LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT runtime)
  install(FILES ${WASM_C_API_DIR}/include/wasm.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT runtime)
  install(FILES ${WASM_C_API_DIR}/LICENSE DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/wasmrt
    RENAME wasm-c-api.LICENSE COMPONENT runtime)
endif()
if(TARGET wasmc_capi)
  install(TARGETS wasmc_capi LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT compiler)
endif()

if(TARGET wasmc)
  install(TARGETS wasmc RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT compiler)
endif()

set(CPACK_PACKAGE_NAME wasmc)
set(CPACK_PACKAGE_VENDOR "wasmc")
set(CPACK_PACKAGE_CONTACT "wasmc maintainers")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "WebAssembly ahead-of-time compiler and sandbox runtime")
set(CPACK_GENERATOR DEB)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME wasmrt)
# wasmrt links only libc: libcrypto (--trusted-keys), libcurl
# (--allow-http) and libmicrohttpd (wasmrt serve) are dlopen'd when a
# feature first needs them (rt/dynlib.h), and a missing one is a one-line
# error naming it; so they are recommended, not required.
set(CPACK_DEBIAN_RUNTIME_PACKAGE_DEPENDS "libc6 (>= 2.36)")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_RECOMMENDS "libssl3, libcurl4, libmicrohttpd12")
set(CPACK_COMPONENT_RUNTIME_DESCRIPTION
  "wasmrt: runs wasmc artifacts in a sandbox (libwasmrt, headers, CLI; no LLVM)")
set(CPACK_DEBIAN_COMPILER_PACKAGE_NAME wasmc)
# wasmc runs lld as a separate process from the path it was built with.
set(CPACK_DEBIAN_COMPILER_PACKAGE_DEPENDS "libc6 (>= 2.36), libllvm19, lld-19, libssl3")
set(CPACK_COMPONENT_COMPILER_DESCRIPTION "wasmc: compiles WebAssembly to native artifacts for wasmrt")
set(CPACK_COMPONENTS_ALL runtime compiler)
include(CPack)
