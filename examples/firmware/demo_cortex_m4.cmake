# The Cortex-M4 half of `cmake --workflow --preset demo` (host test demo_cortex_m4,
# examples/CMakeLists.txt): builds the digits firmware for the Cortex-M4F in a nested build
# (target cortex-m4 of ports/targets.json, only the two images and what they need) and runs
# both under qemu-system-arm, exactly as their board tests do. When the cross compiler or the
# emulator is missing it says so and stops; the test's SKIP_REGULAR_EXPRESSION matches
# that line (cmake -P can set its exit status only from CMake 3.29 on).
#   cmake -DSOURCE_DIR=. -DWORK_DIR=build/host/nested/demo-cortex-m4 -DGENERATOR="Unix Makefiles"
#         -DCTEST=ctest -P demo_cortex_m4.cmake
include(${SOURCE_DIR}/ports/targets.cmake)
microprop_target_get(cortex-m4 programs programs)
microprop_target_get(cortex-m4 toolchain toolchain)
foreach(tool IN LISTS programs)
  find_program(found_${tool} ${tool})
  if(NOT found_${tool})
    message("skipped: the Cortex-M4 part of the demo needs ${tool}, which is not installed "
      "(sh ports/install-dependencies.sh installs it)")
    return()
  endif()
endforeach()

set(images microprop_digits_online microprop_digits_flash microprop_digits_adapt)
microprop_reset_stale_build(${WORK_DIR} ${SOURCE_DIR}/${toolchain})
message("Building the digits firmware for the Cortex-M4F (arm-none-eabi-g++, ${WORK_DIR}) ...")
execute_process(
  COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR} -G ${GENERATOR}
    --toolchain ${SOURCE_DIR}/${toolchain}
    -DCMAKE_BUILD_TYPE=Release -DMICROPROP_BUILD_TESTS=OFF
  RESULT_VARIABLE rc OUTPUT_VARIABLE log ERROR_VARIABLE log)
if(rc EQUAL 0)
  execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK_DIR} --parallel 2 --target ${images}
    RESULT_VARIABLE rc OUTPUT_VARIABLE log ERROR_VARIABLE log)
endif()
if(NOT rc EQUAL 0)
  message("${log}")
  message(FATAL_ERROR "building the Cortex-M4 firmware failed (${rc})")
endif()

# The images run as ctest registered them (qemu-run.sh and the board's machine).
execute_process(COMMAND ${CTEST} --show-only=json-v1 WORKING_DIRECTORY ${WORK_DIR}
  OUTPUT_VARIABLE tests RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "ctest --show-only failed in ${WORK_DIR}")
endif()
string(JSON count LENGTH "${tests}" tests)
foreach(name IN ITEMS digits_online digits_flash digits_adapt)
  set(command "")
  math(EXPR last "${count} - 1")
  foreach(i RANGE ${last})
    string(JSON test_name GET "${tests}" tests ${i} name)
    if(test_name STREQUAL name)
      string(JSON words LENGTH "${tests}" tests ${i} command)
      math(EXPR last_word "${words} - 1")
      foreach(w RANGE ${last_word})
        string(JSON word GET "${tests}" tests ${i} command ${w})
        list(APPEND command "${word}")
      endforeach()
    endif()
  endforeach()
  if(NOT command)
    message(FATAL_ERROR "no test ${name} in ${WORK_DIR}")
  endif()
  # qemu-run.sh MACHINE IMAGE, or qemu-system-arm -M MACHINE ... (digits_adapt, for -icount)
  list(FIND command "-M" option)
  if(option LESS 0)
    set(option 0)
  endif()
  math(EXPR option "${option} + 1")
  list(GET command ${option} machine)
  # Captured, then shown on the stream ctest shows this script's messages on (in order).
  execute_process(COMMAND ${command} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  string(STRIP "${out}" out)
  message("\n${name}, Cortex-M4F under qemu-system-arm -M ${machine}:\n${out}")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${name} failed (${rc})")
  endif()
endforeach()
