# Builds the project for one target of ports/targets.json with its toolchain file and runs
# its ctest suite under QEMU. Called by the host suite (tests/CMakeLists.txt, test
# suite_<TARGET>). When a program the target needs (its "programs": compiler, emulator) is
# missing it says so and stops; the test's SKIP_REGULAR_EXPRESSION matches that line (cmake
# -P sets its own exit status only from CMake 3.29 on, and the project supports 3.25).
include(${SOURCE_DIR}/ports/targets.cmake)
microprop_target_get(${TARGET} programs programs)
foreach(tool IN LISTS programs)
  find_program(found_${tool} ${tool})
  if(NOT found_${tool})
    message("skipped: ${tool} is not installed (ports/install-dependencies.sh installs it)")
    return()
  endif()
endforeach()

microprop_target_get(${TARGET} toolchain toolchain)
microprop_reset_stale_build(${WORK_DIR} ${SOURCE_DIR}/${toolchain})
execute_process(
  COMMAND ${CTEST} --build-and-test ${SOURCE_DIR} ${WORK_DIR}
    --build-generator ${GENERATOR}
    --build-options --toolchain ${SOURCE_DIR}/${toolchain} -DCMAKE_BUILD_TYPE=Release
    --test-command ${CTEST} --output-on-failure
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the ${TARGET} suite failed (${rc})")
endif()
