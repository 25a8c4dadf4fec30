#!/bin/sh
# Static checks of the library as the host builds it: clang-tidy (checks in .clang-tidy)
# and cppcheck over every file of the host library's compile_commands.json (lib/, the
# scalar and xsimd ports, and through them include/microprop). Fails on any finding.
# First, in a second: the README and docs/ against the tree (tools/check_docs.py: links,
# the generated headline table, the API example).
#   sh tools/static_checks.sh            (CI runs it; about a minute on 2 cores)
# Suppressions are inline, with their reason: // NOLINT(check): why
# and // cppcheck-suppress id (reason on the line above).
set -eu
cd "$(dirname "$0")/.."
build=build/static-checks
jobs=${JOBS:-2}

# A configure-only host tree of the library alone: compile_commands.json, nothing built.
cmake -S . -B "$build" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON -DMICROPROP_BUILD_TESTS=OFF \
    -DMICROPROP_BUILD_BENCHMARKS=OFF -DMICROPROP_BUILD_EXAMPLES=OFF -DMICROPROP_BUILD_TOOLS=OFF \
    -DMICROPROP_NESTED_SUITES=OFF >"$build.configure.log" 2>&1 ||
    { cat "$build.configure.log"; exit 1; }
files=$(sed -n 's/^ *"file": "\(.*\)",\{0,1\}$/\1/p' "$build/compile_commands.json" | sort -u)
[ -n "$files" ] || { echo "static_checks: no sources in $build/compile_commands.json" >&2; exit 1; }
count=$(echo "$files" | wc -l)

status=0
echo "static_checks: docs (tools/check_docs.py)"
if ! python3 tools/check_docs.py; then
    echo "static_checks: the README or docs/ disagree with the tree (above)"
    status=1
fi

echo "static_checks: clang-tidy ($(clang-tidy --version | sed -n 's/.*LLVM version \([0-9.]*\).*/\1/p')) on $count files"
# One file per clang-tidy process, $jobs at a time; each prints its findings.
if ! echo "$files" | xargs -P "$jobs" -n 1 clang-tidy -p "$build" --quiet 2>/dev/null; then
    echo "static_checks: clang-tidy found problems (above)"
    status=1
fi

echo "static_checks: cppcheck ($(cppcheck --version)) on $count files"
# System headers (xsimd, the C++ library) are not ours: not analysed. The xsimd port's
# per-instruction-set files stop with #error unless their -m flags define the ISA macros,
# which cppcheck does not model: that #error is expected there (their code is xsimd
# templates in kernels_xsimd.hpp, which clang-tidy checks with the real flags).
if ! cppcheck --project="$build/compile_commands.json" --std=c++17 --quiet -j "$jobs" \
        --enable=warning,performance,portability --inline-suppr --error-exitcode=1 \
        --suppress=missingIncludeSystem --suppress='*:/usr/include/*' \
        --suppress='preprocessorErrorDirective:*ports/kernels/xsimd/kernels_*.cpp' \
        --template='{file}:{line}: {severity} ({id}): {message}'; then
    echo "static_checks: cppcheck found problems (above)"
    status=1
fi

[ $status -eq 0 ] && echo "static_checks: no findings"
exit $status
