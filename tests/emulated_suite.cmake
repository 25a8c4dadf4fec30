# Builds the project for one emulated target with its toolchain file and runs its ctest
# suite under QEMU. Called by the host suite (tests/CMakeLists.txt, test suite_<PLATFORM>).
# When the target's compiler or emulator is missing it says so and stops; the test's
# SKIP_REGULAR_EXPRESSION matches that line (cmake -P sets its own exit status only from
# CMake 3.29 on, and the project supports 3.25).
foreach(tool IN ITEMS ${COMPILER} ${EMULATOR})
  find_program(found_${tool} ${tool})
  if(NOT found_${tool})
    message("skipped: ${tool} is not installed (ports/install-dependencies.sh installs it)")
    return()
  endif()
endforeach()

set(toolchain ${SOURCE_DIR}/ports/toolchains/${PLATFORM}.cmake)

execute_process(
  COMMAND ${CTEST} --build-and-test ${SOURCE_DIR} ${WORK_DIR}
    --build-generator ${GENERATOR}
    --build-options --toolchain ${toolchain} -DCMAKE_BUILD_TYPE=Release
    --test-command ${CTEST} --output-on-failure
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the ${PLATFORM} suite failed (${rc})")
endif()
