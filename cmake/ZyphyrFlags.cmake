# Warnings, sanitizers and per-file ISA flags.

if(ZYPHYR_SANITIZE STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
elseif(ZYPHYR_SANITIZE STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
elseif(NOT ZYPHYR_SANITIZE STREQUAL "")
  message(FATAL_ERROR "ZYPHYR_SANITIZE must be empty, 'address' or 'thread' (got '${ZYPHYR_SANITIZE}')")
endif()

# libFuzzer builds (fuzz/): everything is compiled with libFuzzer's coverage
# instrumentation and ASan + UBSan (UB aborts, so the fuzzer sees it), and
# libstdc++'s bounds assertions (ASan cannot see reads past a span into a
# mapped file); the fuzz targets link libFuzzer themselves.
if(ZYPHYR_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "ZYPHYR_FUZZ needs clang (configure with -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang)")
  endif()
  if(NOT ZYPHYR_SANITIZE STREQUAL "")
    message(FATAL_ERROR "ZYPHYR_FUZZ brings its own sanitizers: leave ZYPHYR_SANITIZE empty")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined -D_GLIBCXX_ASSERTIONS)
  add_link_options(-fsanitize=address,undefined)
endif()

function(zyphyr_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra)
  if(ZYPHYR_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# The library is compiled for the baseline x86-64 ISA; only the kernel files
# named after an ISA get that ISA's flags, and they are reached solely through
# the run-time dispatch table (src/distance/dispatch.h).
function(zyphyr_set_isa_flags)
  if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
    set_source_files_properties(${PROJECT_SOURCE_DIR}/src/distance/kernels_avx2.cpp
      PROPERTIES COMPILE_OPTIONS "-mavx2;-mfma")
    set_source_files_properties(${PROJECT_SOURCE_DIR}/src/distance/kernels_avx512.cpp
      PROPERTIES COMPILE_OPTIONS "-mavx512f;-mavx512vl;-mavx512bw;-mavx512dq;-mavx2;-mfma")
    set_source_files_properties(${PROJECT_SOURCE_DIR}/src/distance/kernels_avx512_vnni.cpp
      PROPERTIES COMPILE_OPTIONS "-mavx512f;-mavx512vl;-mavx512bw;-mavx512dq;-mavx512vnni;-mavx2;-mfma")
    # Never merged into a unity source (zyphyr_unity_build): their ISA flags
    # would reach the files merged with them.
    set_source_files_properties(${PROJECT_SOURCE_DIR}/src/distance/kernels_avx2.cpp
      ${PROJECT_SOURCE_DIR}/src/distance/kernels_avx512.cpp ${PROJECT_SOURCE_DIR}/src/distance/kernels_avx512_vnni.cpp
      PROPERTIES SKIP_UNITY_BUILD_INCLUSION ON)
  endif()
endfunction()

# Compiles `target` in unity batches of 8 files: each batch parses the
# standard library, fmt, the JSON library and our headers once instead of once
# per file, which roughly halves a from-scratch build (scripts/test.sh builds
# three flavours). Files of one target must therefore not define the same
# name at namespace scope, anonymous namespaces included: a collision is a
# compile error, fixed by naming the file's own namespace.
# -DZYPHYR_UNITY_BUILD=OFF compiles every file on its own (to check that a
# file builds without what its batch happened to declare before it).
option(ZYPHYR_UNITY_BUILD "Compile the libraries, the CLI and the tests in unity batches" ON)
function(zyphyr_unity_build target)
  if(ZYPHYR_UNITY_BUILD)
    set_target_properties(${target} PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE 8)
  endif()
endfunction()
