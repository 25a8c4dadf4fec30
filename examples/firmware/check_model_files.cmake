# Host test firmware_model_files: the committed model files of the flash firmware are what
# the command-line tool makes today (digits_model.cmake holds the commands):
#   digits_model.mpm  the demo's training run with the scalar kernels, byte for byte;
#   digits_model.h    the export of digits_model.mpm, byte for byte.
# So the firmware predicts with the model it claims to, and the Cortex-M3 firmware, which
# compares what it learns with digits_model.h, checks the host's scalar bits on the board.
#   cmake -DCLI=build/host/tools/cli/microprop -DSOURCE_DIR=. -DWORK_DIR=/tmp -P check_model_files.cmake
include(${CMAKE_CURRENT_LIST_DIR}/digits_model.cmake)

function(check_fresh name command)
  set(fresh ${WORK_DIR}/${name})
  set(committed examples/firmware/${name})
  list(TRANSFORM command REPLACE "^${committed}$" "${fresh}")  # the model file
  file(REMOVE ${fresh})
  if(name MATCHES "\\.h$")
    list(APPEND command -o ${fresh})
  endif()
  execute_process(COMMAND ${CLI} ${command} WORKING_DIRECTORY ${SOURCE_DIR} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "microprop ${command} failed (${rc})")
  endif()
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${fresh} ${SOURCE_DIR}/${committed}
    RESULT_VARIABLE differs)
  if(differs)
    string(REPLACE ";" " " shown "${ARGN}")
    message(FATAL_ERROR "${committed} is not what the tool writes now (${fresh}). If that is "
      "meant (new settings, a new format), remake it from the source directory:\n  ${shown}")
  endif()
  message("${committed}: identical to what the tool writes now")
endfunction()

# The export reads the committed model, not the fresh one: it checks the header alone.
set(ENV{MICROPROP_KERNELS} scalar)
string(REPLACE ";" " " train "${MICROPROP_DIGITS_MODEL_TRAIN}")
check_fresh(digits_model.mpm "${MICROPROP_DIGITS_MODEL_TRAIN}"
  "MICROPROP_KERNELS=scalar build/host/tools/cli/microprop ${train}")
string(REPLACE ";" " " export "${MICROPROP_DIGITS_MODEL_EXPORT}")
check_fresh(digits_model.h "${MICROPROP_DIGITS_MODEL_EXPORT}"
  "build/host/tools/cli/microprop ${export} -o examples/firmware/digits_model.h")
